//! SCRAM in a [`SaslSession`]: the account's keys are looked up between
//! the client's two messages, `portcullis-sasl`'s [`ScramServer`] checks
//! the proof, and the rest of the decision is the password path's (steps
//! 4 and 6 to 12, `decide::scram_path`).

use std::sync::Arc;

use portcullis_credentials::{OsRandom, RandomSource, ScramCredential};
use portcullis_sasl::scram::{ChannelBindingData, ScramHash, ScramKeys, ScramServer};
use portcullis_sasl::{Error as SaslError, Mechanism};
use zeroize::Zeroizing;

use super::{SaslProgress, SaslSession, State};
use crate::audit::AuditRecord;
use crate::decide::transport::sasl_reason;
use crate::decide::{Presented, ScramOutcome};
use crate::directory::Account;
use crate::memory::key;
use crate::trace::Trace;
use crate::{Decision, DenialReason};

/// Random bytes in a server nonce: 24 base64 characters.
const SERVER_NONCE_BYTES: usize = 18;

/// An exchange whose server-first message went out.
pub(super) struct Pending {
    server: ScramServer,
    authcid: String,
    authzid: Option<String>,
    account: Option<Arc<Account>>,
    /// Why the proof cannot verify whatever the client sends (no account,
    /// no keys of this hash): the exchange runs on stand-in keys.
    refused: Option<DenialReason>,
}

impl SaslSession {
    /// [`SaslSession::begin`] for a SCRAM mechanism.
    pub(super) async fn begin_scram(
        &mut self,
        mechanism: &str,
        initial: Option<Zeroizing<Vec<u8>>>,
    ) -> SaslProgress {
        let named = mechanism.to_ascii_uppercase();
        if self.auth.inner.scram.is_none() {
            return self.fail(DenialReason::MechanismNotAllowed(named));
        }
        let transport = self.auth.transport(self.ctx.tls, Some(self.ctx.remote_ip));
        let binding = std::mem::replace(&mut self.binding, ChannelBindingData::none());
        let started = ScramServer::start(
            mechanism,
            self.auth.policy_for(self.ctx.surface),
            transport,
            binding,
        );
        let server = match started {
            Ok(server) => server,
            // `-PLUS` on a connection without binding data: not offered here.
            Err(SaslError::ChannelBindingUnsupported) => {
                return self.fail(DenialReason::MechanismNotAllowed(named));
            }
            Err(error) => return self.fail(sasl_reason(error)),
        };
        match initial {
            Some(message) => self.scram_client_first(server, &message).await,
            None => {
                self.state = State::ScramFirst(Box::new(server));
                SaslProgress::Challenge(Vec::new())
            }
        }
    }

    /// The client-first message: find the account and answer with its
    /// salt and iteration count (stand-ins when it has no keys).
    pub(super) async fn scram_client_first(
        &mut self,
        mut server: ScramServer,
        message: &[u8],
    ) -> SaslProgress {
        let identity = match server.client_first(message) {
            Ok(identity) => identity,
            Err(error) => return self.fail(sasl_reason(error)),
        };
        self.claimed = Some(identity.username().to_owned());
        let mut trace = Trace::off();
        // A locked network is refused before the directory is asked.
        let network = self.auth.network_key(&self.ctx);
        if let Err(decision) = self
            .auth
            .throttle_check(&self.ctx, network.first(), &mut trace)
            .await
        {
            return self.conclude_now(decision);
        }
        let login = match self.auth.resolve(
            &self.ctx,
            identity.username(),
            identity.authzid(),
            &mut trace,
        ) {
            Ok(login) => login,
            Err(decision) => return self.conclude_now(decision),
        };
        let name = login.authenticating();
        let account = match self.auth.find(name).await {
            Ok(account) => account,
            Err(error) => {
                let decision = self.auth.directory_failure(&self.ctx, error);
                return self.conclude_now(decision);
            }
        };
        let Some(setup) = &self.auth.inner.scram else {
            return self.fail(DenialReason::Internal("SCRAM is off"));
        };
        let hash = server.hash();
        let stored = account
            .as_deref()
            .and_then(Account::scram_credential)
            .filter(|credential| same_hash(credential, hash));
        let (keys, refused) = match (&account, stored.map(|stored| keys_of(stored, hash))) {
            (Some(_), Some(Some(keys))) => (Some(keys), None),
            (None, _) => (None, Some(DenialReason::UnknownUser)),
            (Some(_), None) => (None, Some(DenialReason::UnknownCredential)),
            (Some(_), Some(None)) => (None, Some(DenialReason::Internal("SCRAM keys unusable"))),
        };
        // Stand-ins answer with a salt of their own, the same for the same
        // name, and the directory's iteration count. The name is normalized
        // and case-folded first: a directory that matches names without
        // regard to case gives every spelling of a real account its one
        // salt, so every spelling of an unknown name must get one too.
        let keys = keys.unwrap_or_else(|| {
            let folded = key(name).to_lowercase();
            ScramKeys::dummy(hash, setup.iterations, &folded, &setup.dummy_key)
        });
        let mut random = [0u8; SERVER_NONCE_BYTES];
        if OsRandom.fill(&mut random).is_err() {
            return self.fail(DenialReason::Internal("no randomness for a SCRAM nonce"));
        }
        let nonce = portcullis_sasl::scram::nonce_from_random(&random);
        let challenge = match server.server_first(&keys, &nonce) {
            Ok(challenge) => challenge,
            Err(error) => return self.fail(sasl_reason(error)),
        };
        let bytes = challenge.as_bytes().to_vec();
        self.state = State::ScramFinal(Box::new(Pending {
            server,
            authcid: identity.username().to_owned(),
            authzid: identity.authzid().map(str::to_owned),
            account,
            refused,
        }));
        SaslProgress::Challenge(bytes)
    }

