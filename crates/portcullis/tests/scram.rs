//! SCRAM through `SaslSession`: the keys found between the client's two
//! messages, the proof checked, and every refusal of the password path
//! (throttle, account gate, second factor, impersonation) applied after
//! it. The client here is written from RFC 5802 §3.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use portcullis::{
    Account, ChannelBindingData, Decision, MemoryDirectory, SaslProgress, SaslSession, SaslStart,
    Surface, TotpSettings,
};
use portcullis_credentials::{ScramCredential, ScramHash, StoredHash};
use portcullis_sasl::{MechanismPolicy, MechanismSet};
use sha2::{Digest, Sha256};

use crate::support::*;

const ITERATIONS: u32 = 4096;
const EXPORTER: &[u8] = &[7; 32];

/// The `{SCRAM-SHA-256}` entry of a password, as `doveadm pw` writes it.
fn scram_entry(password: &str) -> ScramCredential {
    ScramCredential::derive(
        password.as_bytes(),
        b"sixteen byte slt",
        ITERATIONS,
        ScramHash::Sha256,
    )
    .unwrap()
}

fn scram_user(name: &str, password: &str) -> Account {
    Account::new(name)
        .with_password(StoredHash::parse(&scram_entry(password).encode()).unwrap())
        .with_roles(["user"])
}

fn directory() -> MemoryDirectory {
    MemoryDirectory::builder()
        .account(scram_user("alice@example.org", "pencil"))
        // An argon2id password only: no SCRAM keys.
        .account(user("bob@example.org", "bob-password"))
        // An argon2id password and SCRAM keys beside it.
        .account(
            user("carol@example.org", "carol-password")
                .with_scram_keys(scram_entry("carol-password")),
        )
        .account(scram_user("dave@example.org", "dave-password").disabled(true))
        .account(
            scram_user("erin@example.org", "erin-password")
                .with_totp(TotpSettings::new("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")),
        )
        .account(scram_user("admin@example.org", "admin-password").with_roles(["admin"]))
        .build()
}

