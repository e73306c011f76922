//! Step 1: parse. The SASL exchange, the mechanism policy, and TLS for
//! every secret that could be replayed.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::net::IpAddr;

use portcullis_credentials::ApiKey;
use portcullis_sasl::{Credentials, Mechanism, ServerExchange, Step, Transport};

use super::Presented;
use crate::authenticator::Context;
use crate::reply::HttpScheme;
use crate::trace::Trace;
use crate::{AuthRequest, Authenticator, DenialReason, RequestCredentials};

impl Authenticator {
    /// Step 1: parse.
    pub(crate) fn parse(
        &self,
        request: &AuthRequest,
        ctx: &mut Context,
        trace: &mut Trace,
        claimed: &mut Option<String>,
    ) -> Result<Presented, DenialReason> {
        let result = match &request.credentials {
            RequestCredentials::Sasl {
                mechanism,
                responses,
            } => self
                .run_sasl(mechanism, responses, ctx, claimed)
                .and_then(|credentials| Presented::from_sasl(&credentials)),
            RequestCredentials::Basic { username, secret } => {
                self.check_cleartext(ctx).map(|()| Presented::Password {
                    mechanism: "BASIC",
                    authcid: username.clone(),
                    authzid: None,
                    secret: secret.clone(),
                    code: None,
                })
            }
            RequestCredentials::PasswordAndCode {
                username,
                password,
                code,
            } => self.check_cleartext(ctx).map(|()| Presented::Password {
                mechanism: "PASSWORD+CODE",
                authcid: username.clone(),
                authzid: None,
                secret: password.clone(),
                code: Some(code.clone()),
            }),
            RequestCredentials::Decoded(credentials) => {
                let transport = self.transport(ctx.tls, Some(ctx.remote_ip));
                self.policy_for(ctx.surface)
                    .check(credentials.mechanism(), transport)
                    .map_err(sasl_reason)
                    .and_then(|()| Presented::from_sasl(credentials))
            }
            RequestCredentials::Bearer { token } => {
                ctx.scheme = HttpScheme::Bearer;
                match ApiKey::parse(token.expose().as_bytes()) {
                    // Long-lived like a password: the same TLS rule.
                    Some(key) => self.check_cleartext(ctx).map(|()| Presented::ApiKey {
                        token: token.clone(),
                        account_id: key.account_id(),
                        credential_id: key.credential_id().0,
                    }),
                    // A bearer token is as replayable as a password
                    // (RFC 6750 §5.3): the same TLS rule.
                    None => {
                        self.check_protected(ctx, "a bearer token")
                            .map(|()| Presented::Bearer {
                                mechanism: "BEARER",
                                token: token.clone(),
                                authzid: None,
                                user: None,
                            })
                    }
                }
            }
        };
        if let Ok(Presented::Bearer { .. }) = &result {
            ctx.scheme = HttpScheme::Bearer;
        }
        if let RequestCredentials::Sasl { mechanism, .. } = &request.credentials
            && Mechanism::from_name(mechanism).is_ok_and(Mechanism::is_bearer)
        {
            ctx.scheme = HttpScheme::Bearer;
        }
        if let RequestCredentials::Decoded(credentials) = &request.credentials
            && credentials.mechanism().is_bearer()
        {
            ctx.scheme = HttpScheme::Bearer;
        }
        match &result {
            Ok(Presented::Password {
                mechanism,
                authcid,
                authzid,
                code,
                ..
            }) => trace.step("parse", || {
                format!(
                    "{mechanism}: login {authcid:?}{}{}",
                    authzid
                        .as_ref()
                        .map(|authzid| format!(", authzid {authzid:?}"))
                        .unwrap_or_default(),
                    if code.is_some() {
                        ", with a second-factor code"
                    } else {
                        ""
                    }
                )
            }),
            Ok(Presented::Bearer { mechanism, .. }) => {
                trace.step("parse", || format!("{mechanism}: bearer token"));
            }
            // Only a SaslSession presents a SCRAM proof; a one-shot
            // request never parses to one.
            Ok(Presented::Scram(scram)) => {
                trace.step("parse", || format!("{}: proof", scram.mechanism));
            }
            Ok(Presented::ApiKey {
                account_id,
                credential_id,
                ..
            }) => trace.step("parse", || {
                format!("BEARER: API key {credential_id} of account number {account_id}")
            }),
            Err(reason) => trace.step("parse", || format!("refused: {reason}")),
        }
        result
    }

