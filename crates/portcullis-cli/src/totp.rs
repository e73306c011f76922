//! `portcullis totp new` and `portcullis totp check`.
//!
//! `new` prints the seed, its `otpauth://` URI and the stored form once:
//! minting them is the point of the command. The factor should be
//! activated only after `check` accepted a code from the user's app
//! (enrolment confirms a code from the new secret).

use portcullis_credentials::{OsRandom, Totp, TotpAlgorithm, TotpEnrolment, TotpParams, TotpStep};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::output::{Outcome, UsageError, read_stdin, refusal};

/// `totp` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Make a new TOTP seed: prints the seed (base32), the otpauth URI and
    /// the stored form.
    New(NewArgs),
    /// Check a code (stdin: `{"totp": <stored form> | "uri": "otpauth://…",
    /// "code": "123456", "last_step": N?}`).
    Check(CheckArgs),
}

/// `totp new` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct NewArgs {
    /// The account label shown in the app.
    #[arg(long)]
    account: String,
    /// The issuer label shown in the app.
    #[arg(long)]
    issuer: Option<String>,
    /// SHA1 (default), SHA256 or SHA512.
    #[arg(long, default_value = "SHA1")]
    algorithm: String,
    /// Code length, 6 to 8.
    #[arg(long, default_value_t = 6)]
    digits: u8,
    /// Step length in seconds.
    #[arg(long, default_value_t = 30)]
    period: u64,
}

/// `totp check` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// The instant to check at, Unix seconds (default: now).
    #[arg(long)]
    now: Option<i64>,
    /// Steps accepted either side of now when the input is a URI.
    #[arg(long, default_value_t = 1)]
    skew: u8,
}

pub(crate) fn run(command: Command) -> Result<Outcome, UsageError> {
    match command {
        Command::New(args) => new(&args),
        Command::Check(args) => check(&args),
    }
}

fn new(args: &NewArgs) -> Result<Outcome, UsageError> {
    let algorithm = match args.algorithm.to_ascii_uppercase().as_str() {
        "SHA1" => TotpAlgorithm::Sha1,
        "SHA256" => TotpAlgorithm::Sha256,
        "SHA512" => TotpAlgorithm::Sha512,
        other => return Err(UsageError::new(format!("unknown --algorithm {other:?}"))),
    };
    let params = TotpParams {
        algorithm,
        digits: args.digits,
        step_seconds: args.period,
        ..TotpParams::default()
    };
    let enrolment =
        TotpEnrolment::begin(params, args.issuer.as_deref(), &args.account, &mut OsRandom)
            .map_err(|error| UsageError::new(error.to_string()))?;
    let uri = enrolment
        .uri()
        .map_err(|error| UsageError::new(error.to_string()))?;
    let stored = serde_json::to_value(enrolment.totp())
        .map_err(|error| UsageError::new(format!("cannot render: {error}")))?;
    Ok(Outcome::Accepted(json!({
        "ok": true,
        "secret": enrolment.totp().secret_base32().expose_str(),
        "uri": uri.expose_str(),
        "totp": stored,
    })))
}

#[derive(serde::Deserialize)]
struct CheckInput {
    #[serde(default)]
    totp: Option<Value>,
    #[serde(default)]
    uri: Option<String>,
    code: String,
    #[serde(default)]
    last_step: Option<u64>,
}

impl Drop for CheckInput {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.code);
        if let Some(uri) = self.uri.as_mut() {
            zeroize::Zeroize::zeroize(uri);
        }
    }
}

fn check(args: &CheckArgs) -> Result<Outcome, UsageError> {
    let stdin = read_stdin()?;
    let input: CheckInput = serde_json::from_slice(&stdin).map_err(|error| {
        UsageError::new(format!(
            "stdin must be {{\"totp\"|\"uri\", \"code\"}} JSON: {error}"
        ))
    })?;
    let totp = match (input.totp.as_ref(), input.uri.as_deref()) {
        (Some(stored), None) => serde_json::from_value::<Totp>(stored.clone())
            .map_err(|error| UsageError::new(format!("\"totp\": {error}")))?,
        (None, Some(uri)) => {
            Totp::from_uri(uri, args.skew).map_err(|error| UsageError::new(error.to_string()))?
        }
        _ => return Err(UsageError::new("give exactly one of \"totp\" and \"uri\"")),
    };
    let now = match args.now {
        Some(seconds) => OffsetDateTime::from_unix_timestamp(seconds)
            .map_err(|_| UsageError::new("--now is out of range"))?,
        None => OffsetDateTime::now_utc(),
    };
    Ok(
        match totp.verify(&input.code, now, input.last_step.map(TotpStep)) {
            Ok(step) => Outcome::Accepted(json!({"ok": true, "step": step.0})),
            Err(error) => refusal(error.kind(), error.to_string()),
        },
    )
}
