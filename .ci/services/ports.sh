# Sourced by the .ci/services scripts: a free port on 127.0.0.1.
#
#   free_port FIRST OVERRIDE   the first free port of FIRST..FIRST+100, or the
#                              value of the variable named OVERRIDE when set

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local first=$1 override=$2 port
  if [[ -n ${!override:-} ]]; then
    echo "${!override}"
    return
  fi
  for port in $(seq "$first" $((first + 100))); do
    if ! port_in_use "$port"; then
      echo "$port"
      return
    fi
  done
  log "no free port in $first-$((first + 100))"
  exit 1
}
