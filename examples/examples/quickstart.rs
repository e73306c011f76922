//! The smallest embedding: an in-memory directory, one authenticator, one
//! IMAP `AUTHENTICATE PLAIN` judged. `cargo run --example quickstart`
use portcullis::{
    Account, AuthRequest, Authenticator, Decision, MemoryDirectory, RequestCredentials, Surface,
};
use portcullis_credentials::{HashPolicy, OsRandom, StoredHash};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A directory with one account; its password stored as an argon2id hash.
    let hash = HashPolicy::default().hash_password(b"correct horse", &mut OsRandom)?;
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("alice@example.org")
                .with_password(StoredHash::parse(&hash)?)
                .with_roles(["user"]),
        )
        .build();
    let authenticator = Authenticator::builder().directory(directory).build()?;

    // The client's decoded SASL PLAIN response, received over TLS.
    let request = AuthRequest::new(
        Surface::Imap,
        "192.0.2.7".parse()?,
        RequestCredentials::Sasl {
            mechanism: "PLAIN".into(),
            responses: vec![b"\0alice@example.org\0correct horse".to_vec()],
        },
    )
    .with_tls(true);

    match authenticator.verify(&request).await {
        Decision::Grant(grant) => println!(
            "OK: {} logged in with {}",
            grant.acting_as,
            grant.credential.kind.name()
        ),
        // The reply a server sends: e.g. "NO [AUTHENTICATIONFAILED] Authentication failed".
        Decision::Deny(denial) | Decision::TryLater(denial) => {
            println!("a1 {}", denial.public.imap())
        }
    }
    Ok(())
}
