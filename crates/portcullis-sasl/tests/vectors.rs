//! The data-driven vectors: one harness for every file under `tests/data/`.

use portcullis_sasl::framing::managesieve::{self, SieveString};
use portcullis_sasl::framing::{self, AuthCommand, imap, pop3, smtp};
use portcullis_sasl::oauthbearer::OAuthBearerMessage;
use portcullis_sasl::plain::PlainMessage;
use portcullis_sasl::xoauth2::XOAuth2Message;
use portcullis_sasl::{
    ErrorChallenge, ErrorStatus, Limits, Mechanism, MechanismPolicy, MechanismSet, ServerExchange,
    Step, Transport, login,
};
use serde_json::{Value, json};

use crate::data::{self, b64, credentials_json, expand_value};

/// Decodes one mechanism message into the vectors' JSON shape, or an error kind.
pub(crate) fn decode(mechanism: &str, step: Option<&str>, bytes: &[u8]) -> Result<Value, String> {
    let l = Limits::default();
    let kind = |e: portcullis_sasl::Error| e.kind().to_owned();
    match mechanism {
        "PLAIN" => PlainMessage::decode(bytes, &l).map_err(kind).map(|m| {
            json!({"authzid": m.authzid(), "authcid": m.authcid(), "password": m.password().expose()})
        }),
        "LOGIN" => match step {
            Some("password") => login::decode_password(bytes, &l).map(|s| s.expose()),
            _ => login::decode_username(bytes, &l),
        }
        .map_err(kind)
        .map(|v| json!({"value": v})),
        "OAUTHBEARER" => OAuthBearerMessage::decode(bytes, &l).map_err(kind).map(|m| {
            json!({"authzid": m.authzid(), "host": m.host(), "port": m.port(), "token": m.token().expose()})
        }),
        "XOAUTH2" => XOAuth2Message::decode(bytes, &l)
            .map_err(kind)
            .map(|m| json!({"user": m.user(), "token": m.token().expose()})),
        other => panic!("unknown mechanism {other}"),
    }
}

fn run_mechanism_file(file: &str, mechanism: &str) -> usize {
    let vectors = data::load(file);
    for v in &vectors {
        let name = data::name(v);
        let got = data::input(v).and_then(|bytes| decode(mechanism, v["step"].as_str(), &bytes));
        match (&got, v.get("expect"), v["error"].as_str()) {
            (Ok(value), Some(expect), None) => {
                assert_eq!(value, &expand_value(expect), "{file}: {name}");
            }
            (Err(kind), None, Some(error)) => assert_eq!(kind, error, "{file}: {name}"),
            _ => panic!("{file}: {name}: got {got:?}, vector {v}"),
        }
    }
    vectors.len()
}

#[test]
fn plain_vectors() {
    assert!(run_mechanism_file("plain.jsonl", "PLAIN") >= 40);
}

#[test]
fn login_vectors() {
    assert!(run_mechanism_file("login.jsonl", "LOGIN") >= 15);
}

#[test]
fn oauthbearer_vectors() {
    assert!(run_mechanism_file("oauthbearer.jsonl", "OAUTHBEARER") >= 60);
}

#[test]
fn xoauth2_vectors() {
    assert!(run_mechanism_file("xoauth2.jsonl", "XOAUTH2") >= 20);
}

fn command_json(cmd: &AuthCommand<'_>, l: &Limits) -> Result<Value, String> {
    let mut buf = Vec::new();
    let initial = cmd
        .decode_initial(l, &mut buf)
        .map_err(|e| e.kind().to_owned())?;
    Ok(json!({
        "tag": cmd.tag(),
        "mechanism": cmd.mechanism(),
        "initial": initial.map(|b| String::from_utf8(b.to_vec()).unwrap()),
    }))
}

fn sieve_string_json(s: SieveString<'_>, l: &Limits, key: &str) -> Result<Value, String> {
    match s {
        SieveString::Literal(n) => Ok(json!({ "literal": n })),
        SieveString::Quoted(q) => {
            let mut buf = Vec::new();
            let d = managesieve::decode_string_content(q, l, &mut buf)
                .map_err(|e| e.kind().to_owned())?;
            Ok(json!({ key: String::from_utf8(d.to_vec()).unwrap() }))
        }
    }
}

