//! [`Separators`]: the characters that split `target<sep>actor` login names.

use core::fmt;

use crate::ConfigError;

/// Characters ordinary login names and addresses use, or that carry meaning
/// in an address; enabling one of them would change everyday logins.
const RESERVED: &str = "@.\"\\-_+";

/// The set of impersonation separators: ASCII punctuation characters, one
/// bit each.
///
/// The default is [`Separators::PERCENT`] alone:
/// - `%` is Stalwart's syntax (`target%actor`), which this workspace is
///   compatible with, and it is all but unused in real local parts today:
///   its one historical use, "percent-hack" source routing, is deprecated
///   (RFC 1123 §5.2.16, RFC 5321 Appendix C).
/// - `*` (Dovecot's usual `auth_master_user_separator`) is **off**, as it is
///   off by default in Dovecot; it is legal address text, and enabling two
///   separators by default would change the meaning of more addresses than
///   one. Turn it on with [`Separators::ASTERISK`] when migrating from a
///   Dovecot that used it.
/// - [`Separators::NONE`] disables the syntax; SASL authzid still works.
///
/// ```
/// use portcullis_impersonation::Separators;
/// let both = Separators::from_chars("%*")?;
/// assert_eq!(both, Separators::PERCENT.union(Separators::ASTERISK));
/// assert!(both.contains('*'));
/// assert_eq!(Separators::default().to_string(), "%");
/// assert!(Separators::from_chars("@").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Separators {
    /// Bit `c` is set when ASCII character `c` is a separator.
    mask: u128,
}

impl Separators {
    /// No separator: the `target<sep>actor` syntax is off.
    pub const NONE: Separators = Separators { mask: 0 };
    /// `%` (Stalwart).
    pub const PERCENT: Separators = Separators { mask: 1 << b'%' };
    /// `*` (Dovecot's customary master-user separator).
    pub const ASTERISK: Separators = Separators { mask: 1 << b'*' };

    /// Every character of `chars`, each of which must be ASCII punctuation
    /// and not one of `@ . " \ - _ +`.
    pub fn from_chars(chars: &str) -> Result<Separators, ConfigError> {
        chars
            .chars()
            .try_fold(Separators::NONE, |set, c| set.with(c))
    }

    /// This set plus `c`.
    pub fn with(self, c: char) -> Result<Separators, ConfigError> {
        if !c.is_ascii_punctuation() || RESERVED.contains(c) {
            return Err(ConfigError::UnsupportedSeparator(c));
        }
        Ok(Separators {
            mask: self.mask | 1u128 << u32::from(c),
        })
    }

    /// `self ∪ other`.
    #[must_use]
    pub const fn union(self, other: Separators) -> Separators {
        Separators {
            mask: self.mask | other.mask,
        }
    }

    /// Whether `c` is a separator.
    #[inline]
    pub const fn contains(self, c: char) -> bool {
        let code = c as u32;
        code < 128 && self.mask & (1u128 << code) != 0
    }

    /// Whether the syntax is off.
    pub const fn is_empty(self) -> bool {
        self.mask == 0
    }

    /// The separators in ASCII order.
    pub fn iter(self) -> impl Iterator<Item = char> {
        (0u8..128)
            .filter(move |code| self.mask & (1u128 << code) != 0)
            .map(char::from)
    }
}

impl Default for Separators {
    /// [`Separators::PERCENT`].
    fn default() -> Self {
        Separators::PERCENT
    }
}

impl fmt::Display for Separators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.iter().try_for_each(|c| fmt::Write::write_char(f, c))
    }
}

impl fmt::Debug for Separators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Separators({:?})", self.to_string())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Separators {
    /// As a string of the separator characters (`"%*"`, `""` for none).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Separators {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let chars = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Separators::from_chars(&chars).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_non_ascii_are_refused() {
        for c in ['@', '.', '"', '\\', '-', '_', '+', 'a', '1', ' ', '\0'] {
            assert_eq!(
                Separators::NONE.with(c),
                Err(ConfigError::UnsupportedSeparator(c))
            );
        }
        assert!(Separators::NONE.with('§').is_err());
        assert!(Separators::from_chars("%*!#/=").is_ok());
    }

    #[test]
    fn contains_is_exact() {
        let set = Separators::from_chars("%*").unwrap_or(Separators::NONE);
        assert!(set.contains('%') && set.contains('*'));
        assert!(!set.contains('!') && !set.contains('\u{2025}') && !set.contains('\u{10ffff}'));
        assert!(Separators::NONE.is_empty());
        assert_eq!(set.iter().collect::<String>(), "%*");
        assert_eq!(format!("{set:?}"), r#"Separators("%*")"#);
    }
}
