//! The crate's errors: malformed login names, configuration mistakes, and
//! (wrapping [`Refusal`]) policy refusals.

use crate::{MAX_LOGIN_BYTES, Refusal};

/// Which input field a [`SyntaxError`] is about.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Field {
    /// The login name or SASL authcid.
    Login,
    /// The SASL authorization identity (PLAIN authzid, OAUTHBEARER `a=`).
    Authzid,
}

impl Field {
    /// `login` or `authzid`.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Login => "login",
            Field::Authzid => "authzid",
        }
    }
}

/// A login name or authzid that cannot be read. **The peer's fault.**
///
/// These depend only on the text the client sent, never on the directory,
/// so [`SyntaxError::public_message`] may be shown to anyone, authenticated
/// or not: it cannot reveal whether an account exists.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// The login name is empty.
    #[error("the login name is empty")]
    Empty,
    /// The field is longer than [`MAX_LOGIN_BYTES`].
    #[error("the {} is longer than {MAX_LOGIN_BYTES} bytes", field.name())]
    TooLong {
        /// The field that was too long.
        field: Field,
    },
    /// The field holds a control character (C0, DEL or C1): NUL, CR, LF and
    /// friends have no place in a name and would corrupt logs.
    #[error("the {} contains a control character", field.name())]
    ControlCharacter {
        /// The field with the control character.
        field: Field,
    },
    /// Nothing before the separator (`%admin`).
    #[error("nothing before the impersonation separator")]
    EmptyTarget,
    /// Nothing after the separator (`alice%`).
    #[error("nothing after the impersonation separator")]
    EmptyActor,
    /// More than one separator (`a%b%c`, `a%b*c`) or an odd run of three or
    /// more (`a%%%b`): there is no single reading, so none is guessed.
    #[error("more than one impersonation separator")]
    AmbiguousSeparators,
    /// An address with nothing before its last `@` (`@example.com`).
    #[error("the {} has an empty local part", field.name())]
    EmptyLocalPart {
        /// The field with the malformed address.
        field: Field,
    },
    /// An address with nothing after its last `@` (`alice@`).
    #[error("the {} has an empty domain", field.name())]
    EmptyDomain {
        /// The field with the malformed address.
        field: Field,
    },
    /// The login names one target with the separator and the authzid names
    /// another (`bob%admin` with authzid `carol`).
    #[error("the login name and the authorization identity name different accounts")]
    ConflictingAuthzid,
    /// A name asserted by an identity provider holds an impersonation
    /// separator. Such a name is one account name and is never split
    /// ([`LoginSyntax::resolve_asserted`](crate::LoginSyntax::resolve_asserted)),
    /// and the directory cannot tell it from `target%actor`, so it is
    /// refused rather than guessed.
    #[error("the name asserted by the identity provider contains an impersonation separator")]
    SeparatorInAssertedName,
}

impl SyntaxError {
    /// A stable kebab-case name, for logs and the CLI.
    pub const fn kind(&self) -> &'static str {
        match self {
            SyntaxError::Empty => "empty-login",
            SyntaxError::TooLong { .. } => "login-too-long",
            SyntaxError::ControlCharacter { .. } => "control-character",
            SyntaxError::EmptyTarget => "empty-target",
            SyntaxError::EmptyActor => "empty-actor",
            SyntaxError::AmbiguousSeparators => "ambiguous-separators",
            SyntaxError::EmptyLocalPart { .. } => "empty-local-part",
            SyntaxError::EmptyDomain { .. } => "empty-domain",
            SyntaxError::ConflictingAuthzid => "conflicting-authzid",
            SyntaxError::SeparatorInAssertedName => "separator-in-asserted-name",
        }
    }

    /// What the client may be told. It depends only on the client's own
    /// input, so it is safe before authentication.
    pub const fn public_message(&self) -> &'static str {
        match self {
            SyntaxError::Empty => "the login name is empty",
            SyntaxError::TooLong { .. } => "the login name is too long",
            SyntaxError::ControlCharacter { .. } => {
                "the login name contains a character that is not allowed"
            }
            SyntaxError::EmptyTarget | SyntaxError::EmptyActor => {
                "the login name has an empty part around the impersonation separator"
            }
            SyntaxError::AmbiguousSeparators => {
                "the login name has more than one impersonation separator"
            }
            SyntaxError::EmptyLocalPart { .. } | SyntaxError::EmptyDomain { .. } => {
                "the login name is not a valid address"
            }
            SyntaxError::ConflictingAuthzid => {
                "the login name and the authorization identity name different accounts"
            }
            SyntaxError::SeparatorInAssertedName => {
                "the identity provider's user name cannot be used here"
            }
        }
    }
}

/// A configuration value this crate cannot use. **The configuration's fault.**
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A separator that is not ASCII punctuation, or one that ordinary login
    /// names and addresses use (`@ . " \ - _ +`), so that enabling it would
    /// change the meaning of everyday logins.
    #[error("{0:?} cannot be an impersonation separator")]
    UnsupportedSeparator(char),
}

impl ConfigError {
    /// A stable kebab-case name, for logs and the CLI.
    pub const fn kind(&self) -> &'static str {
        match self {
            ConfigError::UnsupportedSeparator(_) => "unsupported-separator",
        }
    }
}

/// Every error this crate reports, for callers that want one type.
///
/// The functions return the precise sub-type ([`SyntaxError`] from parsing,
/// [`Refusal`] from the policy, [`ConfigError`] from configuration), which
/// converts into this with `?`.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The login name or authzid is malformed: the peer's fault.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// The policy refused the impersonation: the actor asked for something it
    /// may not do, or the deployment forbids it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The configuration is unusable: the operator's fault.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl Error {
    /// A stable kebab-case name, for logs and the CLI.
    pub const fn kind(&self) -> &'static str {
        match self {
            Error::Syntax(error) => error.kind(),
            Error::Refused(refusal) => refusal.kind(),
            Error::Config(error) => error.kind(),
        }
    }

    /// What the client may be told; see [`Refusal::public_message`] for when
    /// a refusal's message may be shown.
    pub const fn public_message(&self) -> &'static str {
        match self {
            Error::Syntax(error) => error.public_message(),
            Error::Refused(refusal) => refusal.public_message(),
            Error::Config(_) => "the server is misconfigured",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_kebab_case() {
        let errors = [
            SyntaxError::Empty,
            SyntaxError::TooLong {
                field: Field::Authzid,
            },
            SyntaxError::ControlCharacter {
                field: Field::Login,
            },
            SyntaxError::EmptyTarget,
            SyntaxError::EmptyActor,
            SyntaxError::AmbiguousSeparators,
            SyntaxError::EmptyLocalPart {
                field: Field::Login,
            },
            SyntaxError::EmptyDomain {
                field: Field::Login,
            },
            SyntaxError::ConflictingAuthzid,
        ];
        for error in errors {
            let kind = Error::from(error).kind();
            assert!(
                kind.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{kind}"
            );
            assert!(!error.public_message().is_empty());
        }
        assert_eq!(
            SyntaxError::TooLong {
                field: Field::Authzid
            }
            .to_string(),
            "the authzid is longer than 512 bytes"
        );
    }
}
