//! App passwords and API keys against independently computed Stalwart-format
//! vectors (`data/token-vectors.tsv`, Python standard library), plus
//! round-trip invariants.

use portcullis_credentials::{ApiKey, AppPassword, AppPasswordAlphabet, CredentialId};
use proptest::prelude::*;

fn rows() -> Vec<Vec<String>> {
    include_str!("data/token-vectors.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn stalwart_vectors_parse_and_encode() {
    let rows = rows();
    assert!(rows.len() >= 18);
    for row in rows {
        let (kind, id, account, random, text) = (&row[0], &row[1], &row[2], hex(&row[3]), &row[4]);
        let id = CredentialId(id.parse().unwrap());
        if kind == "api-key" {
            let key = ApiKey::parse(text.as_bytes()).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(key.credential_id(), id);
            assert_eq!(key.account_id(), account.parse::<u32>().unwrap());
            assert_eq!(key.random().as_slice(), random.as_slice());
            assert_eq!(key.encode().expose_str(), Some(text.as_str()));
        } else {
            let app = AppPassword::parse(text.as_bytes()).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(app.credential_id(), id, "{text}");
            assert_eq!(app.random().as_slice(), random.as_slice(), "{text}");
            let alphabet = match kind.as_str() {
                "app-password-rfc4648" => AppPasswordAlphabet::Rfc4648,
                _ => AppPasswordAlphabet::Stalwart,
            };
            let expected = text.replacen("app ", "app_", 1);
            assert_eq!(app.encode(alphabet).expose_str(), Some(expected.as_str()));
        }
    }
}

#[test]
fn kinds_do_not_cross() {
    for row in rows() {
        let text = row[4].as_bytes();
        if row[0] == "api-key" {
            assert!(AppPassword::parse(text).is_none());
        } else {
            assert!(ApiKey::parse(text).is_none());
        }
    }
}

proptest! {
    #[test]
    fn app_password_round_trips(id: u32, random: [u8; 18], rfc: bool) {
        let alphabet = if rfc { AppPasswordAlphabet::Rfc4648 } else { AppPasswordAlphabet::Stalwart };
        let text = AppPassword::from_parts(CredentialId(id), random).encode(alphabet);
        prop_assert_eq!(text.len(), 40);
        let parsed = AppPassword::parse(text.expose()).unwrap();
        prop_assert_eq!(parsed.credential_id(), CredentialId(id));
        prop_assert_eq!(parsed.random(), &random);
    }

    #[test]
    fn api_key_round_trips(account: u32, id: u32, random: [u8; 20]) {
        let text = ApiKey::from_parts(account, CredentialId(id), random).encode();
        let parsed = ApiKey::parse(text.expose()).unwrap();
        prop_assert_eq!((parsed.account_id(), parsed.credential_id()), (account, CredentialId(id)));
        prop_assert_eq!(parsed.random(), &random);
    }

    #[test]
    fn parsers_never_panic(input in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = AppPassword::parse(&input);
        let _ = ApiKey::parse(&input);
    }
}
