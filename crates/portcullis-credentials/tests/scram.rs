//! SCRAM keys: derivation against the RFC examples, Dovecot's stored form,
//! verification of cleartext passwords against it, bounds and redaction.
//! The real-tool vectors (`doveadm pw -s SCRAM-…`) are in
//! `data/hash-vectors.tsv` with the other schemes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use portcullis_credentials::hash::{
    MAX_SCRAM_SALT_LEN, SCRAM_MIN_ITERATIONS, SCRAM_SALT_LEN, ScramCredential, ScramHash,
};
use portcullis_credentials::{CostLimits, Error, HashError, HashPolicy, Scheme, StoredHash};

use crate::support::{Broken, Counter};

fn b64(text: &str) -> Vec<u8> {
    STANDARD.decode(text).unwrap()
}

/// The RFC examples' keys ("pencil", 4,096 iterations), as computed by an
/// independent implementation (Python's `hashlib.pbkdf2_hmac` and `hmac`).
const RFC_KEYS: [(ScramHash, &str, &str, &str); 2] = [
    (
        ScramHash::Sha1,
        "QSXCR+Q6sek8bf92",
        "6dlGYMOdZcOPutkcNY8U2g7vK9Y=",
        "D+CSWLOshSulAsxiupA+qs2/fTE=",
    ),
    (
        ScramHash::Sha256,
        "W22ZaJ0SNY7soEsUEjb6gQ==",
        "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=",
        "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
    ),
];

#[test]
fn rfc_example_keys_derive_and_print_in_dovecot_form() {
    for (hash, salt, stored_key, server_key) in RFC_KEYS {
        let c = ScramCredential::derive(b"pencil", &b64(salt), 4096, hash).unwrap();
        assert_eq!(c.stored_key(), b64(stored_key).as_slice(), "{hash:?}");
        assert_eq!(c.server_key(), b64(server_key).as_slice(), "{hash:?}");
        assert_eq!((c.hash(), c.iterations()), (hash, 4096));
        let text = format!("{{{}}}4096,{salt},{stored_key},{server_key}", hash.name());
        assert_eq!(c.encode(), text);
        let parsed: ScramCredential = text.parse().unwrap();
        assert_eq!(parsed.encode(), text);
        let stored = StoredHash::parse(&text).unwrap();
        assert_eq!(stored.scheme(), hash.scheme());
        assert_eq!(stored.scram().unwrap().stored_key(), c.stored_key());
        let verified = stored.verify(b"pencil", &HashPolicy::default()).unwrap();
        assert_eq!(verified.scheme, hash.scheme());
        assert!(!verified.needs_rehash);
        assert_eq!(
            stored.verify(b"Pencil", &HashPolicy::default()),
            Err(HashError::Mismatch)
        );
    }
}

#[test]
fn dovecot_prefixes_are_case_insensitive_and_padding_optional() {
    let text = "{scram-sha-1}4096,QSXCR+Q6sek8bf92,6dlGYMOdZcOPutkcNY8U2g7vK9Y,D+CSWLOshSulAsxiupA+qs2/fTE";
    let stored = StoredHash::parse(text).unwrap();
    assert_eq!(stored.scheme(), Scheme::ScramSha1);
    assert!(stored.verify(b"pencil", &HashPolicy::default()).is_ok());
    // Printed canonically (upper-case prefix, padded base64).
    assert_eq!(
        stored.scram().unwrap().encode(),
        "{SCRAM-SHA-1}4096,QSXCR+Q6sek8bf92,6dlGYMOdZcOPutkcNY8U2g7vK9Y=,D+CSWLOshSulAsxiupA+qs2/fTE="
    );
    assert_eq!(stored.as_str(), text);
}

