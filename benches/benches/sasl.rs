//! SASL decoding: `portcullis-sasl` against **rsasl 2.3** (a server session
//! whose validation callback reads the same fields) and a **naive** split
//! (NUL or 0x01 separators plus a UTF-8 check), in the same run. OAUTHBEARER
//! has a second naive peer, `naive_str_split` (one UTF-8 check of the whole
//! message, then `str::split`), reported on its own line.
//!
//! `sasl_scram_sha256_exchange`: one complete server-side SCRAM-SHA-256
//! exchange (client-first → server-first → client-final → proof check and
//! server-final → the client's empty ack, where the server has that step),
//! `portcullis_sasl::scram::ScramServer` against rsasl 2.3's SCRAM server
//! session, both given the same stored keys (salt, `i=4096`, `StoredKey`,
//! `ServerKey`) by a lookup on the user name. Neither server runs PBKDF2:
//! a SCRAM server only checks the proof with `StoredKey` (HMAC, H) and signs
//! with `ServerKey` (HMAC); the 4,096 iterations are the client's to pay.
//! rsasl draws its own server nonce, so the client-final message can only
//! be made inside the timed loop: both servers talk to the same small
//! client ([`ScramClient`]), whose PBKDF2 runs once before any timing, so
//! each iteration costs the client two HMACs, the proof XOR, base64 and the
//! server-signature check, the same for both. Each exchange starts a new
//! server session (portcullis: `ScramServer::start` with the policy check;
//! rsasl: `SASLServer::start_suggested`, which also draws a 24-character
//! nonce from `thread_rng`); portcullis is given a fixed server nonce.
//! `client_only` times the client's work alone, and
//! `portcullis_server_only` times portcullis' server with the client's
//! messages made once, before timing (possible only with the fixed nonce).
//!
//! ```sh
//! cargo bench -p portcullis-benches --bench sasl -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, criterion_group, criterion_main};
use pbkdf2::hmac::{Hmac, KeyInit, Mac};
use pbkdf2::sha2::{Digest, Sha256};
use portcullis_sasl::framing::imap;
use portcullis_sasl::oauthbearer::OAuthBearerMessage;
use portcullis_sasl::plain::PlainMessage;
use portcullis_sasl::scram::{ChannelBindingData, ScramHash, ScramKeys, ScramServer};
use portcullis_sasl::{Limits, MechanismPolicy, ServerExchange, Step, Transport};
use rsasl::callback::{Context, Request, SessionCallback, SessionData};
use rsasl::mechanisms::oauthbearer::properties::OAuthBearerValidate;
use rsasl::mechanisms::scram::properties::ScramStoredPassword;
use rsasl::mechname::Mechname;
use rsasl::prelude::{SASLConfig, SASLServer, SessionError, State};
use rsasl::property::{AuthId, AuthzId, OAuthBearerKV, OAuthBearerToken, Password};
use rsasl::validate::{Validate, Validation, ValidationError};

const PLAIN: &[u8] = b"\0alice@example.org\0correct horse battery staple";

fn oauthbearer_message() -> Vec<u8> {
    let token = "A".repeat(200);
    format!(
        "n,a=alice@example.org,\x01host=imap.example.org\x01port=993\x01auth=Bearer {token}\x01\x01"
    )
    .into_bytes()
}

// --- the naive peer -------------------------------------------------------

fn naive_plain(msg: &[u8]) -> Option<(&str, &str, &str)> {
    let mut parts = msg.split(|&b| b == 0);
    let authzid = std::str::from_utf8(parts.next()?).ok()?;
    let authcid = std::str::from_utf8(parts.next()?).ok()?;
    let password = std::str::from_utf8(parts.next()?).ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((authzid, authcid, password))
}

fn naive_oauthbearer(msg: &[u8]) -> Option<(&str, &str)> {
    let mut parts = msg.split(|&b| b == 1);
    let gs2 = std::str::from_utf8(parts.next()?).ok()?;
    let mut token = None;
    for part in parts {
        let part = std::str::from_utf8(part).ok()?;
        if let Some(t) = part.strip_prefix("auth=Bearer ") {
            token = Some(t);
        }
    }
    Some((gs2, token?))
}

