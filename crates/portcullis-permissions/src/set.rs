//! [`PermissionSet`]: a fixed-size bitset over the whole catalogue.

use core::fmt;
use core::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not, Sub, SubAssign};

use crate::{Error, Group, Permission};

/// Number of 64-bit words in a [`PermissionSet`]: `ceil(COUNT / 64)`.
pub const WORDS: usize = Permission::COUNT.div_ceil(64);

// Every permission's bit index must land inside the array; the generated
// catalogue is dense (checked by build.rs), so the last id decides.
const _: () = assert!(Permission::COUNT <= WORDS * 64);

/// A set of permissions: one bit per catalogue entry, `WORDS` words in all
/// (88 bytes for 664 permissions, where Stalwart uses 664).
///
/// Every operation is branch-free word arithmetic, so checks and set algebra
/// cost nanoseconds.
///
/// ```
/// use portcullis_permissions::{Permission, PermissionSet};
/// let mut set = PermissionSet::empty();
/// set.insert(Permission::ImapAuthenticate);
/// let other: PermissionSet = [Permission::ImapAuthenticate, Permission::EmailSend].into_iter().collect();
/// assert!(set.is_subset(&other));
/// assert_eq!((other - set).iter().collect::<Vec<_>>(), vec![Permission::EmailSend]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PermissionSet {
    words: [u64; WORDS],
}

/// How names that the catalogue does not know are treated when reading a set.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum NameMode {
    /// An unknown name is an error (the safe default for our own configs).
    #[default]
    Strict,
    /// Unknown names are kept aside and reported, for configs written by a
    /// newer server. They grant nothing.
    Lenient,
}

/// The result of reading a list of names in [`NameMode::Lenient`].
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ParsedNames {
    /// The known permissions.
    pub set: PermissionSet,
    /// Names that are not in the catalogue, in input order.
    pub unknown: Vec<String>,
}

/// Where `permission` lives: (word, mask).
const fn locate(permission: Permission) -> (usize, u64) {
    let index = permission.index();
    (index / 64, 1u64 << (index % 64))
}

impl PermissionSet {
    /// The empty set.
    pub const fn empty() -> Self {
        PermissionSet { words: [0; WORDS] }
    }

    /// Every permission in the catalogue.
    pub const fn all() -> Self {
        let mut words = [u64::MAX; WORDS];
        let spare = WORDS * 64 - Permission::COUNT;
        if spare > 0 {
            words[WORDS - 1] = u64::MAX >> spare;
        }
        PermissionSet { words }
    }

