//! `portcullis verify`: judge one login request against a directory file,
//! exactly as a server embedding the facade would, and say why.

use std::path::PathBuf;

use portcullis::{
    AuthRequest, Authenticator, Decision, Denial, FailureClass, FileDirectory, Hashing, HttpScheme,
    PublicFailure, RequestCredentials, SaslStart, Surface,
};
use portcullis_sasl::{Error as SaslError, Limits, framing};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::output::{Outcome, UsageError, read_stdin};

/// `verify` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The directory file (TOML, see docs/directory-format.md).
    #[arg(long)]
    directory: PathBuf,
    /// Add the ordered trace of every rule consulted.
    #[arg(long)]
    explain: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    protocol: String,
    remote_ip: std::net::IpAddr,
    #[serde(default)]
    tls: bool,
    #[serde(default)]
    now: Option<i64>,
    #[serde(default)]
    sasl: Option<SaslRequest>,
    #[serde(default)]
    basic: Option<BasicRequest>,
    #[serde(default)]
    bearer: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaslRequest {
    mechanism: String,
    #[serde(default)]
    responses: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BasicRequest {
    username: String,
    password: String,
    /// A TOTP or recovery code (the portal's second field).
    #[serde(default)]
    code: Option<String>,
}

pub(crate) fn run(args: Args) -> Result<Outcome, UsageError> {
    let directory = FileDirectory::load(&args.directory)
        .map_err(|error| UsageError::new(format!("{}: {error}", args.directory.display())))?;
    let authenticator = Authenticator::builder()
        .directory(directory.clone())
        .settings(directory.settings())
        .hashing(Hashing::Inline)
        .build()
        .map_err(|error| UsageError::new(error.to_string()))?;
    let input = read_stdin()?;
    let request: Request = serde_json::from_slice(&input)
        .map_err(|error| UsageError::new(format!("invalid request JSON: {error}")))?;
    let surface = Surface::from_name(&request.protocol).ok_or_else(|| {
        UsageError::new(format!(
            "unknown protocol {:?} (imap, smtp, pop3, managesieve, jmap, caldav, carddav, webdav, portal, admin)",
            request.protocol
        ))
    })?;
    let now = match request.now {
        Some(seconds) => Some(
            OffsetDateTime::from_unix_timestamp(seconds)
                .map_err(|error| UsageError::new(format!("invalid now: {error}")))?,
        ),
        None => None,
    };
    let forms = usize::from(request.sasl.is_some())
        + usize::from(request.basic.is_some())
        + usize::from(request.bearer.is_some());
    if forms != 1 {
        return Err(UsageError::new(
            "the request needs exactly one of sasl, basic, bearer",
        ));
    }
    let credentials = if let Some(sasl) = request.sasl {
        match decode_responses(&sasl.responses) {
            Ok(responses) => RequestCredentials::Sasl {
                mechanism: sasl.mechanism,
                responses,
            },
            Err(SaslError::Cancelled) => {
                let session = authenticator.start_sasl(SaslStart {
                    surface,
                    remote_ip: request.remote_ip,
                    tls: request.tls,
                    mechanism: &sasl.mechanism,
                    initial: None,
                    now,
                });
                return Ok(render(&session.cancel(), None));
            }
            Err(error) => return Ok(malformed(&error, directory.settings().realm)),
        }
    } else if let Some(basic) = request.basic {
        match basic.code {
            Some(code) => RequestCredentials::PasswordAndCode {
                username: basic.username,
                password: basic.password.into(),
                code: code.into(),
            },
            None => RequestCredentials::Basic {
                username: basic.username,
                secret: basic.password.into(),
            },
        }
    } else {
        RequestCredentials::Bearer {
            token: request.bearer.unwrap_or_default().into(),
        }
    };
    let mut auth_request =
        AuthRequest::new(surface, request.remote_ip, credentials).with_tls(request.tls);
    auth_request.now = now;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| UsageError::new(format!("cannot start a runtime: {error}")))?;
    if args.explain {
        let explained = runtime.block_on(authenticator.explain(&auth_request));
        let trace = serde_json::to_value(&explained.trace).unwrap_or(Value::Null);
        Ok(render(&explained.decision, Some(trace)))
    } else {
        let decision = runtime.block_on(authenticator.verify(&auth_request));
        Ok(render(&decision, None))
    }
}

/// Decodes each response as it travels on the wire (`=` empty, `*` cancel).
fn decode_responses(lines: &[String]) -> Result<Vec<Vec<u8>>, SaslError> {
    let limits = Limits::default();
    lines
        .iter()
        .map(|line| {
            let mut buffer = Zeroizing::new(Vec::new());
            framing::decode_any_response(line.as_bytes(), &limits, &mut buffer).map(<[u8]>::to_vec)
        })
        .collect()
}

fn render(decision: &Decision, trace: Option<Value>) -> Outcome {
    let mut out = match decision {
        Decision::Grant(grant) => json!({
            "decision": "grant",
            "account": grant.account,
            "acting_as": grant.acting_as,
            "credential": {"kind": grant.credential.kind.name(), "id": grant.credential.id},
            "permissions": grant.rights.iter().map(|permission| permission.name()).collect::<Vec<_>>(),
            "expires_at": grant.expires_at.map(OffsetDateTime::unix_timestamp),
        }),
        Decision::Deny(denial) => deny_json(denial, false),
        Decision::TryLater(denial) => deny_json(denial, true),
    };
    if let (Some(trace), Some(object)) = (trace, out.as_object_mut()) {
        object.insert("trace".to_owned(), trace);
    }
    if decision.is_grant() {
        Outcome::Accepted(out)
    } else {
        Outcome::Refused(out)
    }
}

fn deny_json(denial: &Denial, temporary: bool) -> Value {
    let mut reason = json!({"kind": denial.reason.kind(), "detail": denial.reason.detail()});
    if let (Some(sub), Some(object)) = (denial.reason.sub_kind(), reason.as_object_mut()) {
        object.insert("sub_kind".to_owned(), json!(sub));
    }
    let mut out = json!({
        "decision": "deny",
        "reason": reason,
        "reply": reply_json(&denial.public),
    });
    if let Some(object) = out.as_object_mut() {
        if temporary {
            object.insert("temporary".to_owned(), json!(true));
        }
        if let Some(retry) = denial.retry_after {
            object.insert("retry_after".to_owned(), json!(retry.as_secs()));
        }
    }
    out
}

fn reply_json(public: &PublicFailure) -> Value {
    let http = public.http();
    json!({
        "imap": public.imap(),
        "smtp": public.smtp(),
        "pop3": public.pop3(),
        "managesieve": public.managesieve(),
        "http": {
            "status": http.status,
            "www_authenticate": http.www_authenticate,
            "retry_after": http.retry_after,
            "problem": http.problem,
        },
    })
}

/// A response that is not valid on the wire: judged and refused, without
/// reaching the authenticator.
fn malformed(error: &SaslError, realm: String) -> Outcome {
    let public = PublicFailure::new(FailureClass::Malformed, HttpScheme::Basic, realm);
    Outcome::Refused(json!({
        "decision": "deny",
        "reason": {"kind": "malformed-input", "detail": format!("malformed SASL input: {error}"), "sub_kind": error.kind()},
        "reply": reply_json(&public),
    }))
}
