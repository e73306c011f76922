//! The server side of one SASL exchange, as a state machine.

use crate::credentials::{Credentials, PasswordCredentials};
use crate::error::{Error, Field};
use crate::kvlist::KVSEP;
use crate::limits::Limits;
use crate::login::{self, LoginPrompts};
use crate::mechanism::Mechanism;
use crate::oauthbearer::{ErrorChallenge, OAuthBearerMessage};
use crate::plain::PlainMessage;
use crate::policy::{MechanismPolicy, Transport};
use crate::xoauth2::XOAuth2Message;

/// A server challenge, before the protocol's base64 framing.
///
/// Format it with the [`crate::framing`] helpers (`+ <b64>`, `334 <b64>`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge(ChallengeBytes);

#[derive(Debug, Clone, PartialEq, Eq)]
enum ChallengeBytes {
    Static(&'static [u8]),
    Owned(Vec<u8>),
}

impl Challenge {
    const EMPTY: Self = Self(ChallengeBytes::Static(b""));

    /// A challenge made at run time (SCRAM's server messages).
    pub(crate) const fn owned(bytes: Vec<u8>) -> Self {
        Self(ChallengeBytes::Owned(bytes))
    }

    /// The challenge bytes (empty for "send me your response").
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            ChallengeBytes::Static(b) => b,
            ChallengeBytes::Owned(v) => v,
        }
    }

    /// Whether the challenge is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }
}

/// Why an exchange ended in failure without a protocol error.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// The caller refused the bearer token; the client acknowledged the RFC
    /// 7628 error challenge. Reply with the protocol's "bad credentials".
    TokenRejected,
}

/// What to do after a step.
///
/// Non-exhaustive so that future mechanisms can add steps; treat an unknown
/// step as a failure. (SCRAM, which needs the account's keys between the
/// client's messages, runs on [`ScramServer`](crate::scram::ScramServer).)
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this challenge and feed the client's next response to
    /// [`ServerExchange::step`].
    Continue(Challenge),
    /// The client sent its credentials: verify them. If a bearer token is
    /// refused, call [`ServerExchange::fail_token`] to run the RFC 7628 error
    /// flow; otherwise the exchange is over.
    Done(Credentials),
    /// The exchange is over and failed.
    Failed(FailureReason),
}

#[derive(Debug)]
enum State {
    /// Waiting for the single client message of PLAIN/OAUTHBEARER/XOAUTH2.
    AwaitMessage,
    AwaitLoginUser,
    AwaitLoginPassword {
        user: String,
    },
    /// Credentials were handed out; the caller may still refuse a token.
    Verdict,
    /// The error challenge was sent; waiting for the client's acknowledgement.
    AwaitErrorAck,
    Finished,
}

/// The server side of one SASL exchange: sans-I/O, one call per client message.
///
/// ```
/// use portcullis_sasl::{framing::imap, MechanismPolicy, ServerExchange, Step, Transport};
///
/// let policy = MechanismPolicy::new();
/// let mut buf = Vec::new(); // a zeroize::Zeroizing<Vec<u8>> in a real server
/// let line = b"a1 AUTHENTICATE PLAIN\r\n";
/// let cmd = imap::parse_authenticate(line, policy.limits())?;
/// let initial = cmd.decode_initial(policy.limits(), &mut buf)?;
/// let (mut ex, mut step) = ServerExchange::start(cmd.mechanism(), initial, &policy, Transport::TLS)?;
/// let mut client = ["AGFsaWNlAHMzY3JldA==\r\n"].into_iter();
/// let creds = loop {
///     match step {
///         Step::Continue(challenge) => {
///             let mut out = String::new();
///             imap::format_challenge(challenge.as_bytes(), &mut out);
///             assert_eq!(out, "+ \r\n");
///             let line = client.next().unwrap();
///             let data = imap::decode_response(line.as_bytes(), policy.limits(), &mut buf)?;
///             step = ex.step(data)?;
///         }
///         Step::Done(creds) => break creds,
///         _ => return Err("authentication failed".into()),
///     }
/// };
/// assert_eq!(creds.authcid(), Some("alice"));
/// assert_eq!(creds.password().unwrap().expose(), "s3cret");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ServerExchange {
    mechanism: Mechanism,
    state: State,
    limits: Limits,
    prompts: LoginPrompts,
    steps: usize,
    bytes: usize,
}

