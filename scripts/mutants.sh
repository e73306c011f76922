#!/usr/bin/env bash
# Mutation check of the decision code (issue 21; docs/testing.md).
#
#   scripts/mutants.sh [permissions|facade|all] [extra cargo-mutants args…]
#
# permissions  every function of crates/portcullis-permissions, against that
#              crate's own tests only (it must stand on its own tests);
# facade       the facade's decision modules (crates/portcullis/src/decide/**,
#              authenticator.rs, revalidate.rs) and its revocation epochs
#              (crates/portcullis/src/revocation/**) and streaming SASL with
#              SCRAM (crates/portcullis/src/sasl/**), against the facade's tests;
#              set MUTANTS_FACADE_TESTS=workspace to count every workspace
#              test (slower; needs every workspace crate's tests to pass);
# all          both (the default).
#
# Never `--in-place`: cargo-mutants copies the tree (without what .gitignore
# ignores) to a temporary directory and mutates the copy, so the working
# tree, which others may be editing, is never touched.
#
# Environment: MUTANTS_OUT (default /tmp/mutants) receives one directory per
# run (<out>/permissions/mutants.out, <out>/facade/mutants.out);
# MUTANTS_JOBS (default 1) parallel builds, each with its own copy and target
# directory; MUTANTS_MIN_SCORE (default 90) the score below which the script
# fails. Score = (caught + timeout) / (caught + timeout + missed); unviable
# mutants (those that do not compile) are not counted.
set -euo pipefail
cd "$(dirname "$0")/.."

which=${1:-all}
shift || true
out=${MUTANTS_OUT:-/tmp/mutants}
jobs=${MUTANTS_JOBS:-1}
min_score=${MUTANTS_MIN_SCORE:-90}

if ! cargo mutants --version >/dev/null 2>&1; then
  echo "+ cargo install cargo-mutants --locked"
  cargo install cargo-mutants --locked
fi

status=0

# Prints the counts of one run and fails the script below the minimum score.
score() {
  local name=$1 dir=$2/mutants.out
  local caught missed timeout unviable
  caught=$(wc -l <"$dir/caught.txt")
  missed=$(wc -l <"$dir/missed.txt")
  timeout=$(wc -l <"$dir/timeout.txt")
  unviable=$(wc -l <"$dir/unviable.txt")
  local viable=$((caught + missed + timeout))
  if [ "$viable" -eq 0 ]; then
    echo "$name: no viable mutants"
    return
  fi
  local percent=$(((caught + timeout) * 1000 / viable))
  printf '%s: %d caught, %d timeout, %d missed, %d unviable: score %d.%d %%\n' \
    "$name" "$caught" "$timeout" "$missed" "$unviable" $((percent / 10)) $((percent % 10))
  if [ "$missed" -gt 0 ]; then
    echo "$name: survivors (each must be listed in docs/testing.md):"
    sed 's/^/  /' "$dir/missed.txt"
  fi
  if [ $((percent / 10)) -lt "$min_score" ]; then
    echo "$name: score below $min_score %"
    status=1
  fi
}

# cargo-mutants exits 2 when mutants are missed and 3 on timeouts; the score
# decides here, so only other codes (a failing baseline, a usage error) stop
# the script.
run() {
  local name=$1
  shift
  mkdir -p "$out/$name"
  echo "+ cargo mutants $* -o $out/$name"
  local code=0
  cargo mutants "$@" --profile mutants --jobs "$jobs" -o "$out/$name" || code=$?
  case $code in
    0 | 2 | 3) score "$name" "$out/$name" ;;
    *)
      echo "$name: cargo mutants failed (exit $code)"
      status=1
      ;;
  esac
}

permissions() {
  run permissions --package portcullis-permissions --test-workspace=false "$@"
}

facade() {
  local tests=(--test-package portcullis)
  if [ "${MUTANTS_FACADE_TESTS:-package}" = workspace ]; then
    tests=(--test-workspace=true)
  fi
  run facade --package portcullis "${tests[@]}" \
    --file 'crates/portcullis/src/decide/**' \
    --file crates/portcullis/src/authenticator.rs \
    --file crates/portcullis/src/revalidate.rs \
    --file 'crates/portcullis/src/revocation/**' \
    --file 'crates/portcullis/src/sasl/**' \
    "$@"
}

case $which in
  permissions) permissions "$@" ;;
  facade) facade "$@" ;;
  all)
    permissions "$@"
    facade "$@"
    ;;
  *)
    echo "usage: $0 [permissions|facade|all] [cargo-mutants args…]" >&2
    exit 64
    ;;
esac
exit $status
