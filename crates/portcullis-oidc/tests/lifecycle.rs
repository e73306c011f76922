//! Live key-store lifecycle against a real HTTP IdP on 127.0.0.1 that serves
//! discovery and JWKS and can rotate keys, go down, return garbage and answer
//! slowly. Only loopback addresses are used; every wait is bounded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portcullis_oidc::fetch::{FetchConfig, Fetcher};
use portcullis_oidc::{
    KeyStoreConfig, OidcConfig, OidcValidator, ProviderConfig, ProviderId, Refusal,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::support::{data, mint};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Up,
    Unavailable,
    Garbage,
    Slow,
    WrongIssuer,
}

struct IdpState {
    mode: Mode,
    jwks: Vec<u8>,
    discovery_hits: usize,
    jwks_hits: usize,
}

/// A minimal HTTP/1.1 responder: one request per connection.
struct Idp {
    addr: SocketAddr,
    state: Arc<Mutex<IdpState>>,
    task: Option<JoinHandle<()>>,
}

impl Idp {
    fn issuer(addr: SocketAddr) -> String {
        format!("http://{addr}/realms/mail")
    }

    /// Reserves a loopback port without listening on it (the IdP is down).
    async fn reserve() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    }

    async fn start_on(addr: SocketAddr, jwks: &str) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(IdpState {
            mode: Mode::Up,
            jwks: data(jwks),
            discovery_hits: 0,
            jwks_hits: 0,
        }));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let _ignored = serve(stream, addr, shared).await;
                });
            }
        });
        Self {
            addr,
            state,
            task: Some(task),
        }
    }

    async fn start(jwks: &str) -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), jwks).await
    }

    fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }

    fn set_jwks(&self, file: &str) {
        self.state.lock().unwrap().jwks = data(file);
    }

    fn jwks_hits(&self) -> usize {
        self.state.lock().unwrap().jwks_hits
    }

    fn discovery_hits(&self) -> usize {
        self.state.lock().unwrap().discovery_hits
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn serve(
    mut stream: TcpStream,
    addr: SocketAddr,
    state: Arc<Mutex<IdpState>>,
) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0_u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&request);
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let issuer = Idp::issuer(addr);
    let (mode, status, body) = {
        let mut s = state.lock().unwrap();
        let mode = s.mode;
        if path.ends_with("/.well-known/openid-configuration") {
            s.discovery_hits += 1;
            let iss = if mode == Mode::WrongIssuer {
                "http://127.0.0.1:1/elsewhere".to_owned()
            } else {
                issuer.clone()
            };
            let doc = json!({"issuer": iss, "jwks_uri": format!("{issuer}/protocol/openid-connect/certs")});
            (mode, "200 OK", serde_json::to_vec(&doc).unwrap())
        } else if path.ends_with("/certs") {
            s.jwks_hits += 1;
            (mode, "200 OK", s.jwks.clone())
        } else {
            (mode, "404 Not Found", b"{}".to_vec())
        }
    };
    let (status, body) = match mode {
        Mode::Up | Mode::WrongIssuer => (status, body),
        Mode::Unavailable => ("503 Service Unavailable", b"starting".to_vec()),
        Mode::Garbage => ("200 OK", b"<html>not json</html>".to_vec()),
        Mode::Slow => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (status, body)
        }
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    stream.shutdown().await
}

fn key_store() -> KeyStoreConfig {
    let mut k = KeyStoreConfig::default();
    k.backoff_initial_seconds = 1;
    k.backoff_max_seconds = 1;
    k
}

