//! Which mechanisms a connection may use and advertise.

use crate::error::Error;
use crate::limits::Limits;
use crate::login::LoginPrompts;
use crate::mechanism::{Mechanism, MechanismSet};

bitflags::bitflags! {
    /// What the server knows about the connection's transport.
    ///
    /// ```
    /// use portcullis_sasl::Transport;
    /// let after_starttls = Transport::TLS;
    /// assert!(after_starttls.contains(Transport::TLS));
    /// assert!(Transport::empty().is_empty()); // plain TCP
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Transport: u8 {
        /// Protected by TLS (implicit TLS or after STARTTLS).
        const TLS = 1 << 0;
        /// A local channel no one else can read (loopback, Unix socket). Counts
        /// as protected only with [`MechanismPolicy::trust_local_transport`].
        const LOCAL = 1 << 1;
        /// The server holds channel-binding data for this TLS connection
        /// (RFC 9266 `tls-exporter`, RFC 5929 `tls-server-end-point`) and
        /// passes it to [`ScramServer`](crate::scram::ScramServer): only
        /// then, and only with [`Transport::TLS`], are the `-PLUS`
        /// mechanisms offered and accepted.
        const CHANNEL_BINDING = 1 << 2;
    }
}

/// The mechanisms a server offers, and the rule that every mechanism which
/// sends a replayable secret — a password (PLAIN, LOGIN) or a bearer token
/// (OAUTHBEARER, XOAUTH2) — needs a protected transport: the same rule for
/// every protocol, like Dovecot's `auth_allow_cleartext = no`, and RFC 6750
/// §5.3 for bearer tokens.
///
/// SCRAM sends no replayable secret and, by default, is offered without
/// TLS too, as RFC 5802 allows and Dovecot does. A recorded exchange still
/// lets anyone test password guesses offline (RFC 5802 §9), and the session
/// after it is open to whoever is on the path:
/// [`require_tls_for_scram`](Self::require_tls_for_scram) holds SCRAM to
/// the rule of the other mechanisms. Its `-PLUS` variants always need TLS
/// *and* channel-binding data ([`Transport::CHANNEL_BINDING`]).
///
/// Safe by default: every mechanism enabled except SCRAM-SHA-1 and
/// SCRAM-SHA-1-PLUS ([`MechanismSet::DEFAULT`]), the replayable-secret
/// mechanisms only over TLS, default [`Limits`], `Username:`/`Password:`
/// LOGIN prompts.
///
/// ```
/// use portcullis_sasl::{Error, Mechanism, MechanismPolicy, MechanismSet, Transport};
/// let policy = MechanismPolicy::new();
/// let over_tls: Vec<_> = policy.advertised(Transport::TLS).mechanisms().map(Mechanism::name).collect();
/// assert_eq!(over_tls, ["OAUTHBEARER", "XOAUTH2", "SCRAM-SHA-256", "PLAIN", "LOGIN"]);
/// assert_eq!(policy.advertised(Transport::empty()), MechanismSet::SCRAM_SHA_256);
/// assert_eq!(policy.check(Mechanism::Plain, Transport::empty()), Err(Error::TlsRequired(Mechanism::Plain)));
/// assert_eq!(policy.check(Mechanism::OAuthBearer, Transport::empty()), Err(Error::TlsRequired(Mechanism::OAuthBearer)));
/// assert_eq!(
///     policy.capability_tokens(Transport::TLS | Transport::CHANNEL_BINDING, "AUTH="),
///     "AUTH=OAUTHBEARER AUTH=XOAUTH2 AUTH=SCRAM-SHA-256-PLUS AUTH=SCRAM-SHA-256 AUTH=PLAIN AUTH=LOGIN",
/// );
/// assert_eq!(
///     policy.check(Mechanism::ScramSha256Plus, Transport::TLS),
///     Err(Error::ChannelBindingUnsupported),
/// );
/// assert_eq!(policy.check(Mechanism::ScramSha1, Transport::TLS), Err(Error::MechanismNotAllowed(Mechanism::ScramSha1)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MechanismPolicy {
    enabled: MechanismSet,
    danger_plaintext_without_tls: bool,
    scram_needs_tls: bool,
    trust_local: bool,
    limits: Limits,
    login_prompts: LoginPrompts,
}