    /// Whether `permission` is in the set.
    #[inline]
    pub const fn contains(&self, permission: Permission) -> bool {
        let (word, mask) = locate(permission);
        #[expect(
            clippy::indexing_slicing,
            reason = "word = id / 64 < WORDS for every Permission (const assertion above)"
        )]
        let bits = self.words[word];
        bits & mask != 0
    }

    /// Adds `permission`; returns whether it was absent.
    #[inline]
    pub const fn insert(&mut self, permission: Permission) -> bool {
        let (word, mask) = locate(permission);
        #[expect(
            clippy::indexing_slicing,
            reason = "word = id / 64 < WORDS for every Permission (const assertion above)"
        )]
        let slot = &mut self.words[word];
        let absent = *slot & mask == 0;
        *slot |= mask;
        absent
    }

    /// Removes `permission`; returns whether it was present.
    #[inline]
    pub const fn remove(&mut self, permission: Permission) -> bool {
        let (word, mask) = locate(permission);
        #[expect(
            clippy::indexing_slicing,
            reason = "word = id / 64 < WORDS for every Permission (const assertion above)"
        )]
        let slot = &mut self.words[word];
        let present = *slot & mask != 0;
        *slot &= !mask;
        present
    }

    /// A set built from a fixed list, usable in `const` items.
    #[expect(
        clippy::indexing_slicing,
        reason = "const fn loop: `at` is bounded by the loop condition"
    )]
    pub const fn from_slice(permissions: &[Permission]) -> Self {
        let mut set = PermissionSet::empty();
        let mut at = 0;
        while at < permissions.len() {
            set.insert(permissions[at]);
            at += 1;
        }
        set
    }

    /// Every permission of one group.
    pub fn group(group: Group) -> Self {
        Permission::ALL
            .iter()
            .copied()
            .filter(|permission| permission.group() == group)
            .collect()
    }

    /// `self ∪ other`.
    #[inline]
    #[must_use]
    #[expect(
        clippy::indexing_slicing,
        reason = "const fn loop: `at` is bounded by the loop condition"
    )]
    pub const fn union(&self, other: &Self) -> Self {
        let mut words = self.words;
        let mut at = 0;
        while at < WORDS {
            words[at] |= other.words[at];
            at += 1;
        }
        PermissionSet { words }
    }

    /// `self ∩ other`.
    #[inline]
    #[must_use]
    #[expect(
        clippy::indexing_slicing,
        reason = "const fn loop: `at` is bounded by the loop condition"
    )]
    pub const fn intersection(&self, other: &Self) -> Self {
        let mut words = self.words;
        let mut at = 0;
        while at < WORDS {
            words[at] &= other.words[at];
            at += 1;
        }
        PermissionSet { words }
    }

    /// `self − other`.
    #[inline]
    #[must_use]
    #[expect(
        clippy::indexing_slicing,
        reason = "const fn loop: `at` is bounded by the loop condition"
    )]
    pub const fn difference(&self, other: &Self) -> Self {
        let mut words = self.words;
        let mut at = 0;
        while at < WORDS {
            words[at] &= !other.words[at];
            at += 1;
        }
        PermissionSet { words }
    }

    /// Whether every permission of `self` is in `other`.
    #[expect(
        clippy::indexing_slicing,
        reason = "const fn loop: `at` is bounded by the loop condition"
    )]
    pub const fn is_subset(&self, other: &Self) -> bool {
        let mut at = 0;
        while at < WORDS {
            if self.words[at] & !other.words[at] != 0 {
                return false;
            }
            at += 1;
        }
        true
    }

    /// Whether the set has no permission.
    #[expect(
        clippy::indexing_slicing,
        reason = "const fn loop: `at` is bounded by the loop condition"
    )]
    pub const fn is_empty(&self) -> bool {
        let mut at = 0;
        while at < WORDS {
            if self.words[at] != 0 {
                return false;
            }
            at += 1;
        }
        true
    }

    /// Whether the two sets share a permission.
    pub const fn intersects(&self, other: &Self) -> bool {
        !self.intersection(other).is_empty()
    }

    /// The number of permissions in the set.
    #[expect(
        clippy::indexing_slicing,
        reason = "const fn loop: `at` is bounded by the loop condition"
    )]
    pub const fn len(&self) -> usize {
        let mut count = 0;
        let mut at = 0;
        while at < WORDS {
            count += self.words[at].count_ones() as usize;
            at += 1;
        }
        count
    }

    /// The permissions in id order.
    pub fn iter(&self) -> Iter {
        Iter {
            words: self.words,
            word: 0,
        }
    }

    /// The raw words, lowest ids first (for storage and hashing).
    pub const fn to_words(&self) -> [u64; WORDS] {
        self.words
    }

    /// Rebuilds a set from [`PermissionSet::to_words`]; bits beyond the
    /// catalogue are dropped.
    pub const fn from_words(words: [u64; WORDS]) -> Self {
        PermissionSet { words }.intersection(&PermissionSet::all())
    }

    /// Reads a set from names. In [`NameMode::Strict`] the first unknown name
    /// is an error; in [`NameMode::Lenient`] unknown names are reported in
    /// [`ParsedNames::unknown`] and grant nothing.
    ///
    /// ```
    /// use portcullis_permissions::{NameMode, PermissionSet};
    /// let parsed = PermissionSet::from_names(["imapAuthenticate", "imapTeleport"], NameMode::Lenient)?;
    /// assert_eq!(parsed.set.len(), 1);
    /// assert_eq!(parsed.unknown, vec!["imapTeleport".to_string()]);
    /// assert!(PermissionSet::from_names(["imapTeleport"], NameMode::Strict).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_names<I, S>(names: I, mode: NameMode) -> Result<ParsedNames, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut parsed = ParsedNames::default();
        for name in names {
            let name = name.as_ref();
            match Permission::from_name(name) {
                Ok(permission) => {
                    parsed.set.insert(permission);
                }
                Err(error) => match mode {
                    NameMode::Strict => return Err(error),
                    NameMode::Lenient => parsed.unknown.push(name.to_owned()),
                },
            }
        }
        Ok(parsed)
    }
}

/// Iterator over a [`PermissionSet`] in id order.
#[derive(Clone, Debug)]
pub struct Iter {
    words: [u64; WORDS],
    word: usize,
}

impl Iterator for Iter {
    type Item = Permission;

    fn next(&mut self) -> Option<Permission> {
        loop {
            let bits = self.words.get_mut(self.word)?;
            if *bits == 0 {
                self.word += 1;
                continue;
            }
            let bit = bits.trailing_zeros() as usize;
            *bits &= *bits - 1;
            let id = u16::try_from(self.word * 64 + bit).ok()?;
            return Permission::from_id(id);
        }
    }
}

impl IntoIterator for &PermissionSet {
    type Item = Permission;
    type IntoIter = Iter;

