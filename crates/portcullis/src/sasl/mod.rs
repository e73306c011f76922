//! Streaming SASL: for servers that run the exchange step by step.

mod scram;

use std::fmt;
use std::net::IpAddr;

use portcullis_permissions::Surface;
use portcullis_sasl::oauthbearer::{ErrorChallenge, ErrorStatus};
use portcullis_sasl::scram::{ChannelBindingData, ScramServer};
use portcullis_sasl::{Mechanism, ServerExchange, Step};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::audit::AuditRecord;
use crate::authenticator::Context;
use crate::decide::Presented;
use crate::decide::transport::{claimed_in_message, sasl_reason, sasl_reason_named};
use crate::reply::HttpScheme;
use crate::trace::Trace;
use crate::{Authenticator, Decision, DenialReason};

/// How a streaming SASL exchange starts (the server's `AUTHENTICATE` /
/// `AUTH` command).
#[derive(Clone, Copy, Debug)]
pub struct SaslStart<'a> {
    /// Where the client signs in.
    pub surface: Surface,
    /// The client's address.
    pub remote_ip: IpAddr,
    /// Whether the connection is protected by TLS.
    pub tls: bool,
    /// The mechanism name the client asked for.
    pub mechanism: &'a str,
    /// The DECODED initial response: `None` when absent, `Some(b"")` for `=`.
    pub initial: Option<&'a [u8]>,
    /// The instant of the attempt; `None` uses the authenticator's clock.
    pub now: Option<OffsetDateTime>,
}

/// What to send next.
#[derive(Clone, Debug, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "the shape is the public contract; a progress value lives only for one step"
)]
pub enum SaslProgress {
    /// Send this challenge (raw bytes; the server base64-encodes them) and
    /// feed the client's answer to [`SaslSession::step`].
    Challenge(Vec<u8>),
    /// The exchange is over: reply per the decision.
    Done(Decision),
}

enum State {
    NotStarted {
        mechanism: String,
        initial: Option<Zeroizing<Vec<u8>>>,
    },
    Running(ServerExchange),
    /// The RFC 7628 error challenge was sent; the decision waits for the
    /// client's acknowledgement. (Boxed: a decision is large and this
    /// state is rare.)
    ErrorSent(Box<Decision>),
    /// SCRAM: the empty challenge was sent; the client-first message is
    /// due.
    ScramFirst(Box<ScramServer>),
    /// SCRAM: server-first was sent; the client-final message is due.
    ScramFinal(Box<scram::Pending>),
    /// SCRAM: the proof verified and the login was granted; `v=` was sent
    /// and the client's empty answer is due.
    ScramAck(Box<(ScramServer, Decision)>),
    Finished,
}

/// One SASL exchange run step by step (see
/// [`Authenticator::start_sasl`]).
///
/// ```
/// # async fn demo(authenticator: portcullis::Authenticator) {
/// use portcullis::{SaslProgress, SaslStart, Surface};
/// let mut session = authenticator.start_sasl(SaslStart {
///     surface: Surface::Imap,
///     remote_ip: "192.0.2.1".parse().unwrap(),
///     tls: true,
///     mechanism: "PLAIN",
///     initial: None,
///     now: None,
/// });
/// let mut progress = session.begin().await; // an empty challenge: `+ `
/// if let SaslProgress::Challenge(_) = progress {
///     progress = session.step(b"\0alice@example.org\0secret").await;
/// }
/// let SaslProgress::Done(decision) = progress else { return };
/// # let _ = decision;
/// # }
/// ```
pub struct SaslSession {
    auth: Authenticator,
    ctx: Context,
    state: State,
    /// The login the client named so far (a LOGIN user name), for the
    /// audit event of a cancelled or broken exchange.
    claimed: Option<String>,
    /// The connection's channel-binding data, for SCRAM `-PLUS`.
    binding: ChannelBindingData,
}

impl fmt::Debug for SaslSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::NotStarted { .. } => "not-started",
            State::Running(_) => "running",
            State::ErrorSent(_) => "error-challenge-sent",
            State::ScramFirst(_) => "scram-client-first-due",
            State::ScramFinal(_) => "scram-client-final-due",
            State::ScramAck(_) => "scram-server-final-sent",
            State::Finished => "finished",
        };
        f.debug_struct("SaslSession")
            .field("surface", &self.ctx.surface)
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

impl SaslSession {
    pub(crate) fn new(auth: Authenticator, start: SaslStart<'_>) -> Self {
        let bearer = Mechanism::from_name(start.mechanism).is_ok_and(Mechanism::is_bearer);
        let ctx = Context {
            surface: start.surface,
            remote_ip: start.remote_ip,
            tls: start.tls,
            now: start.now.unwrap_or_else(|| auth.clock_now()),
            scheme: if bearer {
                HttpScheme::Bearer
            } else {
                HttpScheme::Basic
            },
        };
        SaslSession {
            auth,
            ctx,
            state: State::NotStarted {
                mechanism: start.mechanism.to_owned(),
                initial: start
                    .initial
                    .map(|initial| Zeroizing::new(initial.to_vec())),
            },
            claimed: None,
            binding: ChannelBindingData::none(),
        }
    }

