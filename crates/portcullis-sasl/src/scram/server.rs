//! The server side of one SCRAM exchange, as a state machine.

use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use subtle::ConstantTimeEq;

use super::binding::{ChannelBindingData, ChannelBindingType};
use super::keys::{ScramHash, ScramKeys};
use super::message::{self, ClientFinalMessage, ClientFirstMessage, Gs2Flag, MAX_NONCE_LEN};
use crate::error::{Error, Field};
use crate::exchange::Challenge;
use crate::limits::Limits;
use crate::mechanism::{Mechanism, MechanismSet};
use crate::policy::{MechanismPolicy, Transport};

/// The shortest server nonce [`ScramServer::server_first`] accepts, in
/// characters. [`nonce_from_random`] of 18 random bytes gives 24.
pub const MIN_SERVER_NONCE_LEN: usize = 16;

/// A server nonce from random bytes (base64 without padding: printable,
/// no `,`). Pass at least 18 bytes from a CSPRNG; the crate draws no
/// randomness itself.
///
/// ```
/// let nonce = portcullis_sasl::scram::nonce_from_random(&[0xfb; 18]);
/// assert_eq!(nonce, "+/v7+/v7+/v7+/v7+/v7+/v7");
/// ```
#[must_use]
pub fn nonce_from_random(random: &[u8]) -> String {
    STANDARD_NO_PAD.encode(random)
}

/// Who the client says it is, from its first message: the name to look
/// the account up by and the identity it asks to act as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramIdentity {
    username: String,
    authzid: Option<String>,
    channel_binding: Option<ChannelBindingType>,
}

impl ScramIdentity {
    /// The user name (`n=`), unescaped and prepared with SASLprep.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The authorization identity (`a=`), unescaped, if the client sent
    /// one. As with PLAIN's authzid, acting as it is the caller's policy.
    #[must_use]
    pub fn authzid(&self) -> Option<&str> {
        self.authzid.as_deref()
    }

    /// The channel-binding type the exchange is bound with (`-PLUS`
    /// only).
    #[must_use]
    pub const fn channel_binding(&self) -> Option<ChannelBindingType> {
        self.channel_binding
    }
}

/// A verified client proof: send [`server_final`](Self::server_final)
/// (`v=<ServerSignature>`) as a challenge and feed the client's (empty)
/// answer to [`ScramServer::finish`]. Protocols that carry "additional
/// data with success" may send it with the success reply instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramVerified {
    server_final: Challenge,
}

impl ScramVerified {
    /// The server-final message, `v=<base64 ServerSignature>`.
    #[must_use]
    pub const fn server_final(&self) -> &Challenge {
        &self.server_final
    }

    /// The server-final message, by value.
    #[must_use]
    pub fn into_server_final(self) -> Challenge {
        self.server_final
    }
}

/// What the client's first message established.
struct First {
    gs2_header: Vec<u8>,
    bare: Vec<u8>,
    client_nonce: String,
    binding: Option<ChannelBindingType>,
}

/// What the client's final message is checked against.
struct Final {
    first: First,
    /// The client's nonce followed by the server's.
    nonce: String,
    server_first: Vec<u8>,
    keys: ScramKeys,
}

enum State {
    AwaitClientFirst,
    AwaitKeys(Box<First>),
    AwaitClientFinal(Box<Final>),
    AwaitAck,
    Finished,
}

impl State {
    const fn name(&self) -> &'static str {
        match self {
            Self::AwaitClientFirst => "await-client-first",
            Self::AwaitKeys(_) => "await-keys",
            Self::AwaitClientFinal(_) => "await-client-final",
            Self::AwaitAck => "await-ack",
            Self::Finished => "finished",
        }
    }
}

