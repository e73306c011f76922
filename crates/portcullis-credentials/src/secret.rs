//! The [`Secret`] type: passwords, tokens, app-password strings and TOTP
//! seeds as they travel through a login.

use core::fmt;

use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

/// Bytes that must never be printed, logged or compared in variable time.
///
/// - The buffer is zeroized when the value is dropped.
/// - `Debug` prints `<redacted>`; there is no `Display`.
/// - There is no `Clone`: a secret is moved, or borrowed through
///   [`Secret::expose`].
/// - Equality is constant-time in the content (the length of the two
///   values may leak, as it does on the wire).
///
/// ```
/// use portcullis_credentials::Secret;
///
/// let password = Secret::from("correct horse battery staple");
/// assert_eq!(format!("{password:?}"), "<redacted>");
/// assert!(password == Secret::from("correct horse battery staple"));
/// assert_eq!(password.expose_str(), Some("correct horse battery staple"));
/// ```
pub struct Secret {
    // A `Vec` (not a `Box<[u8]>`) so that conversion from `String`/`Vec`
    // never reallocates and leaves an un-zeroized copy behind.
    bytes: Zeroizing<Vec<u8>>,
}

impl Secret {
    /// Wraps bytes, taking ownership without copying.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret {
            bytes: Zeroizing::new(bytes),
        }
    }

    /// The secret bytes, for the few places that must read them (hashing,
    /// parsing). Never log or format the result.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// The secret as UTF-8, if it is valid UTF-8.
    #[must_use]
    pub fn expose_str(&self) -> Option<&str> {
        core::str::from_utf8(&self.bytes).ok()
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the secret is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Removes trailing `\r` and `\n` in place (a secret read from a line of
    /// stdin or a file).
    pub fn trim_line_end(&mut self) {
        while matches!(self.bytes.last(), Some(b'\n' | b'\r')) {
            if let Some(byte) = self.bytes.last_mut() {
                byte.zeroize();
            }
            self.bytes.pop();
        }
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret::new(value.into_bytes())
    }
}

impl From<Vec<u8>> for Secret {
    fn from(value: Vec<u8>) -> Secret {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret::new(value.as_bytes().to_vec())
    }
}

impl From<&[u8]> for Secret {
    fn from(value: &[u8]) -> Secret {
        Secret::new(value.to_vec())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl ConstantTimeEq for Secret {
    fn ct_eq(&self, other: &Secret) -> Choice {
        self.bytes.as_slice().ct_eq(other.bytes.as_slice())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Secret {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::from("hunter2");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{secret:#?}"), "<redacted>");
    }

    #[test]
    fn equality_compares_content() {
        assert!(Secret::from("a") == Secret::from("a"));
        assert!(Secret::from("a") != Secret::from("b"));
        assert!(Secret::from("a") != Secret::from("ab"));
    }

    #[test]
    fn trims_line_ends() {
        let mut secret = Secret::from("pw\r\n");
        secret.trim_line_end();
        assert_eq!(secret.expose(), b"pw");
    }
}