fn scram_auth() -> portcullis::Authenticator {
    builder(directory()).scram(ITERATIONS).build().unwrap()
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// PBKDF2-HMAC-SHA-256, one block (RFC 8018 §5.2).
fn salted_password(password: &str, salt: &[u8], iterations: u32) -> Vec<u8> {
    let mut u = hmac(password.as_bytes(), &[salt, &1u32.to_be_bytes()].concat());
    let mut out = u.clone();
    for _ in 1..iterations {
        u = hmac(password.as_bytes(), &u);
        for (o, b) in out.iter_mut().zip(&u) {
            *o ^= b;
        }
    }
    out
}

/// A SCRAM-SHA-256 client.
struct Client {
    gs2_header: String,
    bare: String,
    binding: Vec<u8>,
}

impl Client {
    fn new(gs2_header: &str, username: &str) -> Client {
        Client {
            gs2_header: gs2_header.to_owned(),
            bare: format!("n={username},r=clientnonce0123456789"),
            binding: Vec::new(),
        }
    }

    fn bound(mut self, data: &[u8]) -> Client {
        self.binding = data.to_vec();
        self
    }

    fn first(&self) -> Vec<u8> {
        format!("{}{}", self.gs2_header, self.bare).into_bytes()
    }

    /// The client-final message and the `v=` the server must answer with.
    fn last(&self, server_first: &[u8], password: &str) -> (Vec<u8>, Vec<u8>) {
        let server_first = std::str::from_utf8(server_first).unwrap();
        let field = |name: &str| {
            server_first
                .split(',')
                .find_map(|part| part.strip_prefix(name))
                .unwrap()
                .to_owned()
        };
        let nonce = field("r=");
        assert!(nonce.starts_with("clientnonce0123456789"), "{server_first}");
        let salt = STANDARD.decode(field("s=")).unwrap();
        let iterations: u32 = field("i=").parse().unwrap();
        let salted = salted_password(password, &salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        let stored_key = Sha256::digest(&client_key);
        let server_key = hmac(&salted, b"Server Key");
        let cbind = [self.gs2_header.as_bytes(), &self.binding].concat();
        let without_proof = format!("c={},r={nonce}", STANDARD.encode(cbind));
        let auth_message = format!("{},{server_first},{without_proof}", self.bare);
        let signature = hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let verifier = hmac(&server_key, auth_message.as_bytes());
        (
            format!("{without_proof},p={}", STANDARD.encode(proof)).into_bytes(),
            format!("v={}", STANDARD.encode(verifier)).into_bytes(),
        )
    }
}

fn start(auth: &portcullis::Authenticator, mechanism: &str, tls: bool) -> SaslSession {
    auth.start_sasl(SaslStart {
        surface: Surface::Imap,
        remote_ip: ip(CLIENT),
        tls,
        mechanism,
        initial: None,
        now: None,
    })
}

fn challenge(progress: SaslProgress) -> Vec<u8> {
    match progress {
        SaslProgress::Challenge(bytes) => bytes,
        SaslProgress::Done(decision) => panic!("expected a challenge, got {}", kind(&decision)),
    }
}

fn done(progress: SaslProgress) -> Decision {
    match progress {
        SaslProgress::Done(decision) => decision,
        SaslProgress::Challenge(bytes) => {
            panic!(
                "expected a decision, got {:?}",
                String::from_utf8_lossy(&bytes)
            )
        }
    }
}

/// Runs a whole exchange; the decision, and whether `v=` was right.
async fn exchange(mut session: SaslSession, client: &Client, password: &str) -> Decision {
    assert_eq!(challenge(session.begin().await), b"");
    let server_first = challenge(session.step(&client.first()).await);
    let (last, expected_v) = client.last(&server_first, password);
    match session.step(&last).await {
        SaslProgress::Challenge(v) => {
            assert_eq!(v, expected_v, "the server signature");
            done(session.step(b"").await)
        }
        SaslProgress::Done(decision) => decision,
    }
}

async fn login(auth: &portcullis::Authenticator, username: &str, password: &str) -> Decision {
    let client = Client::new("n,,", username);
    exchange(start(auth, "SCRAM-SHA-256", true), &client, password).await
}

#[tokio::test]
async fn a_dovecot_scram_entry_signs_in_and_the_server_proves_itself() {
    let auth = scram_auth();
    let decision = login(&auth, "alice@example.org", "pencil").await;
    let Decision::Grant(grant) = decision else {
        panic!("{}", kind(&decision))
    };
    assert_eq!(grant.account, "alice@example.org");
    assert_eq!(grant.acting_as, "alice@example.org");
    assert_eq!(grant.credential.kind, portcullis::CredentialKind::Password);
    assert!(grant.rehash.is_none());
    // Without TLS too: SCRAM sends nothing replayable.
    let client = Client::new("n,,", "alice@example.org");
    let plain = exchange(start(&auth, "SCRAM-SHA-256", false), &client, "pencil").await;
    assert_eq!(kind(&plain), "grant");
}

#[tokio::test]
async fn the_initial_response_carries_the_client_first_message() {
    let auth = scram_auth();
    let client = Client::new("n,,", "alice@example.org");
    let first = client.first();
    let mut session = auth.start_sasl(SaslStart {
        surface: Surface::Imap,
        remote_ip: ip(CLIENT),
        tls: true,
        mechanism: "scram-sha-256",
        initial: Some(&first),
        now: None,
    });
    let server_first = challenge(session.begin().await);
    let (last, expected_v) = client.last(&server_first, "pencil");
    assert_eq!(challenge(session.step(&last).await), expected_v);
    assert_eq!(kind(&done(session.step(b"").await)), "grant");
}

#[tokio::test]
async fn wrong_proofs_are_wrong_secrets_and_count_towards_the_lock() {
    let auth = scram_auth();
    assert_eq!(
        kind(&login(&auth, "alice@example.org", "crayon").await),
        "wrong-secret"
    );
    let mut refusals = vec![];
    for _ in 0..12 {
        refusals.push(kind(&login(&auth, "alice@example.org", "crayon").await));
    }
    assert!(refusals.contains(&"throttled"), "{refusals:?}");
    // Locked: the right proof is refused too, and so is PLAIN.
    assert_eq!(
        kind(&login(&auth, "alice@example.org", "pencil").await),
        "throttled"
    );
    let plain = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", "pencil"))
        .await;
    assert_eq!(kind(&plain), "throttled");
}

#[tokio::test]
async fn a_lock_reached_with_plain_holds_for_scram() {
    let auth = scram_auth();
    // (Distinct guesses: a resent wrong password counts once.)
    for guess in 0..12 {
        let _ = auth
            .verify(&plain(
                Surface::Imap,
                "",
                "alice@example.org",
                &format!("guess-{guess}"),
            ))
            .await;
    }
    assert_eq!(
        kind(&login(&auth, "alice@example.org", "pencil").await),
        "throttled"
    );
}

#[tokio::test]
async fn unknown_users_get_a_stable_salt_and_the_same_public_refusal() {
    let auth = scram_auth();
    let server_first = |name: &'static str| {
        let auth = auth.clone();
        async move {
            let mut session = start(&auth, "SCRAM-SHA-256", true);
            challenge(session.begin().await);
            let first = challenge(session.step(&Client::new("n,,", name).first()).await);
            let text = String::from_utf8(first).unwrap();
            let salt_and_count = text.split_once(",s=").unwrap().1.to_owned();
            (salt_and_count, session.cancel())
        }
    };
    let (ghost, _) = server_first("ghost@example.org").await;
    let (again, _) = server_first("ghost@example.org").await;
    let (other, _) = server_first("phantom@example.org").await;
    assert_eq!(ghost, again, "the same name gets the same salt");
    // Every spelling of a name gets the one salt, as every spelling a
    // case-blind directory maps to a real account gets its salt.
    let (shouted, _) = server_first("GHOST@Example.ORG").await;
    assert_eq!(ghost, shouted);
    assert_ne!(ghost, other);
    assert!(ghost.ends_with(",i=4096"), "{ghost}");
    let unknown = login(&auth, "ghost@example.org", "pencil").await;
    let wrong = login(&auth, "alice@example.org", "crayon").await;
    assert_eq!(kind(&unknown), "unknown-user");
    let (Decision::Deny(unknown), Decision::Deny(wrong)) = (unknown, wrong) else {
        panic!("both are denials")
    };
    assert_eq!(unknown.public, wrong.public);
}

#[tokio::test]
async fn an_argon2_password_alone_cannot_answer_scram() {
    let auth = scram_auth();
    assert_eq!(
        kind(&login(&auth, "bob@example.org", "bob-password").await),
        "unknown-credential"
    );
    // Keys stored beside the argon2id hash sign in with either.
    assert_eq!(
        kind(&login(&auth, "carol@example.org", "carol-password").await),
        "grant"
    );
    let plain = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "carol@example.org",
            "carol-password",
        ))
        .await;
    assert_eq!(kind(&plain), "grant");
}

