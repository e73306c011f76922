//! The format's edge cases: fields, comments, line endings, names.

use portcullis_credentials::{HashPolicy, Scheme};
use portcullis_passwd_file::{AllowedNet, Error, Options, PasswdFile, WarningKind};

use crate::support::{USERS, parse};

#[test]
fn the_example_file() {
    let file = parse(USERS);
    assert_eq!(file.len(), 10);
    let lines: Vec<_> = file.entries().iter().map(|entry| entry.line).collect();
    assert_eq!(lines, [4, 5, 6, 8, 10, 11, 13, 15, 17, 19]);

    let alice = file.get("alice@example.org").unwrap();
    assert_eq!(alice.uid.as_deref(), Some("1000"));
    assert_eq!(alice.gid.as_deref(), Some("1000"));
    assert_eq!(alice.gecos.as_deref(), Some("Alice"));
    assert_eq!(alice.home.as_deref(), Some("/home/alice"));
    assert_eq!(alice.shell, None);
    // Values keep their `:` and `=`.
    assert_eq!(
        alice.userdb_fields,
        [
            ("quota_rule".to_owned(), Some("*:storage=1G".to_owned())),
            ("mail".to_owned(), Some("maildir:~/Maildir".to_owned())),
        ]
    );
    assert_eq!(alice.account.roles, ["user"]);
    assert!(!alice.account.disabled);

    let schemes: Vec<_> = file
        .entries()
        .iter()
        .map(|entry| entry.account.password.as_ref().map(|hash| hash.scheme()))
        .collect();
    assert_eq!(
        schemes,
        [
            Some(Scheme::Ssha256),
            Some(Scheme::Plain),
            Some(Scheme::Bcrypt),
            Some(Scheme::Argon2id),
            Some(Scheme::Sha512Crypt),
            Some(Scheme::Md5Crypt),
            Some(Scheme::Plain),
            Some(Scheme::Plain),
            Some(Scheme::Plain),
            None,
        ]
    );
    let erin = file.get("erin@example.org").unwrap();
    assert_eq!(erin.shell.as_deref(), Some("/bin/false"));
    assert!(erin.userdb_fields.is_empty());

    // The warnings: grace's `reason`, ivan's `allow_nets`, judy's scheme.
    let warnings: Vec<_> = file
        .warnings()
        .iter()
        .map(|warning| (warning.line, warning.field.as_str(), &warning.kind))
        .collect();
    assert_eq!(
        warnings,
        [
            (13, "reason", &WarningKind::Ignored),
            (17, "allow_nets", &WarningKind::AccountDisabled),
            (
                19,
                "password",
                &WarningKind::UnsupportedScheme {
                    scheme: "{CRAM-MD5}".into()
                }
            ),
        ]
    );
    let ivan = file.get("ivan@example.org").unwrap();
    assert!(ivan.account.disabled);
    assert_eq!(ivan.disabled_by, ["allow_nets"]);
    assert_eq!(
        ivan.allow_nets.as_deref(),
        Some(
            &[
                AllowedNet::Net("192.0.2.0/24".parse().unwrap()),
                AllowedNet::Net("2001:db8::/32".parse().unwrap()),
                AllowedNet::Local,
            ][..]
        )
    );
    assert!(ivan.allows_address(Some("192.0.2.77".parse().unwrap())));
    assert!(ivan.allows_address(None));
    assert!(!ivan.allows_address(Some("198.51.100.1".parse().unwrap())));
    assert!(alice.allows_address(Some("198.51.100.1".parse().unwrap())));
}

#[test]
fn trailing_fields_may_be_missing_or_empty() {
    for line in [
        "a:{PLAIN}pw",
        "a:{PLAIN}pw:",
        "a:{PLAIN}pw:::",
        "a:{PLAIN}pw::::::",
        "a:{PLAIN}pw:::::: ",
    ] {
        let file = parse(line);
        let entry = file.get("a").unwrap_or_else(|| panic!("{line:?}"));
        assert!(entry.account.password.is_some(), "{line:?}");
        assert_eq!(
            (&entry.uid, &entry.gid, &entry.home, &entry.shell),
            (&None, &None, &None, &None),
            "{line:?}"
        );
        assert!(file.warnings().is_empty(), "{line:?}");
    }
    // A colon too many is an extra field named `:`: unknown, reported.
    let file = parse("a:{PLAIN}pw:::::::");
    assert!(file.get("a").unwrap().account.password.is_some());
    assert_eq!(file.warnings()[0].field, ":");
    assert_eq!(file.warnings()[0].kind, WarningKind::Unknown);
    // Only the password field is needed after the name; it may be empty.
    let file = parse("a:\nb::1:2");
    assert!(file.get("a").unwrap().account.password.is_none());
    assert_eq!(file.get("b").unwrap().gid.as_deref(), Some("2"));
}

