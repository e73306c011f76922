//! The per-verification work budget (`CostLimits::max_work`) and the
//! longest secret verified against the crypt family
//! (`MAX_CRYPT_PASSWORD_LEN`): a stored hash whose parameters are each
//! within their caps but together cost seconds is refused before any work,
//! and the client cannot buy a costlier verification with a longer secret.
//!
//! No test here runs an expensive hash: the refusals happen before hashing,
//! and the "raise the budget" cases use small real hashes with a tiny
//! budget.

use portcullis_credentials::hash::{DEFAULT_MAX_WORK, MAX_CRYPT_PASSWORD_LEN};
use portcullis_credentials::{
    Argon2Params, CostLimits, CredentialId, CredentialKind, CredentialRecord, HashError,
    HashPolicy, Scheme, Secret, StoredHash,
};

use crate::support::{fast_policy, now};

const OUTPUT_32: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn parse(stored: &str) -> StoredHash {
    StoredHash::parse(stored).unwrap_or_else(|e| panic!("{stored}: {e}"))
}

fn over_budget(stored: &StoredHash, policy: &HashPolicy) -> HashError {
    HashError::ParametersTooCostly {
        scheme: stored.scheme(),
        parameter: "work",
        value: stored.work(),
        limit: policy.limits.max_work,
    }
}

/// The security review's examples: every parameter is within its
/// per-parameter cap, yet each costs 1.6–5 s on the reference machine.
fn review_examples() -> Vec<(&'static str, String)> {
    vec![
        // 128 MiB per lane, 16 lanes: 4–5 s.
        (
            "scrypt p=16",
            format!("$scrypt$ln=17,r=8,p=16$c2FsdHNhbHQ${OUTPUT_32}"),
        ),
        // 2,000,000 iterations (the cap) for each of 2 output blocks: 2.2 s.
        (
            "pbkdf2-sha512, 128-byte output",
            format!(
                "$pbkdf2-sha512$i=2000000,l=128$c2FsdHNhbHQ${}",
                "A".repeat(171)
            ),
        ),
        // ... for each of 7 output blocks: 1.6 s.
        (
            "pbkdf2-sha1, 128-byte output",
            format!("$pbkdf2$2000000$c2FsdHNhbHQ${}", "A".repeat(171)),
        ),
        // 1,000,000 rounds (the cap): 0.3 s for 8 bytes, 5 s for 1,024.
        (
            "sha512-crypt 1M rounds",
            format!("$6$rounds=1000000$saltsaltsaltsalt${}", ".".repeat(86)),
        ),
    ]
}

#[test]
fn review_examples_are_refused_as_over_the_work_budget() {
    let policy = HashPolicy::default();
    assert_eq!(policy.limits.max_work, DEFAULT_MAX_WORK);
    for (name, text) in review_examples() {
        let stored = parse(&text);
        // Within every per-parameter cap: only the budget refuses it.
        let no_budget = CostLimits {
            max_work: u64::MAX,
            ..CostLimits::default()
        };
        assert_eq!(stored.check_cost(&no_budget), Ok(()), "{name}");
        assert!(stored.work() > DEFAULT_MAX_WORK, "{name}");
        let expected = over_budget(&stored, &policy);
        assert_eq!(stored.check_cost(&policy.limits), Err(expected.clone()));
        for password in [&b"x"[..], &[b'x'; 1024][..]] {
            let refused = stored.verify(password, &policy).unwrap_err();
            assert_eq!(refused, expected, "{name}");
            assert_eq!(refused.kind(), "parameters-too-costly", "{name}");
        }
    }
}

#[test]
fn over_budget_refusal_names_scheme_estimate_and_budget() {
    let stored = parse(&format!("$scrypt$ln=17,r=8,p=16$c2FsdHNhbHQ${OUTPUT_32}"));
    let refused = stored.verify(b"x", &HashPolicy::default()).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "stored scrypt hash would cost an estimated 100663296 work units to verify, \
         over the per-verification budget of 20000000"
    );
    // Per-parameter refusals keep their message.
    let bcrypt = parse("$2y$31$U63YPaxXsd8vNB/Uft0xIu2c0EM07LDAcgNQ8aU0VqIUpSdsfzzaq");
    assert_eq!(
        bcrypt
            .verify(b"x", &HashPolicy::default())
            .unwrap_err()
            .to_string(),
        "stored bcrypt parameters exceed the policy limit (cost = 31, limit 13)"
    );
}

