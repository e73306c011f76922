//! Login names: `target%actor`, `target*master`, and SASL authzid.

use core::iter;

use crate::name::canonical;
use crate::{Field, Separators, SyntaxError};

/// The longest login name or authzid accepted, in bytes of input.
///
/// Two RFC 5321 addresses (254 bytes each, §4.5.3.1.3) joined by a
/// separator fit, with room for a few escaped separators. Longer input is
/// refused before any other work, so a hostile client cannot make the
/// parser (or NFC) chew on megabytes.
pub const MAX_LOGIN_BYTES: usize = 512;

/// How a login asked for its target.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum LoginForm {
    /// A plain login: the account signs in as itself. Also the result of
    /// `a%a` and of an authzid equal to the authcid.
    Plain,
    /// `target<sep>actor`, with the separator that was used.
    Separator(char),
    /// SASL: the authcid authenticates, the authzid names the target.
    Authzid,
}

impl LoginForm {
    /// `plain`, `separator` or `authzid` (for audit events).
    pub const fn name(self) -> &'static str {
        match self {
            LoginForm::Plain => "plain",
            LoginForm::Separator(_) => "separator",
            LoginForm::Authzid => "authzid",
        }
    }
}

/// A parsed login: the account to act as (`target`) and, when another
/// account is impersonating it, the `actor` whose secret is checked.
///
/// Both names are canonical ([`crate::normalize_name`]), and `actor` is
/// never equal to `target`: `a%a` is a plain login.
///
/// ```
/// use portcullis_impersonation::{LoginForm, LoginSyntax};
/// let login = LoginSyntax::default().parse("jane@Example.org%support@example.org")?;
/// assert_eq!(login.target(), "jane@example.org");
/// assert_eq!(login.actor(), Some("support@example.org"));
/// assert_eq!(login.authenticating(), "support@example.org");
/// assert_eq!(login.form(), LoginForm::Separator('%'));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct LoginName {
    login: String,
    target: String,
    actor: Option<String>,
    form: LoginForm,
}

impl LoginName {
    /// The login name (or SASL authcid) exactly as the client sent it. It
    /// holds no secret and no control character, so it may be logged.
    pub fn login(&self) -> &str {
        &self.login
    }

    /// The account the session will act as.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The impersonating account, when there is one.
    pub fn actor(&self) -> Option<&str> {
        self.actor.as_deref()
    }

    /// The account whose secret must be verified: the actor when
    /// impersonating, otherwise the target.
    pub fn authenticating(&self) -> &str {
        self.actor.as_deref().unwrap_or(&self.target)
    }

    /// Whether another account asks to act as the target.
    pub fn is_impersonation(&self) -> bool {
        self.actor.is_some()
    }

    /// How the target was requested.
    pub const fn form(&self) -> LoginForm {
        self.form
    }
}

/// The login-name syntax: which separators split `target<sep>actor`.
///
/// # Rules
/// - Input longer than [`MAX_LOGIN_BYTES`] and empty input are refused.
/// - A single separator splits the login into `target` (before) and
///   `actor` (after). Each part is a complete login name: in
///   `jane%admin@example.org` the target is `jane`, not
///   `jane@example.org`.
/// - **Escape**: a doubled separator (`%%`) stands for one literal
///   separator character, in either part, so `a%%b@example.org` is the plain
///   login `a%b@example.org`. A run of 2n separators is n literal ones. This
///   keeps working for addresses whose local part holds the separator
///   without disabling the syntax; disabling it
///   ([`Separators::NONE`]) is the other way. One limit: a target that
///   *ends* with the separator, or an actor that *starts* with it, cannot be
///   written next to the splitting separator (`a%` + `b` gives the odd run
///   `a%%%b`, refused below); such accounts use SASL authzid instead.
/// - **Ambiguity** is refused ([`SyntaxError::AmbiguousSeparators`]): two or
///   more separators (`a%b%c`, `a%b*c`), or an odd run of three or more
///   (`a%%%b`: `a%` + `b`, or `a` + `%b`?). Stalwart silently takes the
///   last separator and Dovecot the first; we refuse rather than guess.
/// - Empty parts are refused: `%admin` ([`SyntaxError::EmptyTarget`]),
///   `alice%` ([`SyntaxError::EmptyActor`]).
/// - Each part is made canonical by [`crate::normalize_name`] (NFC,
///   lower-case domain, no control characters, no empty local part or
///   domain).
/// - If both canonical parts are equal (`a%a`, `A@X.org%A@x.org`), it is a
///   plain login.
///
/// Parsing is a single forward pass over the characters: no indexing, no
/// backtracking, no panics.
///
/// ```
/// use portcullis_impersonation::{LoginSyntax, Separators, SyntaxError};
/// let dovecot = LoginSyntax::new(Separators::ASTERISK);
/// let login = dovecot.parse("jane*master")?;
/// assert_eq!((login.target(), login.actor()), ("jane", Some("master")));
///
/// let stalwart = LoginSyntax::default();
/// assert_eq!(stalwart.parse("jane*master")?.target(), "jane*master"); // `*` is off
/// assert_eq!(stalwart.parse("a%b%c"), Err(SyntaxError::AmbiguousSeparators));
/// assert_eq!(stalwart.parse("100%%@example.org")?.target(), "100%@example.org");
/// assert!(!stalwart.parse("bob%bob")?.is_impersonation());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[non_exhaustive]
pub struct LoginSyntax {
    /// The separators; [`Separators::PERCENT`] by default.
    pub separators: Separators,
}

