//! `PasswordWithCode`: a TOTP second factor over protocols that cannot
//! prompt for one (IMAP, SMTP, POP3, ManageSieve, DAV).
//!
//! The user types `password` + separator + code in the password field,
//! e.g. `hunter2:123456`. The server splits it, verifies the password (the
//! verification cache may serve that part) and checks the code afresh with
//! replay protection on every login.
//!
//! # Trade-off (why it is off by default)
//! - It only suits clients that ask for the password at each login. A mail
//!   client that saves the password replays a stale code: the next
//!   connection fails (the step was used, or has expired), so users of such
//!   clients should get an app password instead.
//! - Every login consumes a time step, so two connections within the same
//!   30 s need two different codes; clients that open parallel connections
//!   (IMAP IDLE plus fetch) fail.
//! - The password field now carries a short-lived secret; TLS protects both
//!   alike, and nothing is weakened compared to the password alone, but a
//!   phished password-with-code is usable by the phisher within the window.
//! - With a separator, a password that itself ends in separator + digits is
//!   split at the last separator; choose a separator users rarely type at
//!   the end of passwords. An empty separator takes the last `digits`
//!   characters, which is common but more ambiguous.
//!
//! Accounts with a TOTP factor must then *require* the code (the facade's
//! decision): trying the whole field as a password first would make the
//! second factor optional.

/// The `password` + separator + code policy.
///
/// ```
/// use portcullis_credentials::PasswordWithCode;
///
/// let policy = PasswordWithCode::new(":");
/// let split = policy.split(b"hunter2:123456", 6).unwrap();
/// assert_eq!((split.password, split.code), (&b"hunter2"[..], "123456"));
/// assert!(policy.split(b"hunter2", 6).is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PasswordWithCode {
    /// Between password and code (may be empty).
    pub separator: String,
}

/// A password field split into its parts (borrowed from the secret).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PasswordAndCode<'a> {
    /// The password part.
    pub password: &'a [u8],
    /// The code part (`digits` ASCII digits).
    pub code: &'a str,
}

impl core::fmt::Debug for PasswordAndCode<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PasswordAndCode { <redacted> }")
    }
}

impl PasswordWithCode {
    /// The policy with this separator.
    #[must_use]
    pub fn new(separator: &str) -> PasswordWithCode {
        PasswordWithCode {
            separator: separator.to_owned(),
        }
    }

    /// Splits `field` into password and a `digits`-digit code; `None` if it
    /// does not end with separator + exactly `digits` ASCII digits.
    #[must_use]
    pub fn split<'a>(&self, field: &'a [u8], digits: u8) -> Option<PasswordAndCode<'a>> {
        let digits = usize::from(digits);
        let code_start = field.len().checked_sub(digits)?;
        let (head, code) = field.split_at_checked(code_start)?;
        if !code.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let password = head.strip_suffix(self.separator.as_bytes())?;
        if password.is_empty() {
            return None;
        }
        Some(PasswordAndCode {
            password,
            code: core::str::from_utf8(code).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_end_only() {
        let colon = PasswordWithCode::new(":");
        let split = colon.split(b"a:b:12345678", 8).unwrap();
        assert_eq!(split.password, b"a:b");
        assert!(colon.split(b"pw:12345", 6).is_none());
        assert!(colon.split(b":123456", 6).is_none());
        let empty = PasswordWithCode::new("");
        assert_eq!(empty.split(b"pw123456", 6).unwrap().password, b"pw");
        assert!(format!("{:?}", empty.split(b"pw123456", 6).unwrap()).contains("redacted"));
    }
}
