//! Audit events: one per decision, stable fields, never a secret.

use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;

use portcullis::{MemoryDirectory, Surface};
use portcullis_permissions::CredentialScope;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, Registry};

use crate::support::*;

type Event = Vec<(String, String)>;

/// Every event of the test binary, with the thread that emitted it. One
/// global subscriber (rather than a scoped one per test) keeps callsite
/// interest stable while other tests run on other threads.
fn events() -> &'static Mutex<Vec<(ThreadId, Event)>> {
    static EVENTS: OnceLock<Mutex<Vec<(ThreadId, Event)>>> = OnceLock::new();
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = Registry::default().with(Capture);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
    EVENTS.get_or_init(Mutex::default)
}

struct Capture;

struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push((field.name().to_owned(), value.to_string()));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields(vec![("target".into(), event.metadata().target().into())]);
        event.record(&mut fields);
        events()
            .lock()
            .unwrap()
            .push((std::thread::current().id(), fields.0));
    }
}

fn field<'a>(event: &'a [(String, String)], name: &str) -> Option<&'a str> {
    event
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[tokio::test]
async fn one_event_per_decision_without_secrets() {
    let me = std::thread::current().id();
    let _ = events();

    let (app, record) = app_password(4, CredentialScope::imap_only());
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "s3cret-Pa55").with_credential(record))
            .build(),
    );
    let requests = [
        plain(Surface::Imap, "", "alice@example.org", "s3cret-Pa55"),
        plain(Surface::Imap, "", "alice@example.org", "wr0ng-Pa55"),
        plain(Surface::Imap, "", "nobody@example.org", "s3cret-Pa55"),
        basic(Surface::Portal, "alice@example.org", &app),
        plain(Surface::Imap, "", "alice@example.org", &app),
    ];
    for request in &requests {
        let _ = auth.verify(request).await;
    }
    let events: Vec<Event> = events()
        .lock()
        .unwrap()
        .iter()
        .filter(|(thread, _)| *thread == me)
        .map(|(_, event)| event.clone())
        .collect();
    let audit: Vec<_> = events
        .iter()
        .filter(|event| field(event, "target") == Some("portcullis::audit"))
        .collect();
    assert_eq!(audit.len(), requests.len(), "{events:#?}");
    for event in &audit {
        for name in [
            "surface",
            "remote_ip",
            "login",
            "account",
            "acting_as",
            "credential_kind",
            "outcome",
            "reason",
        ] {
            assert!(field(event, name).is_some(), "{name} missing in {event:?}");
        }
    }
    let outcomes: Vec<_> = audit
        .iter()
        .map(|event| {
            (
                field(event, "outcome").unwrap(),
                field(event, "reason").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("grant", ""),
            ("deny", "wrong-secret"),
            ("deny", "unknown-user"),
            ("deny", "surface-not-in-scope"),
            ("grant", ""),
        ]
    );
    assert_eq!(field(audit[4], "credential_kind"), Some("app-password"));
    assert_eq!(field(audit[4], "credential_id"), Some("4"));
    assert_eq!(field(audit[0], "remote_ip"), Some(CLIENT));
    assert_eq!(field(audit[2], "login"), Some("nobody@example.org"));
    let everything = format!("{events:?}");
    for secret in ["s3cret-Pa55", "wr0ng-Pa55", app.as_str()] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
}

/// The audit events of this thread since `events()` was first read.
fn my_audit_events() -> Vec<Event> {
    let me = std::thread::current().id();
    events()
        .lock()
        .unwrap()
        .iter()
        .filter(|(thread, event)| {
            *thread == me && field(event, "target") == Some("portcullis::audit")
        })
        .map(|(_, event)| event.clone())
        .collect()
}

#[tokio::test]
async fn client_control_characters_cannot_forge_audit_lines() {
    let _ = events();
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "s3cret-Pa55"))
            .build(),
    );
    let forged = "mallory\r\nportcullis::audit outcome=grant account=admin@example.org";
    let _ = auth.verify(&basic(Surface::Portal, forged, "x")).await;
    let _ = auth
        .verify(&plain(Surface::Imap, "", "eve\u{202e}gro.elpmaxe@", "x"))
        .await;
    let audit = my_audit_events();
    assert_eq!(audit.len(), 2, "{audit:#?}");
    assert_eq!(
        field(&audit[0], "login"),
        Some("mallory\\u{d}\\u{a}portcullis::audit outcome=grant account=admin@example.org")
    );
    assert_eq!(field(&audit[0], "reason"), Some("malformed-login"));
    assert_eq!(field(&audit[1], "login"), Some("eve\\u{202e}gro.elpmaxe@"));
    for event in &audit {
        for (_, value) in event {
            assert!(!value.contains(['\r', '\n', '\u{202e}']), "{value:?}");
        }
    }
}