#[test]
fn malformed_entries_are_refused() {
    let key32 = "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=";
    let key20 = "6dlGYMOdZcOPutkcNY8U2g7vK9Y=";
    for text in [
        format!("{{SCRAM-SHA-256}}4096,c2FsdA==,{key32}"),
        format!("{{SCRAM-SHA-256}}4096,c2FsdA==,{key32},{key32},x"),
        format!("{{SCRAM-SHA-256}}+4096,c2FsdA==,{key32},{key32}"),
        format!("{{SCRAM-SHA-256}}-1,c2FsdA==,{key32},{key32}"),
        format!("{{SCRAM-SHA-256}}0,c2FsdA==,{key32},{key32}"),
        format!("{{SCRAM-SHA-256}}4294967296,c2FsdA==,{key32},{key32}"),
        format!("{{SCRAM-SHA-256}},c2FsdA==,{key32},{key32}"),
        format!("{{SCRAM-SHA-256}}4096,,{key32},{key32}"),
        format!("{{SCRAM-SHA-256}}4096,c2FsdA==,{key20},{key32}"),
        format!("{{SCRAM-SHA-1}}4096,c2FsdA==,{key32},{key32}"),
        format!("{{SCRAM-SHA-256}}4096,c2Fsd!==,{key32},{key32}"),
        format!("{{SCRAM-SHA-256}}4096,c2FsdA==,{key32},{key32}\n"),
        format!("{{SCRAM-SHA-256.B64}}4096,c2FsdA==,{key32},{key32}"),
        format!(
            "{{SCRAM-SHA-256}}4096,{},{key32},{key32}",
            STANDARD.encode([0u8; MAX_SCRAM_SALT_LEN + 1])
        ),
    ] {
        assert_eq!(
            StoredHash::parse(&text).unwrap_err().kind(),
            "malformed-hash",
            "{text}"
        );
        assert!(ScramCredential::parse(&text).is_err(), "{text}");
    }
    assert!(ScramCredential::parse("{SSHA}abc").is_err());
    assert!(ScramCredential::parse("4096,c2FsdA==,x,y").is_err());
}

#[test]
fn new_credentials_respect_the_iteration_and_salt_bounds() {
    let ok = ScramCredential::derive(b"pw", b"salt", SCRAM_MIN_ITERATIONS, ScramHash::Sha256);
    assert!(ok.is_ok());
    let max = CostLimits::default().pbkdf2_max_rounds;
    for (iterations, salt) in [
        (SCRAM_MIN_ITERATIONS - 1, &b"salt"[..]),
        (1, &b"salt"[..]),
        (max + 1, &b"salt"[..]),
        (4096, &b""[..]),
        (4096, &[0u8; MAX_SCRAM_SALT_LEN + 1][..]),
    ] {
        let refused = ScramCredential::derive(b"pw", salt, iterations, ScramHash::Sha1);
        assert!(
            matches!(refused, Err(Error::Config(_))),
            "{iterations} {}",
            salt.len()
        );
    }
}

#[test]
fn generated_credentials_have_a_fresh_salt() {
    let a = ScramCredential::generate(b"pw", 4096, ScramHash::Sha256, &mut Counter(0)).unwrap();
    let b = ScramCredential::generate(b"pw", 4096, ScramHash::Sha256, &mut Counter(100)).unwrap();
    assert_eq!(a.salt().len(), SCRAM_SALT_LEN);
    assert_ne!(a.salt(), b.salt());
    assert_ne!(a.stored_key(), b.stored_key());
    let stored = StoredHash::from(a);
    assert!(
        stored
            .as_str()
            .starts_with("{SCRAM-SHA-256}4096,AQIDBAUGBwgJCgsMDQ4PEA==,")
    );
    assert!(stored.verify(b"pw", &HashPolicy::default()).is_ok());
    assert!(matches!(
        ScramCredential::generate(b"pw", 4096, ScramHash::Sha1, &mut Broken),
        Err(Error::Random(_))
    ));
}

