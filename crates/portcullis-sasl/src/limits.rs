//! Size and step limits, with documented defaults.
//!
//! Every parser and the exchange check these before doing any work that grows
//! with the input, so a hostile client cannot make the server buffer or scan
//! more than the operator chose.

/// Default maximum length, in bytes, of an identity (authzid, authcid, LOGIN
/// username, XOAUTH2 user). RFC 4616 §2 requires at least 255 octets.
pub const MAX_IDENTITY_LEN: usize = 1024;

/// Default maximum length, in bytes, of a password (PLAIN, LOGIN). RFC 4616 §2
/// requires at least 255 octets.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Default maximum length, in bytes, of a bearer token (OAUTHBEARER, XOAUTH2).
/// JWTs with many group claims reach several kilobytes; 32 KiB leaves room.
pub const MAX_TOKEN_LEN: usize = 32 * 1024;

/// Default maximum length, in bytes, of one decoded SASL message.
pub const MAX_MESSAGE_LEN: usize = 48 * 1024;

/// Default maximum length, in bytes, of one protocol line as received
/// (base64 of [`MAX_MESSAGE_LEN`] plus room for the command and a tag).
pub const MAX_LINE_LEN: usize = 65_536 + 512;

/// Default maximum number of client responses in one exchange (the initial
/// response counts). LOGIN needs two and the OAUTHBEARER error flow three.
pub const MAX_STEPS: usize = 8;

/// Default maximum number of decoded bytes the client may send in one exchange.
pub const MAX_EXCHANGE_BYTES: usize = 64 * 1024;

/// Configurable limits. The defaults are the `MAX_*` constants of this module.
///
/// ```
/// use portcullis_sasl::Limits;
/// let mut limits = Limits::default();
/// limits.max_token_len = 8 * 1024;
/// assert_eq!(limits.max_identity_len, portcullis_sasl::MAX_IDENTITY_LEN);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum identity length in bytes (default [`MAX_IDENTITY_LEN`]).
    pub max_identity_len: usize,
    /// Maximum password length in bytes (default [`MAX_PASSWORD_LEN`]).
    pub max_password_len: usize,
    /// Maximum bearer token length in bytes (default [`MAX_TOKEN_LEN`]).
    pub max_token_len: usize,
    /// Maximum decoded message length in bytes (default [`MAX_MESSAGE_LEN`]).
    pub max_message_len: usize,
    /// Maximum wire line length in bytes, including a trailing CRLF
    /// (default [`MAX_LINE_LEN`]).
    pub max_line_len: usize,
    /// Maximum number of client responses per exchange (default [`MAX_STEPS`]).
    pub max_steps: usize,
    /// Maximum decoded bytes per exchange (default [`MAX_EXCHANGE_BYTES`]).
    pub max_exchange_bytes: usize,
}

impl Limits {
    /// The default limits, usable in `const` contexts.
    pub const DEFAULT: Self = Self {
        max_identity_len: MAX_IDENTITY_LEN,
        max_password_len: MAX_PASSWORD_LEN,
        max_token_len: MAX_TOKEN_LEN,
        max_message_len: MAX_MESSAGE_LEN,
        max_line_len: MAX_LINE_LEN,
        max_steps: MAX_STEPS,
        max_exchange_bytes: MAX_EXCHANGE_BYTES,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_honour_rfc4616_minimum() {
        let l = Limits::default();
        assert!(l.max_identity_len >= 255);
        assert!(l.max_password_len >= 255);
        assert!(l.max_line_len >= MAX_MESSAGE_LEN.div_ceil(3) * 4);
    }
}
