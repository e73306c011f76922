//! [`Error`]: why a passwd-file was refused, and [`LineError`]: what is
//! wrong with one line.
//!
//! No message ever contains a password field: a `{PLAIN}` entry *is* the
//! password, and a log line that quotes a malformed hash hands out most of
//! it. Lines are named by number; user names and field names (never their
//! values, which may be `pass=` proxy passwords) are named as written.

use portcullis_credentials::HashError;
use portcullis_impersonation::SyntaxError;

use crate::warning::Warning;

/// Why a passwd-file could not be loaded (or reloaded; the contents in
/// force then stay in force).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Environment: the file cannot be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path as given.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The file's fault: one line is malformed.
    #[error("line {line}: {error}")]
    Line {
        /// The line number, counted from 1.
        line: usize,
        /// What is wrong with it.
        error: LineError,
    },
    /// The file's fault: two lines claim the same name, as their user
    /// field or through a `user=` extra field (after the name
    /// normalisation of [`Options`](crate::Options)).
    #[error("lines {first} and {second} both claim the name {name:?}")]
    Duplicate {
        /// The name, normalised.
        name: String,
        /// The line that claimed it first.
        first: usize,
        /// The line that claimed it again.
        second: usize,
    },
    /// The file's fault, in strict mode ([`Options::strict`](crate::Options::strict)):
    /// it has fields or hashes this directory cannot honour. Each is
    /// listed; in lenient mode they would be the load's warnings.
    #[error("strict mode refuses the file: {}", strict_summary(.warnings))]
    Strict {
        /// Every warning, in line order.
        warnings: Vec<Warning>,
    },
    /// Configuration: a default role is not in the role graph.
    #[error("default roles: {0}")]
    Roles(portcullis_permissions::Error),
    /// API misuse: [`reload`](crate::PasswdFileDirectory::reload) on a
    /// directory built from text (use
    /// [`replace_text`](crate::PasswdFileDirectory::replace_text)).
    #[error("this directory was not read from a file: nothing to reload")]
    NoPath,
}

impl Error {
    /// A stable kebab-case name of the case, for logs and metrics.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::Line { .. } => "malformed-line",
            Error::Duplicate { .. } => "duplicate-name",
            Error::Strict { .. } => "strict-mode",
            Error::Roles(_) => "unknown-role",
            Error::NoPath => "no-path",
        }
    }
}

fn strict_summary(warnings: &[Warning]) -> String {
    match warnings {
        [] => "no warnings".to_owned(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

/// What is wrong with one line (always the file's fault).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// The line is not UTF-8.
    #[error("not valid UTF-8")]
    NotUtf8,
    /// The line is longer than [`MAX_LINE_BYTES`](crate::MAX_LINE_BYTES).
    #[error("longer than {max} bytes")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// The user field is empty (the line starts with `:`).
    #[error("empty user name")]
    EmptyName,
    /// The line has a user name but no `:` and so no password field.
    #[error("no password field (no `:` after the user name)")]
    NoPasswordField,
    /// The user name is not a valid login name (control characters, a
    /// bare `@`, too long).
    #[error("invalid user name: {0}")]
    InvalidName(SyntaxError),
    /// The password field is a malformed hash of a scheme this directory
    /// verifies (never echoed).
    #[error("password field: {0}")]
    Hash(HashError),
    /// An extra field has an empty key (`=value`).
    #[error("an extra field has an empty key")]
    EmptyFieldKey,
    /// `user=` is empty or not a valid login name.
    #[error("`user=`: invalid name: {0}")]
    InvalidUser(SyntaxError),
    /// `allow_nets=` or `allow_real_nets=` holds something that is neither
    /// an address, a network nor `local`.
    #[error("`{field}=`: {item:?} is not an address, a network or `local`")]
    InvalidNet {
        /// `allow_nets` or `allow_real_nets`.
        field: &'static str,
        /// The offending list item.
        item: String,
    },
}
