//! OAUTHBEARER decoder: never panics; an accepted message re-encodes to a
//! message that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_sasl::{Limits, oauthbearer::OAuthBearerMessage};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(msg) = OAuthBearerMessage::decode(data, &limits) {
        let mut out = Vec::new();
        msg.encode(&mut out);
        let again = OAuthBearerMessage::decode(&out, &limits).expect("re-encoded message decodes");
        assert_eq!(again, msg);
    }
});
