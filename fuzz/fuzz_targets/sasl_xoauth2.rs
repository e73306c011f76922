//! XOAUTH2 decoder: never panics; an accepted message re-encodes to a message
//! that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_sasl::{Limits, xoauth2::XOAuth2Message};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(msg) = XOAuth2Message::decode(data, &limits) {
        let mut out = Vec::new();
        msg.encode(&mut out);
        let again = XOAuth2Message::decode(&out, &limits).expect("re-encoded message decodes");
        assert_eq!(again, msg);
    }
});