#[tokio::test]
async fn the_account_gate_and_second_factor_follow_the_proof() {
    let auth = scram_auth();
    assert_eq!(
        kind(&login(&auth, "dave@example.org", "dave-password").await),
        "account-disabled"
    );
    // SCRAM carries no one-time code: an enrolled account uses an app
    // password, as with PLAIN.
    assert_eq!(
        kind(&login(&auth, "erin@example.org", "erin-password").await),
        "second-factor-required"
    );
}

#[tokio::test]
async fn impersonation_uses_the_actors_keys_and_the_policy() {
    let auth = scram_auth();
    // `target%actor`: the actor's keys, then the impersonation policy.
    let decision = login(
        &auth,
        "alice@example.org%admin@example.org",
        "admin-password",
    )
    .await;
    let Decision::Grant(grant) = &decision else {
        panic!("{}", kind(&decision))
    };
    assert_eq!(grant.account, "admin@example.org");
    assert_eq!(grant.acting_as, "alice@example.org");
    // The authzid (`a=`) asks the same question.
    let client = Client::new("n,a=alice@example.org,", "admin@example.org");
    let decision = exchange(
        start(&auth, "SCRAM-SHA-256", true),
        &client,
        "admin-password",
    )
    .await;
    let Decision::Grant(grant) = &decision else {
        panic!("{}", kind(&decision))
    };
    assert_eq!(grant.acting_as, "alice@example.org");
    // A user may not act as another, even with a right proof.
    let client = Client::new("n,a=alice@example.org,", "carol@example.org");
    let refused = exchange(
        start(&auth, "SCRAM-SHA-256", true),
        &client,
        "carol-password",
    )
    .await;
    assert_eq!(kind(&refused), "impersonation-refused");
}

