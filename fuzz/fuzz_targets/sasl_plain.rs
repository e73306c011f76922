//! PLAIN decoder: never panics; whatever decodes re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_sasl::{Limits, plain::PlainMessage};

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = PlainMessage::decode(data, &Limits::default()) {
        assert!(!msg.authcid().is_empty() && !msg.password().is_empty());
        let mut out = Vec::new();
        msg.encode(&mut out);
        assert_eq!(out, data);
    }
});