/// A second naive peer for OAUTHBEARER, as idiomatic Rust might first write
/// it: one UTF-8 check of the whole message, then `str::split` on 0x01
/// (which searches with the standard library's word-at-a-time `memchr`
/// instead of testing byte by byte).
fn naive_str_split_oauthbearer(msg: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(msg).ok()?;
    let mut parts = text.split('\u{1}');
    let gs2 = parts.next()?;
    let mut token = None;
    for part in parts {
        if let Some(t) = part.strip_prefix("auth=Bearer ") {
            token = Some(t);
        }
    }
    Some((gs2, token?))
}

// --- the rsasl peer -------------------------------------------------------

struct Fields;
impl Validation for Fields {
    type Value = usize;
}

struct Callback;

impl SessionCallback for Callback {
    fn callback(
        &self,
        _: &SessionData,
        _: &Context<'_>,
        request: &mut Request<'_>,
    ) -> Result<(), SessionError> {
        if request.is::<OAuthBearerValidate>() {
            request.satisfy::<OAuthBearerValidate>(&Ok(()))?;
        }
        Ok(())
    }

    fn validate(
        &self,
        session: &SessionData,
        context: &Context<'_>,
        validate: &mut Validate<'_>,
    ) -> Result<(), ValidationError> {
        // The same work portcullis does: hand over every field, host and port typed.
        let mechanism = session.mechanism().mechanism.as_str();
        validate.with::<Fields, _>(|| {
            let authzid = context.get_ref::<AuthzId>().map_or(0, str::len);
            Ok(if mechanism == "PLAIN" {
                let authcid = context.get_ref::<AuthId>().map_or(0, str::len);
                let password = context.get_ref::<Password>().map_or(0, <[u8]>::len);
                authzid + authcid + password
            } else {
                let token = context.get_ref::<OAuthBearerToken>().map_or(0, str::len);
                let mut extra = 0;
                for (k, v) in context.get_ref::<OAuthBearerKV>().unwrap_or_default() {
                    match *k {
                        "host" => extra += v.len(),
                        "port" => extra += usize::from(v.parse::<u16>().unwrap_or(0)),
                        _ => {}
                    }
                }
                authzid + token + extra
            })
        })?;
        Ok(())
    }
}

fn rsasl_config() -> Arc<SASLConfig> {
    SASLConfig::builder()
        .with_defaults()
        .with_callback(Callback)
        .unwrap()
}

fn rsasl_step(config: &Arc<SASLConfig>, mech: &Mechname, msg: &[u8]) -> Option<usize> {
    let mut session = SASLServer::<Fields>::new(config.clone())
        .start_suggested(mech)
        .unwrap();
    let mut out = Cursor::new(Vec::new());
    session.step(Some(msg), &mut out).ok()?;
    session.validation()
}

// --- interleaved ratios ---------------------------------------------------

