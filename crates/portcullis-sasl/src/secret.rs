//! Secret values: a borrowed view for the zero-copy parsers and an owned,
//! zeroizing form for the exchange state machine.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A password or bearer token borrowed from a decoded SASL message.
///
/// It has a redacted `Debug`, no `Display`, and compares in constant time
/// (for equal lengths) through [`subtle`]. It cannot zeroize the bytes it
/// borrows: the buffer the caller decoded into should be a
/// [`zeroize::Zeroizing`] buffer (the framing helpers take a `Vec<u8>` that
/// such a wrapper derefs to).
///
/// ```
/// use portcullis_sasl::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s:?}"), "Secret(<redacted 7 bytes>)");
/// assert!(s == Secret::new("hunter2"));
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, Copy)]
pub struct Secret<'a>(&'a str);

impl<'a> Secret<'a> {
    /// Wraps a borrowed secret.
    #[must_use]
    pub const fn new(value: &'a str) -> Self {
        Self(value)
    }

    /// The secret itself. Call this only where the value is consumed
    /// (verification, forwarding to an introspection endpoint).
    #[must_use]
    pub const fn expose(self) -> &'a str {
        self.0
    }

    /// The secret's bytes.
    #[must_use]
    pub const fn as_bytes(self) -> &'a [u8] {
        self.0.as_bytes()
    }

    /// Length in bytes (not secret: it travels on the wire in the clear).
    #[must_use]
    pub const fn len(self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    /// Copies the secret into an owned buffer that zeroizes on drop.
    #[must_use]
    pub fn to_owned_secret(self) -> OwnedSecret {
        OwnedSecret(Zeroizing::new(self.0.to_owned()))
    }
}

impl fmt::Debug for Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted {} bytes>)", self.0.len())
    }
}

impl ConstantTimeEq for Secret<'_> {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_bytes().ct_eq(other.0.as_bytes())
    }
}

impl PartialEq for Secret<'_> {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}

impl Eq for Secret<'_> {}

/// An owned password or bearer token that is zeroized when dropped.
///
/// Produced by [`crate::Credentials`] (the exchange state machine cannot
/// borrow from the separate lines of a multi-step exchange).
///
/// ```
/// use portcullis_sasl::{OwnedSecret, Secret};
/// let owned = OwnedSecret::from("s3cret");
/// assert_eq!(format!("{owned:?}"), "OwnedSecret(<redacted 6 bytes>)");
/// assert!(owned.as_secret() == Secret::new("s3cret"));
/// ```
#[derive(Clone)]
pub struct OwnedSecret(Zeroizing<String>);

impl OwnedSecret {
    /// A borrowed view of this secret.
    #[must_use]
    pub fn as_secret(&self) -> Secret<'_> {
        Secret(self.0.as_str())
    }

    /// The secret itself.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.0.as_str()
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

impl From<String> for OwnedSecret {
    fn from(value: String) -> Self {
        Self(Zeroizing::new(value))
    }
}

impl From<&str> for OwnedSecret {
    fn from(value: &str) -> Self {
        Self(Zeroizing::new(value.to_owned()))
    }
}

impl fmt::Debug for OwnedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OwnedSecret(<redacted {} bytes>)", self.0.len())
    }
}

impl ConstantTimeEq for OwnedSecret {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_bytes().ct_eq(other.0.as_bytes())
    }
}

impl PartialEq for OwnedSecret {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}

impl Eq for OwnedSecret {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("pässwörd");
        let d = format!("{s:?}");
        assert!(!d.contains("ss"));
        assert_eq!(d, "Secret(<redacted 10 bytes>)");
        let o = s.to_owned_secret();
        assert_eq!(format!("{o:?}"), "OwnedSecret(<redacted 10 bytes>)");
    }

    #[test]
    fn equality() {
        assert!(Secret::new("a") != Secret::new("b"));
        assert!(Secret::new("a") != Secret::new("aa"));
        assert!(OwnedSecret::from("x") == OwnedSecret::from(String::from("x")));
        assert!(OwnedSecret::from("x").expose() == "x");
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Secret<'static>>();
        check::<OwnedSecret>();
    }
}