struct Harness {
    validator: Arc<OidcValidator>,
    driver: JoinHandle<()>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

fn start_validator(addr: SocketAddr, key_store: KeyStoreConfig, fetch: FetchConfig) -> Harness {
    let provider = ProviderConfig::new(Idp::issuer(addr))
        .with_audiences(["bulwark"])
        .with_key_store(key_store);
    let validator = Arc::new(OidcValidator::new(OidcConfig::new(vec![provider])).unwrap());
    let fetcher = Arc::new(Fetcher::new(fetch).unwrap());
    let driver = tokio::spawn(fetcher.run(Arc::clone(&validator)));
    Harness { validator, driver }
}

fn fast_fetch() -> FetchConfig {
    FetchConfig::default().with_timeouts(Duration::from_millis(500), Duration::from_millis(500))
}

fn live_claims(addr: SocketAddr) -> Value {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    json!({"iss": Idp::issuer(addr), "sub": "s-1", "aud": "bulwark", "exp": now + 600, "iat": now,
           "preferred_username": "alice"})
}

fn token(kid: &str, addr: SocketAddr) -> String {
    mint(kid, &live_claims(addr))
}

fn validate(h: &Harness, token: &str) -> Result<String, Refusal> {
    h.validator
        .validate(token, OffsetDateTime::now_utc())
        .map(|p| p.username.clone())
}

/// Polls `check` every 20 ms for at most `limit`.
async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}

