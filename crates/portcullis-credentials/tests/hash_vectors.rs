//! Every hash in `data/hash-vectors.tsv` was made by a real tool (openssl,
//! htpasswd, doveadm, Python bcrypt/passlib/argon2-cffi; see the file's
//! header and `data/generate_hash_vectors.py`). Each must verify with its
//! password, report its scheme, and refuse a wrong password.

use portcullis_credentials::{HashError, HashPolicy, StoredHash};

struct Vector {
    line: usize,
    tool: String,
    scheme: String,
    password: String,
    hash: String,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("data/hash-vectors.tsv");
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.is_empty())
        .map(|(index, line)| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 4, "line {}", index + 1);
            Vector {
                line: index + 1,
                tool: fields[0].to_owned(),
                scheme: fields[1].to_owned(),
                password: fields[2].to_owned(),
                hash: fields[3].to_owned(),
            }
        })
        .collect()
}

fn check(v: &Vector, policy: &HashPolicy) {
    let stored = StoredHash::parse(&v.hash)
        .unwrap_or_else(|e| panic!("line {} ({}): parse failed: {e}", v.line, v.tool));
    assert_eq!(
        stored.scheme().name(),
        v.scheme,
        "line {} ({})",
        v.line,
        v.tool
    );
    let verified = stored
        .verify(v.password.as_bytes(), policy)
        .unwrap_or_else(|e| panic!("line {} ({}): {e}", v.line, v.tool));
    assert_eq!(verified.scheme.name(), v.scheme, "line {}", v.line);
    // Only argon2id at or above the OWASP parameters is current, and SCRAM
    // keys, which a rehash to argon2id would throw away.
    let current = v.hash.contains("$argon2id$v=19$m=19456,t=2,p=1$")
        || v.hash.contains("$argon2id$v=19$m=65536,t=3,p=1$")
        || v.scheme.starts_with("scram-");
    assert_eq!(
        verified.needs_rehash, !current,
        "line {} ({})",
        v.line, v.tool
    );
    // Prepended, since DES crypt reads only 8 bytes and bcrypt 72.
    let wrong = format!("x{}", v.password);
    assert_eq!(
        stored.verify(wrong.as_bytes(), policy),
        Err(HashError::Mismatch),
        "line {} ({})",
        v.line,
        v.tool
    );
}

#[test]
fn every_real_tool_vector_verifies() {
    let policy = HashPolicy::default();
    let vectors = vectors();
    assert!(vectors.len() > 100);
    // Two workers pulling from one queue, slowest vectors first: the
    // machines have 2 cores and Dovecot's 64 MiB argon2 dominates.
    let mut queue: Vec<&Vector> = vectors.iter().collect();
    queue.sort_by_key(|v| !v.tool.starts_with("doveadm pw -s ARGON2"));
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some(v) =
                    queue.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    check(v, &policy);
                }
            });
        }
    });
}

#[test]
fn every_required_scheme_has_a_real_tool_vector() {
    let vectors = vectors();
    for scheme in [
        "argon2id",
        "argon2i",
        "argon2d",
        "scrypt",
        "pbkdf2-sha256",
        "pbkdf2-sha512",
        "bcrypt",
        "sha512-crypt",
        "sha256-crypt",
        "md5-crypt",
        "des-crypt",
        "ssha512",
        "ssha256",
        "ssha",
        "sha512",
        "sha256",
        "sha1",
        "plain",
        "scram-sha-256",
        "scram-sha-1",
    ] {
        assert!(
            vectors.iter().any(|v| v.scheme == scheme),
            "no vector for {scheme}"
        );
    }
    for prefix in [
        "{ARGON2ID}",
        "{BLF-CRYPT}",
        "{SHA512-CRYPT}",
        "{SHA256-CRYPT}",
        "{SSHA512}",
        "{SSHA256}",
        "{SSHA}",
        "{SHA512}",
        "{SHA256}",
        "{SHA}",
        "{CRYPT}",
        "{PLAIN}",
        "{SCRAM-SHA-256}",
        "{SCRAM-SHA-1}",
        "{CLEARTEXT}",
        "$2a$",
        "$2b$",
        "$2y$",
        "$6$",
        "$5$",
        "$1$",
        "$argon2id$",
        "$argon2i$",
        "$argon2d$",
        "$scrypt$",
        "$pbkdf2-sha256$",
        "$pbkdf2-sha512$",
    ] {
        assert!(
            vectors.iter().any(|v| v.hash.starts_with(prefix)),
            "no vector starting with {prefix}"
        );
    }
}