#[tokio::test]
async fn plus_binds_to_the_channel_and_refuses_a_downgrade() {
    let auth = scram_auth();
    let bound = |mechanism: &'static str| {
        start(&auth, mechanism, true)
            .with_channel_binding(ChannelBindingData::none().with_tls_exporter(EXPORTER))
    };
    let client = Client::new("p=tls-exporter,,", "alice@example.org").bound(EXPORTER);
    let granted = exchange(bound("SCRAM-SHA-256-PLUS"), &client, "pencil").await;
    assert_eq!(kind(&granted), "grant");
    // A client that sees another channel (a man in the middle).
    let relayed = Client::new("p=tls-exporter,,", "alice@example.org").bound(&[8; 32]);
    let refused = exchange(bound("SCRAM-SHA-256-PLUS"), &relayed, "pencil").await;
    assert_eq!(kind(&refused), "channel-binding-refused");
    let Decision::Deny(denial) = &refused else {
        panic!("a denial")
    };
    assert_eq!(denial.reason.sub_kind(), Some("channel-binding-mismatch"));
    // Its public face is a failed login, not a malformed command.
    assert_eq!(
        denial.public.imap(),
        "NO [AUTHENTICATIONFAILED] Authentication failed"
    );
    // `y`: the client could bind and thinks the server cannot, while
    // this server offers -PLUS: a downgrade.
    let mut session = bound("SCRAM-SHA-256");
    challenge(session.begin().await);
    let downgrade = done(
        session
            .step(&Client::new("y,,", "alice@example.org").first())
            .await,
    );
    assert_eq!(kind(&downgrade), "channel-binding-refused");
    let Decision::Deny(denial) = &downgrade else {
        panic!("a denial")
    };
    assert_eq!(denial.reason.sub_kind(), Some("channel-binding-downgrade"));
    // Without binding data, -PLUS is neither offered nor accepted.
    let offered = auth.mechanisms(Surface::Imap, true, ip(CLIENT));
    assert!(
        !offered.iter().any(|name| name.ends_with("-PLUS")),
        "{offered:?}"
    );
    let with_binding = auth.mechanisms_with_channel_binding(Surface::Imap, ip(CLIENT));
    assert!(
        with_binding.contains(&"SCRAM-SHA-256-PLUS"),
        "{with_binding:?}"
    );
    let mut session = start(&auth, "SCRAM-SHA-256-PLUS", true);
    assert_eq!(kind(&done(session.begin().await)), "mechanism-not-allowed");
}

#[tokio::test]
async fn scram_sha_1_is_off_unless_the_policy_enables_it() {
    let auth = scram_auth();
    assert!(
        !auth
            .mechanisms(Surface::Imap, true, ip(CLIENT))
            .contains(&"SCRAM-SHA-1")
    );
    let mut session = start(&auth, "SCRAM-SHA-1", true);
    assert_eq!(kind(&done(session.begin().await)), "mechanism-not-allowed");
    let with_sha1 = builder(directory())
        .scram(ITERATIONS)
        .mechanisms(MechanismPolicy::new().with_mechanisms(MechanismSet::SCRAM))
        .build()
        .unwrap();
    assert!(
        with_sha1
            .mechanisms(Surface::Imap, true, ip(CLIENT))
            .contains(&"SCRAM-SHA-1")
    );
    // Alice has SHA-256 keys only: SCRAM-SHA-1 runs on stand-ins.
    let mut session = start(&with_sha1, "SCRAM-SHA-1", true);
    challenge(session.begin().await);
    let first = challenge(
        session
            .step(&Client::new("n,,", "alice@example.org").first())
            .await,
    );
    let first = String::from_utf8(first).unwrap();
    assert!(first.ends_with(",i=4096"), "{first}");
    // Whatever the proof, her SHA-256 keys never answer a SHA-1 exchange:
    // a credential she does not have, not an internal error.
    let nonce = first.split(',').find_map(|f| f.strip_prefix("r=")).unwrap();
    let last = format!("c=biws,r={nonce},p={}", STANDARD.encode([0u8; 20]));
    let refused = done(session.step(last.as_bytes()).await);
    assert_eq!(kind(&refused), "unknown-credential");
}

