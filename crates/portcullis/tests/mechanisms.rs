//! What `Authenticator::mechanisms` advertises is what `verify` accepts:
//! per surface, per TLS state, and for trusted loopback clients.

use portcullis::{
    AuthRequest, MemoryDirectory, RequestCredentials, SaslProgress, SaslStart, Surface,
};
use portcullis_sasl::{MechanismPolicy, MechanismSet};

use crate::support::*;

fn directory() -> MemoryDirectory {
    MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password"))
        .build()
}

fn login(surface: Surface, tls: bool, from: &str) -> AuthRequest {
    AuthRequest::new(
        surface,
        ip(from),
        RequestCredentials::Sasl {
            mechanism: "LOGIN".into(),
            responses: vec![b"alice@example.org".to_vec(), b"alice-password".to_vec()],
        },
    )
    .with_tls(tls)
}

#[tokio::test]
async fn each_surface_can_have_its_own_policy() {
    let auth = builder(directory())
        .mechanisms(
            MechanismPolicy::new().with_mechanisms(MechanismSet::PLAIN | MechanismSet::BEARER),
        )
        .mechanisms_for(Surface::Smtp, MechanismPolicy::new())
        .build()
        .unwrap();
    // No OIDC validator: the bearer mechanisms are never offered.
    assert_eq!(auth.mechanisms(Surface::Imap, true, ip(CLIENT)), ["PLAIN"]);
    assert_eq!(auth.mechanisms(Surface::Pop3, true, ip(CLIENT)), ["PLAIN"]);
    assert_eq!(
        auth.mechanisms(Surface::Smtp, true, ip(CLIENT)),
        ["PLAIN", "LOGIN"]
    );
    let imap = auth.verify(&login(Surface::Imap, true, CLIENT)).await;
    assert_eq!(kind(&imap), "mechanism-not-allowed");
    let smtp = auth.verify(&login(Surface::Smtp, true, CLIENT)).await;
    assert_eq!(kind(&smtp), "grant");
    // The step-by-step form follows the same per-surface policy.
    for (surface, expected) in [
        (Surface::Imap, "mechanism-not-allowed"),
        (Surface::Smtp, "grant"),
    ] {
        let mut session = auth.start_sasl(SaslStart {
            surface,
            remote_ip: ip(CLIENT),
            tls: true,
            mechanism: "LOGIN",
            initial: Some(b"alice@example.org"),
            now: None,
        });
        let decision = match session.begin().await {
            SaslProgress::Challenge(_) => match session.step(b"alice-password").await {
                SaslProgress::Done(decision) => decision,
                other => panic!("{other:?}"),
            },
            SaslProgress::Done(decision) => decision,
        };
        assert_eq!(kind(&decision), expected, "{surface:?}");
    }
}

#[tokio::test]
async fn trusted_loopback_clients_see_and_get_cleartext_mechanisms() {
    let auth = builder(directory())
        .mechanisms(MechanismPolicy::new().trust_local_transport(true))
        .trust_loopback(true)
        .build()
        .unwrap();
    assert_eq!(
        auth.mechanisms(Surface::Imap, false, ip("127.0.0.1")),
        ["PLAIN", "LOGIN"]
    );
    assert_eq!(
        auth.mechanisms(Surface::Imap, false, ip("::1")),
        ["PLAIN", "LOGIN"]
    );
    assert_eq!(
        auth.mechanisms(Surface::Imap, false, ip(CLIENT)),
        Vec::<&str>::new()
    );
    let local = auth.verify(&login(Surface::Imap, false, "127.0.0.1")).await;
    assert_eq!(kind(&local), "grant");
    let remote = auth.verify(&login(Surface::Imap, false, CLIENT)).await;
    assert_eq!(kind(&remote), "tls-required");

    // Without `trust_loopback` the policy's trust has no local client to apply to.
    let untrusting = builder(directory())
        .mechanisms(MechanismPolicy::new().trust_local_transport(true))
        .build()
        .unwrap();
    assert_eq!(
        untrusting.mechanisms(Surface::Imap, false, ip("127.0.0.1")),
        Vec::<&str>::new()
    );
    let refused = untrusting
        .verify(&login(Surface::Imap, false, "127.0.0.1"))
        .await;
    assert_eq!(kind(&refused), "tls-required");
}