impl ServerExchange {
    /// Starts an exchange for the mechanism the client named (ASCII case
    /// ignored), with its initial response if it sent one (`Some(&[])` for
    /// an empty one, `=` on the wire). Returns the exchange and its first step.
    ///
    /// # Errors
    /// [`Error::UnknownMechanism`], [`Error::MechanismNotAllowed`],
    /// [`Error::TlsRequired`], or any parse error of the initial response;
    /// [`Error::UseScramServer`] for a SCRAM mechanism the policy allows,
    /// which runs on [`ScramServer`](crate::scram::ScramServer) instead.
    pub fn start(
        mechanism: &str,
        initial: Option<&[u8]>,
        policy: &MechanismPolicy,
        transport: Transport,
    ) -> Result<(Self, Step), Error> {
        let mechanism = Mechanism::from_name(mechanism)?;
        policy.check(mechanism, transport)?;
        let state = match mechanism {
            Mechanism::Login => State::AwaitLoginUser,
            Mechanism::Plain | Mechanism::OAuthBearer | Mechanism::XOAuth2 => State::AwaitMessage,
            Mechanism::ScramSha256
            | Mechanism::ScramSha256Plus
            | Mechanism::ScramSha1
            | Mechanism::ScramSha1Plus => return Err(Error::UseScramServer(mechanism)),
        };
        let mut ex = Self {
            mechanism,
            state,
            limits: *policy.limits(),
            prompts: policy.login_prompts(),
            steps: 0,
            bytes: 0,
        };
        let first = match (initial, mechanism) {
            // LOGIN's initial response is the username; an empty one is no
            // initial response at all (some clients send `=`).
            (Some(ir), Mechanism::Login) if !ir.is_empty() => ex.step(ir)?,
            (Some(ir), m) if m != Mechanism::Login => ex.step(ir)?,
            _ => match mechanism {
                Mechanism::Login => {
                    Step::Continue(Challenge(ChallengeBytes::Static(ex.prompts.username())))
                }
                _ => Step::Continue(Challenge::EMPTY),
            },
        };
        Ok((ex, first))
    }

    /// The mechanism of this exchange.
    #[must_use]
    pub const fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// The user name a LOGIN exchange received in its first step, while it
    /// waits for the password: what a server logs if the client cancels or
    /// breaks the exchange at that point. `None` in every other state.
    #[must_use]
    pub fn login_name(&self) -> Option<&str> {
        match &self.state {
            State::AwaitLoginPassword { user } => Some(user),
            _ => None,
        }
    }

