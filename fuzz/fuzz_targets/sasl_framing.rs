//! Protocol line framing: the first byte picks the protocol and whether the
//! line is a command or a continuation response; the rest is the line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_sasl::Limits;
use portcullis_sasl::framing::{self, imap, managesieve, pop3, smtp};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, line)) = data.split_first() else {
        return;
    };
    let limits = Limits::default();
    let mut buf = Vec::new();
    match selector % 6 {
        0 => {
            if let Ok(cmd) = imap::parse_authenticate(line, &limits) {
                assert!(cmd.tag().is_some());
                let _ = cmd.decode_initial(&limits, &mut buf);
            }
        }
        1 => {
            if let Ok(cmd) = smtp::parse_auth(line, &limits) {
                let _ = cmd.decode_initial(&limits, &mut buf);
            }
        }
        2 => {
            if let Ok(cmd) = pop3::parse_auth(line, &limits) {
                let _ = cmd.decode_initial(&limits, &mut buf);
            }
        }
        3 => {
            if let Ok(cmd) = managesieve::parse_authenticate(line, &limits) {
                if let Some(managesieve::SieveString::Quoted(q)) = cmd.initial() {
                    let _ = managesieve::decode_string_content(q, &limits, &mut buf);
                }
            }
            if let Ok(managesieve::SieveString::Quoted(q)) =
                managesieve::parse_response(line, &limits)
            {
                let _ = managesieve::decode_string_content(q, &limits, &mut buf);
            }
        }
        4 => {
            // A decoded response re-encodes (as a challenge would) to the same base64.
            if let Ok(bytes) = imap::decode_response(line, &limits, &mut buf) {
                let mut out = String::new();
                imap::format_challenge(bytes, &mut out);
                let body = line
                    .strip_suffix(b"\r\n")
                    .or_else(|| line.strip_suffix(b"\n"))
                    .or_else(|| line.strip_suffix(b"\r"))
                    .unwrap_or(line);
                assert_eq!(out.as_bytes().get(2..out.len() - 2), Some(body));
            }
        }
        _ => {
            let _ = framing::decode_any_response(line, &limits, &mut buf);
        }
    }
});
