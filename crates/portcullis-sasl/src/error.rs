//! The one error type of this crate.

use crate::mechanism::Mechanism;

/// Which part of a message an error is about.
///
/// Used by [`Error::InvalidUtf8`] and [`Error::TooLong`] so that logs can say
/// precisely what was wrong without echoing the (possibly secret) bytes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The authorization identity (PLAIN authzid, OAUTHBEARER `a=`).
    Authzid,
    /// The authentication identity (PLAIN authcid, LOGIN username, XOAUTH2
    /// `user=`, SCRAM `n=`).
    Authcid,
    /// A password (PLAIN, LOGIN).
    Password,
    /// A bearer token (OAUTHBEARER, XOAUTH2).
    Token,
    /// The OAUTHBEARER `host` value.
    Host,
    /// Any other key/value pair of OAUTHBEARER or XOAUTH2.
    Value,
    /// A whole decoded SASL message.
    Message,
    /// A protocol line as it travels on the wire.
    Line,
    /// The sum of all messages of one exchange.
    Exchange,
    /// A SCRAM nonce (`r=`).
    Nonce,
}

impl Field {
    /// A stable lower-case name for logs.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Authzid => "authzid",
            Self::Authcid => "authcid",
            Self::Password => "password",
            Self::Token => "token",
            Self::Host => "host",
            Self::Value => "value",
            Self::Message => "message",
            Self::Line => "line",
            Self::Exchange => "exchange",
            Self::Nonce => "nonce",
        }
    }
}

