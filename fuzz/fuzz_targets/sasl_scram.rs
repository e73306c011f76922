//! A whole SCRAM server exchange (`ScramServer`) driven by fuzzer input,
//! against the fixed credential of the RFC examples (password "pencil").
//!
//! Byte 0 picks the set-up: bits 0–1 the mechanism (SCRAM-SHA-256, its
//! -PLUS, SCRAM-SHA-1, its -PLUS), bit 2 `tls-exporter` data, bit 3
//! `tls-server-end-point` data, bit 4 whether -PLUS was offered, bit 5
//! dummy keys (an unknown user) instead of the account's, bit 6 an honest
//! client: the harness itself answers the server-first message with the
//! right password, binding to the channel it sees, which is the server's
//! unless bit 7 is set. Byte 1 is the length of the client-first message
//! that follows; the rest is the client-final message (or, for an honest
//! client, its answer to the `v=` challenge).
//!
//! Checked besides "no panic": an error always ends the exchange; the
//! server-first message echoes the client nonce; a dummy never verifies;
//! an honest client on the server's channel with the account's keys always
//! verifies and gets the right `v=`; on another channel it gets
//! `ChannelBindingMismatch`; with the dummy, `ProofMismatch`; the last step
//! accepts exactly the empty answer.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::fuzz_target;
use portcullis_sasl::scram::{
    ChannelBindingData, ClientFirstMessage, Gs2Flag, ScramDummyKey, ScramHash, ScramKeys,
    ScramServer,
};
use portcullis_sasl::{Error, Limits, Mechanism};
use sha2::Sha256;

const MECHANISMS: [Mechanism; 4] = [
    Mechanism::ScramSha256,
    Mechanism::ScramSha256Plus,
    Mechanism::ScramSha1,
    Mechanism::ScramSha1Plus,
];

const EXPORTER: [u8; 32] = [0x5a; 32];
const END_POINT: [u8; 32] = [0xc3; 32];
const SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

/// (salt, StoredKey, ServerKey, ClientKey) of "pencil", 4,096 iterations:
/// RFC 7677's salt for SHA-256, RFC 5802's for SHA-1.
fn credential(hash: ScramHash) -> [&'static str; 4] {
    match hash {
        ScramHash::Sha1 => [
            "QSXCR+Q6sek8bf92",
            "6dlGYMOdZcOPutkcNY8U2g7vK9Y=",
            "D+CSWLOshSulAsxiupA+qs2/fTE=",
            "4jTEe/bDZpbdbYUrmaqiuiZVVyg=",
        ],
        _ => [
            "W22ZaJ0SNY7soEsUEjb6gQ==",
            "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=",
            "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
            "pg/JI9Z+hkSpLRa5btpe9GVrDHJcSEN0viVTVXaZbos=",
        ],
    }
}

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

fuzz_target!(|data: &[u8]| {
    let [flags, first_len, rest @ ..] = data else {
        return;
    };
    let (client_first, rest) = rest.split_at(usize::from(*first_len).min(rest.len()));
    let mechanism = MECHANISMS[usize::from(flags & 3)];
    let hash = mechanism.scram_hash().unwrap();
    let mut binding = ChannelBindingData::none();
    if flags & 4 != 0 {
        binding = binding.with_tls_exporter(&EXPORTER);
    }
    if flags & 8 != 0 {
        binding = binding.with_tls_server_end_point(&END_POINT);
    }
    let plus_offered = flags & 16 != 0;
    let dummy = flags & 32 != 0;
    let honest = flags & 64 != 0;
    let other_channel = flags & 128 != 0;

    let Ok(mut server) =
        ScramServer::new(mechanism, binding.clone(), plus_offered, Limits::default())
    else {
        assert!(mechanism.is_channel_bound() && binding.is_empty());
        return;
    };
    let identity = match server.client_first(client_first) {
        Ok(identity) => identity,
        Err(_) => {
            assert!(server.is_finished());
            return;
        }
    };
    assert!(!identity.username().is_empty());
    assert!(!server.is_finished());

    let [salt, stored_key, server_key, client_key] = credential(hash);
    let keys = if dummy {
        ScramKeys::dummy(
            hash,
            4096,
            identity.username(),
            &ScramDummyKey::new([1; 32]),
        )
    } else {
        ScramKeys::new(hash, 4096, &b64(salt), &b64(stored_key), &b64(server_key)).unwrap()
    };
    let server_first = server.server_first(&keys, SERVER_NONCE).unwrap();
    let server_first = server_first.as_bytes().to_vec();
    let parsed = ClientFirstMessage::decode(client_first, &Limits::default()).unwrap();
    let combined = format!("{}{SERVER_NONCE}", parsed.nonce());
    assert!(server_first.starts_with(format!("r={combined},s=").as_bytes()));

    if !honest {
        let result = server.client_final(rest);
        assert!(!(dummy && result.is_ok()));
        if result.is_err() {
            assert!(server.is_finished());
        }
        return;
    }

    // The honest client.
    let (header, bare) = client_first.split_at(parsed.gs2_header_len());
    let mut cbind = header.to_vec();
    if let Gs2Flag::Bound(kind) = parsed.flag() {
        let mut seen = binding.get(kind).unwrap().to_vec();
        if other_channel {
            seen[0] ^= 1;
        }
        cbind.extend_from_slice(&seen);
    }
    let without_proof = format!("c={},r={combined}", STANDARD.encode(&cbind));
    let auth_message = [bare, b",", &server_first, b",", without_proof.as_bytes()].concat();
    let signature = hmac(hash, &b64(stored_key), &auth_message);
    let proof: Vec<u8> = b64(client_key)
        .iter()
        .zip(&signature)
        .map(|(k, s)| k ^ s)
        .collect();
    let client_final = format!("{without_proof},p={}", STANDARD.encode(proof));
    let result = server.client_final(client_final.as_bytes());
    let bound = matches!(parsed.flag(), Gs2Flag::Bound(_));
    match result {
        Ok(verified) => {
            assert!(!dummy && !(bound && other_channel));
            let expected = hmac(hash, &b64(server_key), &auth_message);
            let expected = format!("v={}", STANDARD.encode(expected));
            assert_eq!(verified.server_final().as_bytes(), expected.as_bytes());
            assert!(!server.is_finished());
            let finished = server.finish(rest);
            assert_eq!(finished.is_ok(), rest.is_empty());
            assert!(server.is_finished());
        }
        Err(Error::ChannelBindingMismatch) => assert!(bound && other_channel),
        Err(Error::ProofMismatch) => assert!(dummy),
        Err(other) => panic!("honest client refused: {other:?}"),
    }
});