    pub(crate) fn transport(&self, tls: bool, remote_ip: Option<IpAddr>) -> Transport {
        let mut transport = Transport::empty();
        if tls {
            transport |= Transport::TLS;
        }
        if self.inner.trust_loopback && remote_ip.is_some_and(|ip| ip.is_loopback()) {
            transport |= Transport::LOCAL;
        }
        transport
    }

    pub(crate) fn check_cleartext(&self, ctx: &Context) -> Result<(), DenialReason> {
        let transport = self.transport(ctx.tls, Some(ctx.remote_ip));
        self.policy_for(ctx.surface)
            .check(Mechanism::Plain, transport)
            .map_err(|error| match error {
                portcullis_sasl::Error::TlsRequired(_) => {
                    DenialReason::TlsRequired("a cleartext password".to_owned())
                }
                other => sasl_reason(other),
            })
    }

    /// The TLS rule for a secret presented outside SASL whose form has no
    /// mechanism to enable or disable (an HTTP bearer token).
    pub(crate) fn check_protected(&self, ctx: &Context, what: &str) -> Result<(), DenialReason> {
        let transport = self.transport(ctx.tls, Some(ctx.remote_ip));
        if self.policy_for(ctx.surface).protects(transport) {
            Ok(())
        } else {
            Err(DenialReason::TlsRequired(what.to_owned()))
        }
    }

    pub(crate) fn run_sasl(
        &self,
        mechanism: &str,
        responses: &[Vec<u8>],
        ctx: &Context,
        claimed: &mut Option<String>,
    ) -> Result<Credentials, DenialReason> {
        let transport = self.transport(ctx.tls, Some(ctx.remote_ip));
        let (mut exchange, mut step) =
            ServerExchange::start(mechanism, None, self.policy_for(ctx.surface), transport)
                .map_err(sasl_reason_named(mechanism))?;
        let mut responses = responses.iter();
        loop {
            match step {
                Step::Continue(_) => {
                    if let Some(name) = exchange.login_name() {
                        *claimed = Some(name.to_owned());
                    }
                    let response = responses.next().ok_or(DenialReason::Malformed(
                        portcullis_sasl::Error::InvalidState,
                    ))?;
                    step = exchange.step(response).map_err(|error| {
                        if claimed.is_none() {
                            *claimed = claimed_in_message(exchange.mechanism(), response);
                        }
                        sasl_reason(error)
                    })?;
                }
                Step::Done(credentials) => {
                    if responses.next().is_some() {
                        return Err(DenialReason::Malformed(
                            portcullis_sasl::Error::TrailingData,
                        ));
                    }
                    return Ok(credentials);
                }
                _ => {
                    return Err(DenialReason::Malformed(
                        portcullis_sasl::Error::InvalidState,
                    ));
                }
            }
        }
    }
}

/// The login a request names outside a SASL exchange, for the audit event
/// of a refusal that comes before the credentials are parsed.
pub(crate) fn claimed_login(credentials: &RequestCredentials) -> Option<String> {
    match credentials {
        RequestCredentials::Basic { username, .. }
        | RequestCredentials::PasswordAndCode { username, .. } => Some(username.clone()),
        RequestCredentials::Decoded(Credentials::Password(password)) => {
            Some(password.authcid().to_owned())
        }
        RequestCredentials::Decoded(Credentials::Bearer(bearer)) => {
            bearer.user().map(str::to_owned)
        }
        _ => None,
    }
}

