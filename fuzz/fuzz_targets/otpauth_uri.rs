//! Fuzzes `portcullis-credentials`' `otpauth://` URI parser (`Totp::from_uri`).
//!
//! Besides "no panic": an accepted URI rebuilds (`to_uri`) into one that
//! parses to the same parameters and seed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_credentials::Totp;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(totp) = Totp::from_uri(text, 1) else {
        return;
    };
    if let Ok(uri) = totp.to_uri() {
        let again =
            Totp::from_uri(uri.expose_str().unwrap_or_default(), 1).expect("rebuilt URI parses");
        assert_eq!(again.params(), totp.params());
        assert_eq!(again.secret_base32(), totp.secret_base32());
    }
});
