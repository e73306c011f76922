//! `portcullis hash` and `portcullis hash check`: make and check password
//! hashes with `portcullis-credentials`.

use portcullis_credentials::hash::SCRAM_MIN_ITERATIONS;
use portcullis_credentials::{
    Argon2Params, HashPolicy, OsRandom, ScramCredential, ScramHash, Secret, StoredHash,
};
use serde_json::json;

use crate::output::{Outcome, UsageError, read_stdin, refusal};

/// `hash` arguments: without a subcommand, hash the password on stdin.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// The stored form to make: an argon2id PHC string, or Dovecot's
    /// `{SCRAM-SHA-256}`/`{SCRAM-SHA-1}` keys (which also verify PLAIN and
    /// LOGIN, and let the account use SCRAM).
    #[arg(long, value_enum, default_value_t = HashScheme::Argon2id)]
    scheme: HashScheme,
    /// argon2id memory in KiB (default 19456, OWASP).
    #[arg(long)]
    m_kib: Option<u32>,
    /// argon2id passes (default 2, OWASP).
    #[arg(long)]
    t_cost: Option<u32>,
    /// argon2id lanes (default 1, OWASP).
    #[arg(long)]
    p_cost: Option<u32>,
    /// SCRAM PBKDF2 iterations (default 4096, the minimum of RFC 5802 §5.1,
    /// RFC 7677 §4 and Dovecot; at most 2000000).
    #[arg(long)]
    iterations: Option<u32>,
}

/// What `portcullis hash` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum HashScheme {
    /// An argon2id PHC string.
    Argon2id,
    /// Dovecot's `{SCRAM-SHA-256}` (RFC 7677).
    #[value(name = "scram-sha-256")]
    ScramSha256,
    /// Dovecot's `{SCRAM-SHA-1}` (RFC 5802).
    #[value(name = "scram-sha-1")]
    ScramSha1,
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

/// stdin: the password (one trailing CR/LF is ignored) → the stored form
/// of `--scheme`. Flags of the other scheme are a usage error rather than
/// ignored: an operator who asked for 100000 iterations must not get an
/// argon2id hash without noticing.
fn hash(args: &Args) -> Result<Outcome, UsageError> {
    let scram = match args.scheme {
        HashScheme::Argon2id => None,
        HashScheme::ScramSha256 => Some(ScramHash::Sha256),
        HashScheme::ScramSha1 => Some(ScramHash::Sha1),
    };
    match scram {
        None if args.iterations.is_some() => {
            return Err(UsageError::new(
                "--iterations applies to --scheme scram-sha-256 and scram-sha-1 only",
            ));
        }
        Some(_) if args.m_kib.is_some() || args.t_cost.is_some() || args.p_cost.is_some() => {
            return Err(UsageError::new(
                "--m-kib, --t-cost and --p-cost apply to --scheme argon2id only",
            ));
        }
        _ => {}
    }
    let mut password = Secret::new(read_stdin()?.to_vec());
    password.trim_line_end();
    let (scheme, stored) = match scram {
        None => {
            let policy = HashPolicy::with_argon2(Argon2Params {
                m_kib: args.m_kib.unwrap_or(Argon2Params::OWASP.m_kib),
                t: args.t_cost.unwrap_or(Argon2Params::OWASP.t),
                p: args.p_cost.unwrap_or(Argon2Params::OWASP.p),
            });
            let phc = policy
                .hash_password(password.expose(), &mut OsRandom)
                .map_err(|error| UsageError::new(format!("cannot hash: {error}")))?;
            ("argon2id", phc)
        }
        Some(hash) => {
            let iterations = args.iterations.unwrap_or(SCRAM_MIN_ITERATIONS);
            let credential =
                ScramCredential::generate(password.expose(), iterations, hash, &mut OsRandom)
                    .map_err(|error| UsageError::new(format!("cannot hash: {error}")))?;
            (hash.scheme().name(), credential.encode())
        }
    };
    Ok(Outcome::Accepted(
        json!({"ok": true, "scheme": scheme, "hash": stored}),
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