/// The server side of one SCRAM exchange (RFC 5802, RFC 7677), sans-I/O:
/// the caller frames the messages and looks the account up between the
/// client's two messages.
///
/// 1. [`start`](Self::start) (or [`new`](Self::new)) for the mechanism the
///    client named. SCRAM is client-first: with SASL-IR the initial
///    response is the client-first message; otherwise send an empty
///    challenge and wait for it.
/// 2. [`client_first`](Self::client_first) parses it and returns the
///    [`ScramIdentity`] to look up.
/// 3. [`server_first`](Self::server_first) with the account's
///    [`ScramKeys`] — or [`ScramKeys::dummy`] for an unknown user or an
///    account without SCRAM keys of this hash — and a fresh server nonce;
///    send the returned challenge.
/// 4. [`client_final`](Self::client_final) checks the channel binding,
///    the nonce and the proof; on success send its `v=` challenge.
/// 5. [`finish`](Self::finish) takes the client's empty answer; then
///    reply with success.
///
/// Every error ends the exchange. [`Error::ProofMismatch`] is "bad
/// credentials" and comes out the same way, after the same work, for a
/// wrong password, an unknown user and an account without keys (given
/// dummy keys with the directory's salt length and iteration count).
///
/// ```
/// use base64::Engine;
/// use portcullis_sasl::scram::{ChannelBindingData, ScramHash, ScramKeys, ScramServer};
/// use portcullis_sasl::{MechanismPolicy, Transport};
///
/// // RFC 7677 §3: user "user", password "pencil".
/// let b64 = |s| base64::engine::general_purpose::STANDARD.decode(s);
/// let keys = ScramKeys::new(
///     ScramHash::Sha256,
///     4096,
///     &b64("W22ZaJ0SNY7soEsUEjb6gQ==")?,
///     &b64("WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=")?, // StoredKey
///     &b64("wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=")?, // ServerKey
/// )?;
/// let policy = MechanismPolicy::new();
/// let mut server =
///     ScramServer::start("SCRAM-SHA-256", &policy, Transport::TLS, ChannelBindingData::none())?;
/// let who = server.client_first(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO")?;
/// assert_eq!(who.username(), "user"); // look the account up by this name
/// let challenge = server.server_first(&keys, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")?;
/// assert_eq!(
///     challenge.as_bytes(),
///     b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
/// );
/// let verified = server.client_final(
///     b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
/// )?;
/// assert_eq!(verified.server_final().as_bytes(), b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
/// server.finish(b"")?;
/// assert!(server.is_finished());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ScramServer {
    mechanism: Mechanism,
    hash: ScramHash,
    binding: ChannelBindingData,
    plus_offered: bool,
    limits: Limits,
    steps: usize,
    bytes: usize,
    identity: Option<ScramIdentity>,
    state: State,
}

impl ScramServer {
    /// Starts an exchange for the SCRAM mechanism the client named (ASCII
    /// case ignored) under `policy`.
    ///
    /// `binding` is the connection's channel-binding data: its presence
    /// stands for [`Transport::CHANNEL_BINDING`] whatever `transport` says.
    /// The server counts as offering `-PLUS` (for RFC 5802 §6's downgrade
    /// check) when `policy` advertises a `-PLUS` mechanism on that
    /// transport; use [`ScramServer::new`] if the advertisement was
    /// different.
    ///
    /// # Errors
    /// [`Error::UnknownMechanism`] for a name that is not a SCRAM
    /// mechanism; [`Error::MechanismNotAllowed`], [`Error::TlsRequired`]
    /// and [`Error::ChannelBindingUnsupported`] from
    /// [`MechanismPolicy::check`].
    pub fn start(
        mechanism: &str,
        policy: &MechanismPolicy,
        transport: Transport,
        binding: ChannelBindingData,
    ) -> Result<Self, Error> {
        let mechanism = Mechanism::from_name(mechanism)?;
        if !mechanism.is_scram() {
            return Err(Error::UnknownMechanism);
        }
        let transport = if binding.is_empty() {
            transport.difference(Transport::CHANNEL_BINDING)
        } else {
            transport.union(Transport::CHANNEL_BINDING)
        };
        policy.check(mechanism, transport)?;
        let plus_offered = policy
            .advertised(transport)
            .intersects(MechanismSet::SCRAM_PLUS);
        Self::new(mechanism, binding, plus_offered, *policy.limits())
    }