fn state(h: &Harness) -> &'static str {
    h.validator.readiness()[0].state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boot_with_idp_down_then_recovery() {
    let addr = Idp::reserve().await;
    let h = start_validator(addr, key_store(), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || state(&h) == "degraded").await);
    assert!(!h.validator.is_ready());
    let refusal = validate(&h, &token("rsa-1", addr)).unwrap_err();
    assert_eq!(refusal.kind(), "provider-unavailable");
    assert!(refusal.is_temporary());

    // The IdP comes up: the next backoff retry picks the keys up.
    let idp = Idp::start_on(addr, "jwks.json").await;
    assert!(eventually(Duration::from_secs(10), || h.validator.is_ready()).await);
    assert_eq!(state(&h), "ready");
    assert_eq!(validate(&h, &token("rsa-1", addr)), Ok("alice".to_owned()));
    assert!(idp.discovery_hits() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idp_answering_503_at_boot_is_unavailable() {
    let idp = Idp::start("jwks.json").await;
    idp.set_mode(Mode::Unavailable);
    let h = start_validator(idp.addr, key_store(), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || state(&h) == "degraded").await);
    assert_eq!(
        validate(&h, &token("rsa-1", idp.addr)).unwrap_err().kind(),
        "provider-unavailable"
    );
    idp.set_mode(Mode::Up);
    assert!(eventually(Duration::from_secs(10), || h.validator.is_ready()).await);
    assert_eq!(
        validate(&h, &token("rsa-1", idp.addr)),
        Ok("alice".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_is_honoured() {
    let idp = Idp::start("jwks.json").await;
    let h = start_validator(idp.addr, key_store(), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || h.validator.is_ready()).await);
    let old = token("rsa-1", idp.addr);
    assert_eq!(validate(&h, &old), Ok("alice".to_owned()));
    assert_eq!(h.validator.cached_tokens(), 1);

    // The IdP rotates to rsa-2. The first token with the new kid triggers a
    // refresh; it succeeds once the fetch has landed.
    idp.set_jwks("jwks-rotated.json");
    let new = token("rsa-2", idp.addr);
    assert_eq!(validate(&h, &new).unwrap_err().kind(), "unknown-kid");
    assert!(eventually(Duration::from_secs(5), || validate(&h, &new).is_ok()).await);
    // The rotation cleared the cache; the old key still verifies during its
    // grace period.
    assert_eq!(validate(&h, &old), Ok("alice".to_owned()));
    h.validator
        .with_key_store(ProviderId(0), |s| assert!(s.generation() >= 2))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_without_grace_drops_the_old_key() {
    let idp = Idp::start("jwks.json").await;
    let mut ks = key_store();
    ks.rotation_grace_seconds = 0;
    let h = start_validator(idp.addr, ks, fast_fetch());
    assert!(eventually(Duration::from_secs(5), || h.validator.is_ready()).await);
    let old = token("rsa-1", idp.addr);
    assert!(validate(&h, &old).is_ok());
    idp.set_jwks("jwks-rotated.json");
    h.validator.force_refresh(OffsetDateTime::now_utc());
    assert!(eventually(Duration::from_secs(5), || validate(&h, &old).is_err()).await);
    assert_eq!(validate(&h, &old).unwrap_err().kind(), "unknown-kid");
    assert!(validate(&h, &token("rsa-2", idp.addr)).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_refresh_storm_under_unknown_kid_flood() {
    let idp = Idp::start("jwks.json").await;
    let h = start_validator(idp.addr, key_store(), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || h.validator.is_ready()).await);
    let before = idp.jwks_hits();
    let claims = live_claims(idp.addr);
    let header_base = json!({"alg": "RS256"});
    for i in 0..2000 {
        let mut header = header_base.clone();
        header["kid"] = json!(format!("forged-{i}"));
        let forged = crate::support::mint_raw(
            &header,
            &claims,
            Some("rsa-attacker"),
            jsonwebtoken::Algorithm::RS256,
        );
        assert_eq!(validate(&h, &forged).unwrap_err().kind(), "unknown-kid");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // At most one refresh per unknown_kid_refresh_seconds (60 s).
    let fetched = idp.jwks_hits() - before;
    assert!(fetched <= 1, "{fetched} JWKS fetches for 2000 unknown kids");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_degrades_but_keeps_known_keys() {
    let idp = Idp::start("jwks.json").await;
    let h = start_validator(idp.addr, key_store(), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || h.validator.is_ready()).await);
    idp.set_mode(Mode::Garbage);
    h.validator.force_refresh(OffsetDateTime::now_utc());
    assert!(eventually(Duration::from_secs(5), || state(&h) == "degraded").await);
    let readiness = &h.validator.readiness()[0];
    assert!(readiness.ready, "keys from the last good fetch stay in use");
    assert!(
        readiness
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("invalid "),
        "{readiness:?}"
    );
    assert_eq!(
        validate(&h, &token("ec-p256", idp.addr)),
        Ok("alice".to_owned())
    );
    // An unknown kid while degraded is a temporary refusal, not "invalid".
    assert_eq!(
        validate(&h, &token("rsa-2", idp.addr)).unwrap_err().kind(),
        "provider-unavailable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_at_boot_is_unavailable() {
    let idp = Idp::start("jwks.json").await;
    idp.set_mode(Mode::Garbage);
    let h = start_validator(idp.addr, key_store(), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || state(&h) == "degraded").await);
    assert_eq!(
        validate(&h, &token("rsa-1", idp.addr)).unwrap_err().kind(),
        "provider-unavailable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_idp_times_out() {
    let idp = Idp::start("jwks.json").await;
    idp.set_mode(Mode::Slow);
    let h = start_validator(idp.addr, key_store(), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || state(&h) == "degraded").await);
    let error = h.validator.readiness()[0].last_error.clone().unwrap();
    assert!(error.contains("fetch failed"), "{error}");
    assert_eq!(
        validate(&h, &token("rsa-1", idp.addr)).unwrap_err().kind(),
        "provider-unavailable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_issuer_mismatch_is_refused() {
    let idp = Idp::start("jwks.json").await;
    idp.set_mode(Mode::WrongIssuer);
    let h = start_validator(idp.addr, key_store(), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || state(&h) == "degraded").await);
    assert_eq!(
        idp.jwks_hits(),
        0,
        "keys are never fetched from an impostor's document"
    );
    assert_eq!(
        validate(&h, &token("rsa-1", idp.addr)).unwrap_err().kind(),
        "provider-unavailable"
    );
}

/// `token`'s claims signed by `signer`'s key under the header `kid`.
fn signed_as(kid: &str, signer: &str, addr: SocketAddr, jti: usize) -> String {
    let mut claims = live_claims(addr);
    claims["jti"] = json!(jti);
    crate::support::mint_raw(
        &json!({"alg": "RS256", "kid": kid, "typ": "JWT"}),
        &claims,
        Some(signer),
        jsonwebtoken::Algorithm::RS256,
    )
}

/// Key store timing whose refetch window (`unknown_kid_refresh_seconds`)
/// is short enough for the keys to go stale within a test.
fn short_window(seconds: u64) -> KeyStoreConfig {
    let mut k = key_store();
    k.unknown_kid_refresh_seconds = seconds;
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_under_the_same_kid_is_temporary_until_refetched() {
    let idp = Idp::start("jwks.json").await;
    let h = start_validator(idp.addr, short_window(1), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || h.validator.is_ready()).await);
    // Let the keys grow older than the refetch window.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // The IdP replaces rsa-1's key but keeps the kid.
    idp.set_jwks("jwks-rotated-same-kid.json");
    let before = idp.jwks_hits();
    let fresh = signed_as("rsa-1", "rsa-2", idp.addr, 1);
    let refusal = validate(&h, &fresh).unwrap_err();
    assert_eq!(refusal.kind(), "key-set-refreshing");
    assert!(refusal.is_temporary(), "try later, not a failed guess");
    assert_eq!(refusal.http_status(), 503);
    // The failure asked for a refetch; once it lands the token verifies.
    assert!(eventually(Duration::from_secs(5), || idp.jwks_hits() > before).await);
    assert!(eventually(Duration::from_secs(5), || validate(&h, &fresh).is_ok()).await);
    assert_eq!(validate(&h, &fresh), Ok("alice".to_owned()));
    // Tokens signed just before the rotation keep verifying: the replaced
    // key is retired under the same kid for the grace period.
    assert_eq!(
        validate(&h, &signed_as("rsa-1", "rsa-1", idp.addr, 2)),
        Ok("alice".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_signature_after_a_recent_refresh_is_bad_signature() {
    // Keys fetched at boot are fresh (within the 60 s window): no refetch
    // can help, so a forgery on a known kid is refused for good at once.
    let idp = Idp::start("jwks.json").await;
    let h = start_validator(idp.addr, key_store(), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || h.validator.is_ready()).await);
    let before = idp.jwks_hits();
    let forged = signed_as("rsa-1", "rsa-attacker", idp.addr, 1);
    assert_eq!(validate(&h, &forged), Err(Refusal::BadSignature));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(idp.jwks_hits(), before, "fresh keys are not refetched");

    // With stale keys the first forgery is "try later" and refetches; after
    // the refetch landed the same forgery is a bad signature.
    let idp = Idp::start("jwks.json").await;
    let h = start_validator(idp.addr, short_window(1), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || h.validator.is_ready()).await);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = idp.jwks_hits();
    let forged = signed_as("rsa-1", "rsa-attacker", idp.addr, 2);
    assert_eq!(
        validate(&h, &forged).unwrap_err().kind(),
        "key-set-refreshing"
    );
    assert!(eventually(Duration::from_secs(5), || idp.jwks_hits() > before).await);
    assert!(
        eventually(Duration::from_secs(5), || validate(&h, &forged)
            == Err(Refusal::BadSignature))
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signature_flood_refetches_at_most_once_per_window() {
    const WINDOW: u64 = 2;
    let idp = Idp::start("jwks.json").await;
    let h = start_validator(idp.addr, short_window(WINDOW), fast_fetch());
    assert!(eventually(Duration::from_secs(5), || h.validator.is_ready()).await);
    let forged: Vec<String> = (0..300)
        .map(|i| signed_as("rsa-1", "rsa-attacker", idp.addr, i))
        .collect();
    tokio::time::sleep(Duration::from_millis(WINDOW * 1000 + 100)).await;

    let before = idp.jwks_hits();
    let start = Instant::now();
    let mut temporary = 0;
    for token in &forged {
        let refusal = validate(&h, token).unwrap_err();
        match refusal.kind() {
            "key-set-refreshing" => temporary += 1,
            "bad-signature" => {}
            other => panic!("unexpected refusal {other}"),
        }
        assert_eq!(
            refusal.is_temporary(),
            refusal.kind() == "key-set-refreshing"
        );
    }
    let elapsed = start.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fetched = idp.jwks_hits() - before;
    // The stale keys were refetched (the first forgery could have been a
    // rotation), but at most once per window however many tokens failed.
    let windows = usize::try_from(elapsed.as_secs() / WINDOW).unwrap();
    assert!(fetched >= 1, "the first failure asks for fresh keys");
    assert!(
        fetched <= 1 + windows,
        "{fetched} JWKS fetches for {} bad signatures in {elapsed:?}",
        forged.len()
    );
    assert!(temporary >= 1);
    assert!(
        eventually(Duration::from_secs(5), || validate(&h, &forged[0])
            == Err(Refusal::BadSignature))
        .await
    );
}
