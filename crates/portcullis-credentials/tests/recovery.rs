//! Recovery codes: generation, one-time use, storage.

use std::collections::HashSet;

use portcullis_credentials::{DEFAULT_RECOVERY_CODES, OsRandom, RecoveryCodes, RecoveryRefusal};

use crate::support::Broken;

#[test]
fn each_code_works_once() {
    let new = RecoveryCodes::generate(DEFAULT_RECOVERY_CODES, &mut OsRandom).unwrap();
    assert_eq!(new.codes.len(), 10);
    let texts: Vec<String> = new
        .codes
        .iter()
        .map(|c| c.expose_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts.iter().collect::<HashSet<_>>().len(), 10);
    for text in &texts {
        assert_eq!(text.len(), 19);
        assert!(
            text.chars()
                .all(|c| c == '-' || "0123456789abcdefghjkmnpqrstvwxyz".contains(c)),
            "{text}"
        );
    }
    let mut stored = new.stored;
    for (used, text) in texts.iter().enumerate() {
        assert_eq!(stored.redeem(text), Ok(9 - used));
        assert_eq!(stored.redeem(text), Err(RecoveryRefusal::NoMatch));
    }
    assert_eq!(stored.remaining(), 0);
}

#[test]
fn storage_holds_no_codes() {
    let new = RecoveryCodes::generate(3, &mut OsRandom).unwrap();
    let json = serde_json::to_string(&new.stored).unwrap();
    for code in &new.codes {
        let plain = code.expose_str().unwrap().replace('-', "");
        assert!(!json.contains(&plain), "{json}");
    }
}

#[test]
fn bad_inputs() {
    let mut stored = RecoveryCodes::generate(2, &mut OsRandom).unwrap().stored;
    for input in ["", "abcd", "uuuu-uuuu-uuuu-uuuu", &"a".repeat(100)] {
        assert_eq!(
            stored.redeem(input),
            Err(RecoveryRefusal::Malformed),
            "{input}"
        );
    }
    assert_eq!(
        stored.redeem("0000-0000-0000-0000"),
        Err(RecoveryRefusal::NoMatch)
    );
    assert!(RecoveryCodes::generate(0, &mut OsRandom).is_err());
    assert!(RecoveryCodes::generate(3, &mut Broken).is_err());
}