#[test]
fn framing_vectors() {
    let l = Limits::default();
    let vectors = data::load("framing.jsonl");
    assert!(vectors.len() >= 40);
    for v in vectors {
        let name = data::name(&v);
        let line = data::expand(v["line"].as_str().unwrap());
        let line = line.as_bytes();
        let kind = |e: portcullis_sasl::Error| e.kind().to_owned();
        let protocol = v["protocol"].as_str().unwrap();
        let got: Result<Value, String> = if v["response"].as_bool() == Some(true) {
            let mut buf = Vec::new();
            let text = |d: &[u8]| json!({"data": String::from_utf8(d.to_vec()).unwrap()});
            match protocol {
                "imap" => imap::decode_response(line, &l, &mut buf)
                    .map(text)
                    .map_err(kind),
                "smtp" => smtp::decode_response(line, &l, &mut buf)
                    .map(text)
                    .map_err(kind),
                "pop3" => pop3::decode_response(line, &l, &mut buf)
                    .map(text)
                    .map_err(kind),
                _ => managesieve::parse_response(line, &l)
                    .map_err(kind)
                    .and_then(|s| sieve_string_json(s, &l, "data")),
            }
        } else {
            match protocol {
                "imap" => imap::parse_authenticate(line, &l)
                    .map_err(kind)
                    .and_then(|c| command_json(&c, &l)),
                "smtp" => smtp::parse_auth(line, &l)
                    .map_err(kind)
                    .and_then(|c| command_json(&c, &l)),
                "pop3" => pop3::parse_auth(line, &l)
                    .map_err(kind)
                    .and_then(|c| command_json(&c, &l)),
                _ => managesieve::parse_authenticate(line, &l)
                    .map_err(kind)
                    .and_then(|c| {
                        let mut out = json!({"tag": null, "mechanism": c.mechanism()});
                        match c.initial() {
                            None => out["initial"] = Value::Null,
                            Some(s) => {
                                let Value::Object(extra) = sieve_string_json(s, &l, "initial")?
                                else {
                                    unreachable!()
                                };
                                out.as_object_mut().unwrap().extend(extra);
                            }
                        }
                        Ok(out)
                    }),
            }
        };
        match (&got, v.get("expect"), v["error"].as_str()) {
            (Ok(value), Some(expect), None) => assert_eq!(value, &expand_value(expect), "{name}"),
            (Err(k), None, Some(error)) => assert_eq!(k, error, "{name}"),
            _ => panic!("{name}: got {got:?}, vector {v}"),
        }
    }
}

fn policy_from(v: &Value) -> MechanismPolicy {
    let p = &v["policy"];
    let mut limits = Limits::default();
    if let Some(n) = p["max_steps"].as_u64() {
        limits.max_steps = usize::try_from(n).unwrap();
    }
    if let Some(n) = p["max_exchange_bytes"].as_u64() {
        limits.max_exchange_bytes = usize::try_from(n).unwrap();
    }
    let mut policy = MechanismPolicy::new()
        .with_limits(limits)
        .danger_allow_plaintext_without_tls(p["danger_plaintext"].as_bool() == Some(true))
        .trust_local_transport(p["trust_local"].as_bool() == Some(true));
    if let Some(list) = p["mechanisms"].as_array() {
        let set = list.iter().fold(MechanismSet::empty(), |s, m| {
            s | Mechanism::from_name(m.as_str().unwrap()).unwrap().as_set()
        });
        policy = policy.with_mechanisms(set);
    }
    if p["login_prompts"].as_str() == Some("empty") {
        policy = policy.with_login_prompts(login::LoginPrompts::Empty);
    }
    policy
}

/// Outcome of a step in the vectors' notation.
pub(crate) fn outcome(
    step: &Result<Step, portcullis_sasl::Error>,
    creds: &mut Option<Value>,
) -> String {
    match step {
        Ok(Step::Continue(c)) => format!("continue:{}", b64(c.as_bytes())),
        Ok(Step::Done(c)) => {
            *creds = Some(credentials_json(c));
            "done".to_owned()
        }
        Ok(Step::Failed(r)) => format!(
            "failed:{}",
            match r {
                portcullis_sasl::FailureReason::TokenRejected => "token-rejected",
                _ => "other",
            }
        ),
        Ok(_) => "unknown-step".to_owned(),
        Err(e) => format!("error:{}", e.kind()),
    }
}

