#![forbid(unsafe_code)]
//! Zero-copy, sans-I/O SASL for mail servers: parsers for PLAIN (RFC 4616),
//! LOGIN, OAUTHBEARER (RFC 7628, with its error challenge) and XOAUTH2, a
//! server-side exchange state machine, the server side of SCRAM-SHA-256
//! and SCRAM-SHA-1 with channel binding (RFC 5802, RFC 7677, `-PLUS`), a
//! mechanism policy (no cleartext passwords without TLS), and the line
//! framing of IMAP (with SASL-IR), SMTP, POP3 and ManageSieve.
//!
//! The crate never touches a socket, never panics on input, and borrows from
//! the caller's buffers: parsers return views into the decoded message, and
//! the framing helpers decode base64 into a buffer the caller owns (use a
//! [`zeroize::Zeroizing`] `Vec<u8>`). Secrets are [`Secret`] (borrowed) or
//! [`OwnedSecret`] (zeroized on drop), with redacted `Debug` and constant-time
//! equality.
//!
//! Identities are passed through verbatim: `target%actor`, `target*master`
//! and authzids are the caller's policy (see `portcullis-impersonation`).
//! No SASLprep is applied, except to the SCRAM user name, which RFC 5802
//! §5.1 asks for (and which the client prepared the same way).
//!
//! # Example: a server's IMAP `AUTHENTICATE` with SASL-IR
//!
//! ```
//! use portcullis_sasl::{framing::imap, Credentials, MechanismPolicy, ServerExchange, Step, Transport};
//! use zeroize::Zeroizing;
//!
//! let policy = MechanismPolicy::new(); // PLAIN/LOGIN only over TLS
//! let mut buf = Zeroizing::new(Vec::new());
//! let line = b"a1 AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUub3JnAGNvcnJlY3QgaG9yc2U=\r\n";
//! let cmd = imap::parse_authenticate(line, policy.limits())?;
//! let initial = cmd.decode_initial(policy.limits(), &mut buf)?;
//! let (_exchange, step) = ServerExchange::start(cmd.mechanism(), initial, &policy, Transport::TLS)?;
//! let Step::Done(Credentials::Password(creds)) = step else { return Err("unexpected step".into()) };
//! assert_eq!(creds.authcid(), "alice@example.org");
//! assert_eq!(creds.password().expose(), "correct horse");
//! assert_eq!(format!("{:?}", creds.password()), "Secret(<redacted 13 bytes>)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A full loop with challenges, and the OAUTHBEARER error flow
//! ([`ServerExchange::fail_token`]), are shown on [`ServerExchange`].
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`plain`], [`login`], [`oauthbearer`], [`xoauth2`] | one parser and encoder per mechanism |
//! | [`exchange`] | [`ServerExchange`], [`Step`], [`Challenge`] |
//! | [`scram`] | [`ScramServer`](scram::ScramServer) and its keys, messages and channel binding |
//! | [`framing`] | IMAP, SMTP, POP3, ManageSieve command and continuation lines |
//! | [`policy`] | [`MechanismPolicy`], [`Transport`] |
//!
//! The crate has no features.
//!
//! # Dependencies
//!
//! - `base64`: the strict RFC 4648 decoder and encoder of the wire form.
//! - `bitflags`: [`MechanismSet`] and [`Transport`].
//! - `memchr`: fast search for the NUL and `0x01` separators (and for the
//!   `,` that ends an OAUTHBEARER authzid).
//! - `subtle`: constant-time comparison of secrets.
//! - `hmac`, `sha2` (0.13 and 0.11, the digest-0.11 generation `pbkdf2`
//!   uses) and `sha1`: SCRAM's HMAC, SHA-256 and SHA-1.
//! - `stringprep`: SASLprep (RFC 4013) of SCRAM user names.
//! - `zeroize`: wiping owned secrets and decode buffers.
//! - `thiserror`: the [`Error`] enum.
//! - `serde`, `serde_json`: the JSON of the RFC 7628 error challenge.

mod credentials;
mod error;
pub mod exchange;
pub mod framing;
mod kvlist;
mod limits;
pub mod login;
mod mechanism;
pub mod oauthbearer;
pub mod plain;
pub mod policy;
#[cfg(test)]
mod reference;
pub mod scram;
mod secret;
mod text;
pub mod xoauth2;

pub use credentials::{BearerCredentials, Credentials, PasswordCredentials};
pub use error::{Error, Field};
pub use exchange::{Challenge, FailureReason, ServerExchange, Step};
pub use limits::{
    Limits, MAX_EXCHANGE_BYTES, MAX_IDENTITY_LEN, MAX_LINE_LEN, MAX_MESSAGE_LEN, MAX_PASSWORD_LEN,
    MAX_STEPS, MAX_TOKEN_LEN,
};
pub use mechanism::{MAX_MECHANISM_NAME_LEN, Mechanism, MechanismSet};
pub use oauthbearer::{ErrorChallenge, ErrorStatus};
pub use policy::{MechanismPolicy, Transport};
pub use secret::{OwnedSecret, Secret};