    /// Starts an exchange without a policy check.
    ///
    /// `plus_offered` says whether the server advertised a `-PLUS`
    /// mechanism to this client: if it did, a client that announces
    /// channel-binding support while choosing a mechanism without it
    /// (`y`) is refused as a downgrade (RFC 5802 §6). A `-PLUS` mechanism
    /// counts as offered.
    ///
    /// # Errors
    /// [`Error::UnknownMechanism`] for a mechanism that is not SCRAM;
    /// [`Error::ChannelBindingUnsupported`] for a `-PLUS` mechanism
    /// without channel-binding data.
    pub fn new(
        mechanism: Mechanism,
        binding: ChannelBindingData,
        plus_offered: bool,
        limits: Limits,
    ) -> Result<Self, Error> {
        let hash = mechanism.scram_hash().ok_or(Error::UnknownMechanism)?;
        if mechanism.is_channel_bound() && binding.is_empty() {
            return Err(Error::ChannelBindingUnsupported);
        }
        Ok(Self {
            mechanism,
            hash,
            binding,
            plus_offered: plus_offered || mechanism.is_channel_bound(),
            limits,
            steps: 0,
            bytes: 0,
            identity: None,
            state: State::AwaitClientFirst,
        })
    }

    /// The mechanism of this exchange.
    #[must_use]
    pub const fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// The hash of this exchange: the keys passed to
    /// [`server_first`](Self::server_first) must be of it.
    #[must_use]
    pub const fn hash(&self) -> ScramHash {
        self.hash
    }

    /// Who the client said it is, once its first message parsed (kept
    /// after the exchange ends, for logs).
    #[must_use]
    pub const fn identity(&self) -> Option<&ScramIdentity> {
        self.identity.as_ref()
    }

    /// Whether the exchange is over (finished, or ended by an error).
    #[must_use]
    pub const fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    /// Parses the client-first message and applies the channel-binding
    /// rules of RFC 5802 §6: `p=` only with a `-PLUS` mechanism and a type
    /// the server holds data for, `p=` required with `-PLUS`, and `y`
    /// refused while the server offers `-PLUS`.
    ///
    /// # Errors
    /// Any error of [`ClientFirstMessage::decode`];
    /// [`Error::ChannelBindingUnsupported`], [`Error::ChannelBindingRequired`],
    /// [`Error::ChannelBindingDowngrade`] (all the peer's);
    /// [`Error::TooManySteps`], [`Error::TooLong`] for the exchange total;
    /// [`Error::InvalidState`] if called twice. After an error the exchange
    /// is over.
    pub fn client_first(&mut self, message: &[u8]) -> Result<ScramIdentity, Error> {
        let result = self.client_first_inner(message);
        if result.is_err() {
            self.state = State::Finished;
        }
        result
    }

    fn client_first_inner(&mut self, message: &[u8]) -> Result<ScramIdentity, Error> {
        if !matches!(self.state, State::AwaitClientFirst) {
            return Err(Error::InvalidState);
        }
        self.count(message.len())?;
        let parsed = ClientFirstMessage::decode(message, &self.limits)?;
        let binding = match parsed.flag() {
            Gs2Flag::Bound(kind) => {
                if !self.mechanism.is_channel_bound() || self.binding.get(kind).is_none() {
                    return Err(Error::ChannelBindingUnsupported);
                }
                Some(kind)
            }
            _ if self.mechanism.is_channel_bound() => {
                return Err(Error::ChannelBindingRequired);
            }
            Gs2Flag::ServerNotSupported if self.plus_offered => {
                return Err(Error::ChannelBindingDowngrade);
            }
            Gs2Flag::ServerNotSupported | Gs2Flag::NotSupported => None,
        };
        let (gs2_header, bare) = message
            .split_at_checked(parsed.gs2_header_len())
            .ok_or(Error::BadGs2Header)?;
        let identity = ScramIdentity {
            username: parsed.username().to_owned(),
            authzid: parsed.authzid().map(str::to_owned),
            channel_binding: binding,
        };
        self.state = State::AwaitKeys(Box::new(First {
            gs2_header: gs2_header.to_vec(),
            bare: bare.to_vec(),
            client_nonce: parsed.nonce().to_owned(),
            binding,
        }));
        self.identity = Some(identity.clone());
        Ok(identity)
    }