impl LoginSyntax {
    /// A syntax with these separators.
    pub const fn new(separators: Separators) -> Self {
        LoginSyntax { separators }
    }

    /// Parses a login name (or SASL authcid) on its own.
    pub fn parse(&self, login: &str) -> Result<LoginName, SyntaxError> {
        if login.len() > MAX_LOGIN_BYTES {
            return Err(SyntaxError::TooLong {
                field: Field::Login,
            });
        }
        if login.is_empty() {
            return Err(SyntaxError::Empty);
        }
        let mut target = String::with_capacity(login.len());
        let mut actor: Option<String> = None;
        let mut separator = None;
        let mut chars = login.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_control() {
                return Err(SyntaxError::ControlCharacter {
                    field: Field::Login,
                });
            }
            let part = actor.as_mut().unwrap_or(&mut target);
            if !self.separators.contains(c) {
                part.push(c);
                continue;
            }
            let mut run = 1_usize;
            while chars.next_if_eq(&c).is_some() {
                run += 1;
            }
            if run.is_multiple_of(2) {
                part.extend(iter::repeat_n(c, run / 2));
            } else if run == 1 && separator.is_none() {
                separator = Some(c);
                actor = Some(String::with_capacity(login.len()));
            } else {
                return Err(SyntaxError::AmbiguousSeparators);
            }
        }
        let (Some(separator), Some(actor)) = (separator, actor) else {
            return Ok(LoginName {
                target: canonical(&target, Field::Login)?,
                login: login.to_owned(),
                actor: None,
                form: LoginForm::Plain,
            });
        };
        if target.is_empty() {
            return Err(SyntaxError::EmptyTarget);
        }
        if actor.is_empty() {
            return Err(SyntaxError::EmptyActor);
        }
        let target = canonical(&target, Field::Login)?;
        let actor = canonical(&actor, Field::Login)?;
        let (actor, form) = if actor == target {
            (None, LoginForm::Plain)
        } else {
            (Some(actor), LoginForm::Separator(separator))
        };
        Ok(LoginName {
            login: login.to_owned(),
            target,
            actor,
            form,
        })
    }

    /// Resolves a login from its SASL parts: the authcid (or the plain login
    /// name, which may use the separator syntax) and the optional authzid
    /// (RFC 4616 PLAIN authzid, RFC 7628 OAUTHBEARER `a=`).
    ///
    /// - No authzid, or an empty one: the login name decides alone.
    /// - An authzid byte-equal to the authcid (clients that echo it), or
    ///   canonically equal to the target: no change, so an authzid equal to
    ///   the authcid is a plain login (as in Dovecot).
    /// - A different authzid with a plain authcid: the authcid authenticates
    ///   and acts as the authzid ([`LoginForm::Authzid`]).
    /// - A different authzid with `target%actor`: both forms name a target
    ///   and disagree, so it is refused
    ///   ([`SyntaxError::ConflictingAuthzid`]).
    ///
    /// The authzid is one account name and is taken literally: it has no
    /// separator syntax, so it needs no escaping.
    ///
    /// ```
    /// use portcullis_impersonation::{LoginForm, LoginSyntax, SyntaxError};
    /// let syntax = LoginSyntax::default();
    /// let login = syntax.resolve("support", Some("jane"))?;
    /// assert_eq!((login.target(), login.actor()), ("jane", Some("support")));
    /// assert_eq!(login.form(), LoginForm::Authzid);
    ///
    /// assert!(!syntax.resolve("jane", Some("jane"))?.is_impersonation());
    /// assert_eq!(syntax.resolve("jane%support", Some("jane"))?.actor(), Some("support"));
    /// assert_eq!(
    ///     syntax.resolve("jane%support", Some("bob")),
    ///     Err(SyntaxError::ConflictingAuthzid)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve(&self, authcid: &str, authzid: Option<&str>) -> Result<LoginName, SyntaxError> {
        let name = self.parse(authcid)?;
        let authzid = match authzid {
            None | Some("") => return Ok(name),
            Some(authzid) if authzid == authcid => return Ok(name),
            Some(authzid) => authzid,
        };
        let wanted = canonical(authzid, Field::Authzid)?;
        if wanted == name.target {
            return Ok(name);
        }
        if name.actor.is_some() {
            return Err(SyntaxError::ConflictingAuthzid);
        }
        Ok(LoginName {
            login: name.login,
            actor: Some(name.target),
            target: wanted,
            form: LoginForm::Authzid,
        })
    }

    /// Resolves a login whose name was asserted by an identity provider
    /// (a token's username claim, an introspection `username`), with the
    /// optional SASL authzid (OAUTHBEARER `a=`).
    ///
    /// A provider guarantees only that the *whole* name is unique, so the
    /// name is one account name: it is made canonical and never split at a
    /// separator. A name that holds one of the syntax's separators is
    /// refused ([`SyntaxError::SeparatorInAssertedName`]): a user who may
    /// choose their own username at the provider could otherwise name
    /// `victim%admin` and be read as an impersonation. Over a token, the
    /// only way to act as another account is the authzid, judged by the
    /// impersonation policy like any other.
    ///
    /// ```
    /// use portcullis_impersonation::{LoginForm, LoginSyntax, SyntaxError};
    /// let syntax = LoginSyntax::default();
    /// let login = syntax.resolve_asserted("support@example.org", Some("jane@example.org"))?;
    /// assert_eq!(login.actor(), Some("support@example.org"));
    /// assert_eq!(login.form(), LoginForm::Authzid);
    /// assert_eq!(
    ///     syntax.resolve_asserted("jane@example.org%support@example.org", None),
    ///     Err(SyntaxError::SeparatorInAssertedName)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve_asserted(
        &self,
        name: &str,
        authzid: Option<&str>,
    ) -> Result<LoginName, SyntaxError> {
        let canonical_name = canonical(name, Field::Login)?;
        if canonical_name.chars().any(|c| self.separators.contains(c)) {
            return Err(SyntaxError::SeparatorInAssertedName);
        }
        let plain = |target: String| LoginName {
            login: name.to_owned(),
            target,
            actor: None,
            form: LoginForm::Plain,
        };
        let authzid = match authzid {
            None | Some("") => return Ok(plain(canonical_name)),
            Some(authzid) => authzid,
        };
        let wanted = canonical(authzid, Field::Authzid)?;
        if wanted == canonical_name {
            return Ok(plain(canonical_name));
        }
        Ok(LoginName {
            login: name.to_owned(),
            target: wanted,
            actor: Some(canonical_name),
            form: LoginForm::Authzid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(syntax: LoginSyntax, login: &str) -> Result<(String, Option<String>), SyntaxError> {
        syntax.parse(login).map(|name| (name.target, name.actor))
    }

    #[test]
    fn escapes() {
        let syntax = LoginSyntax::default();
        assert_eq!(parts(syntax, "a%%"), Ok(("a%".to_owned(), None)));
        assert_eq!(parts(syntax, "%%"), Ok(("%".to_owned(), None)));
        assert_eq!(parts(syntax, "a%%%%b"), Ok(("a%%b".to_owned(), None)));
        assert_eq!(
            parts(syntax, "a%%b%c%%"),
            Ok(("a%b".to_owned(), Some("c%".to_owned())))
        );
        assert_eq!(
            parts(syntax, "a%%%b"),
            Err(SyntaxError::AmbiguousSeparators)
        );
    }

    #[test]
    fn mixed_separators() {
        let syntax = LoginSyntax::new(Separators::PERCENT.union(Separators::ASTERISK));
        assert_eq!(parts(syntax, "a%*b"), Err(SyntaxError::AmbiguousSeparators));
        assert_eq!(
            parts(syntax, "a%%*b"),
            Ok(("a%".to_owned(), Some("b".to_owned())))
        );
        assert_eq!(
            syntax.parse("a*b").map(|name| name.form()),
            Ok(LoginForm::Separator('*'))
        );
    }

    #[test]
    fn asserted_names_are_never_split() {
        let syntax = LoginSyntax::new(Separators::PERCENT.union(Separators::ASTERISK));
        for name in [
            "alice@example.org%admin@example.org",
            "admin@example.org%admin@example.org",
            "alice*master",
            "100%%@example.org",
        ] {
            assert_eq!(
                syntax.resolve_asserted(name, None),
                Err(SyntaxError::SeparatorInAssertedName),
                "{name}"
            );
        }
        let plain = syntax.resolve_asserted("Jose\u{301}@Example.org", None);
        assert_eq!(
            plain
                .as_ref()
                .map(|login| (login.target(), login.actor(), login.form())),
            Ok(("Jos\u{e9}@example.org", None, LoginForm::Plain))
        );
        let same = syntax.resolve_asserted("bob@example.org", Some("bob@EXAMPLE.org"));
        assert_eq!(same.map(|login| login.is_impersonation()), Ok(false));
        // The authzid is one name too: no separator syntax in it.
        let acting = syntax.resolve_asserted("bob@example.org", Some("a%b@example.org"));
        assert_eq!(
            acting.map(|login| (login.target().to_owned(), login.actor().map(str::to_owned))),
            Ok((
                "a%b@example.org".to_owned(),
                Some("bob@example.org".to_owned())
            ))
        );
        // Without separators in the syntax, nothing is special.
        let none = LoginSyntax::new(Separators::NONE).resolve_asserted("a%b@example.org", None);
        assert_eq!(
            none.map(|login| login.target().to_owned()),
            Ok("a%b@example.org".to_owned())
        );
    }

    #[test]
    fn disabled_syntax_is_literal() {
        let syntax = LoginSyntax::new(Separators::NONE);
        assert_eq!(parts(syntax, "a%b%%c"), Ok(("a%b%%c".to_owned(), None)));
    }
}
