//! App passwords whose secret names no credential id (Stalwart's
//! `$app$<name>$<hash>`, imported as `[[account.app_password]]`): off by
//! default; when turned on, a secret that is not the account password is
//! tried against at most N of them, and the grant names the app password
//! (its scope, its expiry, no second factor).

use portcullis::{CredentialKind, Decision, FileDirectory, Surface};

use crate::support::*;

const LEGACY: &str = "correct horse battery staple";
const SECOND: &str = "tr0ub4dor and three";

/// A directory file with alice (argon2id password, two id-less app
/// passwords), erin (TOTP-enrolled, one id-less app password) and bob
/// (a password hash over the work budget, one id-less app password).
fn file(settings: &str) -> FileDirectory {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("portcullis-idless-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("directory.toml");
    let text = format!(
        "[settings]\n{settings}\n\
         [settings.hash.argon2]\nm_kib = 64\nt = 1\np = 1\n\
         [[account]]\nname = \"alice@example.org\"\nroles = [\"user\"]\npassword = \"{alice}\"\n\
         [[account.app_password]]\nid = 3\nhash = \"{legacy}\"\nscope = \"imap-only\"\n\
         created_at = \"2026-01-01T00:00:00Z\"\n\
         [[account.app_password]]\nid = 4\nhash = \"{second}\"\n\
         created_at = \"2026-01-01T00:00:00Z\"\nexpires_at = \"2026-02-01T00:00:00Z\"\n\
         [[account]]\nname = \"erin@example.org\"\nroles = [\"user\"]\npassword = \"{erin}\"\n\
         totp = {{ secret = \"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\" }}\n\
         [[account.app_password]]\nid = 1\nhash = \"{legacy}\"\n\
         created_at = \"2026-01-01T00:00:00Z\"\n\
         [[account]]\nname = \"bob@example.org\"\nroles = [\"user\"]\npassword = \"{costly}\"\n\
         [[account.app_password]]\nid = 1\nhash = \"{legacy}\"\n\
         created_at = \"2026-01-01T00:00:00Z\"\n",
        costly = format_args!("$6$rounds=1000000$saltsaltsaltsalt${}", ".".repeat(86)),
        alice = hash("alice-password").as_str(),
        erin = hash("erin-password").as_str(),
        legacy = hash(LEGACY).as_str(),
        second = hash(SECOND).as_str(),
    );
    std::fs::write(&path, text).unwrap();
    let directory = FileDirectory::load(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    directory
}

fn auth(settings: &str) -> portcullis::Authenticator {
    let directory = file(settings);
    portcullis::Authenticator::builder()
        .directory(directory.clone())
        .settings(directory.settings())
        .hashing(portcullis::Hashing::Inline)
        .clock(now)
        .build()
        .unwrap()
}

async fn login(
    auth: &portcullis::Authenticator,
    surface: Surface,
    name: &str,
    secret: &str,
) -> Decision {
    let mut request = plain(surface, "", name, secret);
    request.now = Some(now());
    auth.verify(&request).await
}

#[tokio::test]
async fn off_by_default_an_id_less_secret_is_a_wrong_password() {
    let auth = auth("");
    let decision = login(&auth, Surface::Imap, "alice@example.org", LEGACY).await;
    assert_eq!(kind(&decision), "wrong-secret");
}

#[tokio::test]
async fn turned_on_it_signs_in_as_that_app_password_with_its_scope() {
    let auth = auth("app_passwords_without_id = 4");
    let decision = login(&auth, Surface::Imap, "alice@example.org", LEGACY).await;
    let Decision::Grant(grant) = &decision else {
        panic!("{}", kind(&decision))
    };
    assert_eq!(grant.credential.kind, CredentialKind::AppPassword);
    assert_eq!(grant.credential.id, Some(3));
    assert_eq!(grant.session_binding.credential, grant.credential);
    // Its scope is IMAP only.
    let smtp = login(&auth, Surface::Smtp, "alice@example.org", LEGACY).await;
    assert_eq!(kind(&smtp), "surface-not-in-scope");
    // The account password still signs in as the password.
    let password = login(&auth, Surface::Imap, "alice@example.org", "alice-password").await;
    let Decision::Grant(grant) = &password else {
        panic!("{}", kind(&password))
    };
    assert_eq!(grant.credential.kind, CredentialKind::Password);
    // An expired one is found, then refused for its expiry.
    let expired = login(&auth, Surface::Imap, "alice@example.org", SECOND).await;
    assert_eq!(kind(&expired), "credential-expired");
    assert_eq!(
        kind(&login(&auth, Surface::Imap, "alice@example.org", "nope").await),
        "wrong-secret"
    );
}

#[tokio::test]
async fn at_most_the_configured_number_are_tried() {
    let auth = auth("app_passwords_without_id = 1");
    assert_eq!(
        kind(&login(&auth, Surface::Imap, "alice@example.org", LEGACY).await),
        "grant"
    );
    // The second record is past the limit: never tried.
    assert_eq!(
        kind(&login(&auth, Surface::Imap, "alice@example.org", SECOND).await),
        "wrong-secret"
    );
}

#[tokio::test]
async fn an_app_password_needs_no_second_factor() {
    let auth = auth("app_passwords_without_id = 4");
    assert_eq!(
        kind(&login(&auth, Surface::Imap, "erin@example.org", "erin-password").await),
        "second-factor-required"
    );
    let decision = login(&auth, Surface::Imap, "erin@example.org", LEGACY).await;
    assert_eq!(kind(&decision), "grant");
}

#[tokio::test]
async fn wrong_secrets_count_once_each_and_lock_the_pair() {
    let auth = auth("app_passwords_without_id = 4");
    let mut refusals = vec![];
    for guess in 0..8 {
        let secret = format!("guess-{guess}");
        refusals.push(kind(
            &login(&auth, Surface::Imap, "alice@example.org", &secret).await,
        ));
    }
    let wrong = refusals
        .iter()
        .filter(|kind| **kind == "wrong-secret")
        .count();
    assert_eq!(wrong, 5, "{refusals:?}");
    assert_eq!(
        kind(&login(&auth, Surface::Imap, "alice@example.org", LEGACY).await),
        "throttled"
    );
}

/// Only "not the account password" opens the way to the id-less app
/// passwords: a password hash the server cannot use is reported as such
/// (fail closed, for the operator to mend), not stepped around.
#[tokio::test]
async fn an_unusable_account_password_hash_is_reported_not_stepped_around() {
    let auth = auth("app_passwords_without_id = 4");
    let decision = login(&auth, Surface::Imap, "bob@example.org", LEGACY).await;
    assert_eq!(kind(&decision), "stored-hash-unusable");
    let decision = login(&auth, Surface::Imap, "bob@example.org", "anything").await;
    assert_eq!(kind(&decision), "stored-hash-unusable");
}
