//! [`Entry`]: one line of a passwd-file, and how a line becomes one.
//!
//! `user:password:uid:gid:gecos:home:shell:extra_fields` — only the first
//! two are needed; missing trailing fields are empty. Everything after the
//! seventh `:` is the extra-fields list, colons included (so
//! `userdb_mail=maildir:~/Maildir` survives).

use std::net::IpAddr;
use std::sync::Arc;

use portcullis::Account;
use portcullis_credentials::{HashError, StoredHash};
use portcullis_impersonation::normalize_name;
use sha2::{Digest, Sha256};

use crate::error::LineError;
use crate::field::{self, Meaning};
use crate::net::AllowedNet;
use crate::options::Options;
use crate::warning::{Warning, WarningKind};

/// One account line, as read.
///
/// The [`Account`] is what the directory answers; the rest is kept for
/// the server (Dovecot's userdb half: uid, gid, home, `userdb_…` fields)
/// and for `explain`-style tooling.
///
/// ```
/// use portcullis_passwd_file::{Options, PasswdFile};
/// let text = "alice@example.org:{PLAIN}secret:1000:1000::/home/alice::userdb_quota_rule=*:storage=1G\n";
/// let file = PasswdFile::parse(text, &Options::default())?;
/// let entry = file.get("alice@example.org").ok_or("no entry")?;
/// assert_eq!(entry.home.as_deref(), Some("/home/alice"));
/// assert_eq!(entry.userdb_fields, [("quota_rule".to_owned(), Some("*:storage=1G".to_owned()))]);
/// assert_eq!(entry.account.roles, ["user"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Entry {
    /// The line number, counted from 1.
    pub line: usize,
    /// The user field, normalised: the name this entry is looked up by.
    pub login: String,
    /// The account the directory answers for [`login`](Entry::login) (and
    /// for its `user=` name, which is [`Account::name`]).
    pub account: Arc<Account>,
    /// The uid field, if not empty.
    pub uid: Option<String>,
    /// The gid field, if not empty.
    pub gid: Option<String>,
    /// The gecos field, if not empty.
    pub gecos: Option<String>,
    /// The home field, if not empty.
    pub home: Option<String>,
    /// The shell field, if not empty.
    pub shell: Option<String>,
    /// The `userdb_…` extra fields, the prefix removed, in file order; a
    /// bare key has no value.
    pub userdb_fields: Vec<(String, Option<String>)>,
    /// The last `allow_nets=` list, if any (an `allow_real_nets=` list is
    /// kept apart, in [`allow_real_nets`](Entry::allow_real_nets)).
    pub allow_nets: Option<Vec<AllowedNet>>,
    /// The last `allow_real_nets=` list, if any.
    pub allow_real_nets: Option<Vec<AllowedNet>>,
    /// The extra fields that disabled the account (`nologin`, `fail`,
    /// `noauthenticate`, `allow_nets`, `allow_real_nets`).
    pub disabled_by: Vec<&'static str>,
}

impl Entry {
    /// Whether a client at `address` (`None`: no IP address) passes this
    /// entry's `allow_nets` list (`true` when there is none). For servers
    /// that load with
    /// [`Options::danger_ignore_allow_nets`](crate::Options::danger_ignore_allow_nets)
    /// and check the address themselves after each grant. Dovecot's
    /// `allow_real_nets` is about the connection's real peer (a proxy);
    /// check it with [`allows_real_address`](Entry::allows_real_address).
    #[must_use]
    pub fn allows_address(&self, address: Option<IpAddr>) -> bool {
        allows(self.allow_nets.as_deref(), address)
    }

    /// Like [`allows_address`](Entry::allows_address), against
    /// `allow_real_nets` and the connection's real peer address.
    #[must_use]
    pub fn allows_real_address(&self, address: Option<IpAddr>) -> bool {
        allows(self.allow_real_nets.as_deref(), address)
    }
}

fn allows(nets: Option<&[AllowedNet]>, address: Option<IpAddr>) -> bool {
    nets.is_none_or(|nets| nets.iter().any(|net| net.contains(address)))
}

