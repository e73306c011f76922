//! `portcullis sasl …`: decode a client's SASL response exactly as it travels
//! on the wire, to see what a server would make of it.

use portcullis_sasl::oauthbearer::OAuthBearerMessage;
use portcullis_sasl::plain::PlainMessage;
use portcullis_sasl::xoauth2::XOAuth2Message;
use portcullis_sasl::{Error, Limits, Mechanism, Secret, framing, login};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::output::{Outcome, UsageError, read_stdin, refusal};

/// `sasl` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Decode one client response (stdin: base64 as on the wire, `=` for an
    /// empty initial response, `*` for a cancel; trailing CR/LF ignored).
    Decode {
        /// PLAIN, LOGIN (one step), OAUTHBEARER or XOAUTH2 (any case).
        #[arg(long)]
        mechanism: String,
        /// Print passwords and tokens instead of `<redacted N bytes>`.
        #[arg(long)]
        show_secrets: bool,
        /// Which LOGIN step the line answers: `password` (the default, so
        /// redacted like any password) or `username` (printed as is).
        #[arg(long, value_enum, default_value_t = LoginStep::Password)]
        login_step: LoginStep,
    },
}

/// The LOGIN prompt a client response answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LoginStep {
    /// The `Username:` prompt.
    Username,
    /// The `Password:` prompt.
    Password,
}

pub(crate) fn run(command: Command) -> Result<Outcome, UsageError> {
    match command {
        Command::Decode {
            mechanism,
            show_secrets,
            login_step,
        } => {
            let mechanism = Mechanism::from_name(&mechanism).map_err(|_| {
                UsageError::new(format!(
                    "unknown mechanism {mechanism:?} (expected PLAIN, LOGIN, OAUTHBEARER or XOAUTH2)"
                ))
            })?;
            let line = read_stdin()?;
            Ok(decode(mechanism, &line, show_secrets, login_step))
        }
    }
}

fn decode(mechanism: Mechanism, line: &[u8], show_secrets: bool, step: LoginStep) -> Outcome {
    let limits = Limits::default();
    let mut buf = Zeroizing::new(Vec::new());
    let result = framing::decode_any_response(line, &limits, &mut buf)
        .and_then(|bytes| fields(mechanism, bytes, &limits, show_secrets, step));
    match result {
        Ok(Value::Object(fields)) => {
            let mut out = json!({"ok": true, "mechanism": mechanism.name()});
            if let Some(object) = out.as_object_mut() {
                object.extend(fields);
            }
            Outcome::Accepted(out)
        }
        Ok(other) => Outcome::Accepted(other),
        Err(error) => refusal(error.kind(), error.to_string()),
    }
}

fn secret(value: Secret<'_>, show: bool) -> Value {
    if show {
        Value::String(value.expose().to_owned())
    } else {
        Value::String(format!("<redacted {} bytes>", value.len()))
    }
}

fn fields(
    mechanism: Mechanism,
    bytes: &[u8],
    limits: &Limits,
    show: bool,
    step: LoginStep,
) -> Result<Value, Error> {
    Ok(match mechanism {
        Mechanism::Plain => {
            let m = PlainMessage::decode(bytes, limits)?;
            json!({"authzid": m.authzid(), "authcid": m.authcid(), "password": secret(m.password(), show)})
        }
        // One LOGIN step: the line alone does not say whether it answers
        // `Username:` or `Password:`, so it is a password unless told.
        Mechanism::Login => match step {
            LoginStep::Username => {
                json!({"step": "username", "value": login::decode_username(bytes, limits)?})
            }
            LoginStep::Password => {
                let password = login::decode_password(bytes, limits)?;
                json!({"step": "password", "value": secret(password, show)})
            }
        },
        Mechanism::OAuthBearer => {
            let m = OAuthBearerMessage::decode(bytes, limits)?;
            json!({"authzid": m.authzid(), "host": m.host(), "port": m.port(), "token": secret(m.token(), show)})
        }
        Mechanism::XOAuth2 => {
            let m = XOAuth2Message::decode(bytes, limits)?;
            json!({"user": m.user(), "token": secret(m.token(), show)})
        }
        _ => return Err(Error::UnknownMechanism),
    })
}
