//! The second factor: TOTP codes (RFC 6238, through `totp-rs`) and
//! recovery codes.

use portcullis_credentials::{HashPolicy, StoredHash};
use totp_rs::{Algorithm, Builder, Secret};

use crate::directory::{TotpAlgorithm, TotpSettings};

/// What a client is told when the right password arrives without the
/// second factor its account needs (set with
/// [`AuthenticatorBuilder::second_factor_hint`](crate::AuthenticatorBuilder::second_factor_hint)).
///
/// The trade-off: a hint helps the account's owner, whose mail client
/// cannot prompt for a code, to find the way in (an app password, or the
/// code appended to the password); but it is only ever given to a right
/// password, so it also **confirms the password** to whoever sent it, and
/// a stolen password can then be tested without tripping the lockout,
/// which counts only wrong ones. Gmail makes the same choice (`534 5.7.9`);
/// [`Conceal`](SecondFactorHint::Conceal) makes the other.
///
/// ```
/// use portcullis::SecondFactorHint;
/// assert_eq!(SecondFactorHint::default(), SecondFactorHint::Reveal);
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SecondFactorHint {
    /// Say that a second factor is required, and how this account can give
    /// one: on the web, "enter your one-time code"; on other surfaces,
    /// "append your one-time code" when the password may carry it
    /// ([`PasswordWithCode`](portcullis_credentials::PasswordWithCode)),
    /// else "use an app password" when the account may create app
    /// passwords (`sysAppPasswordCreate`), else only that a second factor
    /// is required. The default.
    #[default]
    Reveal,
    /// Answer exactly as to a wrong password: nothing confirms the
    /// password. The audit event and `explain` still say
    /// `second-factor-required`.
    Conceal,
}

/// What a presented code turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CodeMatch {
    /// A valid TOTP code for this time step (not yet checked for replay).
    Totp(u64),
    /// Recovery code number `index` (not yet checked for reuse).
    Recovery(usize),
    /// Neither.
    Invalid,
}

/// Checks `code` against the TOTP enrolment, then the recovery codes.
pub(crate) fn check_code(
    totp: Option<&TotpSettings>,
    recovery: &[StoredHash],
    code: &str,
    unix_now: u64,
    policy: &HashPolicy,
) -> CodeMatch {
    let code = code.trim();
    if let Some(step) = totp.and_then(|settings| totp_step(settings, code, unix_now)) {
        return CodeMatch::Totp(step);
    }
    // Check every recovery code (no early exit), so the time does not tell
    // which one matched.
    let mut found = None;
    for (index, hash) in recovery.iter().enumerate() {
        if hash.verify(code.as_bytes(), policy).is_ok() && found.is_none() {
            found = Some(index);
        }
    }
    found.map_or(CodeMatch::Invalid, CodeMatch::Recovery)
}

fn totp_step(settings: &TotpSettings, code: &str, unix_now: u64) -> Option<u64> {
    if code.len() != settings.digits as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    build(settings)?.check(code, unix_now)
}

/// The TOTP code of an enrolment at a Unix time (tests and tools).
pub(crate) fn current_code(settings: &TotpSettings, unix_now: u64) -> Option<String> {
    Some(build(settings)?.generate(unix_now).to_string())
}

fn build(settings: &TotpSettings) -> Option<totp_rs::Totp> {
    if !(6..=8).contains(&settings.digits) || settings.step == 0 {
        return None;
    }
    let secret = Secret::try_from_base32(settings.secret.expose().trim_end_matches('=')).ok()?;
    let algorithm = match settings.algorithm {
        TotpAlgorithm::Sha1 => Algorithm::SHA1,
        TotpAlgorithm::Sha256 => Algorithm::SHA256,
        TotpAlgorithm::Sha512 => Algorithm::SHA512,
    };
    Builder::new()
        .with_algorithm(algorithm)
        .with_digits(u8::try_from(settings.digits).ok()?)
        .with_skew(u16::from(settings.skew))
        .with_step_duration(settings.step)
        .with_secret(secret)
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    #[test]
    fn totp_and_recovery() {
        let settings = TotpSettings::new(SECRET);
        let now = 1_800_000_000;
        let code = current_code(&settings, now).unwrap();
        assert_eq!(
            check_code(Some(&settings), &[], &code, now, &HashPolicy::default()),
            CodeMatch::Totp(now / 30)
        );
        let recovery = [
            StoredHash::parse("{PLAIN}aaaa-bbbb").unwrap(),
            StoredHash::parse("{PLAIN}cccc-dddd").unwrap(),
        ];
        assert_eq!(
            check_code(
                Some(&settings),
                &recovery,
                "cccc-dddd",
                now,
                &HashPolicy::default()
            ),
            CodeMatch::Recovery(1)
        );
        assert_eq!(
            check_code(
                Some(&settings),
                &recovery,
                "000000x",
                now,
                &HashPolicy::default()
            ),
            CodeMatch::Invalid
        );
    }
}