#[tokio::test]
async fn scram_is_off_unless_turned_on() {
    let auth = authenticator(directory());
    for tls in [false, true] {
        let offered = auth.mechanisms(Surface::Imap, tls, ip(CLIENT));
        assert!(
            offered.iter().all(|name| !name.starts_with("SCRAM")),
            "{offered:?}"
        );
    }
    let offered = auth.mechanisms_with_channel_binding(Surface::Imap, ip(CLIENT));
    assert!(
        offered.iter().all(|name| !name.starts_with("SCRAM")),
        "{offered:?}"
    );
    let mut session = start(&auth, "SCRAM-SHA-256", true);
    assert_eq!(kind(&done(session.begin().await)), "mechanism-not-allowed");
    // Turned on: offered where the policy says, and used.
    let on = scram_auth();
    assert_eq!(
        on.mechanisms(Surface::Imap, false, ip(CLIENT)),
        ["SCRAM-SHA-256"]
    );
    assert_eq!(
        on.mechanisms_with_channel_binding(Surface::Imap, ip(CLIENT)),
        ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN", "LOGIN"]
    );
}

#[tokio::test]
async fn a_broken_or_cancelled_exchange_names_the_login() {
    let auth = scram_auth();
    let mut session = start(&auth, "SCRAM-SHA-256", true);
    challenge(session.begin().await);
    challenge(
        session
            .step(&Client::new("n,,", "alice@example.org").first())
            .await,
    );
    let cancelled = session.cancel();
    assert_eq!(kind(&cancelled), "cancelled");
    // A final message with another nonce is malformed, not a guess.
    let mut session = start(&auth, "SCRAM-SHA-256", true);
    challenge(session.begin().await);
    challenge(
        session
            .step(&Client::new("n,,", "alice@example.org").first())
            .await,
    );
    let forged = done(session.step(b"c=biws,r=othernonce,p=AAAA").await);
    assert_eq!(kind(&forged), "malformed-input");
    // The answer to `v=` must be empty.
    let mut session = start(&auth, "SCRAM-SHA-256", true);
    let client = Client::new("n,,", "alice@example.org");
    challenge(session.begin().await);
    let server_first = challenge(session.step(&client.first()).await);
    let (last, _) = client.last(&server_first, "pencil");
    challenge(session.step(&last).await);
    assert_eq!(kind(&done(session.step(b"extra").await)), "malformed-input");
}

/// Loads a directory file written to a fresh temporary folder.
fn load_file(text: &str) -> Result<portcullis::FileDirectory, String> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "portcullis-scram-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("directory.toml");
    std::fs::write(&path, text).unwrap();
    let loaded = portcullis::FileDirectory::load(&path).map_err(|error| error.to_string());
    std::fs::remove_dir_all(&dir).unwrap();
    loaded
}