/// The name a user field or `user=` value is known by.
pub(crate) fn canonical_name(
    name: &str,
    lowercase: bool,
) -> Result<String, portcullis_impersonation::SyntaxError> {
    let name = normalize_name(name)?;
    Ok(if lowercase {
        name.to_ascii_lowercase()
    } else {
        name
    })
}

/// A line read into an entry, with its warnings.
pub(crate) struct Parsed {
    pub(crate) entry: Entry,
    pub(crate) warnings: Vec<Warning>,
}

/// Reads one non-blank, non-comment line (its `\r\n` already removed).
pub(crate) fn parse_line(
    number: usize,
    line: &str,
    options: &Options,
) -> Result<Parsed, LineError> {
    let mut fields = line.splitn(8, ':');
    let name = fields.next().unwrap_or_default();
    if name.is_empty() {
        return Err(LineError::EmptyName);
    }
    let password = fields.next().ok_or(LineError::NoPasswordField)?;
    let login = canonical_name(name, options.lowercases_names()).map_err(LineError::InvalidName)?;
    let mut next = || {
        fields
            .next()
            .filter(|field| !field.is_empty())
            .map(str::to_owned)
    };
    let (uid, gid, gecos, home, shell) = (next(), next(), next(), next(), next());
    let extra = next();

    let mut warnings = Vec::new();
    let hash = parse_password(number, password, options, &mut warnings)?;

    let mut canonical = login.clone();
    let mut userdb_fields = Vec::new();
    let mut allow_nets = None;
    let mut allow_real_nets = None;
    let mut disabled_by = Vec::new();
    for (key, value) in field::split(extra.as_deref().unwrap_or_default()) {
        if key.is_empty() {
            return Err(LineError::EmptyFieldKey);
        }
        match field::meaning(key) {
            Meaning::Disables => disable(&mut disabled_by, key),
            Meaning::DisablesReported => {
                disable(&mut disabled_by, key);
                warnings.push(Warning::new(number, key, WarningKind::AccountDisabled));
            }
            Meaning::AllowNets => {
                let field = field::static_key(key).unwrap_or("allow_nets");
                let nets = parse_nets(field, value.unwrap_or_default())?;
                if field == "allow_real_nets" {
                    allow_real_nets = Some(nets);
                } else {
                    allow_nets = Some(nets);
                }
                if options.disables_allow_nets() {
                    disable(&mut disabled_by, key);
                    warnings.push(Warning::new(number, key, WarningKind::AccountDisabled));
                } else {
                    warnings.push(Warning::new(number, key, WarningKind::NotEnforced));
                }
            }
            Meaning::User => match value {
                Some(value) if value.contains('%') => {
                    warnings.push(Warning::new(number, key, WarningKind::NotExpanded));
                }
                value => {
                    canonical =
                        canonical_name(value.unwrap_or_default(), options.lowercases_names())
                            .map_err(LineError::InvalidUser)?;
                }
            },
            Meaning::Userdb => userdb_fields.push((
                key.get("userdb_".len()..).unwrap_or(key).to_owned(),
                value.map(str::to_owned),
            )),
            Meaning::Ignored => warnings.push(Warning::new(number, key, WarningKind::Ignored)),
            Meaning::Unknown => warnings.push(Warning::new(number, key, WarningKind::Unknown)),
        }
    }

    let mut account = Account::new(canonical)
        .with_roles(options.roles().iter().cloned())
        .disabled(!disabled_by.is_empty())
        .with_revision(revision(line));
    account.password = hash;
    Ok(Parsed {
        entry: Entry {
            line: number,
            login,
            account: Arc::new(account),
            uid,
            gid,
            gecos,
            home,
            shell,
            userdb_fields,
            allow_nets,
            allow_real_nets,
            disabled_by,
        },
        warnings,
    })
}

/// Records that `key` disabled the account (once, however often it is
/// written).
fn disable(disabled_by: &mut Vec<&'static str>, key: &str) {
    if let Some(key) = field::static_key(key)
        && !disabled_by.contains(&key)
    {
        disabled_by.push(key);
    }
}