#[tokio::test]
async fn a_refusal_before_parsing_still_names_the_login() {
    let _ = events();
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "s3cret-Pa55"))
            .build(),
    );
    let cleartext = basic(Surface::Imap, "alice@example.org", "s3cret-Pa55").with_tls(false);
    let _ = auth.verify(&cleartext).await;
    let audit = my_audit_events();
    assert_eq!(audit.len(), 1, "{audit:#?}");
    assert_eq!(field(&audit[0], "reason"), Some("tls-required"));
    assert_eq!(field(&audit[0], "login"), Some("alice@example.org"));
}

#[tokio::test]
async fn refused_and_broken_exchanges_keep_the_claimed_login() {
    use portcullis::{AuthRequest, RequestCredentials, SaslProgress, SaslStart};

    let _ = events();
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "s3cret-Pa55"))
            .build(),
    );
    let sasl = |mechanism: &str, responses: Vec<&[u8]>| {
        AuthRequest::new(
            Surface::Imap,
            ip(CLIENT),
            RequestCredentials::Sasl {
                mechanism: mechanism.into(),
                responses: responses.into_iter().map(<[u8]>::to_vec).collect(),
            },
        )
        .with_tls(true)
    };
    // A refused token names its user through OAUTHBEARER's `a=`.
    let _ = auth
        .verify(&sasl(
            "OAUTHBEARER",
            vec![b"n,a=alice@example.org,\x01auth=Bearer not-a-token\x01\x01"],
        ))
        .await;
    // Messages the parsers refuse, which still name a user.
    let _ = auth
        .verify(&sasl("PLAIN", vec![b"\0alice@example.org\0pw\0extra"]))
        .await;
    let _ = auth
        .verify(&sasl("XOAUTH2", vec![b"user=alice@example.org\x01\x01"]))
        .await;
    // A LOGIN exchange that stops after the user name.
    let _ = auth
        .verify(&sasl("LOGIN", vec![b"alice@example.org"]))
        .await;
    // A LOGIN exchange cancelled at the password prompt.
    let mut session = auth.start_sasl(SaslStart {
        surface: Surface::Imap,
        remote_ip: ip(CLIENT),
        tls: true,
        mechanism: "LOGIN",
        initial: None,
        now: None,
    });
    assert!(matches!(session.begin().await, SaslProgress::Challenge(_)));
    assert!(matches!(
        session.step(b"alice@example.org").await,
        SaslProgress::Challenge(_)
    ));
    let _ = session.cancel();
    // Streaming PLAIN whose message the parser refuses: in the initial
    // response, and in a later step.
    let start = |initial: Option<&'static [u8]>| {
        auth.start_sasl(SaslStart {
            surface: Surface::Imap,
            remote_ip: ip(CLIENT),
            tls: true,
            mechanism: "PLAIN",
            initial,
            now: None,
        })
    };
    let broken: &[u8] = b"\0alice@example.org\0pw\0extra";
    assert!(matches!(
        start(Some(broken)).begin().await,
        SaslProgress::Done(_)
    ));
    let mut session = start(None);
    assert!(matches!(session.begin().await, SaslProgress::Challenge(_)));
    assert!(matches!(session.step(broken).await, SaslProgress::Done(_)));
    let audit = my_audit_events();
    let seen: Vec<_> = audit
        .iter()
        .map(|event| {
            (
                field(event, "reason").unwrap(),
                field(event, "login").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("bearer-not-configured", "alice@example.org"),
            ("malformed-input", "alice@example.org"),
            ("malformed-input", "alice@example.org"),
            ("malformed-input", "alice@example.org"),
            ("cancelled", "alice@example.org"),
            ("malformed-input", "alice@example.org"),
            ("malformed-input", "alice@example.org"),
        ]
    );
}

// The mutation campaign of issue 21: `claimed_login` with its
// `Decoded(Password)` or `Decoded(Bearer)` arm deleted logged no login.
#[tokio::test]
async fn a_refusal_of_decoded_credentials_still_names_the_login() {
    use portcullis::{AuthRequest, RequestCredentials};
    use portcullis_sasl::{
        BearerCredentials, Credentials, Mechanism, OwnedSecret, PasswordCredentials,
    };

    let _ = events();
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "s3cret-Pa55"))
            .build(),
    );
    let cleartext = |credentials| {
        AuthRequest::new(
            Surface::Imap,
            ip(CLIENT),
            RequestCredentials::Decoded(credentials),
        )
    };
    let password = Credentials::Password(PasswordCredentials::new(
        Mechanism::Plain,
        Some("admin@example.org".to_owned()),
        "alice@example.org".to_owned(),
        OwnedSecret::from("s3cret-Pa55"),
    ));
    let bearer = |user: Option<&str>| {
        Credentials::Bearer(BearerCredentials::new(
            Mechanism::XOAuth2,
            Some("admin@example.org".to_owned()),
            user.map(str::to_owned),
            None,
            None,
            OwnedSecret::from("not-a-token"),
        ))
    };
    for credentials in [password, bearer(Some("bob@example.org")), bearer(None)] {
        let _ = auth.verify(&cleartext(credentials)).await;
    }
    let audit = my_audit_events();
    let seen: Vec<_> = audit
        .iter()
        .map(|event| {
            (
                field(event, "reason").unwrap(),
                field(event, "login").unwrap(),
            )
        })
        .collect();
    // The authcid, never the authzid; XOAUTH2's `user`, or nothing.
    assert_eq!(
        seen,
        [
            ("tls-required", "alice@example.org"),
            ("tls-required", "bob@example.org"),
            ("tls-required", ""),
        ]
    );
}

