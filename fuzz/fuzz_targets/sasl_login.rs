//! LOGIN value decoders: never panic; accepted values are the input verbatim.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_sasl::{Limits, login};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(user) = login::decode_username(data, &limits) {
        assert_eq!(user.as_bytes(), data);
    }
    if let Ok(password) = login::decode_password(data, &limits) {
        assert_eq!(password.as_bytes(), data);
    }
});
