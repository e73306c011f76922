//! SCRAM: the RFC 5802 and RFC 7677 example exchanges byte for byte,
//! channel binding and its downgrade rules, the dummy path for unknown
//! users, limits, and properties of the client-first parser.
//!
//! The tests play the client with an independent implementation of the
//! client's side (PBKDF2 from the `pbkdf2` crate, HMAC and the hashes from
//! RustCrypto), so a full exchange checks the server against it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pbkdf2::hmac::{Hmac, KeyInit, Mac};
use pbkdf2::sha2::{Digest, Sha256};
use portcullis_sasl::scram::{
    ChannelBindingData, ChannelBindingType, ClientFinalMessage, ClientFirstMessage, Gs2Flag,
    MAX_NONCE_LEN, ScramDummyKey, ScramHash, ScramKeys, ScramServer, nonce_from_random,
};
use portcullis_sasl::{Error, Field, Limits, Mechanism, MechanismPolicy, MechanismSet, Transport};
use proptest::prelude::*;

fn b64(text: &str) -> Vec<u8> {
    STANDARD.decode(text).unwrap()
}

fn hmac(hash: ScramHash, key: &[u8], message: &[u8]) -> Vec<u8> {
    match hash {
        ScramHash::Sha1 => {
            let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).unwrap();
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        _ => {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
    }
}

fn digest(hash: ScramHash, bytes: &[u8]) -> Vec<u8> {
    match hash {
        ScramHash::Sha1 => sha1::Sha1::digest(bytes).to_vec(),
        _ => Sha256::digest(bytes).to_vec(),
    }
}

fn salted_password(hash: ScramHash, password: &str, salt: &[u8], iterations: u32) -> Vec<u8> {
    let mut out = vec![0u8; hash.output_len()];
    match hash {
        ScramHash::Sha1 => {
            pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password.as_bytes(), salt, iterations, &mut out);
        }
        _ => pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut out),
    }
    out
}

/// The server's keys for `password`, as a directory would store them.
fn keys_for(hash: ScramHash, password: &str, salt: &[u8], iterations: u32) -> ScramKeys {
    let salted = salted_password(hash, password, salt, iterations);
    let stored = digest(hash, &hmac(hash, &salted, b"Client Key"));
    let server = hmac(hash, &salted, b"Server Key");
    ScramKeys::new(hash, iterations, salt, &stored, &server).unwrap()
}

/// The client side of one exchange.
struct Client {
    hash: ScramHash,
    password: String,
    first: Vec<u8>,
    header_len: usize,
    /// The channel-binding data the client sees (a man in the middle's
    /// differs from the server's).
    binding: Vec<u8>,
}

impl Client {
    fn new(
        hash: ScramHash,
        flag: Gs2Flag,
        authzid: Option<&str>,
        user: &str,
        password: &str,
    ) -> Self {
        let message = ClientFirstMessage::new(flag, authzid, user, "clientnonce0123");
        let mut first = Vec::new();
        message.encode(&mut first);
        Self {
            hash,
            password: password.to_owned(),
            first,
            header_len: message.gs2_header_len(),
            binding: Vec::new(),
        }
    }

    fn with_binding(mut self, data: &[u8]) -> Self {
        self.binding = data.to_vec();
        self
    }

