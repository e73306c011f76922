//! A whole server exchange driven by arbitrary client steps.
//!
//! Byte 0 picks the mechanism name, byte 1 the policy and transport and
//! whether to refuse bearer tokens; the rest is a sequence of length-prefixed
//! (one byte) client responses, the first used as the initial response when
//! bit 0 of byte 1 is set.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_sasl::{
    Error, ErrorChallenge, Limits, MechanismPolicy, ServerExchange, Step, Transport,
    login::LoginPrompts,
};

const NAMES: [&str; 8] = [
    "PLAIN",
    "LOGIN",
    "OAUTHBEARER",
    "XOAUTH2",
    "plain",
    "xoauth2",
    "CRAM-MD5",
    "",
];

fn chunks(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = data.split_first() {
        let n = usize::from(len).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        out.push(chunk);
        data = tail;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let [mech, flags, rest @ ..] = data else {
        return;
    };
    let mut limits = Limits::default();
    limits.max_steps = usize::from(flags >> 5) + 1;
    let policy = MechanismPolicy::new()
        .with_limits(limits)
        .with_login_prompts(if flags & 2 != 0 {
            LoginPrompts::Empty
        } else {
            LoginPrompts::Text
        })
        .danger_allow_plaintext_without_tls(flags & 4 != 0);
    let transport = if flags & 8 != 0 {
        Transport::TLS
    } else {
        Transport::empty()
    };
    let refuse = flags & 16 != 0;
    let mut steps = chunks(rest).into_iter();
    let initial = if flags & 1 != 0 { steps.next() } else { None };
    let Ok((mut ex, mut step)) =
        ServerExchange::start(NAMES[usize::from(mech % 8)], initial, &policy, transport)
    else {
        return;
    };
    let mut refused = false;
    let mut count = usize::from(initial.is_some());
    loop {
        match step {
            Step::Done(ref creds) => {
                assert!(ex.is_finished());
                assert!(creds.password().is_some() != creds.token().is_some());
                if refuse && !refused && creds.token().is_some() {
                    refused = true;
                    step = ex
                        .fail_token(&ErrorChallenge::invalid_token())
                        .expect("bearer verdict");
                    continue;
                }
                // Only bearer credentials can be refused with an error challenge.
                assert_eq!(
                    ex.fail_token(&ErrorChallenge::invalid_token()).is_err(),
                    creds.password().is_some()
                );
                break;
            }
            Step::Failed(_) => {
                assert!(refused);
                break;
            }
            Step::Continue(_) => {}
            _ => unreachable!(),
        }
        let Some(input) = steps.next() else { break };
        count += 1;
        match ex.step(input) {
            Ok(next) => step = next,
            Err(Error::TooManySteps) => {
                assert!(count > policy.limits().max_steps);
                break;
            }
            Err(_) => break,
        }
    }
    // A finished or failed exchange never accepts more input.
    if ex.is_finished() {
        assert!(ex.step(b"").is_err());
    }
});
