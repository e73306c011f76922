//! Malformed lines and duplicates: refused, named by line, never quoting
//! the password field.

use portcullis_passwd_file::{Error, LineError, MAX_LINE_BYTES, Options, PasswdFile};

fn refuse(text: &str) -> Error {
    PasswdFile::parse(text, &Options::default()).unwrap_err()
}

fn line_error(text: &str) -> (usize, LineError) {
    match refuse(text) {
        Error::Line { line, error } => (line, error),
        other => panic!("{other:?}"),
    }
}

/// A line, and what its error must be.
type Case = (&'static str, fn(&LineError) -> bool);

#[test]
fn malformed_lines_name_their_number() {
    let ok = "# header\nok:{PLAIN}x\n\n";
    let cases: &[Case] = &[
        (":{PLAIN}x", |e| *e == LineError::EmptyName),
        ("alice", |e| *e == LineError::NoPasswordField),
        ("al\u{7}ice:{PLAIN}x", |e| {
            matches!(e, LineError::InvalidName(_))
        }),
        ("alice@:{PLAIN}x", |e| {
            matches!(e, LineError::InvalidName(_))
        }),
        ("alice:{PLAIN}x::::::=x", |e| *e == LineError::EmptyFieldKey),
        ("alice:{PLAIN}x::::::user=", |e| {
            matches!(e, LineError::InvalidUser(_))
        }),
        ("alice:{PLAIN}x::::::user", |e| {
            matches!(e, LineError::InvalidUser(_))
        }),
        (
            "alice:{PLAIN}x::::::allow_nets=10.0.0.0/8,example.org",
            |e| {
                *e == LineError::InvalidNet {
                    field: "allow_nets",
                    item: "example.org".into(),
                }
            },
        ),
        ("alice:{PLAIN}x::::::allow_real_nets", |e| {
            matches!(
                e,
                LineError::InvalidNet {
                    field: "allow_real_nets",
                    ..
                }
            )
        }),
        ("alice:{SHA512-CRYPT}$6$salt$tooshort", |e| {
            matches!(e, LineError::Hash(_))
        }),
        ("alice:{SSHA256}not base64!", |e| {
            matches!(e, LineError::Hash(_))
        }),
        ("alice:{SHA", |e| matches!(e, LineError::Hash(_))),
    ];
    for (line, expected) in cases {
        let (number, error) = line_error(&format!("{ok}{line}\nlast:{{PLAIN}}y\n"));
        assert_eq!(number, 4, "{line:?}: {error:?}");
        assert!(expected(&error), "{line:?}: {error:?}");
    }
}

#[test]
fn messages_never_quote_the_password() {
    for (line, secret) in [
        (
            "alice:{SHA512-CRYPT}$6$S3cr3tSalt$Sup3rS3cretHashValue",
            "S3cr3t",
        ),
        // A cleartext password without `{PLAIN}` is a malformed CRYPT hash.
        ("alice:correct-horse-battery", "horse"),
        ("alice:{SSHA256}hunter2hunter2!!", "hunter2"),
        ("alice:{BLF-CRYPT}$2y$05$Zm9vYmFyc2VjcmV0", "Zm9vYmFy"),
        (
            "alice:{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2VjcmV0$",
            "c2VjcmV0",
        ),
    ] {
        let error = refuse(line);
        let shown = format!("{error} / {error:?}");
        assert!(matches!(error, Error::Line { line: 1, .. }), "{shown}");
        assert!(!shown.contains(secret), "{line:?} leaks: {shown}");
        assert!(shown.starts_with("line 1: password field"), "{shown}");
    }
}

#[test]
fn not_utf8_and_too_long() {
    let mut bytes = b"a:{PLAIN}x\nb:{PLAIN}\xff\xfe\n".to_vec();
    let error = PasswdFile::parse_bytes(&bytes, &Options::default()).unwrap_err();
    assert_eq!(
        error,
        Error::Line {
            line: 2,
            error: LineError::NotUtf8
        }
    );
    bytes.truncate(11);
    bytes.extend(b"c:{PLAIN}");
    bytes.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES));
    let error = PasswdFile::parse_bytes(&bytes, &Options::default()).unwrap_err();
    assert_eq!(
        error,
        Error::Line {
            line: 2,
            error: LineError::TooLong {
                max: MAX_LINE_BYTES
            }
        }
    );
    // Non-UTF-8 in a comment is still refused: the file is text.
    let error = PasswdFile::parse_bytes(b"# caf\xe9\n", &Options::default()).unwrap_err();
    assert_eq!(error.kind(), "malformed-line");
}

#[test]
fn duplicates_name_both_lines() {
    let text = "a:{PLAIN}x\nb:{PLAIN}x\n# c\nc:{PLAIN}x\na:{PLAIN}y\n";
    assert_eq!(
        refuse(text),
        Error::Duplicate {
            name: "a".into(),
            first: 1,
            second: 5
        }
    );
    // The same name after normalisation (domain case, NFC).
    let error = refuse("x@Example.org:{PLAIN}x\nx@example.ORG:{PLAIN}y\n");
    assert_eq!(
        error.to_string(),
        "lines 1 and 2 both claim the name \"x@example.org\""
    );
    let error = refuse("jos\u{e9}:{PLAIN}x\njose\u{301}:{PLAIN}y\n");
    assert!(
        matches!(
            error,
            Error::Duplicate {
                first: 1,
                second: 2,
                ..
            }
        ),
        "{error}"
    );
    // A `user=` name that is another line's name, or another `user=`.
    assert_eq!(
        refuse("bob:{PLAIN}x\nalias:{PLAIN}y::::::user=bob\n"),
        Error::Duplicate {
            name: "bob".into(),
            first: 1,
            second: 2
        }
    );
    assert_eq!(
        refuse("alias:{PLAIN}y::::::user=bob\nbob:{PLAIN}x\n"),
        Error::Duplicate {
            name: "bob".into(),
            first: 1,
            second: 2
        }
    );
    assert!(matches!(
        refuse("a1:{PLAIN}y::::::user=bob\na2:{PLAIN}z::::::user=bob\n"),
        Error::Duplicate {
            first: 1,
            second: 2,
            ..
        }
    ));
    // A line naming itself is no duplicate.
    let file = PasswdFile::parse("bob:{PLAIN}x::::::user=bob\n", &Options::default()).unwrap();
    assert_eq!(file.len(), 1);
}

#[test]
fn error_kinds_are_stable() {
    assert_eq!(refuse(":x").kind(), "malformed-line");
    assert_eq!(refuse("a:{PLAIN}x\na:{PLAIN}x").kind(), "duplicate-name");
    let strict = PasswdFile::parse("a:{PLAIN}x::::::nodelay", &Options::default().strict(true));
    assert_eq!(strict.unwrap_err().kind(), "strict-mode");
}