    /// The client-final message for `server_first`, and the `v=` the
    /// client expects back.
    fn finish(&self, server_first: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let text = std::str::from_utf8(server_first).unwrap();
        let mut nonce = "";
        let mut salt = Vec::new();
        let mut iterations = 0;
        for attribute in text.split(',') {
            match attribute.split_at(2) {
                ("r=", value) => nonce = value,
                ("s=", value) => salt = b64(value),
                ("i=", value) => iterations = value.parse().unwrap(),
                other => panic!("unexpected {other:?}"),
            }
        }
        let mut cbind = self.first[..self.header_len].to_vec();
        cbind.extend_from_slice(&self.binding);
        let cbind = STANDARD.encode(cbind);
        let without_proof = format!("c={cbind},r={nonce}");
        let auth_message = [
            &self.first[self.header_len..],
            b",",
            server_first,
            b",",
            without_proof.as_bytes(),
        ]
        .concat();
        let salted = salted_password(self.hash, &self.password, &salt, iterations);
        let client_key = hmac(self.hash, &salted, b"Client Key");
        let stored_key = digest(self.hash, &client_key);
        let signature = hmac(self.hash, &stored_key, &auth_message);
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(a, b)| a ^ b)
            .collect();
        let server_key = hmac(self.hash, &salted, b"Server Key");
        let verifier = hmac(self.hash, &server_key, &auth_message);
        (
            format!("{without_proof},p={}", STANDARD.encode(proof)).into_bytes(),
            format!("v={}", STANDARD.encode(verifier)).into_bytes(),
        )
    }
}

const SERVER_NONCE: &str = "servernonce-0123456789";

/// Runs `client` against `server` with `keys`; the server's verdict.
fn run(server: &mut ScramServer, client: &Client, keys: &ScramKeys) -> Result<(), Error> {
    server.client_first(&client.first)?;
    let challenge = server.server_first(keys, SERVER_NONCE)?;
    let (last, expected_v) = client.finish(challenge.as_bytes());
    let verified = server.client_final(&last)?;
    assert_eq!(verified.server_final().as_bytes(), expected_v.as_slice());
    server.finish(b"")
}

fn server(mechanism: Mechanism, binding: ChannelBindingData, plus_offered: bool) -> ScramServer {
    ScramServer::new(mechanism, binding, plus_offered, Limits::default()).unwrap()
}

