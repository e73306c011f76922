//! Extra fields: honoured, kept, or reported — never dropped silently.

use portcullis_credentials::CostLimits;
use portcullis_passwd_file::{Error, Options, PasswdFile, Warning, WarningKind};

use crate::support::parse;

fn warnings(text: &str) -> Vec<(usize, String, WarningKind)> {
    parse(text)
        .warnings()
        .iter()
        .map(|warning| (warning.line, warning.field.clone(), warning.kind.clone()))
        .collect()
}

#[test]
fn unknown_and_ignored_fields_are_reported_per_line() {
    let text = "a:{PLAIN}x::::::nodelay quota=1G\n\
                b:{PLAIN}x::::::proxy host=10.0.0.2 pass=Pr0xyS3cret forward_x=1\n\
                c:{PLAIN}x::::::NOLOGIN nopassword\n";
    assert_eq!(
        warnings(text),
        [
            (1, "nodelay".into(), WarningKind::Ignored),
            (1, "quota".into(), WarningKind::Unknown),
            (2, "proxy".into(), WarningKind::Ignored),
            (2, "host".into(), WarningKind::Ignored),
            (2, "pass".into(), WarningKind::Ignored),
            (2, "forward_x".into(), WarningKind::Ignored),
            (3, "NOLOGIN".into(), WarningKind::Unknown),
            (3, "nopassword".into(), WarningKind::Ignored),
        ]
    );
    let file = parse(text);
    // Values (here a proxy password) never reach a warning.
    let shown: String = file
        .warnings()
        .iter()
        .map(|w| format!("{w} {w:?}"))
        .collect();
    assert!(!shown.contains("Pr0xy"), "{shown}");
    // `NOLOGIN` is not `nologin` (Dovecot compares keys exactly); ignoring
    // `nopassword` keeps the password required.
    let c = file.get("c").unwrap();
    assert!(!c.account.disabled);
    assert!(c.account.password.is_some());
}

#[test]
fn honoured_fields_are_not_warnings() {
    let text = "a:{PLAIN}x::::::nologin nologin=yes\n\
                b:{PLAIN}x::::::fail\n\
                c:{PLAIN}x::::::user=c2 userdb_quota_rule=*:storage=1G userdb_noreplicate\n";
    let file = parse(text);
    assert!(file.warnings().is_empty(), "{:?}", file.warnings());
    assert_eq!(file.get("a").unwrap().disabled_by, ["nologin"]);
    assert_eq!(file.get("b").unwrap().disabled_by, ["fail"]);
    assert!(file.get("a").unwrap().account.disabled);
    assert!(file.get("b").unwrap().account.disabled);
    let c = file.get("c").unwrap();
    assert!(!c.account.disabled);
    assert_eq!(c.account.name, "c2");
    assert_eq!(
        c.userdb_fields,
        [
            ("quota_rule".to_owned(), Some("*:storage=1G".to_owned())),
            ("noreplicate".to_owned(), None),
        ]
    );
}

#[test]
fn restrictions_that_cannot_be_enforced_disable_the_account() {
    let text = "a:{PLAIN}x::::::allow_nets=127.0.0.1\n\
                b:{PLAIN}x::::::allow_real_nets=10.0.0.0/8\n\
                c:{PLAIN}x::::::noauthenticate\n\
                d:{PLAIN}x::::::allow_nets=::1 nologin\n";
    assert_eq!(
        warnings(text),
        [
            (1, "allow_nets".into(), WarningKind::AccountDisabled),
            (2, "allow_real_nets".into(), WarningKind::AccountDisabled),
            (3, "noauthenticate".into(), WarningKind::AccountDisabled),
            (4, "allow_nets".into(), WarningKind::AccountDisabled),
        ]
    );
    let file = parse(text);
    for name in ["a", "b", "c", "d"] {
        assert!(file.get(name).unwrap().account.disabled, "{name}");
    }
    assert_eq!(
        file.get("d").unwrap().disabled_by,
        ["allow_nets", "nologin"]
    );
    assert!(
        file.warnings()[0]
            .to_string()
            .contains("the account is disabled")
    );

    // The danger option loads them enabled, still reported.
    let options = Options::default().danger_ignore_allow_nets();
    let file = PasswdFile::parse(text, &options).unwrap();
    assert!(!file.get("a").unwrap().account.disabled);
    assert!(!file.get("b").unwrap().account.disabled);
    assert!(file.get("c").unwrap().account.disabled);
    assert!(file.get("d").unwrap().account.disabled);
    let kinds: Vec<_> = file.warnings().iter().map(|w| w.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            WarningKind::NotEnforced,
            WarningKind::NotEnforced,
            WarningKind::AccountDisabled,
            WarningKind::NotEnforced,
        ]
    );
    let a = file.get("a").unwrap();
    assert!(a.allows_address(Some("127.0.0.1".parse().unwrap())));
    assert!(!a.allows_address(Some("127.0.0.2".parse().unwrap())));
    let b = file.get("b").unwrap();
    assert!(b.allows_address(Some("192.0.2.1".parse().unwrap())));
    assert!(b.allows_real_address(Some("10.1.2.3".parse().unwrap())));
    assert!(!b.allows_real_address(Some("192.0.2.1".parse().unwrap())));
}