/// Median over `rounds` of (time of `batch` calls of `peer`) ÷ (time of
/// `batch` calls of `ours`), the two alternating within each round so that
/// load changes on a shared machine hit both sides alike.
fn interleaved(rounds: usize, batch: u32, mut ours: impl FnMut(), mut peer: impl FnMut()) -> f64 {
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..batch {
            f();
        }
        start.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let t_ours = time(&mut ours);
                time(&mut peer) / t_ours
            } else {
                let t_peer = time(&mut peer);
                t_peer / time(&mut ours)
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn report(group: &str, peer: &str, ratio: f64) {
    eprintln!("{group}: {peer} / portcullis = {ratio:.3} (median of 101 interleaved rounds)");
}

// --- groups ---------------------------------------------------------------

fn plain(c: &mut Criterion) {
    let limits = Limits::default();
    let config = rsasl_config();
    let mech = Mechname::parse(b"PLAIN").unwrap();
    assert!(PlainMessage::decode(PLAIN, &limits).is_ok());
    assert!(naive_plain(PLAIN).is_some());
    assert_eq!(rsasl_step(&config, mech, PLAIN), Some(PLAIN.len() - 2));
    let ours = || {
        black_box(
            PlainMessage::decode(black_box(PLAIN), &limits)
                .map(|m| m.authcid().len())
                .ok(),
        );
    };
    let naive = || {
        black_box(naive_plain(black_box(PLAIN)).map(|m| m.1.len()));
    };
    let peer = || {
        black_box(rsasl_step(&config, mech, black_box(PLAIN)));
    };
    report(
        "sasl_plain_decode",
        "naive_split",
        interleaved(101, 2000, ours, naive),
    );
    report(
        "sasl_plain_decode",
        "rsasl",
        interleaved(101, 500, ours, peer),
    );
    let mut g = c.benchmark_group("sasl_plain_decode");
    g.bench_function("portcullis", |b| {
        b.iter(|| PlainMessage::decode(black_box(PLAIN), &limits).map(|m| m.authcid().len()))
    });
    g.bench_function("naive_split", |b| {
        b.iter(|| naive_plain(black_box(PLAIN)).map(|m| m.1.len()))
    });
    g.bench_function("rsasl", |b| {
        b.iter(|| rsasl_step(&config, mech, black_box(PLAIN)))
    });
    g.finish();
}

fn oauthbearer(c: &mut Criterion) {
    let limits = Limits::default();
    let config = rsasl_config();
    let mech = Mechname::parse(b"OAUTHBEARER").unwrap();
    let msg = oauthbearer_message();
    assert_eq!(
        OAuthBearerMessage::decode(&msg, &limits)
            .unwrap()
            .token()
            .len(),
        200
    );
    assert!(naive_oauthbearer(&msg).is_some());
    assert_eq!(naive_str_split_oauthbearer(&msg), naive_oauthbearer(&msg));
    assert!(rsasl_step(&config, mech, &msg).is_some());
    let ours = || {
        black_box(
            OAuthBearerMessage::decode(black_box(&msg), &limits)
                .map(|m| m.token().len())
                .ok(),
        );
    };
    let naive = || {
        black_box(naive_oauthbearer(black_box(&msg)).map(|m| m.1.len()));
    };
    let naive_str = || {
        black_box(naive_str_split_oauthbearer(black_box(&msg)).map(|m| m.1.len()));
    };
    let peer = || {
        black_box(rsasl_step(&config, mech, black_box(&msg)));
    };
    let group = "sasl_oauthbearer_decode_200b_token";
    report(group, "naive_split", interleaved(101, 1000, ours, naive));
    report(
        group,
        "naive_str_split",
        interleaved(101, 1000, ours, naive_str),
    );
    report(group, "rsasl", interleaved(101, 500, ours, peer));
    let mut g = c.benchmark_group(group);
    g.bench_function("portcullis", |b| {
        b.iter(|| OAuthBearerMessage::decode(black_box(&msg), &limits).map(|m| m.token().len()))
    });
    g.bench_function("naive_split", |b| {
        b.iter(|| naive_oauthbearer(black_box(&msg)).map(|m| m.1.len()))
    });
    g.bench_function("naive_str_split", |b| {
        b.iter(|| naive_str_split_oauthbearer(black_box(&msg)).map(|m| m.1.len()))
    });
    g.bench_function("rsasl", |b| {
        b.iter(|| rsasl_step(&config, mech, black_box(&msg)))
    });
    g.finish();
}

fn imap_line(c: &mut Criterion) {
    let policy = MechanismPolicy::new();
    let limits = *policy.limits();
    let config = rsasl_config();
    let plain = Mechname::parse(b"PLAIN").unwrap();
    let line = format!("a001 AUTHENTICATE PLAIN {}\r\n", STANDARD.encode(PLAIN)).into_bytes();
    let mut buf = Vec::with_capacity(256);
    let mut buf2 = Vec::with_capacity(256);
    let mut borrowed = || {
        let cmd = imap::parse_authenticate(black_box(&line), &limits).unwrap();
        let data = cmd.decode_initial(&limits, &mut buf).unwrap().unwrap();
        black_box(
            PlainMessage::decode(data, &limits)
                .map(|m| m.authcid().len())
                .ok(),
        );
    };
    let mut owned = || {
        let cmd = imap::parse_authenticate(black_box(&line), &limits).unwrap();
        let data = cmd.decode_initial(&limits, &mut buf2).unwrap();
        let (_, step) =
            ServerExchange::start(cmd.mechanism(), data, &policy, Transport::TLS).unwrap();
        black_box(matches!(step, Step::Done(_)));
    };
    let mut naive = || {
        let line = black_box(&line[..]);
        let line = line.strip_suffix(b"\r\n").unwrap_or(line);
        let mut words = line.split(|&b| b == b' ');
        let (_tag, _cmd, _mech) = (words.next(), words.next(), words.next());
        let decoded = STANDARD.decode(words.next().unwrap()).unwrap();
        black_box(naive_plain(&decoded).map(|m| m.1.len()));
    };
    let mut peer = || {
        let line = black_box(&line[..]);
        let line = line.strip_suffix(b"\r\n").unwrap_or(line);
        let mut words = line.split(|&b| b == b' ');
        let (_tag, _cmd, name) = (words.next(), words.next(), words.next().unwrap());
        let decoded = STANDARD.decode(words.next().unwrap()).unwrap();
        let mech = Mechname::parse(name).unwrap_or(plain);
        black_box(rsasl_step(&config, mech, &decoded));
    };
    let group = "sasl_imap_authenticate_plain_line";
    report(
        group,
        "naive_split",
        interleaved(101, 1000, &mut borrowed, &mut naive),
    );
    report(
        group,
        "rsasl",
        interleaved(101, 500, &mut borrowed, &mut peer),
    );
    report(
        &format!("{group} (owned exchange)"),
        "naive_split",
        interleaved(101, 1000, &mut owned, &mut naive),
    );
    report(
        &format!("{group} (owned exchange)"),
        "rsasl",
        interleaved(101, 500, &mut owned, &mut peer),
    );
    let mut g = c.benchmark_group(group);
    g.bench_function("portcullis_borrowed", |b| b.iter(&mut borrowed));
    g.bench_function("portcullis_exchange_owned", |b| b.iter(&mut owned));
    g.bench_function("naive_split", |b| b.iter(&mut naive));
    g.bench_function("rsasl", |b| b.iter(&mut peer));
    g.finish();
}

// --- SCRAM-SHA-256 ----------------------------------------------------------

const SCRAM_USER: &str = "alice@example.org";
const SCRAM_PASSWORD: &[u8] = b"correct horse battery staple";
const SCRAM_SALT: &[u8] = b"sixteen byte slt";
/// The same on both sides: it is only sent (`i=`); the client pays it, once.
const SCRAM_ITERATIONS: u32 = 4096;
/// 24 printable characters, the length of rsasl's nonces.
const CLIENT_NONCE: &str = "fyko+d2lbbFgONRv9qkxdawL";
/// portcullis takes the server nonce as an argument; a host draws it with
/// `nonce_from_random` of 18 random bytes (24 characters, like rsasl's).
const SERVER_NONCE: &str = "3rfcNHYJY1ZVvWVs7j3rfcNH";

type HmacSha256 = Hmac<Sha256>;

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// A minimal SCRAM-SHA-256 client (RFC 5802 §3, RFC 7677), the same for
/// both servers. `SaltedPassword` (PBKDF2, 4,096 iterations) and the keys
/// derived from it are computed once in [`ScramClient::new`], as a client
/// that caches them would: the timed loop measures the servers, not PBKDF2.
struct ScramClient {
    client_key: [u8; 32],
    stored_key: [u8; 32],
    server_key: [u8; 32],
    client_first: Vec<u8>,
}

impl ScramClient {
    fn new() -> Self {
        let mut salted = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(SCRAM_PASSWORD, SCRAM_SALT, SCRAM_ITERATIONS, &mut salted);
        let client_key = hmac_sha256(&salted, &[b"Client Key"]);
        ScramClient {
            client_key,
            stored_key: Sha256::digest(client_key).into(),
            server_key: hmac_sha256(&salted, &[b"Server Key"]),
            client_first: format!("n,,n={SCRAM_USER},r={CLIENT_NONCE}").into_bytes(),
        }
    }

    /// The client-first message without its gs2 header (`n,,`).
    fn bare(&self) -> &[u8] {
        &self.client_first[3..]
    }

    /// The client-final message for this server-first message, and the
    /// server-final message (`v=…`) the client will accept.
    fn client_final(&self, server_first: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let nonce = server_first.strip_prefix(b"r=")?;
        let nonce = &nonce[..nonce.iter().position(|&b| b == b',')?];
        if !nonce.starts_with(CLIENT_NONCE.as_bytes()) || nonce.len() == CLIENT_NONCE.len() {
            return None;
        }
        let mut message = Vec::with_capacity(128);
        message.extend_from_slice(b"c=biws,r=");
        message.extend_from_slice(nonce);
        let auth_message: [&[u8]; 5] = [self.bare(), b",", server_first, b",", &message];
        let signature = hmac_sha256(&self.stored_key, &auth_message);
        let proof: Vec<u8> = self
            .client_key
            .iter()
            .zip(signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let mut server_final = b"v=".to_vec();
        server_final.extend_from_slice(
            STANDARD
                .encode(hmac_sha256(&self.server_key, &auth_message))
                .as_bytes(),
        );
        message.extend_from_slice(b",p=");
        message.extend_from_slice(STANDARD.encode(proof).as_bytes());
        Some((message, server_final))
    }
}

/// What the directory holds for [`SCRAM_USER`]: the keys without the
/// client's secrets.
fn scram_keys(client: &ScramClient) -> ScramKeys {
    ScramKeys::new(
        ScramHash::Sha256,
        SCRAM_ITERATIONS,
        SCRAM_SALT,
        &client.stored_key,
        &client.server_key,
    )
    .unwrap()
}

/// portcullis: one exchange, the client's final message made by `client`
/// from the server-first message. Returns the length of the user name the
/// server verified, like rsasl's validation below.
fn portcullis_scram(
    policy: &MechanismPolicy,
    keys: &ScramKeys,
    client_first: &[u8],
    client: impl FnOnce(&[u8]) -> Option<(Vec<u8>, Vec<u8>)>,
) -> Option<usize> {
    let mut server = ScramServer::start(
        "SCRAM-SHA-256",
        policy,
        Transport::TLS,
        ChannelBindingData::none(),
    )
    .ok()?;
    let who = server.client_first(client_first).ok()?;
    // The directory lookup: the keys of this name (no other account here).
    if who.username() != SCRAM_USER {
        return None;
    }
    let server_first = server.server_first(keys, SERVER_NONCE).ok()?;
    let (client_final, expected) = client(server_first.as_bytes())?;
    let verified = server.client_final(&client_final).ok()?;
    if verified.server_final().as_bytes() != expected {
        return None;
    }
    server.finish(b"").ok()?;
    Some(who.username().len())
}

/// rsasl's server: `ScramStoredPassword` (the same salt, iteration count
/// and keys) for the one known name, and a validation that reads the name.
struct ScramCallback {
    stored_key: [u8; 32],
    server_key: [u8; 32],
}

impl SessionCallback for ScramCallback {
    fn callback(
        &self,
        _: &SessionData,
        context: &Context<'_>,
        request: &mut Request<'_>,
    ) -> Result<(), SessionError> {
        if request.is::<ScramStoredPassword>() && context.get_ref::<AuthId>() == Some(SCRAM_USER) {
            request.satisfy::<ScramStoredPassword>(&ScramStoredPassword::new(
                SCRAM_ITERATIONS,
                SCRAM_SALT,
                &self.stored_key,
                &self.server_key,
            ))?;
        }
        Ok(())
    }

    fn validate(
        &self,
        _: &SessionData,
        context: &Context<'_>,
        validate: &mut Validate<'_>,
    ) -> Result<(), ValidationError> {
        validate.with::<Fields, _>(|| Ok(context.get_ref::<AuthId>().map_or(0, str::len)))?;
        Ok(())
    }
}

fn rsasl_scram_config(client: &ScramClient) -> Arc<SASLConfig> {
    SASLConfig::builder()
        .with_defaults()
        .with_callback(ScramCallback {
            stored_key: client.stored_key,
            server_key: client.server_key,
        })
        .unwrap()
}

/// rsasl: one exchange with the same client.
fn rsasl_scram(config: &Arc<SASLConfig>, mech: &Mechname, client: &ScramClient) -> Option<usize> {
    let mut session = SASLServer::<Fields>::new(config.clone())
        .start_suggested(mech)
        .ok()?;
    let mut server_first = Vec::with_capacity(128);
    if session
        .step(Some(&client.client_first), &mut server_first)
        .ok()?
        != State::Running
    {
        return None;
    }
    let (client_final, expected) = client.client_final(&server_first)?;
    let mut server_final = Vec::with_capacity(64);
    session.step(Some(&client_final), &mut server_final).ok()?;
    if server_final != expected {
        return None;
    }
    session.validation()
}

fn scram_sha256(c: &mut Criterion) {
    let client = ScramClient::new();
    let keys = scram_keys(&client);
    // The keys are those `portcullis hash --scheme scram-sha-256` stores.
    let credential = portcullis_credentials::ScramCredential::derive(
        SCRAM_PASSWORD,
        SCRAM_SALT,
        SCRAM_ITERATIONS,
        portcullis_credentials::ScramHash::Sha256,
    )
    .unwrap();
    assert_eq!(credential.stored_key(), client.stored_key);
    assert_eq!(credential.server_key(), client.server_key);
    let policy = MechanismPolicy::new();
    let config = rsasl_scram_config(&client);
    let mech = Mechname::parse(b"SCRAM-SHA-256").unwrap();

    // The server-only variant: the server nonce is fixed, so the client's
    // messages can be made once.
    let server_first = format!(
        "r={CLIENT_NONCE}{SERVER_NONCE},s={},i={SCRAM_ITERATIONS}",
        STANDARD.encode(SCRAM_SALT)
    );
    let (fixed_final, fixed_server_final) = client.client_final(server_first.as_bytes()).unwrap();
    let fixed = |sent: &[u8]| {
        assert_eq!(sent, server_first.as_bytes());
        Some((fixed_final.clone(), fixed_server_final.clone()))
    };
    let len = Some(SCRAM_USER.len());
    let first = &client.client_first;
    assert_eq!(portcullis_scram(&policy, &keys, first, fixed), len);
    let live = |m: &[u8]| client.client_final(m);
    assert_eq!(portcullis_scram(&policy, &keys, first, live), len);
    assert_eq!(rsasl_scram(&config, mech, &client), len);
    // A wrong password fails on both.
    let mut wrong = ScramClient::new();
    wrong.client_key[0] ^= 1;
    let wrong_live = |m: &[u8]| wrong.client_final(m);
    assert_eq!(
        portcullis_scram(&policy, &keys, &wrong.client_first, wrong_live),
        None
    );
    assert_eq!(rsasl_scram(&config, mech, &wrong), None);

    let server_only = || {
        // The stand-in client clones its two prepared messages (~100 bytes).
        let fixed = |_: &[u8]| Some((fixed_final.clone(), fixed_server_final.clone()));
        black_box(portcullis_scram(&policy, &keys, black_box(first), fixed));
    };
    let ours = || {
        black_box(portcullis_scram(&policy, &keys, black_box(first), live));
    };
    let peer = || {
        black_box(rsasl_scram(&config, mech, black_box(&client)));
    };
    let client_only = || {
        black_box(client.client_final(black_box(server_first.as_bytes())));
    };
    let group = "sasl_scram_sha256_exchange";
    report(group, "rsasl", interleaved(101, 200, ours, peer));
    // The client's share of `ours`: the servers' own ratio is
    // (rsasl - client) / (portcullis - client).
    report(
        group,
        "client_only",
        interleaved(101, 200, ours, client_only),
    );
    let mut g = c.benchmark_group(group);
    g.bench_function("portcullis", |b| b.iter(ours));
    g.bench_function("rsasl", |b| b.iter(peer));
    g.bench_function("portcullis_server_only", |b| b.iter(server_only));
    g.bench_function("client_only", |b| b.iter(client_only));
    g.finish();
}

criterion_group!(benches, plain, oauthbearer, imap_line, scram_sha256);
criterion_main!(benches);
