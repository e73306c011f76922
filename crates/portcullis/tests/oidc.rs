//! Seed scenario 5: an OIDC-only directory with two providers.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portcullis::{
    Account, Decision, FailureClass, MemoryDirectory, RequestCredentials, SaslProgress, SaslStart,
    Surface,
};
use portcullis_oidc::{OidcConfig, OidcValidator, ProviderConfig, ProviderId};
use portcullis_permissions::CredentialScope;
use serde_json::{Value, json};

use crate::support::*;

const BULWARK: &str = "https://sso.example.org/realms/mail/o/bulwark/";
const GLOBAL: &str = "https://sso.example.org/realms/mail";

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn validator(with_keys: bool) -> Arc<OidcValidator> {
    let validator = OidcValidator::new(OidcConfig::new(vec![
        ProviderConfig::new(BULWARK)
            .with_audiences(["bulwark"])
            .with_algorithms(["EdDSA"]),
        ProviderConfig::new(GLOBAL)
            .with_audiences(["stalwart-webui"])
            .with_algorithms(["EdDSA"]),
    ]))
    .unwrap();
    if with_keys {
        for id in [ProviderId(0), ProviderId(1)] {
            validator
                .on_fetch_success(id, &data("oidc-jwks.json"), now())
                .unwrap();
        }
    } else {
        for id in validator.due(now()) {
            validator.on_fetch_failure(id, "connection refused", now());
        }
    }
    Arc::new(validator)
}

