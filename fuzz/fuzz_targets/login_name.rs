//! Fuzzes `portcullis-impersonation`'s login-name parser and its
//! authcid/authzid resolver.
//!
//! Input layout: byte 0 selects the separator set (mod 5: none, `%`, `*`,
//! `%*`, `%*!#`); the rest must be UTF-8 and is parsed whole, then split at
//! the first NUL into authcid and authzid for `resolve`. Besides "no
//! panic", every accepted name must be canonical (normalising it again
//! changes nothing) and an actor never equals its target.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_impersonation::{
    LoginName, LoginSyntax, MAX_LOGIN_BYTES, Separators, SyntaxError, normalize_name,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let separators = match selector % 5 {
        0 => Separators::NONE,
        1 => Separators::PERCENT,
        2 => Separators::ASTERISK,
        3 => Separators::PERCENT.union(Separators::ASTERISK),
        _ => Separators::from_chars("%*!#").unwrap_or(Separators::PERCENT),
    };
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    let syntax = LoginSyntax::new(separators);
    check(text, syntax.parse(text));
    let (authcid, authzid) = match text.split_once('\0') {
        Some((authcid, authzid)) => (authcid, Some(authzid)),
        None => (text, None),
    };
    check(authcid, syntax.resolve(authcid, authzid));
});

fn check(login: &str, result: Result<LoginName, SyntaxError>) {
    let Ok(name) = result else {
        return;
    };
    assert_eq!(name.login(), login);
    assert!(login.len() <= MAX_LOGIN_BYTES);
    for part in [Some(name.target()), name.actor()].into_iter().flatten() {
        assert!(!part.is_empty());
        assert!(part.len() <= MAX_LOGIN_BYTES);
        assert_eq!(normalize_name(part).as_deref(), Ok(part), "not canonical");
    }
    assert_ne!(name.actor(), Some(name.target()));
    assert_eq!(name.is_impersonation(), name.actor().is_some());
}