#[test]
fn normal_hashes_fit_the_default_budget() {
    let limits = CostLimits::default();
    let sha512 = ".".repeat(86);
    let normal = [
        // argon2id: OWASP (this crate's default), argon2-cffi's default,
        // Dovecot's {ARGON2ID}, RFC 9106's second recommendation.
        format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${OUTPUT_32}"),
        format!("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ${OUTPUT_32}"),
        format!("$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ${OUTPUT_32}"),
        format!("$argon2id$v=19$m=131072,t=3,p=4$c2FsdHNhbHQ${OUTPUT_32}"),
        // bcrypt cost 12 and 13 (the per-parameter cap).
        "$2b$12$U63YPaxXsd8vNB/Uft0xIu2c0EM07LDAcgNQ8aU0VqIUpSdsfzzaq".to_owned(),
        "$2b$13$U63YPaxXsd8vNB/Uft0xIu2c0EM07LDAcgNQ8aU0VqIUpSdsfzzaq".to_owned(),
        // sha512-crypt: the 5,000 default (glibc, openssl, doveadm), a
        // raised Dovecot `-r 100000`, passlib's 656,000; sha256-crypt at
        // passlib's 535,000.
        format!("$6$saltsaltsaltsalt${sha512}"),
        format!("$6$rounds=5000$saltsaltsaltsalt${sha512}"),
        format!("$6$rounds=100000$saltsaltsaltsalt${sha512}"),
        format!("$6$rounds=656000$saltsaltsaltsalt${sha512}"),
        format!("$5$rounds=535000$saltsaltsaltsalt${OUTPUT_32}"),
        // PBKDF2 at OWASP's iteration counts, native output lengths.
        format!("$pbkdf2-sha256$i=600000,l=32$c2FsdHNhbHQ${OUTPUT_32}"),
        format!("$pbkdf2$1300000$c2FsdHNhbHQ${}", "A".repeat(27)),
        format!(
            "$pbkdf2-sha512$i=210000,l=64$c2FsdHNhbHQ${}",
            "A".repeat(86)
        ),
        // scrypt N=2^17, r=8, p=1 (128 MiB).
        format!("$scrypt$ln=17,r=8,p=1$c2FsdHNhbHQ${OUTPUT_32}"),
    ];
    for text in &normal {
        let stored = parse(text);
        assert_eq!(stored.check_cost(&limits), Ok(()), "{text}");
    }
    // The policy's own new hashes and its dummy, whatever their size within
    // the per-parameter caps.
    for argon2 in [
        Argon2Params::OWASP,
        Argon2Params {
            m_kib: 131_072,
            t: 10,
            p: 16,
        },
    ] {
        let text = format!(
            "$argon2id$v=19$m={},t={},p={}$c2FsdHNhbHQ${OUTPUT_32}",
            argon2.m_kib, argon2.t, argon2.p
        );
        assert_eq!(parse(&text).check_cost(&limits), Ok(()), "{text}");
    }
}

#[test]
fn real_tool_hashes_still_verify_under_the_default_budget() {
    // From tests/data/hash-vectors.tsv (doveadm, htpasswd, passlib).
    let policy = HashPolicy::default();
    for (password, text) in [
        (
            "hunter2",
            "{SHA512-CRYPT}$6$rounds=1000$yRKoHGh.j1SVzKAe$Mr68tImWQRj7Xat8BzinMdkqUsEniD.kICgn3KWUjUJjh2cFvJ0WU.B9aLcn8KpnXUD8WZ9UT.UWzaG.v0NeE0",
        ),
        (
            "hunter2",
            "$2y$05$0ww1Lu10EVlu1djc6av4Mu7PxBXohBHAZmeslz/PyWY5z8HxbP1s2",
        ),
        (
            "hunter2",
            "$scrypt$ln=10,r=8,p=1$VwqhVIpRao2x9l5LSWntfQ$0kqr3LONpMF8cfF2nBiiq6/fqe79ugSXDT3dyUhaESQ",
        ),
        ("hunter2", "$1$dLcnUK2I$zcELshz7HXx8rThJ.WiV20"),
    ] {
        let stored = parse(text);
        assert!(
            stored.verify(password.as_bytes(), &policy).is_ok(),
            "{text}"
        );
    }
}

