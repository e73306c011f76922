//! `portcullis app-password new` and `portcullis api-key new`: mint a
//! Stalwart-format app password or API key.
//!
//! The freshly minted secret is printed once: minting it is the point of
//! the command (it is never stored anywhere). Everything else follows the
//! rule that secrets stay off argv and out of output.

use ipnet::IpNet;
use portcullis_credentials::{CredentialId, CredentialOptions, OsRandom, SecretHashing, Verifier};
use portcullis_permissions::{CredentialScope, NameMode, PermissionSet};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::output::{Outcome, UsageError};

/// `app-password` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Mint an app password: prints the secret (once) and the record to store.
    New(NewArgs),
}

/// `api-key` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ApiKeyCommand {
    /// Mint an API key: prints the secret (once) and the record to store.
    New(ApiKeyArgs),
}

/// `api-key new` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct ApiKeyArgs {
    /// The account's number encoded in the key (`id` of the account in the
    /// directory file), so the key works alone as a bearer token.
    #[arg(long)]
    account_id: u32,
    #[command(flatten)]
    common: NewArgs,
}

/// What `app-password new` and `api-key new` share.
#[derive(Debug, clap::Args)]
pub(crate) struct NewArgs {
    /// The credential id encoded in the secret (unique within the account).
    #[arg(long)]
    id: u32,
    /// Expiry: an RFC 3339 instant (`2026-12-31T00:00:00Z`) or `+N` days.
    #[arg(long)]
    expires: Option<String>,
    /// A network the credential may be used from (repeatable; none = anywhere).
    #[arg(long = "allow-ip")]
    allow_ip: Vec<String>,
    /// A preset (`mail-only`, `imap-only`, `dav-only`, `regular-user`,
    /// `inherit`) or a comma-separated list of permission names.
    #[arg(long, default_value = "inherit")]
    scope: String,
    /// Free text shown to the user.
    #[arg(long, default_value = "")]
    description: String,
    /// How the record stores the secret: `ssha256` (default) or `argon2id`.
    #[arg(long, default_value = "ssha256")]
    hashing: String,
    /// Creation time, Unix seconds (default: now).
    #[arg(long)]
    now: Option<i64>,
}

pub(crate) fn run(command: Command) -> Result<Outcome, UsageError> {
    match command {
        Command::New(args) => new(args, None),
    }
}

pub(crate) fn run_api_key(command: ApiKeyCommand) -> Result<Outcome, UsageError> {
    match command {
        ApiKeyCommand::New(args) => new(args.common, Some(args.account_id)),
    }
}

/// Mints an app password, or an API key for `account_id`.
fn new(args: NewArgs, account_id: Option<u32>) -> Result<Outcome, UsageError> {
    let now = match args.now {
        Some(seconds) => OffsetDateTime::from_unix_timestamp(seconds)
            .map_err(|_| UsageError::new("--now is out of range"))?,
        None => OffsetDateTime::now_utc(),
    };
    let hashing = match args.hashing.as_str() {
        "ssha256" => SecretHashing::SaltedSha256,
        "argon2id" => SecretHashing::Argon2id,
        other => {
            return Err(UsageError::new(format!(
                "unknown --hashing {other:?} (ssha256 or argon2id)"
            )));
        }
    };
    let options = CredentialOptions {
        description: args.description,
        expires_at: args
            .expires
            .as_deref()
            .map(|text| expiry(text, now))
            .transpose()?,
        allowed_ips: args
            .allow_ip
            .iter()
            .map(|text| network(text))
            .collect::<Result<_, _>>()?,
        scope: scope(&args.scope)?,
    };
    let verifier = Verifier::builder()
        .secret_hashing(hashing)
        .without_cache()
        .build()
        .map_err(|error| UsageError::new(format!("cannot set up: {error}")))?;
    let id = CredentialId(args.id);
    let minted = match account_id {
        None => verifier.new_app_password(id, options, now, &mut OsRandom),
        Some(account) => verifier.new_api_key(account, id, options, now, &mut OsRandom),
    }
    .map_err(|error| UsageError::new(format!("cannot mint: {error}")))?;
    let secret = minted
        .secret
        .expose_str()
        .ok_or_else(|| UsageError::new("minted secret is not UTF-8"))?;
    let record = serde_json::to_value(&minted.record)
        .map_err(|error| UsageError::new(format!("cannot render the record: {error}")))?;
    Ok(Outcome::Accepted(
        json!({"ok": true, "secret": secret, "record": record}),
    ))
}

fn expiry(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, UsageError> {
    if let Some(days) = text.strip_prefix('+') {
        let days = days
            .strip_suffix('d')
            .unwrap_or(days)
            .parse::<i64>()
            .map_err(|_| UsageError::new(format!("--expires {text:?}: expected +N or +Nd days")))?;
        return Ok(now + time::Duration::days(days));
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|error| UsageError::new(format!("--expires {text:?}: not RFC 3339 ({error})")))
}

fn network(text: &str) -> Result<IpNet, UsageError> {
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| {
            UsageError::new(format!(
                "--allow-ip {text:?}: not an address or CIDR network"
            ))
        })
}

fn scope(text: &str) -> Result<CredentialScope, UsageError> {
    if let Some(preset) = CredentialScope::preset(text) {
        return Ok(preset);
    }
    let names = text
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty());
    let parsed = PermissionSet::from_names(names, NameMode::Strict)
        .map_err(|error| UsageError::new(format!("--scope: {error}")))?;
    Ok(CredentialScope::Replace(parsed.set))
}