#[test]
fn unusable_hashes_are_reported_not_loaded() {
    let text = "a:{CRAM-MD5}60ebd8347e945af7703b0d59d8bfedc236234196f561c057cf5a5d5a6e58304a\n\
                b:{PLAIN-MD4}ef82affaaca97b5271818b446c1d6cb7\n\
                c:{OTP}sha1 1024 d00f07b2cd77078b b7774ac633391dd4\n\
                d:{CRYPT}$7$CU..../....salt$hash\n";
    let file = parse(text);
    let schemes: Vec<_> = file
        .warnings()
        .iter()
        .map(|warning| match &warning.kind {
            WarningKind::UnsupportedScheme { scheme } => (warning.line, scheme.as_str()),
            other => panic!("{other:?}"),
        })
        .collect();
    // (`{SCRAM-SHA-256}` and `{SCRAM-SHA-1}` are tested against doveadm:
    // they work once portcullis-credentials parses them.)
    assert_eq!(
        schemes,
        [
            (1, "{CRAM-MD5}"),
            (2, "{PLAIN-MD4}"),
            (3, "{OTP}"),
            (4, "$7$")
        ]
    );
    for entry in file.entries() {
        assert!(entry.account.password.is_none());
        assert!(!entry.account.disabled);
    }
    assert!(
        file.warnings()[0]
            .to_string()
            .ends_with("password logins to this account are refused")
    );
}

#[test]
fn costly_hashes_are_reported() {
    // doveadm's default sha512-crypt: 5000 rounds.
    let line = "a:{SHA512-CRYPT}$6$vWZlT8g50/SoVCVK$AhPGjeJwOm85NJBv7zc9CfIAOPprpDlFoqTIFGyxN4oreHZGj42vVUjxpg/7pwplTe.jomYkJJeC9KJr0ZUB5/\n";
    assert!(parse(line).warnings().is_empty());
    let options = Options::default().hash_limits(CostLimits {
        sha_crypt_max_rounds: 1000,
        ..CostLimits::default()
    });
    let file = PasswdFile::parse(line, &options).unwrap();
    let [warning] = file.warnings() else {
        panic!("{:?}", file.warnings())
    };
    assert_eq!((warning.line, warning.field.as_str()), (1, "password"));
    assert!(matches!(warning.kind, WarningKind::HashTooCostly(_)));
    // Loaded all the same: the authenticator's own policy decides.
    assert!(file.get("a").unwrap().account.password.is_some());
}

#[test]
fn strict_mode_refuses_with_every_warning() {
    let text = "a:{PLAIN}x::::::nodelay\nb:{PLAIN}x\nc:{CRAM-MD5}00::::::bogus\n";
    let error = PasswdFile::parse(text, &Options::default().strict(true)).unwrap_err();
    let Error::Strict { warnings } = &error else {
        panic!("{error:?}")
    };
    let fields: Vec<_> = warnings
        .iter()
        .map(|Warning { line, field, .. }| (*line, field.as_str()))
        .collect();
    assert_eq!(fields, [(1, "nodelay"), (3, "password"), (3, "bogus")]);
    assert_eq!(
        error.to_string(),
        "strict mode refuses the file: line 1: `nodelay`: ignored (a Dovecot field with no counterpart here) (and 2 more)"
    );
    // Honoured and kept fields pass strict mode.
    let clean = "a:{PLAIN}x:1:1::/home/a::nologin user=a2 userdb_mail=maildir:~/M\n";
    assert!(PasswdFile::parse(clean, &Options::default().strict(true)).is_ok());
}
