//! `PermissionSet` as stored words and its complement.

use portcullis_permissions::{Permission, PermissionSet, WORDS};
use proptest::prelude::*;

fn permission() -> impl Strategy<Value = Permission> {
    (0..Permission::COUNT).prop_map(|at| Permission::ALL[at])
}

fn set() -> impl Strategy<Value = PermissionSet> {
    prop::collection::vec(permission(), 0..80).prop_map(|list| list.into_iter().collect())
}

proptest! {
    #[test]
    fn words_round_trip(set in set()) {
        prop_assert_eq!(PermissionSet::from_words(set.to_words()), set);
    }

    #[test]
    fn from_words_keeps_catalogue_bits_and_drops_the_rest(words in prop::array::uniform11(any::<u64>())) {
        let set = PermissionSet::from_words(words);
        prop_assert!(set.is_subset(&PermissionSet::all()));
        for permission in Permission::ALL {
            let id = usize::from(permission.id());
            prop_assert_eq!(set.contains(permission), (words[id / 64] >> (id % 64)) & 1 == 1);
        }
        // What survives is exactly what `to_words` gives back.
        prop_assert_eq!(PermissionSet::from_words(set.to_words()), set);
    }

    #[test]
    fn not_is_the_complement_within_the_catalogue(set in set()) {
        let complement = !set;
        prop_assert!(!complement.intersects(&set));
        prop_assert_eq!(complement | set, PermissionSet::all());
        prop_assert_eq!(complement.len(), Permission::COUNT - set.len());
        prop_assert_eq!(!complement, set);
        for permission in Permission::ALL {
            prop_assert_eq!(complement.contains(permission), !set.contains(permission));
        }
    }

    #[test]
    fn assigning_operators_match_the_plain_ones(a in set(), b in set()) {
        let mut or = a;
        or |= b;
        prop_assert_eq!(or, a | b);
        let mut or_ref = a;
        or_ref |= &b;
        prop_assert_eq!(or_ref, a | b);
        let mut and = a;
        and &= b;
        prop_assert_eq!(and, a & b);
        let mut and_ref = a;
        and_ref &= &b;
        prop_assert_eq!(and_ref, a & b);
        let mut minus = a;
        minus -= b;
        prop_assert_eq!(minus, a - b);
        let mut minus_ref = a;
        minus_ref -= &b;
        prop_assert_eq!(minus_ref, a - b);
        // The operators on references (what generic code over `&Set` uses).
        let (ra, rb) = (&a, &b);
        prop_assert_eq!(ra | rb, a | b);
        prop_assert_eq!(ra & rb, a & b);
        prop_assert_eq!(ra - rb, a - b);
        prop_assert_eq!(a.intersects(&b), !(a & b).is_empty());
    }
}

#[test]
fn the_words_of_known_sets() {
    assert_eq!(WORDS, 11);
    assert_eq!(PermissionSet::empty().to_words(), [0; WORDS]);
    let all = PermissionSet::all().to_words();
    assert_eq!(all[..WORDS - 1], [u64::MAX; WORDS - 1]);
    // 664 permissions: the last word holds ids 640–663, 24 bits.
    assert_eq!(all[WORDS - 1], (1 << 24) - 1);
    let first_and_last =
        PermissionSet::from_slice(&[Permission::ALL[0], Permission::ALL[Permission::COUNT - 1]]);
    let mut expected = [0; WORDS];
    expected[0] = 1;
    expected[WORDS - 1] = 1 << 23;
    assert_eq!(first_and_last.to_words(), expected);
    assert_eq!(!PermissionSet::empty(), PermissionSet::all());
    assert_eq!(!PermissionSet::all(), PermissionSet::empty());
}