#[test]
fn work_budget_is_configurable() {
    // Small real hashes (passlib scrypt, htpasswd bcrypt, doveadm
    // sha512-crypt) under a budget one unit below their estimate: refused
    // without hashing; at their estimate: verified.
    for text in [
        "$scrypt$ln=10,r=8,p=1$VwqhVIpRao2x9l5LSWntfQ$0kqr3LONpMF8cfF2nBiiq6/fqe79ugSXDT3dyUhaESQ",
        "$2y$05$0ww1Lu10EVlu1djc6av4Mu7PxBXohBHAZmeslz/PyWY5z8HxbP1s2",
        "{SHA512-CRYPT}$6$rounds=1000$yRKoHGh.j1SVzKAe$Mr68tImWQRj7Xat8BzinMdkqUsEniD.kICgn3KWUjUJjh2cFvJ0WU.B9aLcn8KpnXUD8WZ9UT.UWzaG.v0NeE0",
    ] {
        let stored = parse(text);
        let tight = HashPolicy {
            limits: CostLimits {
                max_work: stored.work() - 1,
                ..CostLimits::default()
            },
            ..fast_policy()
        };
        assert_eq!(
            stored.verify(b"hunter2", &tight),
            Err(over_budget(&stored, &tight)),
            "{text}"
        );
        let raised = HashPolicy {
            limits: CostLimits {
                max_work: stored.work(),
                ..tight.limits
            },
            ..tight
        };
        let verified = stored.verify(b"hunter2", &raised).unwrap();
        assert_eq!(verified.scheme, stored.scheme());
    }
    // Unbounded lifts the budget too.
    assert_eq!(CostLimits::danger_unbounded().max_work, u64::MAX);
}

#[test]
fn work_budget_is_read_from_configuration() {
    let policy: HashPolicy = toml::from_str("[limits]\nmax_work = 1000000\n").unwrap();
    assert_eq!(policy.limits.max_work, 1_000_000);
    assert_eq!(
        policy.limits.bcrypt_max_cost,
        CostLimits::default().bcrypt_max_cost
    );
    let policy: HashPolicy = toml::from_str("[limits]\nbcrypt_max_cost = 12\n").unwrap();
    assert_eq!(policy.limits.max_work, DEFAULT_MAX_WORK);
}

#[test]
fn work_estimates_follow_the_documented_formulas() {
    // One unit ≈ one SHA-256 compression; see `CostLimits`.
    let work = |text: &str| parse(text).work();
    // argon2: 12 × m × t; the lanes share the memory.
    assert_eq!(
        work(&format!(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${OUTPUT_32}"
        )),
        12 * 19_456 * 2
    );
    assert_eq!(
        work(&format!(
            "$argon2id$v=19$m=19456,t=2,p=4$c2FsdHNhbHQ${OUTPUT_32}"
        )),
        12 * 19_456 * 2
    );
    // scrypt: 3 × 2·N·r·p.
    assert_eq!(
        work(&format!("$scrypt$ln=17,r=8,p=1$c2FsdHNhbHQ${OUTPUT_32}")),
        3 * 2 * (1 << 17) * 8
    );
    // PBKDF2: iterations × output blocks × 2 compressions × weight.
    assert_eq!(
        work(&format!(
            "$pbkdf2-sha256$i=600000,l=32$c2FsdHNhbHQ${OUTPUT_32}"
        )),
        600_000 * 2
    );
    assert_eq!(
        work(&format!(
            "$pbkdf2-sha256$i=600000$c2FsdHNhbHQ${}",
            "A".repeat(171)
        )),
        600_000 * 4 * 2
    );
    assert_eq!(
        work(&format!(
            "$pbkdf2-sha512$i=1000,l=128$c2FsdHNhbHQ${}",
            "A".repeat(171)
        )),
        1_000 * 2 * 2 * 5
    );
    // bcrypt: 1,200 × 2^cost.
    assert_eq!(
        work("$2b$13$U63YPaxXsd8vNB/Uft0xIu2c0EM07LDAcgNQ8aU0VqIUpSdsfzzaq"),
        1_200 << 13
    );
    // sha-crypt grows with the rounds, priced at the longest accepted secret.
    let sha512 = |rounds: u32| work(&format!("$6$rounds={rounds}$salt${}", ".".repeat(86)));
    assert!(sha512(2_000) > 2 * sha512(1_000) - 4_000);
    assert_eq!(work(&format!("$6$salt${}", ".".repeat(86))), sha512(5_000));
}

#[test]
fn needs_rehash_ignores_the_work_budget() {
    let over = parse(&format!("$scrypt$ln=17,r=8,p=16$c2FsdHNhbHQ${OUTPUT_32}"));
    let policy = HashPolicy::default();
    assert!(over.check_cost(&policy.limits).is_err());
    assert!(over.needs_rehash(&policy));
    // A 16-byte salt and the policy's parameters: current.
    let current = parse(&format!(
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA${OUTPUT_32}"
    ));
    assert!(!current.needs_rehash(&policy));
    let tiny = HashPolicy {
        limits: CostLimits {
            max_work: 1,
            ..CostLimits::default()
        },
        ..policy
    };
    assert!(!current.needs_rehash(&tiny));
}

/// 256 bytes: "correct horse battery staple " repeated, cut at 256.
fn long_password() -> Vec<u8> {
    let mut password = "correct horse battery staple ".repeat(9).into_bytes();
    password.truncate(MAX_CRYPT_PASSWORD_LEN);
    password
}

