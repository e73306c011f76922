//! Real-client transcripts recorded by `tests/capture/capture.py` (curl and
//! Python's imaplib/smtplib against a loopback capture server), replayed
//! through the framing helpers and [`ServerExchange`]. The capture server
//! sends the same challenges as the default policy, so both directions are
//! compared line by line.

use portcullis_sasl::framing::{AuthCommand, imap, smtp};
use portcullis_sasl::{
    ErrorChallenge, FailureReason, Limits, MechanismPolicy, ServerExchange, Step, Transport,
};
use serde_json::Value;

use crate::data::{self, credentials_json};

struct Capture {
    name: String,
    headers: Vec<(String, String)>,
    lines: Vec<String>,
}

impl Capture {
    fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn load_all() -> Vec<Capture> {
    let dir = data::path("captures");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let mut headers = Vec::new();
            let mut lines = Vec::new();
            for line in text.lines() {
                if let Some(h) = line.strip_prefix("# ") {
                    let (k, v) = h.split_once(": ").unwrap();
                    headers.push((k.to_owned(), v.to_owned()));
                } else {
                    lines.push(line.to_owned());
                }
            }
            Capture {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                headers,
                lines,
            }
        })
        .collect()
}

/// Replays one capture; returns what the exchange ended with.
fn replay(c: &Capture) -> String {
    let policy = MechanismPolicy::new();
    let l: Limits = *policy.limits();
    let imap_proto = c.header("protocol") == Some("imap");
    let rejects = c.header("server") == Some("rejects the token");
    let expect: Value = serde_json::from_str(c.header("expect").unwrap()).unwrap();
    let is_auth = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        if imap_proto {
            words
                .get(1)
                .is_some_and(|w| w.eq_ignore_ascii_case("AUTHENTICATE"))
        } else {
            words[0].eq_ignore_ascii_case("AUTH")
        }
    };
    let start = c
        .lines
        .iter()
        .position(|l| l.strip_prefix("C: ").is_some_and(is_auth))
        .unwrap_or_else(|| panic!("{}: no auth command", c.name));
    let command_line = format!("{}\r\n", &c.lines[start][3..]);
    let cmd: AuthCommand<'_> = if imap_proto {
        imap::parse_authenticate(command_line.as_bytes(), &l).unwrap()
    } else {
        smtp::parse_auth(command_line.as_bytes(), &l).unwrap()
    };
    let mut buf = Vec::new();
    let initial = cmd
        .decode_initial(&l, &mut buf)
        .unwrap()
        .map(<[u8]>::to_vec);
    let (mut ex, mut step) =
        ServerExchange::start(cmd.mechanism(), initial.as_deref(), &policy, Transport::TLS)
            .unwrap();
    let mut rest = c.lines[start + 1..].iter();
    let mut token_failed = false;
    loop {
        match step {
            Step::Continue(challenge) => {
                let mut formatted = String::new();
                if imap_proto {
                    imap::format_challenge(challenge.as_bytes(), &mut formatted);
                } else {
                    smtp::format_challenge(challenge.as_bytes(), &mut formatted);
                }
                let server = rest.next().unwrap();
                assert_eq!(
                    format!("{server}\r\n"),
                    format!("S: {formatted}"),
                    "{}: challenge",
                    c.name
                );
                let client = rest.next().unwrap().strip_prefix("C: ").unwrap();
                if client == "<eof>" {
                    return "client-closed".to_owned();
                }
                let data = if imap_proto {
                    imap::decode_response(client.as_bytes(), &l, &mut buf)
                } else {
                    smtp::decode_response(client.as_bytes(), &l, &mut buf)
                };
                step = ex.step(data.unwrap()).unwrap();
            }
            Step::Done(creds) => {
                assert_eq!(credentials_json(&creds), expect, "{}: credentials", c.name);
                if rejects && !token_failed {
                    token_failed = true;
                    step = ex.fail_token(&ErrorChallenge::invalid_token()).unwrap();
                    continue;
                }
                let reply = rest.next().unwrap();
                let ok = match cmd.tag() {
                    Some(tag) => reply.starts_with(&format!("S: {tag} OK ")),
                    None => reply.starts_with("S: 235 "),
                };
                assert!(ok, "{}: {reply}", c.name);
                return "done".to_owned();
            }
            Step::Failed(reason) => {
                assert_eq!(reason, FailureReason::TokenRejected);
                return "token-rejected".to_owned();
            }
            other => panic!("{}: unexpected step {other:?}", c.name),
        }
    }
}

#[test]
fn captured_clients_replay() {
    let captures = load_all();
    assert!(captures.len() >= 28, "{} captures", captures.len());
    let mut outcomes = Vec::new();
    for c in &captures {
        assert!(
            c.header("client")
                .is_some_and(|v| v.contains("curl 7.") || v.contains("Python 3.")),
            "{}",
            c.name
        );
        outcomes.push((c.name.clone(), replay(c)));
    }
    let get = |n: &str| {
        outcomes
            .iter()
            .find(|(name, _)| name == n)
            .map(|(_, o)| o.as_str())
            .unwrap()
    };
    // curl acknowledges the OAUTHBEARER error challenge with 0x01 ...
    assert_eq!(get("curl-imap-oauthbearer-rejected.txt"), "token-rejected");
    assert_eq!(get("curl-smtp-oauthbearer-rejected.txt"), "token-rejected");
    // ... but closes the connection on an XOAUTH2 one.
    assert_eq!(get("curl-imap-xoauth2-rejected.txt"), "client-closed");
    assert_eq!(get("curl-smtp-xoauth2-rejected.txt"), "client-closed");
    assert_eq!(
        outcomes.iter().filter(|(_, o)| o == "done").count(),
        captures.len() - 4
    );
}
