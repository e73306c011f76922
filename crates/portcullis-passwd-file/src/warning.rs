//! [`Warning`]: a field or hash of one line that this directory loaded
//! without honouring it as Dovecot would. Nothing is dropped silently: the
//! caller logs these, or refuses them all with
//! [`Options::strict`](crate::Options::strict).

use core::fmt;

use portcullis_credentials::HashError;

/// Something on one line that is not honoured as Dovecot would honour it.
///
/// `field` is the extra field's key (`nodelay`, `allow_nets`) or
/// `password` for the password field; values are never kept, since some
/// are secrets (`pass=` is a proxy password).
///
/// ```
/// use portcullis_passwd_file::{Options, PasswdFile, WarningKind};
/// let file = PasswdFile::parse("alice:{PLAIN}secret::::::nodelay\n", &Options::default())?;
/// let warning = &file.warnings()[0];
/// assert_eq!((warning.line, warning.field.as_str()), (1, "nodelay"));
/// assert_eq!(warning.kind, WarningKind::Ignored);
/// assert_eq!(warning.to_string(), "line 1: `nodelay`: ignored (a Dovecot field with no counterpart here)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Warning {
    /// The line number, counted from 1.
    pub line: usize,
    /// The extra field's key, or `password`.
    pub field: String,
    /// What happened to it.
    pub kind: WarningKind,
}

impl Warning {
    pub(crate) fn new(line: usize, field: impl Into<String>, kind: WarningKind) -> Warning {
        Warning {
            line,
            field: field.into(),
            kind,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: `{}`: {}", self.line, self.field, self.kind)
    }
}

/// What happened to a field this directory does not honour.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarningKind {
    /// A field Dovecot does not document either (a typo, or another
    /// program's field): ignored.
    Unknown,
    /// A Dovecot passdb field with no counterpart in portcullis
    /// (`nodelay`, `proxy`, `host`, `reason`, `nopassword`, …): ignored.
    /// None of them widens access when ignored (`nopassword` in
    /// particular: the password, if any, is still required).
    Ignored,
    /// The value uses `%` variables, which Dovecot expands and this
    /// directory does not: the field is ignored.
    NotExpanded,
    /// A restriction portcullis cannot enforce (`allow_nets`,
    /// `allow_real_nets`: the directory is never told the client's
    /// address; `noauthenticate`): the account is **disabled**, so the
    /// restriction fails closed.
    AccountDisabled,
    /// `allow_nets`/`allow_real_nets` with
    /// [`Options::danger_ignore_allow_nets`](crate::Options::danger_ignore_allow_nets):
    /// the account may sign in from anywhere, unless the server checks
    /// [`Entry::allows_address`](crate::Entry::allows_address) itself.
    NotEnforced,
    /// The password's scheme is not one `portcullis-credentials` verifies
    /// (`{CRAM-MD5}`, `{PBKDF2}`, …): the account is loaded without a
    /// password, so every password login to it is refused.
    UnsupportedScheme {
        /// The scheme as written (`{CRAM-MD5}`).
        scheme: String,
    },
    /// The stored hash's parameters exceed
    /// [`Options::hash_limits`](crate::Options::hash_limits): the
    /// authenticator will refuse to verify it, so password logins to this
    /// account fail until it is rehashed or the limits raised.
    HashTooCostly(HashError),
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarningKind::Unknown => f.write_str("ignored (not a field Dovecot documents)"),
            WarningKind::Ignored => {
                f.write_str("ignored (a Dovecot field with no counterpart here)")
            }
            WarningKind::NotExpanded => {
                f.write_str("ignored (`%` variables are not expanded here)")
            }
            WarningKind::AccountDisabled => {
                f.write_str("cannot be enforced here: the account is disabled")
            }
            WarningKind::NotEnforced => f.write_str(
                "NOT enforced (danger_ignore_allow_nets): the account signs in from anywhere",
            ),
            WarningKind::UnsupportedScheme { scheme } => write!(
                f,
                "unsupported scheme {scheme}: password logins to this account are refused"
            ),
            WarningKind::HashTooCostly(error) => {
                write!(f, "{error}: password logins to this account are refused")
            }
        }
    }
}