#[test]
fn colon_counts() {
    // Everything after the seventh `:` is the extra-fields list.
    let file = parse("a:{PLAIN}pw:1:2:g:/h:/s:userdb_mail=mbox:~/mail:INBOX=/var/a nologin");
    let entry = file.get("a").unwrap();
    assert_eq!(
        entry.userdb_fields,
        [(
            "mail".to_owned(),
            Some("mbox:~/mail:INBOX=/var/a".to_owned())
        )]
    );
    assert!(entry.account.disabled);
    assert_eq!(entry.shell.as_deref(), Some("/s"));
    // Seven fields: the seventh is the shell, there are no extra fields.
    let file = parse("a:{PLAIN}pw:1:2:g:/h:nologin");
    let entry = file.get("a").unwrap();
    assert_eq!(entry.shell.as_deref(), Some("nologin"));
    assert!(!entry.account.disabled);
}

#[test]
fn comments_blank_lines_and_line_endings() {
    let text = "\u{feff}# comment\r\n\r\n   \r\n\t# indented comment\na:{PLAIN}x\r\n\nb:{PLAIN}y";
    let file = parse(text);
    assert_eq!(file.len(), 2);
    assert_eq!(file.get("a").unwrap().line, 5);
    assert_eq!(file.get("b").unwrap().line, 7);
    // CR LF is not part of the password (or of the last field).
    let policy = HashPolicy::default();
    let a = file.get("a").unwrap().account.password.clone().unwrap();
    assert!(a.verify(b"x", &policy).is_ok());
    let file = parse("a:{PLAIN}x:1:2:::/bin/sh:nologin\r\n");
    let entry = file.get("a").unwrap();
    assert!(entry.account.disabled);
    assert!(file.warnings().is_empty());
    // An empty file, and one of comments only.
    assert!(parse("").is_empty());
    assert!(parse("# nothing\n\n").is_empty());
}

#[test]
fn utf8_names_are_normalised() {
    // Decomposed `é` in the file, upper-case domain: found by the
    // canonical form the authenticator passes (NFC, lower-case domain).
    let file = parse("Jose\u{301}@Exämple.ORG:{PLAIN}x\n");
    let entry = file.get("Jos\u{e9}@exämple.org").unwrap();
    assert_eq!(entry.login, "Jos\u{e9}@exämple.org");
    assert_eq!(entry.account.name, "Jos\u{e9}@exämple.org");
    // Any spelling that normalises the same way finds it too.
    assert!(file.get("Jose\u{301}@EXÄMPLE.org").is_some());
    // The local part keeps its case.
    assert!(file.get("jos\u{e9}@exämple.org").is_none());
    // Non-ASCII passwords are bytes like any other.
    let file = parse("小明:{PLAIN}密码\n");
    let hash = file.get("小明").unwrap().account.password.clone().unwrap();
    assert!(
        hash.verify("密码".as_bytes(), &HashPolicy::default())
            .is_ok()
    );
}

#[test]
fn lowercase_names_like_dovecot_percent_lu() {
    let options = Options::default().lowercase_names(true);
    let file = PasswdFile::parse("Alice@Example.org:{PLAIN}x\n", &options).unwrap();
    assert_eq!(
        file.get("ALICE@example.org").unwrap().account.name,
        "alice@example.org"
    );
    assert!(file.get("alice@example.org").is_some());
    // Names that coincide once lower-cased are duplicates.
    let error = PasswdFile::parse("Alice:{PLAIN}x\nalice:{PLAIN}y\n", &options).unwrap_err();
    assert_eq!(
        error,
        Error::Duplicate {
            name: "alice".into(),
            first: 1,
            second: 2
        }
    );
    // Without the option they are two accounts.
    assert_eq!(parse("Alice:{PLAIN}x\nalice:{PLAIN}y\n").len(), 2);
}

