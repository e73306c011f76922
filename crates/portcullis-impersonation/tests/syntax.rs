//! Login-name syntax and authzid vectors from `data/syntax.json`.

use portcullis_impersonation::{LoginForm, LoginSyntax, Separators};
use serde::Deserialize;

/// One vector. `separators` defaults to the crate default (`%`); `repeat`
/// repeats `login` to build long inputs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    name: String,
    #[serde(default)]
    separators: Option<String>,
    login: String,
    #[serde(default)]
    repeat: Option<usize>,
    #[serde(default)]
    authzid: Option<String>,
    #[serde(default)]
    authzid_repeat: Option<usize>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    target_len: Option<usize>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    form: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn form_name(form: LoginForm) -> String {
    match form {
        LoginForm::Separator(c) => format!("separator:{c}"),
        other => other.name().to_owned(),
    }
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str(include_str!("data/syntax.json")).unwrap()
}

#[test]
fn syntax_vectors() {
    let vectors = vectors();
    assert!(vectors.len() > 60);
    for vector in vectors {
        let name = &vector.name;
        let syntax = match &vector.separators {
            None => LoginSyntax::default(),
            Some(chars) => LoginSyntax::new(Separators::from_chars(chars).unwrap()),
        };
        let login = vector.login.repeat(vector.repeat.unwrap_or(1));
        let authzid = vector
            .authzid
            .as_ref()
            .map(|authzid| authzid.repeat(vector.authzid_repeat.unwrap_or(1)));
        let result = syntax.resolve(&login, authzid.as_deref());
        if authzid.is_none() {
            assert_eq!(
                result,
                syntax.parse(&login),
                "{name}: resolve(x, None) == parse(x)"
            );
        }
        match (&vector.error, result) {
            (Some(kind), Err(error)) => {
                assert_eq!(error.kind(), kind, "{name}");
                assert!(!error.public_message().is_empty(), "{name}");
            }
            (Some(kind), Ok(parsed)) => panic!("{name}: expected {kind}, got {parsed:?}"),
            (None, Err(error)) => panic!("{name}: unexpected {error:?}"),
            (None, Ok(parsed)) => {
                if let Some(target) = &vector.target {
                    assert_eq!(parsed.target(), target, "{name}");
                }
                if let Some(len) = vector.target_len {
                    assert_eq!(parsed.target().len(), len, "{name}");
                }
                assert_eq!(parsed.actor(), vector.actor.as_deref(), "{name}");
                assert_eq!(parsed.is_impersonation(), vector.actor.is_some(), "{name}");
                assert_eq!(
                    parsed.authenticating(),
                    vector.actor.as_deref().unwrap_or(parsed.target()),
                    "{name}"
                );
                assert_eq!(parsed.login(), login, "{name}: the raw login is kept");
                assert_eq!(
                    Some(form_name(parsed.form())),
                    vector.form.clone(),
                    "{name}"
                );
            }
        }
    }
}

/// The seed corpus of the `login_name` fuzz target is generated from these
/// vectors; this keeps the file names and contents in step (run with
/// `PORTCULLIS_WRITE_SEEDS=1` to rewrite them).
#[test]
fn fuzz_seeds_match_vectors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/login_name");
    let write = std::env::var_os("PORTCULLIS_WRITE_SEEDS").is_some();
    if write {
        std::fs::create_dir_all(&dir).unwrap();
    }
    if !dir.exists() {
        return;
    }
    for (index, vector) in vectors().into_iter().enumerate() {
        // Byte 0 selects the separators (see fuzz/fuzz_targets/login_name.rs);
        // the rest is the login, then NUL and the authzid if there is one.
        let selector: u8 = match vector.separators.as_deref() {
            Some("") => 0,
            None | Some("%") => 1,
            Some("*") => 2,
            Some("%*") => 3,
            Some(_) => 4,
        };
        let mut seed = vec![selector];
        seed.extend(vector.login.repeat(vector.repeat.unwrap_or(1)).bytes());
        if let Some(authzid) = &vector.authzid {
            seed.push(0);
            seed.extend(authzid.repeat(vector.authzid_repeat.unwrap_or(1)).bytes());
        }
        let path = dir.join(format!("seed-{index:03}"));
        if write {
            std::fs::write(&path, &seed).unwrap();
        } else {
            assert_eq!(std::fs::read(&path).unwrap(), seed, "{}", path.display());
        }
    }
}

#[test]
fn separators_config() {
    assert_eq!(Separators::default(), Separators::PERCENT);
    assert_eq!(LoginSyntax::default().separators, Separators::PERCENT);
    let error = Separators::from_chars("%@").unwrap_err();
    assert_eq!(error.kind(), "unsupported-separator");
    assert_eq!(
        error.to_string(),
        "'@' cannot be an impersonation separator"
    );
    let syntax: LoginSyntax = serde_json::from_str(r#"{"separators": "*%"}"#).unwrap();
    assert_eq!(
        syntax.separators,
        Separators::PERCENT.union(Separators::ASTERISK)
    );
    assert_eq!(
        serde_json::to_string(&syntax).unwrap(),
        r#"{"separators":"%*"}"#
    );
    let off: LoginSyntax = serde_json::from_str(r#"{"separators": ""}"#).unwrap();
    assert!(off.separators.is_empty());
    assert_eq!(
        serde_json::from_str::<LoginSyntax>("{}").unwrap(),
        LoginSyntax::default()
    );
    assert!(serde_json::from_str::<LoginSyntax>(r#"{"separators": "."}"#).is_err());
    assert!(serde_json::from_str::<LoginSyntax>(r#"{"separator": "%"}"#).is_err());
}
