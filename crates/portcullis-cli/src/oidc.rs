//! `portcullis oidc …`: check a bearer token against a provider
//! configuration and a JWKS file, offline.

use std::path::PathBuf;

use portcullis_oidc::{OidcConfig, OidcValidator};
use serde_json::json;
use time::OffsetDateTime;

use crate::output::{Outcome, UsageError, read_file, read_stdin, refusal};

/// `oidc` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Validate the token on stdin; print the mapped principal or the refusal.
    Validate {
        /// Provider configuration: one provider object or
        /// `{"providers": [...]}` (keys in `docs/cli.md`).
        #[arg(long)]
        config: PathBuf,
        /// The provider's JWKS document (used for every provider in the file).
        #[arg(long)]
        jwks: PathBuf,
        /// Judge the token at this instant (unix seconds) instead of now.
        #[arg(long)]
        now: Option<i64>,
    },
}

pub(crate) fn run(command: Command) -> Result<Outcome, UsageError> {
    match command {
        Command::Validate { config, jwks, now } => validate(&config, &jwks, now),
    }
}

fn validate(
    config: &std::path::Path,
    jwks: &std::path::Path,
    now: Option<i64>,
) -> Result<Outcome, UsageError> {
    let config_text = read_file(config)?;
    let config = OidcConfig::from_json(&config_text)
        .map_err(|error| UsageError::new(format!("{}: {error}", config.display())))?;
    let validator =
        OidcValidator::new(config).map_err(|error| UsageError::new(error.to_string()))?;
    let jwks_text = read_file(jwks)?;
    let now = match now {
        Some(unix) => OffsetDateTime::from_unix_timestamp(unix)
            .map_err(|error| UsageError::new(format!("--now {unix}: {error}")))?,
        None => OffsetDateTime::now_utc(),
    };
    let ids: Vec<_> = validator.providers().map(|(id, _)| id).collect();
    for id in ids {
        validator
            .on_fetch_success(id, jwks_text.as_bytes(), now)
            .map_err(|error| UsageError::new(format!("{}: {error}", jwks.display())))?;
    }
    let stdin = read_stdin()?;
    let token = std::str::from_utf8(&stdin)
        .map(str::trim)
        .unwrap_or_default();
    Ok(match validator.validate_uncached(token, now) {
        Ok(principal) => Outcome::Accepted(json!({
            "ok": true,
            "principal": {
                "username": principal.username,
                "name": principal.name,
                "groups": principal.groups,
                "roles": principal.roles,
                "scopes": principal.scopes,
                "issuer": principal.issuer,
                "subject": principal.subject,
                "audience": principal.audience,
                "authorized_party": principal.authorized_party,
                "expires_at": principal.expires_at.unix_timestamp(),
            }
        })),
        Err(refused) => refusal(refused.kind(), refused.to_string()),
    })
}