    /// Hands in the connection's channel-binding data (RFC 9266
    /// `tls-exporter`, RFC 5929 `tls-server-end-point`), taken from the TLS
    /// library, before [`begin`](Self::begin): SCRAM `-PLUS` binds the
    /// exchange to it, and a client that could have bound but chose not to
    /// is refused as a downgrade. Offer the `-PLUS` mechanisms with
    /// [`Authenticator::mechanisms_with_channel_binding`].
    #[must_use]
    pub fn with_channel_binding(mut self, binding: ChannelBindingData) -> Self {
        self.binding = binding;
        self
    }

    /// The first call after [`Authenticator::start_sasl`]: what to send now
    /// (a challenge, or at once a decision when the initial response was
    /// complete).
    pub async fn begin(&mut self) -> SaslProgress {
        let state = std::mem::replace(&mut self.state, State::Finished);
        let State::NotStarted { mechanism, initial } = state else {
            self.state = state;
            return self.fail(DenialReason::Malformed(
                portcullis_sasl::Error::InvalidState,
            ));
        };
        if scram::is_scram(&mechanism) {
            return self.begin_scram(&mechanism, initial).await;
        }
        let transport = self.auth.transport(self.ctx.tls, Some(self.ctx.remote_ip));
        let started = ServerExchange::start(
            &mechanism,
            initial.as_ref().map(|initial| initial.as_slice()),
            self.auth.policy_for(self.ctx.surface),
            transport,
        );
        match started {
            Ok((exchange, step)) => self.advance(exchange, step).await,
            Err(error) => {
                if let (Ok(named), Some(initial)) = (Mechanism::from_name(&mechanism), &initial) {
                    self.claimed = claimed_in_message(named, initial);
                }
                self.fail(sasl_reason_named(&mechanism)(error))
            }
        }
    }

    /// Feeds the client's next DECODED response. (The server decodes
    /// base64 and turns `*` into [`SaslSession::cancel`].)
    pub async fn step(&mut self, response: &[u8]) -> SaslProgress {
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Running(mut exchange) => {
                if let Some(name) = exchange.login_name() {
                    self.claimed = Some(name.to_owned());
                }
                match exchange.step(response) {
                    Ok(step) => self.advance(exchange, step).await,
                    Err(error) => {
                        if self.claimed.is_none() {
                            self.claimed = claimed_in_message(exchange.mechanism(), response);
                        }
                        self.fail(sasl_reason(error))
                    }
                }
            }
            // Whatever the client answers to the error challenge, the
            // exchange fails with the decision already made (RFC 7628 §3.2.3).
            State::ErrorSent(decision) => SaslProgress::Done(*decision),
            State::ScramFirst(server) => self.scram_client_first(*server, response).await,
            State::ScramFinal(pending) => self.scram_client_final(*pending, response).await,
            State::ScramAck(done) => self.scram_ack(*done, response),
            State::NotStarted { .. } | State::Finished => self.fail(DenialReason::Malformed(
                portcullis_sasl::Error::InvalidState,
            )),
        }
    }

    /// The client cancelled (`*`): a denial with reason `cancelled`.
    #[must_use]
    pub fn cancel(self) -> Decision {
        let mut claimed = self.claimed;
        if let State::Running(exchange) = &self.state
            && let Some(name) = exchange.login_name()
        {
            claimed = Some(name.to_owned());
        }
        let decision = self.auth.deny(&self.ctx, DenialReason::Cancelled);
        let audit = AuditRecord {
            login: claimed,
            ..AuditRecord::default()
        };
        self.auth.conclude(&self.ctx, &audit, decision)
    }

    async fn advance(&mut self, mut exchange: ServerExchange, step: Step) -> SaslProgress {
        match step {
            Step::Continue(challenge) => {
                let bytes = challenge.as_bytes().to_vec();
                self.state = State::Running(exchange);
                SaslProgress::Challenge(bytes)
            }
            Step::Done(credentials) => {
                let presented = match Presented::from_sasl(&credentials) {
                    Ok(presented) => presented,
                    Err(reason) => return self.fail(reason),
                };
                drop(credentials);
                let mut audit = AuditRecord::default();
                let decision = self
                    .auth
                    .decide_presented(self.ctx, presented, &mut Trace::off(), &mut audit)
                    .await;
                let bearer = match &decision {
                    Decision::Deny(denial) => denial.public.bearer_parts(),
                    Decision::Grant(_) | Decision::TryLater(_) => None,
                };
                if let Some((code, scope, openid_configuration)) = bearer {
                    let status = match code {
                        "insufficient_scope" => ErrorStatus::InsufficientScope,
                        _ => ErrorStatus::InvalidToken,
                    };
                    let challenge = ErrorChallenge {
                        status,
                        scope,
                        openid_configuration,
                    };
                    if let Ok(Step::Continue(challenge)) = exchange.fail_token(&challenge) {
                        let bytes = challenge.as_bytes().to_vec();
                        self.state = State::ErrorSent(Box::new(decision));
                        return SaslProgress::Challenge(bytes);
                    }
                }
                SaslProgress::Done(decision)
            }
            _ => self.fail(DenialReason::WrongSecret),
        }
    }

    fn fail(&mut self, reason: DenialReason) -> SaslProgress {
        self.state = State::Finished;
        let decision = self.auth.deny(&self.ctx, reason);
        let audit = AuditRecord {
            login: self.claimed.take(),
            ..AuditRecord::default()
        };
        SaslProgress::Done(self.auth.conclude(&self.ctx, &audit, decision))
    }
}
