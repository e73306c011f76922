//! [`SecretString`]: a password or token as it arrives in a request.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A secret string (password, app password, API key, bearer token, TOTP
/// code) carried by an [`AuthRequest`](crate::AuthRequest).
///
/// Zeroized on drop; `Debug` prints `<redacted>`; there is no `Display`;
/// equality is constant-time in the content.
///
/// ```
/// use portcullis::SecretString;
/// let secret = SecretString::from("correct horse");
/// assert_eq!(format!("{secret:?}"), "<redacted>");
/// assert_eq!(secret.expose(), "correct horse");
/// ```
#[derive(Clone, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a string, taking ownership without copying.
    #[must_use]
    pub fn new(value: String) -> Self {
        SecretString(Zeroizing::new(value))
    }

    /// The secret text, for the few places that must read it. Never log it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString::new(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SecretString {}