    /// Whether the exchange is over (finished, failed, or awaiting only a
    /// [`Self::fail_token`] call).
    #[must_use]
    pub const fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished | State::Verdict)
    }

    /// Feeds the client's next (decoded) response.
    ///
    /// # Errors
    /// Any parse error of the mechanism (the peer's fault),
    /// [`Error::TooManySteps`], [`Error::TooLong`] for the exchange total,
    /// [`Error::BadErrorAck`] after an error challenge, or
    /// [`Error::InvalidState`] when the exchange is over. After an error the
    /// exchange is over.
    pub fn step(&mut self, response: &[u8]) -> Result<Step, Error> {
        let result = self.step_inner(response);
        if result.is_err() {
            self.state = State::Finished;
        }
        result
    }

    fn step_inner(&mut self, response: &[u8]) -> Result<Step, Error> {
        if matches!(self.state, State::Finished | State::Verdict) {
            return Err(Error::InvalidState);
        }
        self.steps = self.steps.saturating_add(1);
        if self.steps > self.limits.max_steps {
            return Err(Error::TooManySteps);
        }
        self.bytes = self.bytes.saturating_add(response.len());
        if self.bytes > self.limits.max_exchange_bytes {
            return Err(Error::TooLong {
                field: Field::Exchange,
                limit: self.limits.max_exchange_bytes,
            });
        }
        let state = core::mem::replace(&mut self.state, State::Finished);
        match state {
            State::AwaitMessage => {
                let creds = match self.mechanism {
                    Mechanism::Plain => PlainMessage::decode(response, &self.limits)?.into_owned(),
                    Mechanism::OAuthBearer => {
                        OAuthBearerMessage::decode(response, &self.limits)?.into_owned()
                    }
                    Mechanism::XOAuth2 => {
                        XOAuth2Message::decode(response, &self.limits)?.into_owned()
                    }
                    Mechanism::Login
                    | Mechanism::ScramSha256
                    | Mechanism::ScramSha256Plus
                    | Mechanism::ScramSha1
                    | Mechanism::ScramSha1Plus => return Err(Error::InvalidState),
                };
                self.state = State::Verdict;
                Ok(Step::Done(creds))
            }
            State::AwaitLoginUser => {
                let user = login::decode_username(response, &self.limits)?.to_owned();
                self.state = State::AwaitLoginPassword { user };
                Ok(Step::Continue(Challenge(ChallengeBytes::Static(
                    self.prompts.password(),
                ))))
            }
            State::AwaitLoginPassword { user } => {
                let password = login::decode_password(response, &self.limits)?;
                self.state = State::Verdict;
                Ok(Step::Done(Credentials::Password(PasswordCredentials::new(
                    Mechanism::Login,
                    None,
                    user,
                    password.to_owned_secret(),
                ))))
            }
            State::AwaitErrorAck => {
                // RFC 7628 §3.2.3: the client answers the error challenge with
                // a lone %x01. XOAUTH2 clients (Google's documentation) send an
                // empty response; accept %x01 from them too.
                let ok = match self.mechanism {
                    Mechanism::XOAuth2 => response.is_empty() || response == [KVSEP],
                    _ => response == [KVSEP],
                };
                if ok {
                    Ok(Step::Failed(FailureReason::TokenRejected))
                } else {
                    Err(Error::BadErrorAck)
                }
            }
            State::Verdict | State::Finished => Err(Error::InvalidState),
        }
    }

    /// Refuses the bearer token handed out by [`Step::Done`]: returns the
    /// error challenge to send (RFC 7628 §3.2.2 JSON for OAUTHBEARER, the
    /// Google-style JSON for XOAUTH2). Feed the client's answer to
    /// [`Self::step`], which then returns [`Step::Failed`].
    ///
    /// # Errors
    /// [`Error::InvalidState`] if the exchange has not just produced bearer
    /// credentials (API misuse).
    pub fn fail_token(&mut self, challenge: &ErrorChallenge<'_>) -> Result<Step, Error> {
        if !matches!(self.state, State::Verdict) || !self.mechanism.is_bearer() {
            return Err(Error::InvalidState);
        }
        let json = match self.mechanism {
            Mechanism::XOAuth2 => challenge.to_xoauth2_json(),
            _ => challenge.to_oauthbearer_json(),
        };
        self.state = State::AwaitErrorAck;
        Ok(Step::Continue(Challenge(ChallengeBytes::Owned(
            json.into_bytes(),
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> MechanismPolicy {
        MechanismPolicy::new()
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync>() {}
        check::<ServerExchange>();
        check::<Step>();
        check::<MechanismPolicy>();
    }

    #[test]
    fn login_two_steps() {
        let (mut ex, step) =
            ServerExchange::start("login", None, &policy(), Transport::TLS).unwrap();
        assert_eq!(
            step,
            Step::Continue(Challenge(ChallengeBytes::Static(b"Username:")))
        );
        let step = ex.step(b"tim").unwrap();
        assert_eq!(
            step.clone(),
            Step::Continue(Challenge(ChallengeBytes::Static(b"Password:")))
        );
        let Step::Done(c) = ex.step(b"pw").unwrap() else {
            panic!()
        };
        assert_eq!(
            (c.authcid(), c.mechanism()),
            (Some("tim"), Mechanism::Login)
        );
        assert_eq!(ex.step(b"x"), Err(Error::InvalidState));
        assert_eq!(
            ex.fail_token(&ErrorChallenge::invalid_token()),
            Err(Error::InvalidState)
        );
    }

    #[test]
    fn login_with_initial_and_empty_prompts() {
        let p = policy().with_login_prompts(LoginPrompts::Empty);
        let (mut ex, step) =
            ServerExchange::start("LOGIN", Some(b"tim"), &p, Transport::TLS).unwrap();
        assert!(matches!(step, Step::Continue(ref c) if c.is_empty()));
        assert!(matches!(ex.step(b"pw"), Ok(Step::Done(_))));
        let (_, step) = ServerExchange::start("LOGIN", Some(b""), &p, Transport::TLS).unwrap();
        assert!(matches!(step, Step::Continue(ref c) if c.is_empty()));
    }

    #[test]
    fn oauthbearer_error_flow() {
        let (mut ex, step) = ServerExchange::start(
            "OAUTHBEARER",
            Some(b"n,,\x01auth=Bearer t\x01\x01"),
            &policy(),
            Transport::TLS,
        )
        .unwrap();
        assert!(matches!(step, Step::Done(_)));
        assert!(ex.is_finished());
        let Step::Continue(ch) = ex.fail_token(&ErrorChallenge::invalid_token()).unwrap() else {
            panic!()
        };
        assert_eq!(ch.as_bytes(), br#"{"status":"invalid_token"}"#);
        assert!(!ex.is_finished());
        assert_eq!(
            ex.step(b"\x01"),
            Ok(Step::Failed(FailureReason::TokenRejected))
        );
        assert_eq!(ex.step(b"\x01"), Err(Error::InvalidState));
    }

    #[test]
    fn xoauth2_error_flow_and_bad_ack() {
        let ir = b"user=u\x01auth=Bearer t\x01\x01";
        let (mut ex, _) =
            ServerExchange::start("xoauth2", Some(ir), &policy(), Transport::TLS).unwrap();
        ex.fail_token(&ErrorChallenge::invalid_token()).unwrap();
        assert_eq!(ex.step(b""), Ok(Step::Failed(FailureReason::TokenRejected)));
        let (mut ex, _) = ServerExchange::start(
            "OAUTHBEARER",
            Some(b"n,,\x01auth=Bearer t\x01\x01"),
            &policy(),
            Transport::TLS,
        )
        .unwrap();
        ex.fail_token(&ErrorChallenge::invalid_token()).unwrap();
        assert_eq!(ex.step(b""), Err(Error::BadErrorAck));
    }

    #[test]
    fn limits() {
        let l = Limits {
            max_steps: 1,
            ..Limits::default()
        };
        let p = policy().with_limits(l);
        let (mut ex, _) = ServerExchange::start("LOGIN", Some(b"tim"), &p, Transport::TLS).unwrap();
        assert_eq!(ex.step(b"pw"), Err(Error::TooManySteps));
        let l = Limits {
            max_exchange_bytes: 4,
            ..Limits::default()
        };
        let p = policy().with_limits(l);
        let (mut ex, _) = ServerExchange::start("LOGIN", Some(b"tim"), &p, Transport::TLS).unwrap();
        assert_eq!(
            ex.step(b"pw"),
            Err(Error::TooLong {
                field: Field::Exchange,
                limit: 4
            })
        );
    }

    #[test]
    fn start_errors() {
        assert_eq!(
            ServerExchange::start("CRAM-MD5", None, &policy(), Transport::TLS).err(),
            Some(Error::UnknownMechanism)
        );
        assert_eq!(
            ServerExchange::start("plain", None, &policy(), Transport::empty()).err(),
            Some(Error::TlsRequired(Mechanism::Plain))
        );
        assert_eq!(
            ServerExchange::start("plain", Some(b""), &policy(), Transport::TLS).err(),
            Some(Error::MissingSeparator)
        );
        assert_eq!(
            ServerExchange::start("SCRAM-SHA-256", None, &policy(), Transport::empty()).err(),
            Some(Error::UseScramServer(Mechanism::ScramSha256))
        );
        assert_eq!(
            ServerExchange::start("SCRAM-SHA-1", None, &policy(), Transport::TLS).err(),
            Some(Error::MechanismNotAllowed(Mechanism::ScramSha1))
        );
    }
}
