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