#[tokio::test]
async fn a_directory_file_turns_scram_on_and_stores_keys_beside_argon2() {
    let file = format!(
        "[settings.mechanisms]\n\
         enabled = [\"SCRAM-SHA-256-PLUS\", \"SCRAM-SHA-256\", \"PLAIN\"]\n\
         scram_iterations = 5000\n\
         [settings.hash.argon2]\nm_kib = 64\nt = 1\np = 1\n\
         [[account]]\nname = \"carol@example.org\"\nroles = [\"user\"]\n\
         password = \"{}\"\nscram = \"{}\"\n",
        hash("carol-password").as_str(),
        scram_entry("carol-password").encode()
    );
    let auth = load_file(&file).unwrap().authenticator().unwrap();
    assert_eq!(
        auth.mechanisms_with_channel_binding(Surface::Imap, ip(CLIENT)),
        ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN"]
    );
    assert_eq!(
        kind(&login(&auth, "carol@example.org", "carol-password").await),
        "grant"
    );
    // Unknown users answer with the file's iteration count.
    let mut session = start(&auth, "SCRAM-SHA-256", true);
    challenge(session.begin().await);
    let first = challenge(
        session
            .step(&Client::new("n,,", "ghost@example.org").first())
            .await,
    );
    assert!(String::from_utf8(first).unwrap().ends_with(",i=5000"));
    drop(session.cancel());
    // A broken `scram` entry is refused with its place named.
    let error =
        load_file("[[account]]\nname = \"x@example.org\"\nscram = \"{SCRAM-SHA-256}nope\"\n")
            .unwrap_err();
    assert!(error.contains("scram"), "{error}");
}

// The mutation campaign of issue 21: SCRAM needs the server's challenge,
// so a one-shot `verify` cannot run it, whatever the policy offers.
#[tokio::test]
async fn a_one_shot_request_cannot_carry_scram() {
    use portcullis::{AuthRequest, RequestCredentials};

    let auth = scram_auth();
    let client = Client::new("n,,", "alice@example.org");
    // Whatever else the start would have refused (no channel binding in a
    // one-shot request, no TLS), the answer is the same.
    for (mechanism, tls) in [
        ("SCRAM-SHA-256", true),
        ("scram-sha-256", true),
        ("SCRAM-SHA-256", false),
        ("SCRAM-SHA-256-PLUS", true),
        ("scram-sha-256-plus", false),
    ] {
        let request = AuthRequest::new(
            Surface::Imap,
            ip(CLIENT),
            RequestCredentials::Sasl {
                mechanism: mechanism.into(),
                responses: vec![client.first()],
            },
        )
        .with_tls(tls);
        let Decision::Deny(denial) = auth.verify(&request).await else {
            panic!("{mechanism} in one shot was not denied");
        };
        assert_eq!(
            denial.reason.kind(),
            "mechanism-not-allowed",
            "{mechanism}, tls {tls}"
        );
        assert!(
            denial
                .reason
                .to_string()
                .contains(&mechanism.to_ascii_uppercase()),
            "{}",
            denial.reason
        );
    }
}

/// `scram_requires_tls`: a SCRAM exchange recorded in clear lets its
/// recorder test password guesses offline, so a directory can hold SCRAM
/// to TLS like PLAIN. Not offered in clear, refused there with
/// PRIVACYREQUIRED, and the same exchange over TLS signs in.
#[tokio::test]
async fn a_directory_file_can_hold_scram_to_tls() {
    let file = format!(
        "[settings.mechanisms]\n\
         enabled = [\"SCRAM-SHA-256-PLUS\", \"SCRAM-SHA-256\", \"PLAIN\"]\n\
         scram_requires_tls = true\n\
         [[account]]\nname = \"carol@example.org\"\nroles = [\"user\"]\n\
         scram = \"{}\"\n",
        scram_entry("carol-password").encode()
    );
    let auth = load_file(&file).unwrap().authenticator().unwrap();
    assert!(auth.mechanisms(Surface::Imap, false, ip(CLIENT)).is_empty());
    assert_eq!(
        auth.mechanisms(Surface::Imap, true, ip(CLIENT)),
        ["SCRAM-SHA-256", "PLAIN"]
    );
    let mut session = start(&auth, "SCRAM-SHA-256", false);
    let Decision::Deny(denial) = done(session.begin().await) else {
        panic!("SCRAM in clear was not denied")
    };
    assert_eq!(denial.reason.kind(), "tls-required");
    assert!(
        denial.public.imap().starts_with("NO [PRIVACYREQUIRED] "),
        "{}",
        denial.public.imap()
    );
    let client = Client::new("n,,", "carol@example.org");
    let granted = exchange(
        start(&auth, "SCRAM-SHA-256", true),
        &client,
        "carol-password",
    )
    .await;
    assert_eq!(kind(&granted), "grant");
}
