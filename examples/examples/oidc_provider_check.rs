//! A health probe for an OpenID provider: is its discovery document right,
//! and can its JWKS verify tokens?
//!
//! ```text
//! cargo run --example oidc_provider_check -- https://sso.example.org/realms/mail
//! ```
//!
//! It fetches the discovery document (checking that it names the same
//! issuer), then the JWKS through the same fetcher and key store a server
//! uses, and prints one JSON report. Exit status 0 when the provider is
//! ready, 1 when it is not, 2 for a usage error: fit for a cron job or a
//! container health check.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use portcullis_oidc::fetch::{FetchConfig, Fetcher};
use portcullis_oidc::{OidcConfig, OidcValidator, ProviderConfig, ProviderId};
use serde_json::json;

#[derive(Parser, Debug)]
#[command(about = "Report discovery and JWKS readiness of an OpenID provider")]
struct Args {
    /// The issuer URL, exactly as tokens carry it in `iss`.
    issuer: String,
    /// An audience (client id) to configure; only needed to build a valid
    /// provider configuration, it is not checked against anything here.
    #[arg(long, default_value = "readiness-probe")]
    audience: String,
    /// Timeout of each HTTP request, in seconds.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let provider = ProviderConfig::new(args.issuer.clone()).with_audiences([args.audience]);
    let discovery_url = provider.discovery_url();
    let validator = match OidcValidator::new(OidcConfig::new(vec![provider])) {
        Ok(v) => Arc::new(v),
        Err(e) => {
            eprintln!("configuration refused: {e}");
            return ExitCode::from(2);
        }
    };
    let timeout = Duration::from_secs(args.timeout);
    let fetcher = match Fetcher::new(FetchConfig::default().with_timeouts(timeout, timeout)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("HTTP client: {e}");
            return ExitCode::from(2);
        }
    };

    let id = ProviderId(0);
    let now = time::OffsetDateTime::now_utc();
    validator.begin_fetch(id, now);
    let outcome = fetcher.fetch_provider(&validator, id).await;
    let readiness = validator.readiness().into_iter().next();
    let (ready, state, keys, last_error) = readiness.map_or((false, "pending", 0, None), |r| {
        (r.ready, r.state, r.keys, r.last_error)
    });
    let skipped: Vec<_> = outcome
        .as_ref()
        .map(|u| {
            u.skipped
                .iter()
                .map(|s| json!({"kid": s.kid, "reason": s.reason}))
                .collect()
        })
        .unwrap_or_default();
    let report = json!({
        "issuer": args.issuer,
        "discovery_url": discovery_url,
        "ready": ready,
        "state": state,
        "keys": keys,
        "skipped_keys": skipped,
        "error": outcome.as_ref().err().map(ToString::to_string).or(last_error),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    if ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