/// The password field as a [`StoredHash`]: `None` when empty, locked
/// (`*…`, `!…`, `x` under the `CRYPT` default: never matches in Dovecot
/// either), or of an unsupported scheme (then with a warning).
fn parse_password(
    number: usize,
    password: &str,
    options: &Options,
    warnings: &mut Vec<Warning>,
) -> Result<Option<StoredHash>, LineError> {
    if password.is_empty() {
        return Ok(None);
    }
    let prefixed;
    let stored = if password.starts_with('{') {
        dovecot_alias(password).unwrap_or_else(|| password.to_owned())
    } else {
        let scheme = options.scheme();
        if scheme.eq_ignore_ascii_case("CRYPT")
            && (password == "x" || password.starts_with(['*', '!']))
        {
            return Ok(None);
        }
        prefixed = format!("{{{scheme}}}{password}");
        dovecot_alias(&prefixed).unwrap_or(prefixed)
    };
    match StoredHash::parse(&stored) {
        Ok(hash) => {
            if let Err(error) = hash.check_cost(options.limits()) {
                warnings.push(Warning::new(
                    number,
                    "password",
                    WarningKind::HashTooCostly(error),
                ));
            }
            Ok(Some(hash))
        }
        Err(HashError::UnsupportedScheme(scheme)) => {
            warnings.push(Warning::new(
                number,
                "password",
                WarningKind::UnsupportedScheme { scheme },
            ));
            Ok(None)
        }
        Err(error) => Err(LineError::Hash(error)),
    }
}

/// Dovecot's names for schemes `portcullis-credentials` knows by another
/// name: `{MD5}` is Dovecot's md5-crypt (`$1$…`), not LDAP's base64 MD5
/// digest (which Dovecot calls `{LDAP-MD5}`).
fn dovecot_alias(stored: &str) -> Option<String> {
    let (scheme, rest) = stored.strip_prefix('{')?.split_once('}')?;
    (scheme.eq_ignore_ascii_case("MD5") && rest.starts_with("$1$"))
        .then(|| format!("{{MD5-CRYPT}}{rest}"))
}

fn parse_nets(field: &'static str, value: &str) -> Result<Vec<AllowedNet>, LineError> {
    value
        .split(',')
        .map(|item| {
            AllowedNet::parse(item.trim()).ok_or_else(|| LineError::InvalidNet {
                field,
                item: item.to_owned(),
            })
        })
        .collect()
}

/// The account's revision: a digest of its line, so that a change to it
/// (a flag, the name, a field) invalidates what caches derived from it,
/// and an unchanged line keeps its revision across reloads. Halved to fit
/// signed 64-bit stores.
///
/// The password field is left out: a digest of a `{PLAIN}` or unsalted
/// line would be a fast hash of the password, and `Account::revision` is
/// not treated as a secret. A changed password is seen all the same: the
/// authenticator's caches and session fingerprints include the stored hash.
fn revision(line: &str) -> u64 {
    let mut parts = line.splitn(3, ':');
    let mut digest = Sha256::new();
    digest.update(parts.next().unwrap_or_default().as_bytes());
    digest.update([0]);
    let _password = parts.next();
    digest.update(parts.next().unwrap_or_default().as_bytes());
    let digest = digest.finalize();
    let mut bytes = [0u8; 8];
    for (slot, byte) in bytes.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    u64::from_be_bytes(bytes) >> 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_alias_is_only_md5_crypt() {
        assert_eq!(
            dovecot_alias("{MD5}$1$abc$def").as_deref(),
            Some("{MD5-CRYPT}$1$abc$def")
        );
        assert_eq!(dovecot_alias("{MD5}KrljkMfb40Od500MmwsXZw=="), None);
        assert_eq!(dovecot_alias("{SHA}x"), None);
    }

    #[test]
    fn revisions_follow_the_line() {
        assert_eq!(revision("a:b"), revision("a:b"));
        assert_ne!(revision("a:b:1"), revision("a:b:2"));
        assert_eq!(revision("a:{PLAIN}x:1"), revision("a:{PLAIN}y:1"));
        assert!(revision("a:b") <= u64::MAX >> 1);
    }
}
