//! The Redis keys of a throttle bucket.
//!
//! A bucket's encoding is unambiguous: two different [`ThrottleKey`]s never
//! share a Redis key. A naive `ip + ":" + account` concatenation would let
//! an account name containing `:` (or digits after one) meet another
//! bucket, the mistake behind Dovecot's CVE-2025-30189 auth-cache mix-up.
//!
//! | bucket | encoding |
//! |---|---|
//! | network | `n:<ipnet>` (`n:192.0.2.0/24`, `n:2001:db8:1::/48`) |
//! | pair | `p:<ipnet>:<byte length of the account>:<account>` (`p:192.0.2.10/32:5:alice`) |
//!
//! An `IpNet` prints as an address, `/` and a prefix length, so it ends at
//! the first `:` after its `/`; the account is the last part and its
//! length is given first, so nothing that follows can be mistaken for it.
//!
//! Each bucket has up to three Redis keys, `<prefix><role>:{<bucket>}`:
//! role `f` counts failures (expires with the window), `l` is the lock
//! (expires with the lockout), `s` holds remembered wrong-secret digests.
//! The braces are a Redis Cluster hash tag: whatever the bucket contains,
//! the three keys of one bucket differ only before the first `{`, so they
//! always share a slot and one script may touch them together.

use portcullis::ThrottleKey;

/// The unambiguous text of a bucket.
pub(crate) fn bucket(key: &ThrottleKey) -> String {
    match key {
        ThrottleKey::Network(net) => format!("n:{net}"),
        ThrottleKey::Pair(net, account) => format!("p:{net}:{}:{account}", account.len()),
    }
}

/// Which of a bucket's Redis keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The failure counter of the current window.
    Failures,
    /// The lock.
    Lock,
    /// Remembered wrong-secret digests.
    Secrets,
}

impl Role {
    const fn tag(self) -> &'static str {
        match self {
            Role::Failures => "f",
            Role::Lock => "l",
            Role::Secrets => "s",
        }
    }
}

/// The three Redis keys of one bucket under `prefix`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BucketKeys {
    pub(crate) failures: String,
    pub(crate) lock: String,
    pub(crate) secrets: String,
}

impl BucketKeys {
    pub(crate) fn new(prefix: &str, key: &ThrottleKey) -> Self {
        let bucket = bucket(key);
        let of = |role: Role| format!("{prefix}{}:{{{bucket}}}", role.tag());
        BucketKeys {
            failures: of(Role::Failures),
            lock: of(Role::Lock),
            secrets: of(Role::Secrets),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use std::collections::HashSet;

    use super::*;

    fn pair(net: &str, account: &str) -> ThrottleKey {
        ThrottleKey::Pair(net.parse().unwrap(), account.to_owned())
    }

    #[test]
    fn exact_encodings() {
        let v4 = ThrottleKey::Network("192.0.2.0/24".parse().unwrap());
        assert_eq!(bucket(&v4), "n:192.0.2.0/24");
        let v6 = ThrottleKey::Network("2001:db8:1::/48".parse().unwrap());
        assert_eq!(bucket(&v6), "n:2001:db8:1::/48");
        assert_eq!(
            bucket(&pair("192.0.2.10/32", "alice")),
            "p:192.0.2.10/32:5:alice"
        );
        assert_eq!(
            bucket(&pair("2001:db8:1:2::/64", "bob@example.org")),
            "p:2001:db8:1:2::/64:15:bob@example.org"
        );
        // The length is in bytes: `é` is two.
        assert_eq!(
            bucket(&pair("192.0.2.1/32", "josé")),
            "p:192.0.2.1/32:5:josé"
        );
        assert_eq!(bucket(&pair("192.0.2.1/32", "")), "p:192.0.2.1/32:0:");
    }

    #[test]
    fn the_three_keys_of_a_bucket_share_a_hash_tag() {
        let keys = BucketKeys::new("portcullis:throttle:", &pair("192.0.2.10/32", "a}{b"));
        assert_eq!(
            keys.failures,
            "portcullis:throttle:f:{p:192.0.2.10/32:4:a}{b}"
        );
        assert_eq!(keys.lock, "portcullis:throttle:l:{p:192.0.2.10/32:4:a}{b}");
        assert_eq!(
            keys.secrets,
            "portcullis:throttle:s:{p:192.0.2.10/32:4:a}{b}"
        );
        // Redis Cluster hashes the text between the first `{` and the next
        // `}`: the same for all three.
        let tag = |key: &str| {
            let (_, rest) = key.split_once('{').unwrap();
            rest.split_once('}').unwrap().0.to_owned()
        };
        assert_eq!(tag(&keys.failures), tag(&keys.lock));
        assert_eq!(tag(&keys.failures), tag(&keys.secrets));
    }

    #[test]
    fn tricky_accounts_never_collide() {
        // Each of these would meet another under `ip:account` or
        // `ip:len:account` without the length, or with the network and the
        // account swapped around a separator.
        let keys = [
            pair("192.0.2.1/32", "1:a"),
            pair("192.0.2.1/32", "1"),
            pair("192.0.2.1/32", "3:1:a"),
            pair("192.0.2.1/32", ":1:a"),
            pair("192.0.2.1/32", "a"),
            pair("192.0.2.1/32", "1:a:1:a"),
            pair("192.0.2.1/3", "2:1:a"),
            pair("192.0.2.0/24", "a"),
            pair("192.0.2.0/2", "4:a"),
            pair("2001:db8::/64", "1:a"),
            pair("2001:db8::/6", "4:1:a"),
            pair("2001:db8::/64", "5:2001:db8::/64:1:a"),
            pair("192.0.2.1/32", "n:192.0.2.1/32"),
            ThrottleKey::Network("192.0.2.1/32".parse().unwrap()),
            ThrottleKey::Network("2001:db8::/64".parse().unwrap()),
            pair("192.0.2.1/32", ""),
            pair("192.0.2.1/32", "}"),
            pair("192.0.2.1/32", "{"),
        ];
        let encoded: HashSet<String> = keys.iter().map(bucket).collect();
        assert_eq!(encoded.len(), keys.len(), "{encoded:#?}");
        let full: HashSet<String> = keys
            .iter()
            .flat_map(|key| {
                let keys = BucketKeys::new("p:", key);
                [keys.failures, keys.lock, keys.secrets]
            })
            .collect();
        assert_eq!(full.len(), keys.len() * 3);
    }

    #[test]
    fn a_pair_decodes_back_to_its_parts() {
        // The encoding is a code: the network ends at the first `:` after
        // its `/`, then the length says where the account ends.
        for (net, account) in [
            ("192.0.2.1/32", "1:a"),
            ("2001:db8::/64", "x:9:y"),
            ("2001:db8::/64", ""),
        ] {
            let text = bucket(&pair(net, account));
            let rest = text.strip_prefix("p:").unwrap();
            let (address, rest) = rest.split_once('/').unwrap();
            let (prefix, rest) = rest.split_once(':').unwrap();
            let (len, rest) = rest.split_once(':').unwrap();
            assert_eq!(format!("{address}/{prefix}"), net);
            assert_eq!(len.parse::<usize>().unwrap(), rest.len());
            assert_eq!(rest, account);
        }
    }
}