#[test]
fn password_field_forms() {
    let policy = HashPolicy::default();
    // Bare crypt strings are CRYPT (Dovecot's default scheme): DES, too.
    let file = parse("des:TvDnwYUR4fHUA\n");
    let des = file.get("des").unwrap().account.password.clone().unwrap();
    assert_eq!(des.scheme(), Scheme::DesCrypt);
    assert!(des.verify(b"hunter2", &policy).is_ok());
    // The passwd(5) lock marks and an empty field: no password.
    for line in ["a:x", "a:*", "a:!", "a:!$6$abc$def", "a:*LK*", "a:"] {
        let file = parse(line);
        assert!(file.get("a").unwrap().account.password.is_none(), "{line}");
        assert!(file.warnings().is_empty(), "{line}");
    }
    // Another default scheme (Dovecot's `scheme=PLAIN`).
    let options = Options::default().default_scheme("PLAIN");
    let file = PasswdFile::parse("a:!secret\n", &options).unwrap();
    let hash = file.get("a").unwrap().account.password.clone().unwrap();
    assert!(hash.verify(b"!secret", &policy).is_ok());
    // Dovecot's `{MD5}` is md5-crypt; `{LDAP-MD5}` (base64 MD5) is not
    // verified.
    let file =
        parse("a:{MD5}$1$AT5G/ZqV$yBi0xKloB1iTv0B0sbq460\nb:{LDAP-MD5}KrljkMfb40Od500MmwsXZw==\n");
    let md5 = file.get("a").unwrap().account.password.clone().unwrap();
    assert!(md5.verify(b"frank secret", &policy).is_ok());
    assert!(file.get("b").unwrap().account.password.is_none());
    assert_eq!(
        file.warnings()[0].kind,
        WarningKind::UnsupportedScheme {
            scheme: "{LDAP-MD5}".into()
        }
    );
    // Scheme names are case-insensitive, encodings are honoured.
    let file = parse("a:{plain.b64}aHVudGVyMg==\n");
    let hash = file.get("a").unwrap().account.password.clone().unwrap();
    assert!(hash.verify(b"hunter2", &policy).is_ok());
}

#[test]
fn user_field_sets_the_canonical_name() {
    let file = parse("Heidi@Example.ORG:{PLAIN}x::::::user=heidi@EXAMPLE.org\n");
    let entry = file.get("Heidi@example.org").unwrap();
    assert_eq!(entry.login, "Heidi@example.org");
    assert_eq!(entry.account.name, "heidi@example.org");
    // The canonical name answers too (sessions are looked up by it).
    assert_eq!(file.get("heidi@example.org").unwrap().line, 1);
    // `%` variables are not expanded: reported, the name is kept.
    let file = parse("Bob:{PLAIN}x::::::user=%Lu\n");
    assert_eq!(file.get("Bob").unwrap().account.name, "Bob");
    assert_eq!(file.warnings()[0].kind, WarningKind::NotExpanded);
    assert_eq!(file.warnings()[0].field, "user");
}

#[test]
fn roles_are_configurable() {
    let options = Options::default().default_roles(["user", "admin"]);
    let file = PasswdFile::parse("a:{PLAIN}x\n", &options).unwrap();
    assert_eq!(file.get("a").unwrap().account.roles, ["user", "admin"]);
    let options = Options::default().default_roles(Vec::<String>::new());
    let file = PasswdFile::parse("a:{PLAIN}x\n", &options).unwrap();
    assert!(file.get("a").unwrap().account.roles.is_empty());
    // A role the graph does not have refuses the options.
    let options = Options::default().default_roles(["mail-user"]);
    let error = PasswdFile::parse("a:{PLAIN}x\n", &options).unwrap_err();
    assert_eq!(error.kind(), "unknown-role");
    assert!(error.to_string().contains("mail-user"), "{error}");
}

#[test]
fn revisions_change_with_the_line() {
    let one = parse("a:{PLAIN}x:1\nb:{PLAIN}x:1\n");
    let two = parse("a:{PLAIN}x:1\nb:{PLAIN}x:1::::nologin\n");
    let revision = |file: &PasswdFile, name: &str| file.get(name).unwrap().account.revision;
    assert_eq!(revision(&one, "a"), revision(&two, "a"));
    assert_ne!(revision(&one, "b"), revision(&two, "b"));
}
