//! Hash policy: new hashes, cost caps before verifying, rehash signals,
//! typed refusals for unusable stored forms.

use portcullis_credentials::{Argon2Params, CostLimits, HashError, HashPolicy, Scheme, StoredHash};

use crate::support::{Counter, fast_policy};

#[test]
fn new_hashes_follow_the_policy() {
    let policy = fast_policy();
    let phc = policy.hash_password(b"pw", &mut Counter(0)).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
    let stored = StoredHash::parse(&phc).unwrap();
    let ok = stored.verify(b"pw", &policy).unwrap();
    assert_eq!((ok.scheme, ok.needs_rehash), (Scheme::Argon2id, false));
    // Below a stronger policy: rehash at the next good login.
    let stronger = HashPolicy::with_argon2(Argon2Params {
        m_kib: 512,
        t: 1,
        p: 1,
    });
    assert!(stored.verify(b"pw", &stronger).unwrap().needs_rehash);
    // Defaults are OWASP's.
    assert_eq!(
        HashPolicy::default().argon2,
        Argon2Params {
            m_kib: 19_456,
            t: 2,
            p: 1
        }
    );
}

#[test]
fn stored_parameters_are_capped_before_any_work() {
    let policy = HashPolicy::default();
    let cases = [
        // 4 GiB argon2id: refused without allocating.
        (
            "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "m",
            4_194_304,
        ),
        (
            "$argon2id$v=19$m=1024,t=1000,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "t",
            1000,
        ),
        (
            "$argon2id$v=19$m=1024,t=1,p=64$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "p",
            64,
        ),
        (
            "$2y$31$U63YPaxXsd8vNB/Uft0xIu2c0EM07LDAcgNQ8aU0VqIUpSdsfzzaq",
            "cost",
            31,
        ),
        (
            "$scrypt$ln=22,r=8,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "memory_kib",
            4_194_304,
        ),
        (
            "$pbkdf2-sha256$i=100000000,l=32$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "rounds",
            100_000_000,
        ),
        (
            "$6$rounds=999999999$saltsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "rounds",
            999_999_999,
        ),
    ];
    for (stored, parameter, value) in cases {
        let hash = StoredHash::parse(stored).unwrap_or_else(|e| panic!("{stored}: {e}"));
        match hash.verify(b"x", &policy) {
            Err(HashError::ParametersTooCostly {
                parameter: p,
                value: v,
                ..
            }) => {
                assert_eq!((p, v), (parameter, value), "{stored}");
            }
            other => panic!("{stored}: {other:?}"),
        }
    }
    // The cap is policy: lifted only explicitly.
    let generous = HashPolicy {
        limits: CostLimits {
            bcrypt_max_cost: 31,
            ..CostLimits::default()
        },
        ..policy
    };
    let bcrypt = StoredHash::parse(cases[3].0).unwrap();
    assert!(bcrypt.needs_rehash(&generous));
    assert_eq!(CostLimits::danger_unbounded().argon2_max_m_kib, u32::MAX);
}

#[test]
fn overlong_passwords_are_refused_without_hashing() {
    let policy = fast_policy();
    let stored = StoredHash::parse("{PLAIN}x").unwrap();
    let long = vec![b'x'; policy.max_password_len + 1];
    assert_eq!(stored.verify(&long, &policy), Err(HashError::Mismatch));
}

#[test]
fn unusable_stored_forms_are_typed() {
    let cases: [(&str, &str); 13] = [
        ("{CRAM-MD5}abc", "unsupported-scheme"),
        ("{SCRAM-SHA-256}abc", "malformed-hash"),
        ("{ssha}bm9wZQ", "malformed-hash"),
        ("$7$CU..../....abc", "unsupported-scheme"),
        (
            "$2x$05$U63YPaxXsd8vNB/Uft0xIu2c0EM07LDAcgNQ8aU0VqIUpSdsfzzaq",
            "unsupported-scheme",
        ),
        (
            "{ARGON2ID}$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "malformed-hash",
        ),
        (
            "{SHA512-CRYPT}$5$saltsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "malformed-hash",
        ),
        (
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "malformed-hash",
        ),
        ("$6$salt$tooshort", "malformed-hash"),
        ("{SHA256}AAAA", "malformed-hash"),
        ("{CRYPT}short", "malformed-hash"),
        ("plaintext", "malformed-hash"),
        ("", "malformed-hash"),
    ];
    for (stored, kind) in cases {
        assert_eq!(
            StoredHash::parse(stored).unwrap_err().kind(),
            kind,
            "{stored}"
        );
    }
    // Prefixes are case-insensitive, as in Dovecot.
    assert_eq!(
        StoredHash::parse("{ssha}W6ph5Mm5Pz8GgiULbPgzG37mj9g=")
            .unwrap()
            .scheme(),
        Scheme::Ssha
    );
}

/// RFC 7914 §2 bounds `r·p` below 2^30. The fuzzer found that a product
/// beyond `u32` panicked inside the scrypt crate's own check (which
/// multiplies in `u32`); without overflow checks the product wraps, and
/// `p = 2^29 + 1` with `r = 8` wrapped to 8 and was accepted.
#[test]
fn scrypt_r_times_p_is_bounded_without_overflow() {
    let salt_and_hash = "c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for (r, p) in [
        (8u64, 2_812_620_629u64),
        (8, (1 << 29) + 1),
        (8, 1 << 27),
        (1 << 30, 1),
        (u64::from(u32::MAX), u64::from(u32::MAX)),
    ] {
        let stored = format!("$scrypt$ln=1,r={r},p={p}${salt_and_hash}");
        let error = StoredHash::parse(&stored).unwrap_err();
        assert_eq!(error.kind(), "malformed-hash", "{stored}");
        assert!(error.to_string().contains("invalid ln/r/p"), "{error}");
    }
    // The product just below the bound is a valid (if absurd) scrypt hash.
    let stored = format!("$scrypt$ln=1,r=8,p={}${salt_and_hash}", (1u64 << 27) - 1);
    assert_eq!(StoredHash::parse(&stored).unwrap().scheme(), Scheme::Scrypt);
}

#[test]
fn policy_is_serde_friendly() {
    let policy: HashPolicy =
        toml::from_str("[argon2]\nm_kib = 65536\nt = 3\np = 4\n[limits]\nbcrypt_max_cost = 12\n")
            .unwrap();
    assert_eq!(
        policy.argon2,
        Argon2Params {
            m_kib: 65536,
            t: 3,
            p: 4
        }
    );
    assert_eq!(policy.limits.bcrypt_max_cost, 12);
    assert_eq!(
        policy.limits.argon2_max_m_kib,
        CostLimits::default().argon2_max_m_kib
    );
}