#[test]
fn saslprep_form_and_raw_bytes_both_verify() {
    // New credentials hash the SASLprep form (RFC 5802 §2.2): a no-break
    // space is a space, so both spellings verify.
    let c =
        ScramCredential::derive("a\u{a0}b".as_bytes(), b"salt", 4096, ScramHash::Sha256).unwrap();
    let same = ScramCredential::derive(b"a b", b"salt", 4096, ScramHash::Sha256).unwrap();
    assert_eq!(c.stored_key(), same.stored_key());
    let stored = StoredHash::from(c);
    let policy = HashPolicy::default();
    assert!(stored.verify("a\u{a0}b".as_bytes(), &policy).is_ok());
    assert!(stored.verify(b"a b", &policy).is_ok());
    assert!(stored.verify(b"ab", &policy).is_err());
    // A password SASLprep refuses (a control character) is hashed as is.
    let c = ScramCredential::derive(b"a\x07b", b"salt", 4096, ScramHash::Sha1).unwrap();
    assert!(StoredHash::from(c).verify(b"a\x07b", &policy).is_ok());
}

#[test]
fn stored_iterations_are_capped_before_any_work() {
    let text = "{SCRAM-SHA-256}4000000000,c2FsdA==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
    let stored = StoredHash::parse(text).unwrap();
    let refused = stored.verify(b"x", &HashPolicy::default()).unwrap_err();
    assert_eq!(
        refused,
        HashError::ParametersTooCostly {
            scheme: Scheme::ScramSha256,
            parameter: "iterations",
            value: 4_000_000_000,
            limit: 2_000_000,
        }
    );
    assert!(
        stored
            .scram()
            .unwrap()
            .check_cost(&CostLimits::default())
            .is_err()
    );
    // The work estimate: two derivations of 2 compressions per iteration.
    let at_4096 = StoredHash::parse(&text.replace("4000000000", "4096")).unwrap();
    assert_eq!(at_4096.work(), 2 * (4096 * 2 + 17 + 6));
    let at_cap = StoredHash::parse(&text.replace("4000000000", "2000000")).unwrap();
    assert!(at_cap.check_cost(&CostLimits::default()).is_ok());
    let above = StoredHash::parse(&text.replace("4000000000", "2000001")).unwrap();
    assert!(above.check_cost(&CostLimits::default()).is_err());
}

#[test]
fn weak_iteration_counts_verify_and_ask_for_a_rehash() {
    // Stored entries are read as written, even below RFC 5802's minimum.
    let c =
        ScramCredential::from_parts(ScramHash::Sha1, 1, b"salt", &[0u8; 20], &[0u8; 20]).unwrap();
    let stored = StoredHash::from(c);
    assert!(stored.as_str().starts_with("{SCRAM-SHA-1}1,c2FsdA==,"));
    assert!(stored.needs_rehash(&HashPolicy::default()));
    let strong = StoredHash::parse(
        "{SCRAM-SHA-1}4096,QSXCR+Q6sek8bf92,6dlGYMOdZcOPutkcNY8U2g7vK9Y=,D+CSWLOshSulAsxiupA+qs2/fTE=",
    )
    .unwrap();
    assert!(!strong.needs_rehash(&HashPolicy::default()));
    assert_eq!(
        ScramCredential::from_parts(ScramHash::Sha256, 4096, b"s", &[0; 20], &[0; 32])
            .unwrap_err()
            .kind(),
        "malformed-hash"
    );
    assert!(ScramCredential::from_parts(ScramHash::Sha1, 0, b"s", &[0; 20], &[0; 20]).is_err());
}

#[test]
fn debug_shows_no_key() {
    let (hash, salt, stored_key, server_key) = RFC_KEYS[1];
    let c = ScramCredential::derive(b"pencil", &b64(salt), 4096, hash).unwrap();
    let debug = format!("{c:?} {:?}", StoredHash::from(c.clone()));
    for secret in [
        stored_key,
        server_key,
        &stored_key[..8],
        &server_key[..8],
        "pencil",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(
        debug.contains("Sha256") && debug.contains("4096"),
        "{debug}"
    );
}

#[test]
fn scheme_names() {
    assert_eq!(Scheme::ScramSha1.name(), "scram-sha-1");
    assert_eq!(Scheme::ScramSha256.name(), "scram-sha-256");
    assert!(Scheme::ALL.contains(&Scheme::ScramSha256));
    assert_eq!(ScramHash::Sha256.scheme(), Scheme::ScramSha256);
    assert_eq!(ScramHash::Sha1.name(), "SCRAM-SHA-1");
    assert_eq!(ScramHash::Sha256.output_len(), 32);
}