/// A revocation store that never answers.
struct Unreachable;

impl portcullis::RevocationStore for Unreachable {
    async fn epoch(
        &self,
        _: &str,
        _: portcullis::CredentialRef,
    ) -> Result<portcullis::Epoch, portcullis::RevocationError> {
        Err(portcullis::RevocationError::Unavailable(
            "connection refused".to_owned(),
        ))
    }

    async fn revoke(
        &self,
        _: &str,
        _: portcullis::Revocation,
    ) -> Result<(), portcullis::RevocationError> {
        Ok(())
    }
}

fn revocation_events(me: ThreadId) -> Vec<Event> {
    events()
        .lock()
        .unwrap()
        .iter()
        .filter(|(thread, event)| {
            *thread == me && field(event, "target") == Some("portcullis::revocation")
        })
        .map(|(_, event)| event.clone())
        .collect()
}

#[tokio::test]
async fn unreadable_epochs_warn_at_most_every_thirty_seconds() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    let me = std::thread::current().id();
    let _ = events();
    let clock = Arc::new(AtomicI64::new(0));
    let auth = builder(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "s3cret-Pa55"))
            .build(),
    )
    .revocation_store(Unreachable)
    .clock({
        let clock = Arc::clone(&clock);
        move || now() + time::Duration::seconds(clock.load(Ordering::SeqCst))
    })
    .build()
    .unwrap();
    let login = plain(Surface::Imap, "", "alice@example.org", "s3cret-Pa55");
    let mut warnings = Vec::new();
    for seconds in [0, 1, 29, 30, 31, 59, 60] {
        clock.store(seconds, Ordering::SeqCst);
        let _ = auth.verify(&login).await;
        warnings.push(revocation_events(me).len());
    }
    assert_eq!(warnings, [1, 1, 1, 2, 2, 2, 3]);
    let event = revocation_events(me).pop().unwrap();
    assert_eq!(
        field(&event, "error"),
        Some("the revocation store is unavailable: connection refused")
    );
}

#[tokio::test]
async fn a_revocation_is_logged_under_the_directorys_spelling() {
    let me = std::thread::current().id();
    let _ = events();
    let auth = builder(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "s3cret-Pa55"))
            .build(),
    )
    .revocation_store(portcullis::MemoryRevocations::new())
    .build()
    .unwrap();
    auth.revoke_account("alice@EXAMPLE.org").await.unwrap();
    let events = revocation_events(me);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(field(&events[0], "account"), Some("alice@example.org"));
    assert_eq!(field(&events[0], "revoked"), Some("Account"));
}

// The mutation campaign of issue 21: a SCRAM exchange that a pipeline step
// ends before the client's proof (here the login syntax) logged no login.
#[tokio::test]
async fn a_scram_exchange_refused_before_the_proof_names_the_login() {
    use portcullis::{SaslProgress, SaslStart};

    let _ = events();
    let auth = builder(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "s3cret-Pa55"))
            .build(),
    )
    .scram(4096)
    .build()
    .unwrap();
    let mut session = auth.start_sasl(SaslStart {
        surface: Surface::Imap,
        remote_ip: ip(CLIENT),
        tls: true,
        mechanism: "SCRAM-SHA-256",
        initial: None,
        now: None,
    });
    assert!(matches!(session.begin().await, SaslProgress::Challenge(_)));
    let refused = match session
        .step(b"n,a=bob@example.org,n=alice%carol@example.org,r=clientnonce")
        .await
    {
        SaslProgress::Done(decision) => decision,
        SaslProgress::Challenge(bytes) => panic!("{:?}", String::from_utf8_lossy(&bytes)),
    };
    assert_eq!(kind(&refused), "malformed-login");
    let audit = my_audit_events();
    assert_eq!(audit.len(), 1, "{audit:#?}");
    assert_eq!(field(&audit[0], "reason"), Some("malformed-login"));
    assert_eq!(field(&audit[0], "login"), Some("alice%carol@example.org"));
}