    /// The client-final message: the proof, then the decision. A grant
    /// is sent `v=` first and waits for the client's empty answer.
    pub(super) async fn scram_client_final(
        &mut self,
        pending: Pending,
        message: &[u8],
    ) -> SaslProgress {
        let Pending {
            mut server,
            authcid,
            authzid,
            account,
            refused,
        } = pending;
        let (refused, server_final) = match server.client_final(message) {
            Ok(verified) => (refused, Some(verified.into_server_final())),
            Err(SaslError::ProofMismatch) => {
                (Some(refused.unwrap_or(DenialReason::WrongSecret)), None)
            }
            Err(error) => return self.fail(sasl_reason(error)),
        };
        let outcome = ScramOutcome {
            mechanism: server.mechanism().name(),
            authcid,
            authzid,
            account,
            refused,
        };
        let mut audit = AuditRecord::default();
        let decision = self
            .auth
            .decide_presented(
                self.ctx,
                Presented::Scram(Box::new(outcome)),
                &mut Trace::off(),
                &mut audit,
            )
            .await;
        match (decision, server_final) {
            (decision @ Decision::Grant(_), Some(server_final)) => {
                self.state = State::ScramAck(Box::new((server, decision)));
                SaslProgress::Challenge(server_final.as_bytes().to_vec())
            }
            (decision, _) => SaslProgress::Done(decision),
        }
    }

    /// The client's answer to `v=`: empty, then the grant stands.
    pub(super) fn scram_ack(
        &mut self,
        done: (ScramServer, Decision),
        response: &[u8],
    ) -> SaslProgress {
        let (mut server, decision) = done;
        match server.finish(response) {
            Ok(()) => SaslProgress::Done(decision),
            Err(error) => self.fail(sasl_reason(error)),
        }
    }

    /// Ends the exchange with a decision made by a pipeline step.
    fn conclude_now(&mut self, decision: Decision) -> SaslProgress {
        self.state = State::Finished;
        let audit = AuditRecord {
            login: self.claimed.take(),
            ..AuditRecord::default()
        };
        SaslProgress::Done(self.auth.conclude(&self.ctx, &audit, decision))
    }
}

/// Whether stored keys are of the exchange's hash.
fn same_hash(credential: &ScramCredential, hash: ScramHash) -> bool {
    credential.hash().name() == hash.mechanism(false).name()
}

/// The stored keys in the form the exchange takes.
fn keys_of(credential: &ScramCredential, hash: ScramHash) -> Option<ScramKeys> {
    ScramKeys::new(
        hash,
        credential.iterations(),
        credential.salt(),
        credential.stored_key(),
        credential.server_key(),
    )
    .ok()
}

/// Whether a mechanism name is one of SCRAM's.
pub(super) fn is_scram(mechanism: &str) -> bool {
    Mechanism::from_name(mechanism).is_ok_and(Mechanism::is_scram)
}