/// Made by OpenSSL 3.0.19 `openssl passwd -6|-5|-1 -salt … "$long_password"`
/// (which itself refuses to read past 256 characters).
const LONG_PASSWORD_HASHES: [&str; 3] = [
    "$6$rounds=1000$7Lb9pQ2xWm4R1tZs$NSTEKozxRLhMZjzbk3rRYywFPg8.ojWGor4fdLRrxHrMb3eHyhDbRUNmNXOJyHFE6dP/6RbqGq/OwXeMMlC121",
    "$5$rounds=1000$7Lb9pQ2xWm4R1tZs$j2BQ93Ana8tkfRoFQ/GMBQngXHMGI2.N6I6yO6VpQJ0",
    "$1$7Lb9pQ2x$TKU8H.KMAT/t4sZHr69On.",
];

#[test]
fn crypt_family_verifies_secrets_up_to_max_crypt_password_len() {
    assert_eq!(MAX_CRYPT_PASSWORD_LEN, 256);
    let password = long_password();
    assert_eq!(password.len(), MAX_CRYPT_PASSWORD_LEN);
    for text in LONG_PASSWORD_HASHES {
        let verified = parse(text).verify(&password, &fast_policy()).unwrap();
        assert!(verified.needs_rehash, "{text}");
    }
}

/// Made by glibc `crypt(3)` (through Python 3.11's `crypt` module) from
/// `("correct horse battery staple " * 10)`, 290 bytes: the right password,
/// over the limit.
const OVERLONG_PASSWORD_HASHES: [&str; 3] = [
    "$6$rounds=1000$7Lb9pQ2xWm4R1tZs$rq3gAwcdueWWfMjOqdkXFOiebWGXMlXDVC0ye4eoK5zV1LnuRCSAhEJm49bRtTcdaFdqyI6SFYKfol1KeVgv90",
    "$5$rounds=1000$7Lb9pQ2xWm4R1tZs$ZuXCFMvaDymL7HmhL2q5xn7s0DndOWhkJuS3H5a6f2A",
    "$1$7Lb9pQ2x$OHrLoX4fBni0Asp/15rw.0",
];

#[test]
fn crypt_family_refuses_secrets_over_max_crypt_password_len_as_wrong() {
    // The right password, made by glibc, but longer than the limit: a
    // wrong secret, even with the most generous policy.
    let overlong = "correct horse battery staple ".repeat(10);
    assert_eq!(overlong.len(), 290);
    let generous = HashPolicy {
        limits: CostLimits::danger_unbounded(),
        ..fast_policy()
    };
    for text in OVERLONG_PASSWORD_HASHES {
        assert_eq!(
            parse(text).verify(overlong.as_bytes(), &generous),
            Err(HashError::Mismatch),
            "{text}"
        );
    }
    // One byte more, whose first 256 bytes are the right password: a
    // truncating verifier would accept it; it is a wrong secret, whatever
    // the rest.
    let mut longer = long_password();
    longer.push(b'!');
    for text in LONG_PASSWORD_HASHES {
        let stored = parse(text);
        assert_eq!(
            stored.verify(&longer, &fast_policy()),
            Err(HashError::Mismatch),
            "{text}"
        );
        assert!(
            matches!(
                stored.scheme(),
                Scheme::Sha512Crypt | Scheme::Sha256Crypt | Scheme::Md5Crypt
            ),
            "{text}"
        );
    }
    // Through a credential record: the plain `mismatch` refusal.
    let record = CredentialRecord {
        id: CredentialId(0),
        kind: CredentialKind::Password,
        hash: parse(LONG_PASSWORD_HASHES[0]),
        description: String::new(),
        created_at: now(),
        expires_at: None,
        allowed_ips: Vec::new(),
        scope: Default::default(),
        last_used: None,
        revision: 1,
    };
    let refusal = record
        .verify(
            &Secret::from(longer),
            now(),
            "192.0.2.1".parse().unwrap(),
            &fast_policy(),
        )
        .unwrap_err();
    assert_eq!(refusal.kind(), "mismatch");
}

#[test]
fn other_schemes_keep_the_general_password_limit() {
    // bcrypt reads 72 bytes; PBKDF2 and the digests pass over the secret
    // once: no scheme-specific cap below `max_password_len` (1,024).
    let stored = parse("{PLAIN}x");
    let long = vec![b'x'; 1_000];
    assert_eq!(
        stored.verify(&long, &fast_policy()),
        Err(HashError::Mismatch)
    );
    let long_plain = format!("{{PLAIN}}{}", "y".repeat(1_000));
    assert!(
        parse(&long_plain)
            .verify("y".repeat(1_000).as_bytes(), &fast_policy())
            .is_ok()
    );
}