    /// Makes the server-first message, `r=<client nonce><server
    /// nonce>,s=<base64 salt>,i=<iterations>`, from the account's keys (or
    /// a dummy, see [`ScramKeys::dummy`]) and a fresh server nonce
    /// ([`nonce_from_random`]). Send it as a challenge.
    ///
    /// # Errors
    /// API misuse or configuration, all ending the exchange:
    /// [`Error::InvalidState`] unless [`client_first`](Self::client_first)
    /// just succeeded; [`Error::BadScramKeys`] for keys of another hash;
    /// [`Error::BadServerNonce`].
    pub fn server_first(
        &mut self,
        keys: &ScramKeys,
        server_nonce: &str,
    ) -> Result<Challenge, Error> {
        let result = self.server_first_inner(keys, server_nonce);
        if result.is_err() {
            self.state = State::Finished;
        }
        result
    }

    fn server_first_inner(
        &mut self,
        keys: &ScramKeys,
        server_nonce: &str,
    ) -> Result<Challenge, Error> {
        let State::AwaitKeys(first) = core::mem::replace(&mut self.state, State::Finished) else {
            return Err(Error::InvalidState);
        };
        if keys.hash() != self.hash {
            return Err(Error::BadScramKeys);
        }
        if server_nonce.len() < MIN_SERVER_NONCE_LEN
            || server_nonce.len() > MAX_NONCE_LEN
            || message::nonce(server_nonce.as_bytes()).is_err()
        {
            return Err(Error::BadServerNonce);
        }
        let nonce = format!("{}{server_nonce}", first.client_nonce);
        let server_first = format!(
            "r={nonce},s={},i={}",
            STANDARD.encode(keys.salt()),
            keys.iterations()
        )
        .into_bytes();
        let challenge = Challenge::owned(server_first.clone());
        self.state = State::AwaitClientFinal(Box::new(Final {
            first: *first,
            nonce,
            server_first,
            keys: keys.clone(),
        }));
        Ok(challenge)
    }

    /// Checks the client-final message: `c=` must be the base64 of this
    /// exchange's gs2 header followed by the channel-binding data of the
    /// type the client chose (RFC 5802 §5.1), `r=` the combined nonce, and
    /// the proof must verify (constant time; see
    /// [`ScramKeys`](super::ScramKeys)).
    ///
    /// # Errors
    /// Any error of [`ClientFinalMessage::decode`];
    /// [`Error::ChannelBindingMismatch`], [`Error::NonceMismatch`],
    /// [`Error::BadScramMessage`] (a proof that is not base64 of the
    /// hash's length), [`Error::ProofMismatch`] (bad credentials, without
    /// detail); [`Error::TooManySteps`], [`Error::TooLong`];
    /// [`Error::InvalidState`] out of order. After an error the exchange is
    /// over.
    pub fn client_final(&mut self, message: &[u8]) -> Result<ScramVerified, Error> {
        let result = self.client_final_inner(message);
        if result.is_err() {
            self.state = State::Finished;
        }
        result
    }

    fn client_final_inner(&mut self, message: &[u8]) -> Result<ScramVerified, Error> {
        let State::AwaitClientFinal(state) = core::mem::replace(&mut self.state, State::Finished)
        else {
            return Err(Error::InvalidState);
        };
        self.count(message.len())?;
        let parsed = ClientFinalMessage::decode(message, &self.limits)?;
        let first = &state.first;
        let binding_data = match first.binding {
            Some(kind) => self
                .binding
                .get(kind)
                .ok_or(Error::ChannelBindingUnsupported)?,
            None => &[],
        };
        let mut expected = first.gs2_header.clone();
        expected.extend_from_slice(binding_data);
        let expected = STANDARD.encode(&expected);
        if !bool::from(
            expected
                .as_bytes()
                .ct_eq(parsed.channel_binding().as_bytes()),
        ) {
            return Err(Error::ChannelBindingMismatch);
        }
        if parsed.nonce() != state.nonce {
            return Err(Error::NonceMismatch);
        }
        let proof = STANDARD
            .decode(parsed.proof())
            .map_err(|_| Error::BadScramMessage)?;
        if proof.len() != self.hash.output_len() {
            return Err(Error::BadScramMessage);
        }
        let without_proof = message
            .get(..parsed.without_proof_len())
            .ok_or(Error::BadScramMessage)?;
        let auth_message: [&[u8]; 5] =
            [&first.bare, b",", &state.server_first, b",", without_proof];
        let (matched, server_signature) = state.keys.check_proof(&auth_message, &proof);
        if !bool::from(matched) {
            return Err(Error::ProofMismatch);
        }
        let mut server_final = b"v=".to_vec();
        server_final.extend_from_slice(STANDARD.encode(server_signature.as_slice()).as_bytes());
        self.state = State::AwaitAck;
        Ok(ScramVerified {
            server_final: Challenge::owned(server_final),
        })
    }

