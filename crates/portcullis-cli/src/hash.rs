//! `portcullis hash` and `portcullis hash check`: make and check password
//! hashes with `portcullis-credentials`.

use portcullis_credentials::{Argon2Params, HashPolicy, OsRandom, Secret, StoredHash};
use serde_json::json;

use crate::output::{Outcome, UsageError, read_stdin, refusal};

/// `hash` arguments: without a subcommand, hash the password on stdin.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// argon2id memory in KiB (default 19456, OWASP).
    #[arg(long, default_value_t = Argon2Params::OWASP.m_kib)]
    m_kib: u32,
    /// argon2id passes (default 2, OWASP).
    #[arg(long, default_value_t = Argon2Params::OWASP.t)]
    t_cost: u32,
    /// argon2id lanes (default 1, OWASP).
    #[arg(long, default_value_t = Argon2Params::OWASP.p)]
    p_cost: u32,
}

/// `hash` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Check a password against a stored hash (stdin: `{"password": "..",
    /// "hash": ".."}`; any PHC, crypt or `{SCHEME}` form).
    Check,
}

#[derive(serde::Deserialize)]
struct CheckInput {
    password: String,
    hash: String,
}

impl Drop for CheckInput {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.password);
        zeroize::Zeroize::zeroize(&mut self.hash);
    }
}

pub(crate) fn run(args: Args) -> Result<Outcome, UsageError> {
    match args.command {
        Some(Command::Check) => check(),
        None => hash(&args),
    }
}

/// stdin: the password (one trailing CR/LF is ignored) → the PHC string.
fn hash(args: &Args) -> Result<Outcome, UsageError> {
    let mut password = Secret::new(read_stdin()?.to_vec());
    password.trim_line_end();
    let policy = HashPolicy::with_argon2(Argon2Params {
        m_kib: args.m_kib,
        t: args.t_cost,
        p: args.p_cost,
    });
    let phc = policy
        .hash_password(password.expose(), &mut OsRandom)
        .map_err(|error| UsageError::new(format!("cannot hash: {error}")))?;
    Ok(Outcome::Accepted(
        json!({"ok": true, "scheme": "argon2id", "hash": phc}),
    ))
}

fn check() -> Result<Outcome, UsageError> {
    let stdin = read_stdin()?;
    let input: CheckInput = serde_json::from_slice(&stdin).map_err(|error| {
        UsageError::new(format!(
            "stdin must be {{\"password\", \"hash\"}} JSON: {error}"
        ))
    })?;
    let stored = match StoredHash::parse(input.hash.trim()) {
        Ok(stored) => stored,
        Err(error) => return Ok(refusal(error.kind(), error.to_string())),
    };
    Ok(
        match stored.verify(input.password.as_bytes(), &HashPolicy::default()) {
            Ok(verified) => Outcome::Accepted(json!({
                "ok": true,
                "scheme": verified.scheme.name(),
                "needs_rehash": verified.needs_rehash,
            })),
            Err(error) => refusal(error.kind(), error.to_string()),
        },
    )
}
