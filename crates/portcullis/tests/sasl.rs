//! Streaming SASL and malformed exchanges.

use portcullis::{Decision, MemoryDirectory, RequestCredentials, SaslProgress, SaslStart, Surface};

use crate::support::*;

fn auth() -> portcullis::Authenticator {
    authenticator(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "alice-password"))
            .build(),
    )
}

fn start(mechanism: &str) -> SaslStart<'_> {
    SaslStart {
        surface: Surface::Smtp,
        remote_ip: ip(CLIENT),
        tls: true,
        mechanism,
        initial: None,
        now: None,
    }
}

#[tokio::test]
async fn login_step_by_step() {
    let auth = auth();
    let mut session = auth.start_sasl(start("LOGIN"));
    assert_eq!(
        session.begin().await,
        SaslProgress::Challenge(b"Username:".to_vec())
    );
    assert_eq!(
        session.step(b"alice@example.org").await,
        SaslProgress::Challenge(b"Password:".to_vec())
    );
    let SaslProgress::Done(Decision::Grant(grant)) = session.step(b"alice-password").await else {
        panic!("expected a grant")
    };
    assert_eq!(grant.account, "alice@example.org");
}

#[tokio::test]
async fn plain_with_initial_response_and_cancel() {
    let auth = auth();
    let mut session = auth.start_sasl(SaslStart {
        initial: Some(b"\0alice@example.org\0wrong"),
        ..start("PLAIN")
    });
    let SaslProgress::Done(decision) = session.begin().await else {
        panic!("expected a decision")
    };
    assert_eq!(kind(&decision), "wrong-secret");
    assert_eq!(
        decision.denial().unwrap().public.smtp(),
        "535 5.7.8 Authentication credentials invalid"
    );

    let mut session = auth.start_sasl(start("PLAIN"));
    assert_eq!(session.begin().await, SaslProgress::Challenge(Vec::new()));
    let decision = session.cancel();
    assert_eq!(kind(&decision), "cancelled");
    assert_eq!(
        decision.denial().unwrap().public.smtp(),
        "501 5.0.0 Authentication cancelled"
    );
}

#[tokio::test]
async fn malformed_and_unknown_mechanisms() {
    let auth = auth();
    let mut session = auth.start_sasl(start("CRAM-MD5"));
    let SaslProgress::Done(decision) = session.begin().await else {
        panic!()
    };
    assert_eq!(kind(&decision), "mechanism-not-allowed");
    assert_eq!(
        decision.denial().unwrap().public.smtp(),
        "504 5.5.4 Unsupported authentication mechanism"
    );

    let request = portcullis::AuthRequest::new(
        Surface::Imap,
        ip(CLIENT),
        RequestCredentials::Sasl {
            mechanism: "PLAIN".into(),
            responses: vec![b"no separators".to_vec()],
        },
    )
    .with_tls(true);
    let decision = auth.verify(&request).await;
    assert_eq!(kind(&decision), "malformed-input");
    assert_eq!(
        decision.denial().unwrap().public.imap(),
        "BAD Malformed authentication exchange"
    );
}

#[tokio::test]
async fn oauthbearer_without_oidc_runs_the_error_flow() {
    let auth = auth();
    let message = b"n,,\x01auth=Bearer abc.def.ghi\x01\x01";
    let mut session = auth.start_sasl(SaslStart {
        initial: Some(message),
        ..start("OAUTHBEARER")
    });
    let SaslProgress::Challenge(challenge) = session.begin().await else {
        panic!("expected the RFC 7628 error challenge")
    };
    assert_eq!(challenge, br#"{"status":"invalid_token"}"#);
    let SaslProgress::Done(Decision::Deny(denial)) = session.step(b"\x01").await else {
        panic!("expected a denial")
    };
    assert_eq!(denial.reason.kind(), "bearer-not-configured");
    assert!(denial.public.smtp().starts_with("535 5.7.8"));
}

#[tokio::test]
async fn already_decoded_credentials() {
    let auth = auth();
    let credentials = portcullis_sasl::plain::PlainMessage::decode(
        b"\0alice@example.org\0alice-password",
        &portcullis_sasl::Limits::default(),
    )
    .unwrap()
    .into_owned();
    let request = portcullis::AuthRequest::new(
        Surface::Imap,
        ip(CLIENT),
        RequestCredentials::Decoded(credentials.clone()),
    );
    // Cleartext without TLS is refused here too.
    assert_eq!(kind(&auth.verify(&request).await), "tls-required");
    let request = request.with_tls(true);
    assert_eq!(kind(&auth.verify(&request).await), "grant");
    assert!(!format!("{request:?}").contains("alice-password"));
}

// The mutation campaign of issue 21: a session's `Debug` shows where the
// exchange stands (for a server's logs), never what the client sent.
#[tokio::test]
async fn a_session_debugs_as_its_surface_and_state_only() {
    let auth = auth();
    let mut session = auth.start_sasl(start("LOGIN"));
    assert_eq!(
        format!("{session:?}"),
        r#"SaslSession { surface: Smtp, state: "not-started", .. }"#
    );
    let _ = session.begin().await;
    let _ = session.step(b"alice@example.org").await;
    assert_eq!(
        format!("{session:?}"),
        r#"SaslSession { surface: Smtp, state: "running", .. }"#
    );
    let _ = session.step(b"alice-password").await;
    assert_eq!(
        format!("{session:?}"),
        r#"SaslSession { surface: Smtp, state: "finished", .. }"#
    );
}