    /// Takes the client's answer to the `v=` challenge, which must be
    /// empty (RFC 4422 §3: the exchange ends with the server's success).
    ///
    /// # Errors
    /// [`Error::TrailingData`] for a non-empty answer;
    /// [`Error::TooManySteps`]; [`Error::InvalidState`] unless
    /// [`client_final`](Self::client_final) just succeeded. Either way the
    /// exchange is over.
    pub fn finish(&mut self, response: &[u8]) -> Result<(), Error> {
        if !matches!(
            core::mem::replace(&mut self.state, State::Finished),
            State::AwaitAck
        ) {
            return Err(Error::InvalidState);
        }
        self.count(response.len())?;
        if response.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingData)
        }
    }

    /// Counts one client response against the step and byte limits.
    fn count(&mut self, len: usize) -> Result<(), Error> {
        self.steps = self.steps.saturating_add(1);
        if self.steps > self.limits.max_steps {
            return Err(Error::TooManySteps);
        }
        self.bytes = self.bytes.saturating_add(len);
        if self.bytes > self.limits.max_exchange_bytes {
            return Err(Error::TooLong {
                field: Field::Exchange,
                limit: self.limits.max_exchange_bytes,
            });
        }
        Ok(())
    }
}

impl fmt::Debug for ScramServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramServer")
            .field("mechanism", &self.mechanism)
            .field("state", &self.state.name())
            .field("plus_offered", &self.plus_offered)
            .field("binding", &self.binding)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync>() {}
        check::<ScramServer>();
        check::<ScramKeys>();
        check::<ScramVerified>();
    }

    #[test]
    fn out_of_order_calls_end_the_exchange() {
        let keys = ScramKeys::new(ScramHash::Sha1, 1, b"s", &[0; 20], &[0; 20]).unwrap();
        let mut s = ScramServer::new(
            Mechanism::ScramSha1,
            ChannelBindingData::none(),
            false,
            Limits::default(),
        )
        .unwrap();
        assert_eq!(
            s.server_first(&keys, "0123456789abcdef").err(),
            Some(Error::InvalidState)
        );
        assert!(s.is_finished());
        assert_eq!(
            s.client_first(b"n,,n=u,r=n").err(),
            Some(Error::InvalidState)
        );
        assert_eq!(s.finish(b"").err(), Some(Error::InvalidState));
        assert!(format!("{s:?}").contains("finished"));
    }

    #[test]
    fn server_nonce_and_key_checks() {
        let sha1 = ScramKeys::new(ScramHash::Sha1, 1, b"s", &[0; 20], &[0; 20]).unwrap();
        let sha256 = ScramKeys::new(ScramHash::Sha256, 1, b"s", &[0; 32], &[0; 32]).unwrap();
        let fresh = || {
            let mut s = ScramServer::new(
                Mechanism::ScramSha256,
                ChannelBindingData::none(),
                false,
                Limits::default(),
            )
            .unwrap();
            s.client_first(b"n,,n=u,r=n").unwrap();
            s
        };
        for nonce in [
            "short",
            "0123456789abcde,",
            "0123456789abcdé",
            &"x".repeat(257),
        ] {
            assert_eq!(
                fresh().server_first(&sha256, nonce).err(),
                Some(Error::BadServerNonce),
                "{nonce}"
            );
        }
        assert_eq!(
            fresh().server_first(&sha1, "0123456789abcdef").err(),
            Some(Error::BadScramKeys)
        );
        let challenge = fresh().server_first(&sha256, "0123456789abcdef").unwrap();
        assert_eq!(challenge.as_bytes(), b"r=n0123456789abcdef,s=cw==,i=1");
    }
}