#[test]
fn rfc7677_sha256_example_byte_for_byte() {
    let keys = keys_for(
        ScramHash::Sha256,
        "pencil",
        &b64("W22ZaJ0SNY7soEsUEjb6gQ=="),
        4096,
    );
    let policy = MechanismPolicy::new();
    let mut s = ScramServer::start(
        "SCRAM-SHA-256",
        &policy,
        Transport::empty(),
        ChannelBindingData::none(),
    )
    .unwrap();
    let who = s.client_first(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO").unwrap();
    assert_eq!((who.username(), who.authzid()), ("user", None));
    let challenge = s
        .server_first(&keys, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
        .unwrap();
    assert_eq!(
        challenge.as_bytes(),
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    );
    let verified = s
        .client_final(
            b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        )
        .unwrap();
    assert_eq!(
        verified.server_final().as_bytes(),
        b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    );
    assert_eq!(s.finish(b""), Ok(()));
    assert!(s.is_finished());
    assert_eq!(s.identity().map(|i| i.username()), Some("user"));
}

#[test]
fn rfc5802_sha1_example_byte_for_byte() {
    let keys = keys_for(ScramHash::Sha1, "pencil", &b64("QSXCR+Q6sek8bf92"), 4096);
    let policy = MechanismPolicy::new().with_mechanisms(MechanismSet::SCRAM);
    let mut s = ScramServer::start(
        "scram-sha-1",
        &policy,
        Transport::TLS,
        ChannelBindingData::none(),
    )
    .unwrap();
    assert_eq!(s.mechanism(), Mechanism::ScramSha1);
    s.client_first(b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")
        .unwrap();
    let challenge = s.server_first(&keys, "3rfcNHYJY1ZVvWVs7j").unwrap();
    assert_eq!(
        challenge.as_bytes(),
        b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
    );
    let verified = s
        .client_final(
            b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        )
        .unwrap();
    assert_eq!(
        verified.into_server_final().as_bytes(),
        b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="
    );
    // The same keys, as `portcullis-credentials` derives them (Dovecot's
    // form): StoredKey and ServerKey of the RFC example.
    let direct = ScramKeys::new(
        ScramHash::Sha1,
        4096,
        &b64("QSXCR+Q6sek8bf92"),
        &b64("6dlGYMOdZcOPutkcNY8U2g7vK9Y="),
        &b64("D+CSWLOshSulAsxiupA+qs2/fTE="),
    )
    .unwrap();
    let mut s = server(Mechanism::ScramSha1, ChannelBindingData::none(), false);
    let client = Client::new(
        ScramHash::Sha1,
        Gs2Flag::NotSupported,
        None,
        "user",
        "pencil",
    );
    assert_eq!(run(&mut s, &client, &direct), Ok(()));
}

#[test]
fn policy_gates_scram() {
    let policy = MechanismPolicy::new();
    let none = ChannelBindingData::none;
    assert_eq!(
        ScramServer::start("SCRAM-SHA-1", &policy, Transport::TLS, none()).err(),
        Some(Error::MechanismNotAllowed(Mechanism::ScramSha1))
    );
    assert_eq!(
        ScramServer::start("PLAIN", &policy, Transport::TLS, none()).err(),
        Some(Error::UnknownMechanism)
    );
    assert_eq!(
        ScramServer::start("SCRAM-SHA-512", &policy, Transport::TLS, none()).err(),
        Some(Error::UnknownMechanism)
    );
    // -PLUS: only over TLS, only with data.
    let data = || ChannelBindingData::none().with_tls_exporter(&[1; 32]);
    assert_eq!(
        ScramServer::start("SCRAM-SHA-256-PLUS", &policy, Transport::TLS, none()).err(),
        Some(Error::ChannelBindingUnsupported)
    );
    assert_eq!(
        ScramServer::start("SCRAM-SHA-256-PLUS", &policy, Transport::empty(), data()).err(),
        Some(Error::TlsRequired(Mechanism::ScramSha256Plus))
    );
    assert!(ScramServer::start("SCRAM-SHA-256-PLUS", &policy, Transport::TLS, data()).is_ok());
    assert_eq!(
        ScramServer::new(Mechanism::ScramSha1Plus, none(), true, Limits::default()).err(),
        Some(Error::ChannelBindingUnsupported)
    );
    assert_eq!(
        ScramServer::new(Mechanism::Plain, none(), false, Limits::default()).err(),
        Some(Error::UnknownMechanism)
    );
    // What is advertised is what is accepted.
    assert_eq!(
        policy.capability_tokens(Transport::TLS | Transport::CHANNEL_BINDING, ""),
        "OAUTHBEARER XOAUTH2 SCRAM-SHA-256-PLUS SCRAM-SHA-256 PLAIN LOGIN"
    );
    assert_eq!(
        policy.capability_tokens(Transport::empty(), ""),
        "SCRAM-SHA-256"
    );
}

#[test]
fn scram_can_be_held_to_tls_like_the_password_mechanisms() {
    let none = ChannelBindingData::none;
    let strict = MechanismPolicy::new().require_tls_for_scram(true);
    assert_eq!(
        ScramServer::start("SCRAM-SHA-256", &strict, Transport::empty(), none()).err(),
        Some(Error::TlsRequired(Mechanism::ScramSha256))
    );
    assert!(ScramServer::start("SCRAM-SHA-256", &strict, Transport::TLS, none()).is_ok());
    assert_eq!(strict.capability_tokens(Transport::empty(), ""), "");
    assert_eq!(
        strict.capability_tokens(Transport::TLS, ""),
        "OAUTHBEARER XOAUTH2 SCRAM-SHA-256 PLAIN LOGIN"
    );
    // SHA-1 too, once enabled.
    let sha1 = strict.clone().with_mechanisms(MechanismSet::SCRAM);
    assert_eq!(
        sha1.check(Mechanism::ScramSha1, Transport::empty()),
        Err(Error::TlsRequired(Mechanism::ScramSha1))
    );
    assert_eq!(sha1.advertised(Transport::empty()), MechanismSet::empty());
    // A trusted local transport counts as protected, as for PLAIN.
    let local = strict.clone().trust_local_transport(true);
    assert!(ScramServer::start("SCRAM-SHA-256", &local, Transport::LOCAL, none()).is_ok());
    assert_eq!(
        local.capability_tokens(Transport::LOCAL, ""),
        "OAUTHBEARER XOAUTH2 SCRAM-SHA-256 PLAIN LOGIN"
    );
    // The default keeps SCRAM in clear (RFC 5802, Dovecot).
    assert!(
        ScramServer::start(
            "SCRAM-SHA-256",
            &MechanismPolicy::new(),
            Transport::empty(),
            none()
        )
        .is_ok()
    );
}

#[test]
fn wrong_password_unknown_user_and_dummy_fail_alike() {
    let salt = [7u8; 16];
    let keys = keys_for(ScramHash::Sha256, "right", &salt, 4096);
    let dummy_key = ScramDummyKey::new([9; 32]);
    let mut outcomes = Vec::new();
    for (password, dummy) in [("right", false), ("wrong", false), ("right", true)] {
        let mut s = server(Mechanism::ScramSha256, ChannelBindingData::none(), false);
        let client = Client::new(
            ScramHash::Sha256,
            Gs2Flag::NotSupported,
            None,
            "alice",
            password,
        );
        let who = s.client_first(&client.first).unwrap();
        let keys = if dummy {
            ScramKeys::dummy(ScramHash::Sha256, 4096, who.username(), &dummy_key)
        } else {
            keys.clone()
        };
        let challenge = s.server_first(&keys, SERVER_NONCE).unwrap();
        // The dummy's server-first has the same shape as a real one.
        let text = String::from_utf8(challenge.as_bytes().to_vec()).unwrap();
        let (_, rest) = text.split_once(",s=").unwrap();
        let (salt_text, iterations) = rest.split_once(",i=").unwrap();
        assert_eq!((b64(salt_text).len(), iterations), (16, "4096"));
        let (last, _) = client.finish(challenge.as_bytes());
        outcomes.push(s.client_final(&last).map(|_| ()));
        assert_eq!(s.is_finished(), outcomes.last() != Some(&Ok(())));
    }
    assert_eq!(
        outcomes,
        [Ok(()), Err(Error::ProofMismatch), Err(Error::ProofMismatch)]
    );
    // The error tells nothing more.
    assert_eq!(
        Error::ProofMismatch.to_string(),
        "the SCRAM proof does not match"
    );
    // The dummy salt is stable per user, so asking twice tells nothing.
    let a = ScramKeys::dummy(ScramHash::Sha256, 4096, "ghost", &dummy_key);
    let b = ScramKeys::dummy(ScramHash::Sha256, 4096, "ghost", &dummy_key);
    assert_eq!(a.salt(), b.salt());
}

#[test]
fn channel_binding_with_tls_exporter_is_accepted() {
    let exporter = [0x5a; 32];
    let keys = keys_for(ScramHash::Sha256, "pencil", b"salt-salt-salt16", 4096);
    let policy = MechanismPolicy::new();
    let data = ChannelBindingData::none().with_tls_exporter(&exporter);
    let mut s = ScramServer::start("SCRAM-SHA-256-PLUS", &policy, Transport::TLS, data).unwrap();
    let client = Client::new(
        ScramHash::Sha256,
        Gs2Flag::Bound(ChannelBindingType::TlsExporter),
        None,
        "user",
        "pencil",
    )
    .with_binding(&exporter);
    assert_eq!(run(&mut s, &client, &keys), Ok(()));
    assert_eq!(
        s.identity().and_then(|i| i.channel_binding()),
        Some(ChannelBindingType::TlsExporter)
    );

    // tls-server-end-point, with an authzid in the header, SCRAM-SHA-1-PLUS.
    let end_point = [0x33; 32];
    let keys = keys_for(ScramHash::Sha1, "pencil", b"salt-salt-salt16", 4096);
    let data = ChannelBindingData::none()
        .with_tls_exporter(&exporter)
        .with_tls_server_end_point(&end_point);
    let mut s = server(Mechanism::ScramSha1Plus, data, true);
    let client = Client::new(
        ScramHash::Sha1,
        Gs2Flag::Bound(ChannelBindingType::TlsServerEndPoint),
        Some("shared,box"),
        "user",
        "pencil",
    )
    .with_binding(&end_point);
    assert_eq!(run(&mut s, &client, &keys), Ok(()));
    assert_eq!(s.identity().and_then(|i| i.authzid()), Some("shared,box"));
}

#[test]
fn channel_binding_mismatch_is_refused() {
    let keys = keys_for(ScramHash::Sha256, "pencil", b"salt-salt-salt16", 4096);
    let data = || ChannelBindingData::none().with_tls_exporter(&[1; 32]);
    // A man in the middle: the client's TLS channel is not the server's.
    let mut s = server(Mechanism::ScramSha256Plus, data(), true);
    let client = Client::new(
        ScramHash::Sha256,
        Gs2Flag::Bound(ChannelBindingType::TlsExporter),
        None,
        "user",
        "pencil",
    )
    .with_binding(&[2; 32]);
    assert_eq!(
        run(&mut s, &client, &keys),
        Err(Error::ChannelBindingMismatch)
    );
    assert!(s.is_finished());

    // Without channel binding, `c=` must still be the header: an authzid
    // the client dropped from `c=` is refused, even with a good proof.
    let mut s = server(Mechanism::ScramSha256, ChannelBindingData::none(), false);
    let client = Client::new(
        ScramHash::Sha256,
        Gs2Flag::NotSupported,
        Some("admin"),
        "user",
        "pencil",
    );
    s.client_first(&client.first).unwrap();
    let challenge = s.server_first(&keys, SERVER_NONCE).unwrap();
    let (last, _) = client.finish(challenge.as_bytes());
    let tampered =
        String::from_utf8(last)
            .unwrap()
            .replacen(&STANDARD.encode("n,a=admin,"), "biws", 1);
    assert_eq!(
        s.client_final(tampered.as_bytes()).err(),
        Some(Error::ChannelBindingMismatch)
    );
    // A good client with the authzid goes through.
    let mut s = server(Mechanism::ScramSha256, ChannelBindingData::none(), false);
    assert_eq!(run(&mut s, &client, &keys), Ok(()));
}

#[test]
fn downgrade_and_binding_rules() {
    let data = || ChannelBindingData::none().with_tls_exporter(&[1; 32]);
    let policy = MechanismPolicy::new();
    let first = |s: &mut ScramServer, m: &[u8]| s.client_first(m).err();
    // `y` while the server offers -PLUS: a downgrade.
    let mut s = ScramServer::start("SCRAM-SHA-256", &policy, Transport::TLS, data()).unwrap();
    assert_eq!(
        first(&mut s, b"y,,n=user,r=abc"),
        Some(Error::ChannelBindingDowngrade)
    );
    assert!(s.is_finished());
    // `y` when no -PLUS was offered (no data, or the policy disables it): fine.
    let mut s = ScramServer::start(
        "SCRAM-SHA-256",
        &policy,
        Transport::TLS,
        ChannelBindingData::none(),
    )
    .unwrap();
    assert_eq!(first(&mut s, b"y,,n=user,r=abc"), None);
    let no_plus = policy.clone().with_mechanisms(MechanismSet::SCRAM_SHA_256);
    let mut s = ScramServer::start("SCRAM-SHA-256", &no_plus, Transport::TLS, data()).unwrap();
    assert_eq!(first(&mut s, b"y,,n=user,r=abc"), None);
    // `n` with SCRAM-SHA-256 is fine either way.
    let mut s = ScramServer::start("SCRAM-SHA-256", &policy, Transport::TLS, data()).unwrap();
    assert_eq!(first(&mut s, b"n,,n=user,r=abc"), None);
    // `p=` with a mechanism without -PLUS, or a type without data.
    let mut s = ScramServer::start("SCRAM-SHA-256", &policy, Transport::TLS, data()).unwrap();
    assert_eq!(
        first(&mut s, b"p=tls-exporter,,n=user,r=abc"),
        Some(Error::ChannelBindingUnsupported)
    );
    let mut s = server(Mechanism::ScramSha256Plus, data(), true);
    assert_eq!(
        first(&mut s, b"p=tls-server-end-point,,n=user,r=abc"),
        Some(Error::ChannelBindingUnsupported)
    );
    let mut s = server(Mechanism::ScramSha256Plus, data(), true);
    assert_eq!(
        first(&mut s, b"p=tls-unique,,n=user,r=abc"),
        Some(Error::ChannelBindingUnsupported)
    );
    // -PLUS without `p=`.
    for header in [&b"n,,"[..], b"y,,"] {
        let mut s = server(Mechanism::ScramSha256Plus, data(), true);
        let message = [header, b"n=user,r=abc"].concat();
        assert_eq!(first(&mut s, &message), Some(Error::ChannelBindingRequired));
    }
}

#[test]
fn final_message_checks() {
    let keys = keys_for(ScramHash::Sha256, "pencil", b"salt-salt-salt16", 4096);
    let client = Client::new(
        ScramHash::Sha256,
        Gs2Flag::NotSupported,
        None,
        "user",
        "pencil",
    );
    let start = || {
        let mut s = server(Mechanism::ScramSha256, ChannelBindingData::none(), false);
        s.client_first(&client.first).unwrap();
        let challenge = s.server_first(&keys, SERVER_NONCE).unwrap();
        let (last, _) = client.finish(challenge.as_bytes());
        (s, String::from_utf8(last).unwrap())
    };
    let (mut s, last) = start();
    let other_nonce = last.replace(SERVER_NONCE, "servernonce-0123456788");
    assert_eq!(
        s.client_final(other_nonce.as_bytes()).err(),
        Some(Error::NonceMismatch)
    );
    let (mut s, last) = start();
    let (head, _) = last.rsplit_once(",p=").unwrap();
    let short = format!("{head},p={}", STANDARD.encode([0u8; 31]));
    assert_eq!(
        s.client_final(short.as_bytes()).err(),
        Some(Error::BadScramMessage)
    );
    let (mut s, _) = start();
    let not_base64 = format!("{head},p=AAA");
    assert_eq!(
        s.client_final(not_base64.as_bytes()).err(),
        Some(Error::BadScramMessage)
    );
    let (mut s, _) = start();
    let flipped = format!("{head},p={}", STANDARD.encode([0u8; 32]));
    assert_eq!(
        s.client_final(flipped.as_bytes()).err(),
        Some(Error::ProofMismatch)
    );
    assert_eq!(
        s.client_final(last.as_bytes()).err(),
        Some(Error::InvalidState)
    );
    // An extension before the proof is part of the AuthMessage: a client
    // that signed without it fails.
    let (mut s, last) = start();
    let extended = last.replacen(",p=", ",x=ext,p=", 1);
    assert_eq!(
        s.client_final(extended.as_bytes()).err(),
        Some(Error::ProofMismatch)
    );
    // The final answer must be empty.
    let (mut s, last) = start();
    s.client_final(last.as_bytes()).unwrap();
    assert_eq!(s.finish(b"v=x"), Err(Error::TrailingData));
    assert!(s.is_finished());
}

#[test]
fn limits_hold() {
    let mut limits = Limits::default();
    limits.max_steps = 1;
    let keys = keys_for(ScramHash::Sha256, "pencil", b"salt-salt-salt16", 4096);
    let client = Client::new(
        ScramHash::Sha256,
        Gs2Flag::NotSupported,
        None,
        "user",
        "pencil",
    );
    let mut s = ScramServer::new(
        Mechanism::ScramSha256,
        ChannelBindingData::none(),
        false,
        limits,
    )
    .unwrap();
    s.client_first(&client.first).unwrap();
    let challenge = s.server_first(&keys, SERVER_NONCE).unwrap();
    let (last, _) = client.finish(challenge.as_bytes());
    assert_eq!(s.client_final(&last).err(), Some(Error::TooManySteps));

    let mut limits = Limits::default();
    limits.max_exchange_bytes = 20;
    let mut s = ScramServer::new(
        Mechanism::ScramSha256,
        ChannelBindingData::none(),
        false,
        limits,
    )
    .unwrap();
    assert_eq!(
        s.client_first(b"n,,n=user,r=0123456789").err(),
        Some(Error::TooLong {
            field: Field::Exchange,
            limit: 20
        })
    );
    let huge = [&b"n,,n=user,r="[..], &vec![b'x'; 70_000]].concat();
    let mut s = server(Mechanism::ScramSha256, ChannelBindingData::none(), false);
    assert!(matches!(s.client_first(&huge), Err(Error::TooLong { .. })));
}

#[test]
fn usernames_are_unescaped_and_prepared() {
    // `,` and `=` travel escaped; SASLprep maps non-ASCII spaces to a
    // space and drops soft hyphens (RFC 4013 §2.1), then applies NFKC.
    for (sent, seen) in [
        ("a,b=c", "a,b=c"),
        ("joe\u{a0}doe", "joe doe"),
        ("joe\u{2003}doe", "joe doe"),
        ("joe\u{3000}doe", "joe doe"),
        ("jo\u{ad}e", "joe"),
        ("\u{2168}", "IX"),
        ("caf\u{e9}", "caf\u{e9}"),
        ("cafe\u{301}", "caf\u{e9}"),
    ] {
        let mut s = server(Mechanism::ScramSha256, ChannelBindingData::none(), false);
        let client = Client::new(ScramHash::Sha256, Gs2Flag::NotSupported, None, sent, "pw");
        let who = s.client_first(&client.first).unwrap();
        assert_eq!(who.username(), seen, "{sent:?}");
    }
    // Prohibited by SASLprep: a control character, a private-use one.
    for sent in ["a\u{7}b", "a\u{e000}b"] {
        let mut s = server(Mechanism::ScramSha256, ChannelBindingData::none(), false);
        let client = Client::new(ScramHash::Sha256, Gs2Flag::NotSupported, None, sent, "pw");
        assert_eq!(
            s.client_first(&client.first).err(),
            Some(Error::BadUsername)
        );
    }
}

#[test]
fn nothing_secret_in_debug() {
    let keys = ScramKeys::new(ScramHash::Sha256, 4096, b"salt", &[0xab; 32], &[0xcd; 32]).unwrap();
    let client = Client::new(
        ScramHash::Sha256,
        Gs2Flag::NotSupported,
        None,
        "user",
        "pencil",
    );
    let data = ChannelBindingData::none().with_tls_exporter(&[0xef; 32]);
    let mut s = server(Mechanism::ScramSha256, data, true);
    s.client_first(&client.first).unwrap();
    let challenge = s.server_first(&keys, SERVER_NONCE).unwrap();
    let (last, _) = client.finish(challenge.as_bytes());
    let proof = String::from_utf8(last.clone()).unwrap();
    let (_, proof) = proof.rsplit_once("p=").unwrap();
    let _ = s.client_final(&last);
    let debug = format!(
        "{s:?} {keys:?} {:?} {:?}",
        ScramKeys::dummy(ScramHash::Sha1, 1, "u", &ScramDummyKey::new([1; 32])),
        ScramDummyKey::new([0x77; 32])
    );
    for secret in [
        "171", "205", "ab", "AB", "ef", "239", "119", "77", proof, "pencil", "[1,",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
}

#[test]
fn server_nonces_from_random_bytes() {
    let nonce = nonce_from_random(&[0; 18]);
    assert_eq!(nonce.len(), 24);
    let mut s = server(Mechanism::ScramSha256, ChannelBindingData::none(), false);
    s.client_first(b"n,,n=u,r=c").unwrap();
    let keys = ScramKeys::new(ScramHash::Sha256, 1, b"s", &[0; 32], &[0; 32]).unwrap();
    assert!(s.server_first(&keys, &nonce).is_ok());
}

/// A SASLprep-stable user name: printable ASCII (with `,` and `=`).
fn username() -> impl Strategy<Value = String> {
    "[ -~]{1,40}"
}

/// A nonce: printable ASCII without `,`.
fn nonce() -> impl Strategy<Value = String> {
    "[!-+\\--~]{1,64}"
}

fn flag() -> impl Strategy<Value = Gs2Flag> {
    prop_oneof![
        Just(Gs2Flag::NotSupported),
        Just(Gs2Flag::ServerNotSupported),
        Just(Gs2Flag::Bound(ChannelBindingType::TlsExporter)),
        Just(Gs2Flag::Bound(ChannelBindingType::TlsServerEndPoint)),
    ]
}

proptest! {
    #[test]
    fn client_first_round_trips(
        flag in flag(),
        authzid in proptest::option::of("[^\u{0}]{1,40}"),
        user in username(),
        nonce in nonce(),
    ) {
        let message = ClientFirstMessage::new(flag, authzid.as_deref(), &user, &nonce);
        let mut wire = Vec::new();
        message.encode(&mut wire);
        let decoded = ClientFirstMessage::decode(&wire, &Limits::default()).unwrap();
        prop_assert_eq!(&decoded, &message);
        prop_assert_eq!(decoded.username(), user.as_str());
        prop_assert_eq!(decoded.authzid(), authzid.as_deref());
        let mut again = Vec::new();
        decoded.encode(&mut again);
        prop_assert_eq!(again, wire);
    }

    #[test]
    fn scram_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let limits = Limits::default();
        let _ = ClientFirstMessage::decode(&bytes, &limits);
        let _ = ClientFinalMessage::decode(&bytes, &limits);
        let mut s = server(Mechanism::ScramSha256Plus, ChannelBindingData::none().with_tls_exporter(&[1; 32]), true);
        let _ = s.client_first(&bytes);
    }

    #[test]
    fn mutated_exchanges_never_panic(
        prefix in proptest::collection::vec(any::<u8>(), 0..40),
        tail in proptest::collection::vec(any::<u8>(), 0..80),
        cut in any::<prop::sample::Index>(),
    ) {
        let keys = ScramKeys::new(ScramHash::Sha1, 1, b"s", &[0; 20], &[0; 20]).unwrap();
        let mut s = server(Mechanism::ScramSha1, ChannelBindingData::none(), false);
        let first = [&b"n,,n=user,r="[..], &prefix].concat();
        if s.client_first(&first).is_ok() {
            s.server_first(&keys, SERVER_NONCE).unwrap();
            let last = b"c=biws,r=x,p=AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
            let at = cut.index(last.len() + 1);
            let message = [&last[..at], &tail].concat();
            prop_assert!(s.client_final(&message).is_err());
            prop_assert!(s.is_finished());
        }
    }

    #[test]
    fn any_user_and_password_complete_an_exchange(
        user in username(),
        password in "[^\u{0}]{0,20}",
        sha1 in any::<bool>(),
        salt in proptest::collection::vec(any::<u8>(), 1..32),
    ) {
        let hash = if sha1 { ScramHash::Sha1 } else { ScramHash::Sha256 };
        let keys = keys_for(hash, &password, &salt, 1);
        let mut s = server(hash.mechanism(false), ChannelBindingData::none(), false);
        let client = Client::new(hash, Gs2Flag::NotSupported, None, &user, &password);
        prop_assert_eq!(run(&mut s, &client, &keys), Ok(()));
        let wrong = Client::new(hash, Gs2Flag::NotSupported, None, &user, &format!("{password}x"));
        let mut s = server(hash.mechanism(false), ChannelBindingData::none(), false);
        prop_assert_eq!(run(&mut s, &wrong, &keys), Err(Error::ProofMismatch));
    }
}

#[test]
fn nonce_limit_constant_is_enforced_both_ways() {
    let long = "x".repeat(MAX_NONCE_LEN + 1);
    let mut s = server(Mechanism::ScramSha256, ChannelBindingData::none(), false);
    s.client_first(b"n,,n=u,r=c").unwrap();
    let keys = ScramKeys::new(ScramHash::Sha256, 1, b"s", &[0; 32], &[0; 32]).unwrap();
    assert_eq!(
        s.server_first(&keys, &long).err(),
        Some(Error::BadServerNonce)
    );
}
