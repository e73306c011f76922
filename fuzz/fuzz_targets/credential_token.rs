//! Fuzzes `portcullis-credentials`' app-password (`app_…`/`app …`) and
//! API-key (`API_…`) parsers.
//!
//! Besides "no panic": an input never parses as both kinds, and whatever
//! parses re-encodes to a string that parses to the same id and bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_credentials::{ApiKey, AppPassword, AppPasswordAlphabet};

fuzz_target!(|data: &[u8]| {
    let app = AppPassword::parse(data);
    let key = ApiKey::parse(data);
    assert!(app.is_none() || key.is_none());
    if let Some(app) = app {
        for alphabet in [AppPasswordAlphabet::Stalwart, AppPasswordAlphabet::Rfc4648] {
            let again =
                AppPassword::parse(app.encode(alphabet).expose()).expect("re-encoded app password");
            assert_eq!(again.credential_id(), app.credential_id());
            assert_eq!(again.random(), app.random());
        }
    }
    if let Some(key) = key {
        let again = ApiKey::parse(key.encode().expose()).expect("re-encoded API key");
        assert_eq!(
            (again.account_id(), again.credential_id()),
            (key.account_id(), key.credential_id())
        );
        assert_eq!(again.random(), key.random());
    }
});