    fn into_iter(self) -> Iter {
        self.iter()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<T: IntoIterator<Item = Permission>>(iter: T) -> Self {
        let mut set = PermissionSet::empty();
        set.extend(iter);
        set
    }
}

impl Extend<Permission> for PermissionSet {
    fn extend<T: IntoIterator<Item = Permission>>(&mut self, iter: T) {
        for permission in iter {
            self.insert(permission);
        }
    }
}

impl From<Permission> for PermissionSet {
    fn from(permission: Permission) -> Self {
        PermissionSet::from_slice(&[permission])
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Permission::name))
            .finish()
    }
}

macro_rules! operator {
    ($trait:ident, $method:ident, $assign:ident, $assign_method:ident, $set_method:ident) => {
        impl $trait for PermissionSet {
            type Output = PermissionSet;
            #[inline]
            fn $method(self, rhs: PermissionSet) -> PermissionSet {
                self.$set_method(&rhs)
            }
        }
        impl $trait<&PermissionSet> for &PermissionSet {
            type Output = PermissionSet;
            #[inline]
            fn $method(self, rhs: &PermissionSet) -> PermissionSet {
                self.$set_method(rhs)
            }
        }
        impl $assign for PermissionSet {
            #[inline]
            fn $assign_method(&mut self, rhs: PermissionSet) {
                *self = self.$set_method(&rhs);
            }
        }
    };
}

operator!(BitOr, bitor, BitOrAssign, bitor_assign, union);
operator!(BitAnd, bitand, BitAndAssign, bitand_assign, intersection);
operator!(Sub, sub, SubAssign, sub_assign, difference);

macro_rules! in_place {
    ($trait:ident, $method:ident, |$a:ident, $b:ident| $op:expr) => {
        impl $trait<&PermissionSet> for PermissionSet {
            /// In place, word by word (no temporary set).
            #[inline]
            fn $method(&mut self, rhs: &PermissionSet) {
                for ($a, $b) in self.words.iter_mut().zip(rhs.words.iter()) {
                    *$a = $op;
                }
            }
        }
    };
}

in_place!(BitOrAssign, bitor_assign, |word, other| *word | *other);
in_place!(BitAndAssign, bitand_assign, |word, other| *word & *other);
in_place!(SubAssign, sub_assign, |word, other| *word & !*other);

impl Not for PermissionSet {
    type Output = PermissionSet;

    /// The complement within the catalogue.
    fn not(self) -> PermissionSet {
        PermissionSet::all().difference(&self)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PermissionSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Permission::name))
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for PermissionSet {
    /// Strict: an unknown name is an error. Use [`PermissionSet::from_names`]
    /// with [`NameMode::Lenient`] to keep unknown names aside.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = <Vec<std::borrow::Cow<'de, str>>>::deserialize(deserializer)?;
        PermissionSet::from_names(names, NameMode::Strict)
            .map(|parsed| parsed.set)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_eleven_words() {
        assert_eq!(WORDS, 11);
        assert_eq!(size_of::<PermissionSet>(), 88);
    }

    #[test]
    fn all_has_every_permission_and_nothing_else() {
        let all = PermissionSet::all();
        assert_eq!(all.len(), Permission::COUNT);
        assert_eq!(all.iter().count(), Permission::COUNT);
        assert!(all.iter().eq(Permission::ALL.iter().copied()));
        assert_eq!(!all, PermissionSet::empty());
    }

    #[test]
    fn insert_remove_report_change() {
        let mut set = PermissionSet::empty();
        assert!(set.insert(Permission::AdminAuthenticate));
        assert!(!set.insert(Permission::AdminAuthenticate));
        assert!(set.contains(Permission::AdminAuthenticate));
        assert!(set.remove(Permission::AdminAuthenticate));
        assert!(!set.remove(Permission::AdminAuthenticate));
        assert!(set.is_empty());
    }

    #[test]
    fn operators_match_methods() {
        let a = PermissionSet::from_slice(&[Permission::Authenticate, Permission::ImapFetch]);
        let b = PermissionSet::from_slice(&[Permission::ImapFetch, Permission::EmailSend]);
        assert_eq!((a | b).len(), 3);
        assert_eq!(
            (a & b).iter().collect::<Vec<_>>(),
            vec![Permission::ImapFetch]
        );
        assert_eq!(
            (a - b).iter().collect::<Vec<_>>(),
            vec![Permission::Authenticate]
        );
        assert!((a & b).is_subset(&a));
        assert!(a.intersects(&b));
    }

    #[test]
    fn debug_lists_names() {
        let set = PermissionSet::from_slice(&[Permission::EmailSend, Permission::Authenticate]);
        assert_eq!(format!("{set:?}"), r#"{"authenticate", "emailSend"}"#);
    }

    #[test]
    fn from_words_drops_bits_beyond_the_catalogue() {
        let set = PermissionSet::from_words([u64::MAX; WORDS]);
        assert_eq!(set, PermissionSet::all());
    }
}