pub(crate) fn sasl_reason(error: portcullis_sasl::Error) -> DenialReason {
    match error {
        portcullis_sasl::Error::Cancelled => DenialReason::Cancelled,
        portcullis_sasl::Error::MechanismNotAllowed(mechanism) => {
            DenialReason::MechanismNotAllowed(mechanism.name().to_owned())
        }
        portcullis_sasl::Error::TlsRequired(mechanism) => {
            DenialReason::TlsRequired(mechanism.name().to_owned())
        }
        // A SCRAM mechanism in a one-shot request: SCRAM needs a
        // round trip between its messages, which only a SaslSession has.
        portcullis_sasl::Error::UseScramServer(mechanism) => {
            DenialReason::MechanismNotAllowed(mechanism.name().to_owned())
        }
        portcullis_sasl::Error::ChannelBindingDowngrade
        | portcullis_sasl::Error::ChannelBindingMismatch
        | portcullis_sasl::Error::ChannelBindingRequired
        | portcullis_sasl::Error::ChannelBindingUnsupported => DenialReason::ChannelBinding(error),
        other => DenialReason::Malformed(other),
    }
}

pub(crate) fn sasl_reason_named(
    mechanism: &str,
) -> impl Fn(portcullis_sasl::Error) -> DenialReason + '_ {
    move |error| match error {
        portcullis_sasl::Error::UnknownMechanism => {
            DenialReason::MechanismNotAllowed(mechanism.chars().take(20).collect())
        }
        // SCRAM in a one-shot request (a SaslSession routes it to its own
        // exchange): whatever the start refused it for, not allowed here.
        _ if Mechanism::from_name(mechanism).is_ok_and(Mechanism::is_scram) => {
            DenialReason::MechanismNotAllowed(mechanism.to_ascii_uppercase())
        }
        other => sasl_reason(other),
    }
}

/// The login a client message names, read best-effort from a message the
/// mechanism's parser refused, for the audit event only: PLAIN's authcid,
/// XOAUTH2's `user=`, OAUTHBEARER's `a=`. `None` when no name can be told
/// apart (or it is longer than a login may be). Never used to decide.
pub(crate) fn claimed_in_message(mechanism: Mechanism, message: &[u8]) -> Option<String> {
    let name: &[u8] = match mechanism {
        Mechanism::Plain => message.split(|&byte| byte == 0).nth(1)?,
        Mechanism::XOAuth2 => {
            let rest = message.strip_prefix(b"user=")?;
            rest.split(|&byte| byte == 1).next()?
        }
        Mechanism::OAuthBearer => {
            let (_, rest) = message.split_first()?;
            let rest = rest.strip_prefix(b",a=")?;
            rest.split(|&byte| byte == b',').next()?
        }
        _ => return None,
    };
    let name = std::str::from_utf8(name).ok()?;
    (!name.is_empty() && name.len() <= portcullis_impersonation::MAX_LOGIN_BYTES)
        .then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_refused_messages() {
        let plain = claimed_in_message(Mechanism::Plain, b"\0alice\0pw\0x");
        assert_eq!(plain.as_deref(), Some("alice"));
        assert_eq!(claimed_in_message(Mechanism::Plain, b"no-nul"), None);
        assert_eq!(claimed_in_message(Mechanism::Plain, b"\0\0pw"), None);
        let xoauth2 = claimed_in_message(Mechanism::XOAuth2, b"user=bob\x01auth");
        assert_eq!(xoauth2.as_deref(), Some("bob"));
        assert_eq!(claimed_in_message(Mechanism::XOAuth2, b"auth=x"), None);
        let bearer = claimed_in_message(Mechanism::OAuthBearer, b"n,a=carol,\x01");
        assert_eq!(bearer.as_deref(), Some("carol"));
        assert_eq!(claimed_in_message(Mechanism::OAuthBearer, b"n,,\x01"), None);
        assert_eq!(claimed_in_message(Mechanism::Login, b"dave"), None);
        let long = [b'a'; 600];
        assert_eq!(
            claimed_in_message(Mechanism::Plain, &[&[0][..], &long].concat()),
            None
        );
        assert_eq!(claimed_in_message(Mechanism::Plain, b"\0\xff\0pw"), None);
    }
}