/// Everything that can go wrong while framing, parsing or running a SASL
/// exchange.
///
/// Each variant says whose fault it is: the **peer** (the client sent
/// something malformed or refused), the **configuration** (the server's policy
/// does not allow it), or **API misuse** (the caller drove the exchange in an
/// order it does not support). [`Error::kind`] gives a stable kebab-case name.
///
/// Messages never contain the client's bytes, so they are safe to log.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Peer: the client cancelled the exchange (`*`).
    #[error("the client cancelled the authentication exchange")]
    Cancelled,
    /// Peer: the response is not strict RFC 4648 base64 (padding required, no
    /// whitespace, no stray bits).
    #[error("the response is not valid base64")]
    BadBase64,
    /// Peer: a PLAIN message has fewer than two NUL separators.
    #[error("a NUL separator is missing")]
    MissingSeparator,
    /// Peer: a NUL byte where none may be (a third NUL in PLAIN, a NUL in a
    /// LOGIN value).
    #[error("unexpected NUL byte inside a field")]
    UnexpectedNul,
    /// Peer: the authentication identity (or LOGIN username, XOAUTH2 user) is empty.
    #[error("the authentication identity is empty")]
    EmptyAuthcid,
    /// Peer: the password is empty.
    #[error("the password is empty")]
    EmptyPassword,
    /// Peer: a field that must be UTF-8 is not.
    #[error("the {} is not valid UTF-8", .0.name())]
    InvalidUtf8(Field),
    /// Peer: a field, message, line or exchange is longer than the configured limit.
    #[error("the {} is longer than {limit} bytes", field.name())]
    TooLong {
        /// What was too long.
        field: Field,
        /// The limit in force, in bytes.
        limit: usize,
    },
    /// Peer: the client asked for channel binding (`p=`, or a `-PLUS`
    /// mechanism) that this mechanism or connection does not provide: a
    /// mechanism without `-PLUS` (OAUTHBEARER, SCRAM-SHA-256), a
    /// channel-binding type the server holds no data for, or a `-PLUS`
    /// mechanism on a connection without channel-binding data.
    #[error("channel binding is not supported")]
    ChannelBindingUnsupported,
    /// Peer: the RFC 5801 gs2 header is malformed.
    #[error("malformed GS2 header")]
    BadGs2Header,
    /// Peer: an authzid contains `=` not followed by `2C` or `3D` (RFC 5801).
    #[error("bad escape in the authorization identity")]
    BadAuthzidEscape,
    /// Peer: the `auth=` key/value pair is missing.
    #[error("the auth key is missing")]
    MissingAuth,
    /// Peer: the `auth=` value does not start with the `Bearer` scheme and a space.
    #[error("the auth value does not use the Bearer scheme")]
    BadAuthScheme,
    /// Peer: the bearer token is empty or not an RFC 6750 `b64token`.
    #[error("the bearer token is malformed")]
    BadToken,
    /// Peer: the OAUTHBEARER `host` value is empty or contains spaces or controls.
    #[error("the host value is malformed")]
    BadHost,
    /// Peer: the OAUTHBEARER `port` value is not a decimal number up to 65535.
    #[error("the port value is malformed")]
    BadPort,
    /// Peer: a key is not `1*ALPHA` or lacks its `=`.
    #[error("malformed key in a key/value pair")]
    BadKey,
    /// Peer: a value contains bytes RFC 7628 does not allow.
    #[error("malformed value in a key/value pair")]
    BadValue,
    /// Peer: the same key appears twice.
    #[error("a key appears twice")]
    DuplicateKey,
    /// Peer: the message does not end with the final `0x01 0x01`.
    #[error("the message is not terminated")]
    MissingTerminator,
    /// Peer: bytes follow the end of the message.
    #[error("unexpected data after the end of the message")]
    TrailingData,
    /// Peer: the XOAUTH2 `user=` pair is missing.
    #[error("the user key is missing")]
    MissingUser,
    /// Peer: the mechanism name is not one this crate implements.
    #[error("unknown SASL mechanism")]
    UnknownMechanism,
    /// Configuration: the mechanism is implemented but not enabled by the policy.
    #[error("the {} mechanism is not enabled", .0.name())]
    MechanismNotAllowed(Mechanism),
    /// Configuration: the mechanism sends cleartext secrets and the transport is
    /// not protected by TLS (reply `NO [PRIVACYREQUIRED]`, `538 5.7.11`).
    #[error("the {} mechanism requires TLS", .0.name())]
    TlsRequired(Mechanism),
    /// Peer: the exchange took more client responses than the limit allows.
    #[error("too many steps in the exchange")]
    TooManySteps,
    /// Peer: after an error challenge the client sent something other than the
    /// expected acknowledgement (`0x01`, or empty for XOAUTH2).
    #[error("unexpected reply to the error challenge")]
    BadErrorAck,
    /// Peer: the protocol command line is malformed (not `AUTHENTICATE`/`AUTH`,
    /// bad tag, bad mechanism name, bad spacing).
    #[error("malformed authentication command")]
    BadCommand,
    /// Peer: a continuation line is not a response this protocol allows (for
    /// example a ManageSieve response that is not a string).
    #[error("malformed continuation response")]
    BadResponse,
    /// API misuse: the call is not valid in the exchange's current state (for
    /// example stepping a finished exchange).
    #[error("the exchange is not in a state that allows this call")]
    InvalidState,
    /// API misuse: a SCRAM mechanism was started on
    /// [`ServerExchange`](crate::ServerExchange); it runs on
    /// [`ScramServer`](crate::scram::ScramServer), which lets the caller
    /// look the account's keys up between the client's messages.
    #[error("the {} mechanism runs on ScramServer", .0.name())]
    UseScramServer(Mechanism),
    /// Peer: the SCRAM user name (`n=`) is missing, badly escaped, not
    /// UTF-8, or refused by SASLprep (RFC 4013: prohibited, unassigned or
    /// badly mixed right-to-left characters).
    #[error("malformed SCRAM user name")]
    BadUsername,
    /// Peer: the SCRAM nonce (`r=`) is missing, empty, or not printable
    /// ASCII without `,` (RFC 5802 §7).
    #[error("malformed SCRAM nonce")]
    BadNonce,
    /// Peer: a SCRAM message does not follow RFC 5802's grammar (an
    /// attribute missing, out of order or malformed; a proof that is not
    /// base64 of the hash's length).
    #[error("malformed SCRAM message")]
    BadScramMessage,
    /// Peer: a SCRAM message carries a mandatory extension (`m=`), which
    /// RFC 5802 §5.1 says must fail the exchange when not understood.
    #[error("unsupported mandatory SCRAM extension")]
    MandatoryExtension,
    /// Peer: the client chose a `-PLUS` mechanism but its gs2 header is
    /// not `p=` (RFC 5802 §6).
    #[error("a -PLUS mechanism requires channel binding")]
    ChannelBindingRequired,
    /// Peer: the client said `y` (it supports channel binding but thinks
    /// the server does not) while the server offers `-PLUS` mechanisms: a
    /// downgrade by someone on the path, refused as RFC 5802 §6 requires.
    #[error("channel binding downgrade detected")]
    ChannelBindingDowngrade,
    /// Peer: the client-final `c=` is not the base64 of the gs2 header
    /// (and channel-binding data) of this exchange: a changed header, or a
    /// different TLS channel (a man in the middle).
    #[error("channel binding does not match")]
    ChannelBindingMismatch,
    /// Peer: the client-final nonce is not the client's nonce followed by
    /// the server's.
    #[error("the SCRAM nonce does not match")]
    NonceMismatch,
    /// Peer: the SCRAM client proof is wrong. Bad credentials: a wrong
    /// password, an unknown user and an account without SCRAM keys all end
    /// here, deliberately alike.
    #[error("the SCRAM proof does not match")]
    ProofMismatch,
    /// API misuse: the server nonce given to
    /// [`ScramServer::server_first`](crate::scram::ScramServer::server_first)
    /// is shorter than [`MIN_SERVER_NONCE_LEN`](crate::scram::MIN_SERVER_NONCE_LEN),
    /// longer than [`MAX_NONCE_LEN`](crate::scram::MAX_NONCE_LEN), or not
    /// printable ASCII without `,`.
    #[error("unusable SCRAM server nonce")]
    BadServerNonce,
    /// Configuration: SCRAM keys that cannot be used: a key not of the
    /// hash's length, an empty or over-long salt, zero iterations, or keys
    /// of another hash than the mechanism's.
    #[error("unusable SCRAM keys")]
    BadScramKeys,
}