fn error_challenge(v: &Value) -> ErrorChallenge<'_> {
    ErrorChallenge {
        status: match v["status"].as_str().unwrap() {
            "invalid_token" => ErrorStatus::InvalidToken,
            "insufficient_scope" => ErrorStatus::InsufficientScope,
            _ => ErrorStatus::InvalidRequest,
        },
        scope: v["scope"].as_str(),
        openid_configuration: v["openid_configuration"].as_str(),
    }
}

#[test]
fn exchange_vectors() {
    let vectors = data::load("exchange.jsonl");
    assert!(vectors.len() >= 25);
    for v in vectors {
        let name = data::name(&v);
        let policy = policy_from(&v);
        let l = *policy.limits();
        let transport = match v["transport"].as_str().unwrap() {
            "tls" => Transport::TLS,
            "local" => Transport::LOCAL,
            _ => Transport::empty(),
        };
        let mut got = Vec::new();
        let mut creds = None;
        let mut buf = Vec::new();
        let initial = v["initial"].as_str().map(|w| {
            framing::decode_any_response(w.as_bytes(), &l, &mut buf)
                .unwrap()
                .to_vec()
        });
        let mut responses = v["responses"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter();
        match ServerExchange::start(
            v["mechanism"].as_str().unwrap(),
            initial.as_deref(),
            &policy,
            transport,
        ) {
            Err(e) => got.push(format!("error:{}", e.kind())),
            Ok((mut ex, first)) => {
                let mut step: Result<Step, portcullis_sasl::Error> = Ok(first);
                let mut token_failed = false;
                loop {
                    got.push(outcome(&step, &mut creds));
                    match step {
                        Ok(Step::Done(_)) if v.get("fail_token").is_some() && !token_failed => {
                            token_failed = true;
                            step = ex.fail_token(&error_challenge(&v["fail_token"]));
                        }
                        Ok(Step::Continue(_)) => {
                            let Some(line) = responses.next() else { break };
                            step = match imap::decode_response(
                                line.as_str().unwrap().as_bytes(),
                                &l,
                                &mut buf,
                            ) {
                                Ok(data) => ex.step(data),
                                Err(e) => Err(e),
                            };
                        }
                        _ => break,
                    }
                }
            }
        }
        let expect: Vec<String> = v["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, expect, "{name}");
        assert_eq!(creds, v.get("credentials").cloned(), "{name}");
    }
}

/// Every rejection kind a peer can cause appears in at least one vector file
/// (`invalid-state` is API misuse, covered by unit tests).
#[test]
fn every_rejection_kind_has_a_vector() {
    let all = [
        "cancelled",
        "bad-base64",
        "missing-separator",
        "unexpected-nul",
        "empty-authcid",
        "empty-password",
        "invalid-utf8",
        "too-long",
        "channel-binding-unsupported",
        "bad-gs2-header",
        "bad-authzid-escape",
        "missing-auth",
        "bad-auth-scheme",
        "bad-token",
        "bad-host",
        "bad-port",
        "bad-key",
        "bad-value",
        "duplicate-key",
        "missing-terminator",
        "trailing-data",
        "missing-user",
        "unknown-mechanism",
        "mechanism-not-allowed",
        "tls-required",
        "too-many-steps",
        "bad-error-ack",
        "bad-command",
        "bad-response",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for file in [
        "plain.jsonl",
        "login.jsonl",
        "oauthbearer.jsonl",
        "xoauth2.jsonl",
        "framing.jsonl",
        "exchange.jsonl",
    ] {
        for v in data::load(file) {
            if let Some(kind) = v["error"].as_str() {
                seen.insert(kind.to_owned());
            }
            for e in v["expect"].as_array().into_iter().flatten() {
                if let Some(kind) = e.as_str().and_then(|s| s.strip_prefix("error:")) {
                    seen.insert(kind.to_owned());
                }
            }
        }
    }
    let missing: Vec<_> = all.iter().filter(|k| !seen.contains(**k)).collect();
    assert!(missing.is_empty(), "no vector for {missing:?}");
}