fn token(issuer: &str, client: &str) -> String {
    let claims: Value = json!({
        "iss": issuer,
        "sub": "5b1e0c9a-0000-4000-8000-00000000c4r0",
        "aud": client,
        "azp": client,
        "exp": NOW + 300,
        "iat": NOW - 5,
        "nbf": NOW - 5,
        "preferred_username": "carol@example.org",
        "scope": "openid email",
    });
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("facade-test".into());
    header.typ = Some("JWT".into());
    let key = EncodingKey::from_ed_pem(&data("oidc-ed25519.pem")).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

fn bearer(surface: Surface, token: &str) -> portcullis::AuthRequest {
    portcullis::AuthRequest::new(
        surface,
        ip(CLIENT),
        RequestCredentials::Bearer {
            token: token.into(),
        },
    )
    .with_tls(true)
}

/// A streaming OAUTHBEARER exchange on IMAP over TLS whose initial
/// response carries a Bulwark token.
fn oauthbearer_with_bulwark_token(auth: &portcullis::Authenticator) -> portcullis::SaslSession {
    let message = format!("n,,\x01auth=Bearer {}\x01\x01", token(BULWARK, "bulwark"));
    auth.start_sasl(SaslStart {
        surface: Surface::Imap,
        remote_ip: ip(CLIENT),
        tls: true,
        mechanism: "OAUTHBEARER",
        initial: Some(message.as_bytes()),
        now: None,
    })
}

/// Carol lives at the IdP; only her app password is stored here.
fn directory() -> (MemoryDirectory, String) {
    let (secret, record) = app_password(9, CredentialScope::mail_only());
    let directory = MemoryDirectory::builder()
        .principal(
            Account::new("carol@example.org")
                .with_roles(["user"])
                .with_credential(record),
        )
        .build();
    (directory, secret)
}

#[tokio::test]
async fn tokens_from_both_clients_validate() {
    let (directory, _) = directory();
    let auth = builder(directory).oidc(validator(true)).build().unwrap();
    for (issuer, client) in [(BULWARK, "bulwark"), (GLOBAL, "stalwart-webui")] {
        let explained = auth
            .explain(&bearer(Surface::Jmap, &token(issuer, client)))
            .await;
        let Decision::Grant(grant) = &explained.decision else {
            panic!("{client}: {:?}", explained.decision)
        };
        assert_eq!(grant.account, "carol@example.org");
        assert_eq!(grant.credential.kind.name(), "oidc-token");
        assert_eq!(
            grant.expires_at.map(|at| at.unix_timestamp()),
            Some(NOW + 300)
        );
        assert!(outcome(&explained, "verify-credential").contains(issuer));
        assert_eq!(auth.revalidate(&grant.session_binding).await, Ok(()));
    }
    // OAUTHBEARER over IMAP, one shot.
    let message = format!(
        "n,a=carol@example.org,\x01auth=Bearer {}\x01\x01",
        token(GLOBAL, "stalwart-webui")
    );
    let request = portcullis::AuthRequest::new(
        Surface::Imap,
        ip(CLIENT),
        RequestCredentials::Sasl {
            mechanism: "OAUTHBEARER".into(),
            responses: vec![message.into_bytes()],
        },
    )
    .with_tls(true);
    assert_eq!(kind(&auth.verify(&request).await), "grant");
}

#[tokio::test]
async fn a_third_client_is_refused() {
    let (directory, _) = directory();
    let auth = builder(directory).oidc(validator(true)).build().unwrap();
    let decision = auth
        .verify(&bearer(Surface::Jmap, &token(GLOBAL, "thunderbird")))
        .await;
    let denial = match &decision {
        Decision::Deny(denial) => denial,
        other => panic!("{other:?}"),
    };
    assert_eq!(denial.reason.kind(), "invalid-token");
    assert_eq!(denial.reason.sub_kind(), Some("wrong-audience"));
    let http = denial.public.http();
    assert_eq!(http.status, 401);
    assert_eq!(
        http.www_authenticate.as_deref(),
        Some("Bearer realm=\"portcullis\", error=\"invalid_token\"")
    );
    assert_eq!(
        denial.public.oauthbearer_challenge().as_deref(),
        Some(br#"{"status":"invalid_token"}"#.as_slice())
    );
}

#[tokio::test]
async fn idp_down_is_a_temporary_failure_without_fallback() {
    let (directory, app) = directory();
    // A local account with a password, to show nothing falls back to it.
    directory.insert_account(user("carol@example.org", "carol-password"));
    let auth = builder(directory).oidc(validator(false)).build().unwrap();
    let decision = auth
        .verify(&bearer(Surface::Jmap, &token(GLOBAL, "stalwart-webui")))
        .await;
    let Decision::TryLater(denial) = &decision else {
        panic!("{decision:?}")
    };
    assert_eq!(denial.reason.kind(), "provider-unavailable");
    assert_eq!(denial.public.class(), FailureClass::Unavailable);
    assert_eq!(denial.public.http().status, 503);
    assert_eq!(
        denial.public.imap(),
        "NO [UNAVAILABLE] Authentication is temporarily unavailable; try again later"
    );
    assert!(denial.public.smtp().starts_with("454 4.7.0 "));
    assert!(denial.retry_after.is_some());

    // Streaming OAUTHBEARER on IMAP: also "try later", no error challenge.
    let mut session = oauthbearer_with_bulwark_token(&auth);
    let SaslProgress::Done(Decision::TryLater(denial)) = session.begin().await else {
        panic!("expected try-later")
    };
    assert_eq!(denial.reason.kind(), "provider-unavailable");
    drop(app);
}

#[tokio::test]
async fn an_idp_principal_signs_in_to_imap_with_a_local_app_password() {
    let (directory, app) = directory();
    let auth = builder(directory).oidc(validator(false)).build().unwrap();
    let explained = auth
        .explain(&plain(Surface::Imap, "", "carol@example.org", &app))
        .await;
    let Decision::Grant(grant) = &explained.decision else {
        panic!("{:?}", explained.decision)
    };
    assert_eq!(grant.credential.id, Some(9));
    assert!(outcome(&explained, "find-account").contains("app-password id 9"));
    // The principal has no password here.
    let decision = auth
        .verify(&plain(Surface::Imap, "", "carol@example.org", "anything"))
        .await;
    assert_eq!(kind(&decision), "unknown-credential");
}

// The mutation campaign of issue 21: the streaming OAUTHBEARER exchange
// answered a token without the required scope as `invalid_token`.
#[tokio::test]
async fn a_token_without_the_required_scope_gets_insufficient_scope() {
    let validator = OidcValidator::new(OidcConfig::new(vec![
        ProviderConfig::new(BULWARK)
            .with_audiences(["bulwark"])
            .with_algorithms(["EdDSA"])
            .with_required_scopes(["mail"]),
    ]))
    .unwrap();
    validator
        .on_fetch_success(ProviderId(0), &data("oidc-jwks.json"), now())
        .unwrap();
    let (directory, _) = directory();
    let auth = builder(directory)
        .oidc(Arc::new(validator))
        .build()
        .unwrap();
    let mut session = oauthbearer_with_bulwark_token(&auth);
    let SaslProgress::Challenge(challenge) = session.begin().await else {
        panic!("expected the RFC 7628 error challenge")
    };
    let challenge: Value = serde_json::from_slice(&challenge).unwrap();
    assert_eq!(challenge["status"], "insufficient_scope", "{challenge}");
    assert_eq!(challenge["scope"], "mail", "{challenge}");
    let SaslProgress::Done(Decision::Deny(denial)) = session.step(b"\x01").await else {
        panic!("expected a denial after the client's dummy answer")
    };
    let portcullis::DenialReason::InvalidToken(refusal) = &denial.reason else {
        panic!("{:?}", denial.reason)
    };
    assert_eq!(refusal.kind(), "missing-scope");
}