impl Error {
    /// A stable kebab-case name for this error, printed by the CLI and used in
    /// logs and metrics.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::BadBase64 => "bad-base64",
            Self::MissingSeparator => "missing-separator",
            Self::UnexpectedNul => "unexpected-nul",
            Self::EmptyAuthcid => "empty-authcid",
            Self::EmptyPassword => "empty-password",
            Self::InvalidUtf8(_) => "invalid-utf8",
            Self::TooLong { .. } => "too-long",
            Self::ChannelBindingUnsupported => "channel-binding-unsupported",
            Self::BadGs2Header => "bad-gs2-header",
            Self::BadAuthzidEscape => "bad-authzid-escape",
            Self::MissingAuth => "missing-auth",
            Self::BadAuthScheme => "bad-auth-scheme",
            Self::BadToken => "bad-token",
            Self::BadHost => "bad-host",
            Self::BadPort => "bad-port",
            Self::BadKey => "bad-key",
            Self::BadValue => "bad-value",
            Self::DuplicateKey => "duplicate-key",
            Self::MissingTerminator => "missing-terminator",
            Self::TrailingData => "trailing-data",
            Self::MissingUser => "missing-user",
            Self::UnknownMechanism => "unknown-mechanism",
            Self::MechanismNotAllowed(_) => "mechanism-not-allowed",
            Self::TlsRequired(_) => "tls-required",
            Self::TooManySteps => "too-many-steps",
            Self::BadErrorAck => "bad-error-ack",
            Self::BadCommand => "bad-command",
            Self::BadResponse => "bad-response",
            Self::InvalidState => "invalid-state",
            Self::UseScramServer(_) => "use-scram-server",
            Self::BadUsername => "bad-username",
            Self::BadNonce => "bad-nonce",
            Self::BadScramMessage => "bad-scram-message",
            Self::MandatoryExtension => "mandatory-extension",
            Self::ChannelBindingRequired => "channel-binding-required",
            Self::ChannelBindingDowngrade => "channel-binding-downgrade",
            Self::ChannelBindingMismatch => "channel-binding-mismatch",
            Self::NonceMismatch => "nonce-mismatch",
            Self::ProofMismatch => "proof-mismatch",
            Self::BadServerNonce => "bad-server-nonce",
            Self::BadScramKeys => "bad-scram-keys",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_kebab_case() {
        let all = [
            Error::Cancelled,
            Error::InvalidUtf8(Field::Password),
            Error::TooLong {
                field: Field::Line,
                limit: 3,
            },
            Error::TlsRequired(Mechanism::Plain),
            Error::InvalidState,
            Error::UseScramServer(Mechanism::ScramSha256),
            Error::ChannelBindingDowngrade,
            Error::ProofMismatch,
            Error::BadScramKeys,
        ];
        for e in all {
            assert!(
                e.kind()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{}",
                e.kind()
            );
        }
    }

    #[test]
    fn messages_name_the_field() {
        let e = Error::TooLong {
            field: Field::Token,
            limit: 10,
        };
        assert_eq!(e.to_string(), "the token is longer than 10 bytes");
        assert_eq!(
            Error::TlsRequired(Mechanism::Login).to_string(),
            "the LOGIN mechanism requires TLS"
        );
    }
}