impl Default for MechanismPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl MechanismPolicy {
    /// The safe default policy.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            enabled: MechanismSet::DEFAULT,
            danger_plaintext_without_tls: false,
            scram_needs_tls: false,
            trust_local: false,
            limits: Limits::DEFAULT,
            login_prompts: LoginPrompts::Text,
        }
    }

    /// Enables exactly these mechanisms.
    #[must_use]
    pub const fn with_mechanisms(mut self, enabled: MechanismSet) -> Self {
        self.enabled = enabled;
        self
    }

    /// Allows the mechanisms that send a replayable secret (PLAIN, LOGIN,
    /// OAUTHBEARER, XOAUTH2) over unprotected transports, where anyone on
    /// the path can read the password or token. Only for tests and legacy
    /// networks.
    #[must_use]
    pub const fn danger_allow_plaintext_without_tls(mut self, allow: bool) -> Self {
        self.danger_plaintext_without_tls = allow;
        self
    }

    /// Offers and accepts SCRAM only over a protected transport, like the
    /// mechanisms that send a replayable secret: no exchange in clear that
    /// an eavesdropper could record and test password guesses against
    /// offline. Off by default (RFC 5802 and Dovecot allow SCRAM without
    /// TLS); the `-PLUS` variants need TLS either way. What counts as
    /// protected is the same as for PLAIN: TLS, a trusted local transport,
    /// or [`danger_allow_plaintext_without_tls`](Self::danger_allow_plaintext_without_tls),
    /// which overrides this switch too.
    ///
    /// ```
    /// use portcullis_sasl::{Error, Mechanism, MechanismPolicy, MechanismSet, Transport};
    /// let policy = MechanismPolicy::new().require_tls_for_scram(true);
    /// assert_eq!(policy.advertised(Transport::empty()), MechanismSet::empty());
    /// assert_eq!(
    ///     policy.check(Mechanism::ScramSha256, Transport::empty()),
    ///     Err(Error::TlsRequired(Mechanism::ScramSha256)),
    /// );
    /// assert_eq!(policy.check(Mechanism::ScramSha256, Transport::TLS), Ok(()));
    /// ```
    #[must_use]
    pub const fn require_tls_for_scram(mut self, require: bool) -> Self {
        self.scram_needs_tls = require;
        self
    }

    /// Treats [`Transport::LOCAL`] connections as protected (Dovecot does this
    /// for loopback by default; we do not).
    #[must_use]
    pub const fn trust_local_transport(mut self, trust: bool) -> Self {
        self.trust_local = trust;
        self
    }

    /// Sets the size and step limits.
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the LOGIN challenges.
    #[must_use]
    pub const fn with_login_prompts(mut self, prompts: LoginPrompts) -> Self {
        self.login_prompts = prompts;
        self
    }

    /// The limits in force.
    #[must_use]
    pub const fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The LOGIN challenges in force.
    #[must_use]
    pub const fn login_prompts(&self) -> LoginPrompts {
        self.login_prompts
    }

    /// The enabled mechanisms, whatever the transport.
    #[must_use]
    pub const fn enabled(&self) -> MechanismSet {
        self.enabled
    }

    /// Whether this transport counts as protected under this policy: TLS,
    /// a trusted local channel, or the danger switch. Front ends that carry
    /// secrets outside SASL (HTTP `Authorization: Bearer`) apply the same
    /// rule with it.
    #[must_use]
    pub const fn protects(&self, transport: Transport) -> bool {
        self.protected(transport)
    }

    /// The mechanisms that may run only on a protected transport: one set
    /// for both `check` and `advertised`, so what is offered in clear is
    /// what is accepted there.
    const fn needing_protection(&self) -> MechanismSet {
        if self.scram_needs_tls {
            MechanismSet::REUSABLE_SECRET.union(MechanismSet::SCRAM)
        } else {
            MechanismSet::REUSABLE_SECRET
        }
    }

    const fn protected(&self, transport: Transport) -> bool {
        transport.contains(Transport::TLS)
            || (self.trust_local && transport.contains(Transport::LOCAL))
            || self.danger_plaintext_without_tls
    }

    /// Whether `mechanism` may be used on this transport.
    ///
    /// # Errors
    /// [`Error::MechanismNotAllowed`] if it is not enabled,
    /// [`Error::TlsRequired`] if it sends a replayable secret
    /// ([`Mechanism::sends_reusable_secret`]), or is SCRAM under
    /// [`require_tls_for_scram`](Self::require_tls_for_scram), and the
    /// transport is not protected (reply `NO [PRIVACYREQUIRED]` /
    /// `538 5.7.11`), or it is a `-PLUS` mechanism and the transport is
    /// not TLS (neither a local channel nor the danger switch gives a TLS
    /// channel to bind to);
    /// [`Error::ChannelBindingUnsupported`] for a `-PLUS` mechanism over
    /// TLS without [`Transport::CHANNEL_BINDING`].
    pub const fn check(&self, mechanism: Mechanism, transport: Transport) -> Result<(), Error> {
        if !self.enabled.contains(mechanism.as_set()) {
            return Err(Error::MechanismNotAllowed(mechanism));
        }
        if self.needing_protection().contains(mechanism.as_set()) && !self.protected(transport) {
            return Err(Error::TlsRequired(mechanism));
        }
        if mechanism.is_channel_bound() {
            if !transport.contains(Transport::TLS) {
                return Err(Error::TlsRequired(mechanism));
            }
            if !transport.contains(Transport::CHANNEL_BINDING) {
                return Err(Error::ChannelBindingUnsupported);
            }
        }
        Ok(())
    }

    /// The mechanisms to advertise on this transport (IMAP `CAPABILITY`,
    /// SMTP `EHLO`, POP3 `CAPA SASL`, ManageSieve `"SASL"`).
    #[must_use]
    pub const fn advertised(&self, transport: Transport) -> MechanismSet {
        let set = if self.protected(transport) {
            self.enabled
        } else {
            self.enabled.difference(self.needing_protection())
        };
        if transport.contains(Transport::TLS.union(Transport::CHANNEL_BINDING)) {
            set
        } else {
            set.difference(MechanismSet::SCRAM_PLUS)
        }
    }

    /// The advertised names joined by spaces, each with `prefix`: `"AUTH="`
    /// for IMAP capabilities, `""` for the SMTP `AUTH` keyword, POP3 `SASL`
    /// and ManageSieve.
    #[must_use]
    pub fn capability_tokens(&self, transport: Transport, prefix: &str) -> String {
        let mut out = String::new();
        for m in self.advertised(transport).mechanisms() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(prefix);
            out.push_str(m.name());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let p = MechanismPolicy::new().with_mechanisms(MechanismSet::PLAIN | MechanismSet::XOAUTH2);
        assert_eq!(
            p.check(Mechanism::Login, Transport::TLS),
            Err(Error::MechanismNotAllowed(Mechanism::Login))
        );
        assert_eq!(p.check(Mechanism::Plain, Transport::TLS), Ok(()));
        assert_eq!(
            p.check(Mechanism::Plain, Transport::LOCAL),
            Err(Error::TlsRequired(Mechanism::Plain))
        );
        assert_eq!(
            p.check(Mechanism::XOAuth2, Transport::empty()),
            Err(Error::TlsRequired(Mechanism::XOAuth2))
        );
        assert_eq!(p.check(Mechanism::XOAuth2, Transport::TLS), Ok(()));
        assert_eq!(p.advertised(Transport::empty()), MechanismSet::empty());
        let local = p.clone().trust_local_transport(true);
        assert_eq!(local.check(Mechanism::Plain, Transport::LOCAL), Ok(()));
        let danger = p.danger_allow_plaintext_without_tls(true);
        assert_eq!(
            danger.advertised(Transport::empty()),
            MechanismSet::PLAIN | MechanismSet::XOAUTH2
        );
        assert_eq!(
            danger.capability_tokens(Transport::empty(), ""),
            "XOAUTH2 PLAIN"
        );
        assert_eq!(
            MechanismPolicy::new()
                .with_mechanisms(MechanismSet::PLAIN)
                .capability_tokens(Transport::empty(), "AUTH="),
            ""
        );
    }

    #[test]
    fn scram_rules() {
        let p = MechanismPolicy::new().with_mechanisms(MechanismSet::SCRAM);
        let bound = Transport::TLS | Transport::CHANNEL_BINDING;
        // SCRAM needs no TLS; -PLUS needs TLS and binding data.
        assert_eq!(p.check(Mechanism::ScramSha256, Transport::empty()), Ok(()));
        assert_eq!(p.check(Mechanism::ScramSha1Plus, bound), Ok(()));
        assert_eq!(
            p.check(Mechanism::ScramSha256Plus, Transport::CHANNEL_BINDING),
            Err(Error::TlsRequired(Mechanism::ScramSha256Plus))
        );
        assert_eq!(
            p.clone()
                .danger_allow_plaintext_without_tls(true)
                .trust_local_transport(true)
                .check(Mechanism::ScramSha256Plus, Transport::LOCAL),
            Err(Error::TlsRequired(Mechanism::ScramSha256Plus))
        );
        assert_eq!(
            p.check(Mechanism::ScramSha256Plus, Transport::TLS),
            Err(Error::ChannelBindingUnsupported)
        );
        assert_eq!(
            p.capability_tokens(Transport::empty(), ""),
            "SCRAM-SHA-256 SCRAM-SHA-1"
        );
        assert_eq!(
            p.advertised(Transport::TLS),
            p.advertised(Transport::empty())
        );
        assert_eq!(p.advertised(bound), MechanismSet::SCRAM);
        assert_eq!(
            p.advertised(Transport::CHANNEL_BINDING),
            MechanismSet::SCRAM_SHA_256 | MechanismSet::SCRAM_SHA_1
        );
    }
}
