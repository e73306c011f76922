//! The audit event: one per attempt, with both identities and no secrets.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use portcullis_impersonation::{
    AUDIT_TARGET, AccountFacts, ActorCredential, Attempt, CredentialClass, CredentialId,
    ImpersonationPolicy, LoginSyntax,
};
use portcullis_permissions::{Permission, PermissionSet, Surface, preset};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

type Fields = BTreeMap<String, String>;

/// Collects every event's target, level and fields.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Fields>>>);

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields::new();
        fields.insert("@target".to_owned(), event.metadata().target().to_owned());
        fields.insert("@level".to_owned(), event.metadata().level().to_string());
        event.record(&mut Visitor(&mut fields));
        self.0.lock().unwrap().push(fields);
    }
}

fn capture(run: impl FnOnce()) -> Vec<Fields> {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    tracing::subscriber::with_default(subscriber, run);
    capture.0.lock().unwrap().clone()
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

struct World {
    support: AccountFacts,
    jane: AccountFacts,
    password: ActorCredential,
    app_password: ActorCredential,
}

fn world() -> World {
    let support = AccountFacts::new(
        "support@example.org",
        preset::user_rights() | PermissionSet::from(Permission::Impersonate),
    );
    let jane = AccountFacts::new("jane@example.org", preset::user_rights());
    let password = ActorCredential::new(CredentialClass::Password, CredentialId(7), support.rights);
    let app_password = ActorCredential::new(
        CredentialClass::AppPassword,
        CredentialId(8),
        support.rights,
    );
    World {
        support,
        jane,
        password,
        app_password,
    }
}

#[test]
fn granted_attempt_is_audited() {
    let world = world();
    let login = LoginSyntax::default()
        .parse("jane@example.org%support@example.org")
        .unwrap();
    let events = capture(|| {
        let attempt = Attempt::new(&login, &world.support, &world.password, Some(&world.jane))
            .on(Surface::Imap)
            .from_ip("192.0.2.1".parse().unwrap());
        ImpersonationPolicy::default().decide(&attempt).unwrap();
    });
    assert_eq!(
        events,
        vec![fields(&[
            ("@target", AUDIT_TARGET),
            ("@level", "INFO"),
            ("message", "impersonation granted"),
            ("event", "impersonation"),
            ("surface", "imap"),
            ("remote_ip", "192.0.2.1"),
            ("login", "jane@example.org%support@example.org"),
            ("form", "separator"),
            ("account", "support@example.org"),
            ("acting_as", "jane@example.org"),
            ("credential_kind", "password"),
            ("credential_id", "7"),
            ("outcome", "granted"),
        ])]
    );
}

#[test]
fn refused_attempt_is_audited_with_its_reason() {
    let world = world();
    let login = LoginSyntax::default()
        .resolve("support@example.org", Some("jane@example.org"))
        .unwrap();
    let events = capture(|| {
        let attempt = Attempt::new(
            &login,
            &world.support,
            &world.app_password,
            Some(&world.jane),
        );
        ImpersonationPolicy::default().decide(&attempt).unwrap_err();
    });
    assert_eq!(
        events,
        vec![fields(&[
            ("@target", "portcullis::audit"),
            ("@level", "WARN"),
            (
                "message",
                "impersonation refused: app-password credentials cannot impersonate"
            ),
            ("event", "impersonation"),
            ("login", "support@example.org"),
            ("form", "authzid"),
            ("account", "support@example.org"),
            ("acting_as", "jane@example.org"),
            ("credential_kind", "app-password"),
            ("credential_id", "8"),
            ("outcome", "refused"),
            ("reason", "app-password-cannot-impersonate"),
        ])]
    );
}

#[test]
fn missing_target_is_audited_under_the_requested_name() {
    let world = world();
    let login = LoginSyntax::default()
        .parse("ghost@example.org%support@example.org")
        .unwrap();
    let events = capture(|| {
        let attempt = Attempt::new(&login, &world.support, &world.password, None);
        ImpersonationPolicy::default().decide(&attempt).unwrap_err();
    });
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["acting_as"], "ghost@example.org");
    assert_eq!(events[0]["reason"], "target-not-found");
}

#[test]
fn evaluate_is_silent() {
    let world = world();
    let login = LoginSyntax::default()
        .parse("jane@example.org%support@example.org")
        .unwrap();
    let events = capture(|| {
        let attempt = Attempt::new(&login, &world.support, &world.password, Some(&world.jane));
        ImpersonationPolicy::default().evaluate(&attempt).unwrap();
    });
    assert!(events.is_empty());
}
