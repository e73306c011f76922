//! The crypto backend that verifies JWS signatures.
//!
//! jsonwebtoken 11 picks its backend through a process-wide default
//! `CryptoProvider`, and panics at the first use when the final binary
//! enables both of its backend features (or neither) and nobody installed
//! one. Cargo unifies features across the whole dependency graph, so any
//! other crate enabling `jsonwebtoken/rust_crypto` would have made our
//! verification panic. The validator therefore never reads that default: it
//! asks the provider chosen here, at compile time by this crate's features,
//! for its verifier.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{Algorithm, DecodingKey};

#[cfg(not(feature = "rust-crypto-backend"))]
static PROVIDER: &CryptoProvider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;

#[cfg(feature = "rust-crypto-backend")]
static PROVIDER: &CryptoProvider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;

/// The jsonwebtoken backend this build verifies signatures with:
/// `"aws-lc-rs"` by default, `"rust-crypto"` with the `rust-crypto-backend`
/// feature.
///
/// Verification uses this backend whatever jsonwebtoken's process-wide
/// default provider is (and never installs or reads that default).
#[cfg(not(feature = "rust-crypto-backend"))]
pub const CRYPTO_BACKEND: &str = "aws-lc-rs";

/// The jsonwebtoken backend this build verifies signatures with:
/// `"aws-lc-rs"` by default, `"rust-crypto"` with the `rust-crypto-backend`
/// feature.
///
/// Verification uses this backend whatever jsonwebtoken's process-wide
/// default provider is (and never installs or reads that default).
#[cfg(feature = "rust-crypto-backend")]
pub const CRYPTO_BACKEND: &str = "rust-crypto";

/// The base64url-decoded signature segment, `None` when it is not base64url
/// (the same engine jsonwebtoken decodes signatures with).
pub(crate) fn decode_signature(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment.as_bytes()).ok()
}

/// Whether `signature` over `message` verifies with `key` under `alg`.
/// A key the backend cannot use for `alg` does not verify. (`Vec` because
/// jsonwebtoken's verifiers take that type.)
pub(crate) fn verify(
    signature: &Vec<u8>,
    message: &[u8],
    key: &DecodingKey,
    alg: Algorithm,
) -> bool {
    (PROVIDER.verifier_factory)(&alg, key)
        .is_ok_and(|verifier| verifier.verify(message, signature).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8037 appendix A.4: an Ed25519 JWS over "Example of Ed25519 signing".
    const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const INPUT: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    const SIGNATURE: &str =
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

    #[test]
    fn verifies_without_a_process_default_provider() {
        // Nothing in this test binary installs jsonwebtoken's default
        // provider; with both backends compiled in (`rust-crypto-backend`)
        // reading it would panic.
        let key = DecodingKey::from_ed_components(X).unwrap();
        let signature = decode_signature(SIGNATURE).unwrap();
        assert!(verify(&signature, INPUT.as_bytes(), &key, Algorithm::EdDSA));
        let mut other = INPUT.to_owned();
        other.push('x');
        assert!(!verify(
            &signature,
            other.as_bytes(),
            &key,
            Algorithm::EdDSA
        ));
    }

    #[test]
    fn garbage_never_verifies() {
        let key = DecodingKey::from_ed_components(X).unwrap();
        assert!(!verify(&vec![0; 64], b"a.b", &key, Algorithm::EdDSA));
        // A key of the wrong kind for the algorithm is refused, not a panic.
        assert!(!verify(&vec![0; 256], b"a.b", &key, Algorithm::RS256));
        assert_eq!(decode_signature("a+b"), None);
        assert_eq!(decode_signature("YWJj"), Some(b"abc".to_vec()));
    }

    #[test]
    fn backend_name_follows_the_feature() {
        let expected = if cfg!(feature = "rust-crypto-backend") {
            "rust-crypto"
        } else {
            "aws-lc-rs"
        };
        assert_eq!(CRYPTO_BACKEND, expected);
    }
}
