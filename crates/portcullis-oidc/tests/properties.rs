//! Invariants under random input.

use proptest::prelude::*;

use crate::support::{claims, kind, mint, now, validator};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary text is refused with a typed refusal, never a panic.
    #[test]
    fn arbitrary_tokens_are_refused(token in "\\PC{0,300}") {
        let v = validator();
        prop_assert!(v.validate(&token, now()).is_err());
    }

    /// Changing any one byte of a valid token never yields another
    /// principal: the result is a refusal or (for a change that decodes to
    /// the same JSON, e.g. base64 padding bits) the same principal.
    #[test]
    fn one_byte_mutations_never_change_the_principal(position in 0_usize..2000, replacement in "[A-Za-z0-9_.-]") {
        let v = validator();
        let token = mint("ed25519", &claims());
        let original = v.validate_uncached(&token, now()).unwrap();
        let mut bytes = token.into_bytes();
        let at = position % bytes.len();
        bytes[at] = replacement.as_bytes()[0];
        let mutated = String::from_utf8(bytes).unwrap();
        match v.validate_uncached(&mutated, now()) {
            Ok(principal) => prop_assert_eq!(principal, original),
            Err(refusal) => prop_assert_ne!(refusal.kind(), "ok"),
        }
    }
}

#[test]
fn kind_helper_reports_ok() {
    assert_eq!(
        kind(validator().validate(&mint("rsa-1", &claims()), now())),
        "ok"
    );
}
