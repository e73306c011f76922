//! The extra fields of a line (`key=value` or a bare `key`, space
//! separated), and what each means here.
//!
//! Keys are compared exactly, as Dovecot compares them: `NOLOGIN` is not
//! `nologin` (and is reported as unknown).

/// What a key does in this directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Meaning {
    /// `nologin`, `fail`: the account is disabled, as in Dovecot.
    Disables,
    /// `noauthenticate`: this passdb is not meant to authenticate the
    /// user; here it is the only one, so the account is disabled and the
    /// field reported.
    DisablesReported,
    /// `allow_nets`, `allow_real_nets`: a restriction by client address.
    AllowNets,
    /// `user`: the canonical name.
    User,
    /// `userdb_…`: kept for the caller ([`Entry::userdb_fields`](crate::Entry::userdb_fields)).
    Userdb,
    /// A Dovecot passdb field with nothing to map to: reported.
    Ignored,
    /// Not a field Dovecot documents: reported.
    Unknown,
}

/// Dovecot passdb extra fields that have no counterpart in portcullis.
/// None widens access when ignored: they proxy, refer, delay, or change
/// messages (and `nopassword` would accept any password: ignoring it keeps
/// the password required).
const IGNORED: &[&str] = &[
    "nodelay",
    "nopassword",
    "reason",
    "proxy",
    "proxy_maybe",
    "proxy_always",
    "proxy_timeout",
    "proxy_refresh",
    "proxy_mech",
    "proxy_nopipelining",
    "proxy_not_trusted",
    "proxy_noauth",
    "host",
    "hostip",
    "port",
    "destuser",
    "pass",
    "master",
    "login_user",
    "source_ip",
    "ssl",
    "starttls",
    "director_tag",
    "k5principals",
    "delay_until",
    "noreplicate",
];

/// Dovecot passdb field families named by prefix.
const IGNORED_PREFIXES: &[&str] = &["forward_", "event_"];

pub(crate) fn meaning(key: &str) -> Meaning {
    match key {
        "nologin" | "fail" => Meaning::Disables,
        "noauthenticate" => Meaning::DisablesReported,
        "allow_nets" | "allow_real_nets" => Meaning::AllowNets,
        "user" => Meaning::User,
        _ if key.starts_with("userdb_") => Meaning::Userdb,
        _ if IGNORED.contains(&key)
            || IGNORED_PREFIXES
                .iter()
                .any(|prefix| key.starts_with(prefix)) =>
        {
            Meaning::Ignored
        }
        _ => Meaning::Unknown,
    }
}

/// The fields of an extra-fields list: split on spaces and tabs, each
/// `key=value` (the value may itself hold `=` and `:`) or a bare `key`.
pub(crate) fn split(extra: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    extra
        .split([' ', '\t'])
        .filter(|token| !token.is_empty())
        .map(|token| match token.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (token, None),
        })
}

/// The `'static` name of a key that disables the account or restricts
/// it, for [`Entry::disabled_by`](crate::Entry::disabled_by).
pub(crate) fn static_key(key: &str) -> Option<&'static str> {
    [
        "nologin",
        "fail",
        "noauthenticate",
        "allow_nets",
        "allow_real_nets",
    ]
    .into_iter()
    .find(|known| *known == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meanings() {
        assert_eq!(meaning("nologin"), Meaning::Disables);
        assert_eq!(meaning("NOLOGIN"), Meaning::Unknown);
        assert_eq!(meaning("userdb_quota_rule"), Meaning::Userdb);
        assert_eq!(meaning("forward_x"), Meaning::Ignored);
        assert_eq!(meaning("nodelay"), Meaning::Ignored);
        assert_eq!(meaning("allow_real_nets"), Meaning::AllowNets);
        assert_eq!(meaning("quota"), Meaning::Unknown);
    }

    #[test]
    fn splitting() {
        let fields: Vec<_> = split("  userdb_mail=maildir:~/Maildir\tnologin  a=b=c =x").collect();
        assert_eq!(
            fields,
            [
                ("userdb_mail", Some("maildir:~/Maildir")),
                ("nologin", None),
                ("a", Some("b=c")),
                ("", Some("x")),
            ]
        );
    }
}
