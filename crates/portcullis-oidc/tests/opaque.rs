//! Opaque tokens through the introspection and userinfo traits.

use std::sync::atomic::{AtomicUsize, Ordering};

use portcullis_oidc::ProviderConfig;
use portcullis_oidc::introspection::{OpaqueError, OpaqueTokenValidator, TokenIntrospector};

use crate::support::{NOW, at, now};

struct FakeIntrospection {
    calls: AtomicUsize,
    answer: Result<Vec<u8>, OpaqueError>,
}

impl TokenIntrospector for FakeIntrospection {
    async fn introspect(&self, _token: &str) -> Result<Vec<u8>, OpaqueError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answer.clone()
    }
}

fn opaque() -> OpaqueTokenValidator {
    OpaqueTokenValidator::new(
        ProviderConfig::new("https://accounts.example")
            .with_audiences(["mail-client"])
            .with_required_scopes(["mail"]),
    )
    .unwrap()
}

#[tokio::test]
async fn introspection_is_cached_until_exp() {
    let body = format!(
        r#"{{"active":true,"client_id":"mail-client","sub":"7","username":"Dave","scope":"mail","exp":{}}}"#,
        NOW + 100
    );
    let source = FakeIntrospection {
        calls: AtomicUsize::new(0),
        answer: Ok(body.into_bytes()),
    };
    let v = opaque();
    let p = v
        .validate_introspected(&source, "tok", now())
        .await
        .unwrap();
    assert_eq!(p.username, "dave");
    v.validate_introspected(&source, "tok", at(NOW + 100))
        .await
        .unwrap();
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    // After exp the cache no longer answers, and the IdP's answer is expired.
    assert_eq!(
        v.validate_introspected(&source, "tok", at(NOW + 161))
            .await
            .unwrap_err()
            .kind(),
        "expired"
    );
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn introspection_failures() {
    let v = opaque();
    let down = FakeIntrospection {
        calls: AtomicUsize::new(0),
        answer: Err(OpaqueError::Unavailable("timeout".into())),
    };
    let refusal = v
        .validate_introspected(&down, "tok", now())
        .await
        .unwrap_err();
    assert!(refusal.is_temporary());
    let rejected = FakeIntrospection {
        calls: AtomicUsize::new(0),
        answer: Err(OpaqueError::Rejected),
    };
    assert_eq!(
        v.validate_introspected(&rejected, "tok", now())
            .await
            .unwrap_err()
            .kind(),
        "inactive"
    );
    let no_scope = FakeIntrospection {
        calls: AtomicUsize::new(0),
        answer: Ok(br#"{"active":true,"client_id":"mail-client","username":"d"}"#.to_vec()),
    };
    assert_eq!(
        v.validate_introspected(&no_scope, "tok", now())
            .await
            .unwrap_err()
            .kind(),
        "missing-scope"
    );
}

#[test]
fn introspection_and_userinfo_need_a_verified_email_for_the_username() {
    let mut provider =
        ProviderConfig::new("https://accounts.example").with_audiences(["mail-client"]);
    "email".clone_into(&mut provider.claim_username);
    let v = OpaqueTokenValidator::new(provider).unwrap();
    let unverified =
        br#"{"active":true,"client_id":"mail-client","sub":"7","email":"admin@example.org"}"#;
    assert_eq!(
        v.accept_introspection("t1", unverified, now())
            .unwrap_err()
            .kind(),
        "unverified-email"
    );
    assert!(v.cached("t1", now()).is_none());
    let refused = br#"{"active":true,"client_id":"mail-client","sub":"7","email":"admin@example.org","email_verified":false}"#;
    assert_eq!(
        v.accept_introspection("t2", refused, now())
            .unwrap_err()
            .kind(),
        "unverified-email"
    );
    let verified = br#"{"active":true,"client_id":"mail-client","sub":"7","email":"Admin@Example.org","email_verified":true}"#;
    assert_eq!(
        v.accept_introspection("t3", verified, now())
            .unwrap()
            .username,
        "admin@example.org"
    );
    // An unverified email counts as no email: RFC 7662's own `username`
    // member is still the fallback of an introspection answer.
    let with_username = br#"{"active":true,"client_id":"mail-client","sub":"7","email":"admin@example.org","username":"Dave"}"#;
    assert_eq!(
        v.accept_introspection("t4", with_username, now())
            .unwrap()
            .username,
        "dave"
    );

    // Userinfo: `email` as the fallback of the default username claim.
    let mut any = ProviderConfig::new("https://accounts.example");
    any.danger_accept_any_audience = true;
    let v = OpaqueTokenValidator::new(any).unwrap();
    assert_eq!(
        v.accept_userinfo("u1", br#"{"sub":"1","email":"admin@example.org"}"#, now())
            .unwrap_err()
            .kind(),
        "unverified-email"
    );
    assert_eq!(
        v.accept_userinfo(
            "u2",
            br#"{"sub":"1","email":"admin@example.org","email_verified":true}"#,
            now()
        )
        .unwrap()
        .username,
        "admin@example.org"
    );
}
