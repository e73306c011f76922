//! JSON Web Key Sets (RFC 7517): the provider's published verification keys.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use crate::error::Error;

/// Largest JWKS document accepted (512 KiB).
pub const MAX_JWKS_BYTES: usize = 512 * 1024;
/// Most keys read from one JWKS; further keys are skipped and reported.
pub const MAX_JWKS_KEYS: usize = 64;
/// Smallest RSA modulus accepted, in bits (RFC 7518 §3.3 requires 2048).
pub const MIN_RSA_BITS: usize = 2048;

/// The key type and curve of a verification key.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `kty: RSA` (RS*/PS* algorithms).
    Rsa,
    /// `kty: EC`, `crv: P-256` (ES256).
    EcP256,
    /// `kty: EC`, `crv: P-384` (ES384).
    EcP384,
    /// `kty: OKP`, `crv: Ed25519` (EdDSA).
    Ed25519,
}

impl KeyType {
    /// Whether a token signed with `alg` may be verified with this key type.
    /// This is what makes algorithm confusion impossible: HMAC never matches.
    #[must_use]
    pub const fn allows(self, alg: Algorithm) -> bool {
        matches!(
            (self, alg),
            (
                Self::Rsa,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            ) | (Self::EcP256, Algorithm::ES256)
                | (Self::EcP384, Algorithm::ES384)
                | (Self::Ed25519, Algorithm::EdDSA)
        )
    }
}

/// One usable public verification key from a JWKS.
#[derive(Clone)]
pub struct VerifyingKey {
    kid: Option<String>,
    key_type: KeyType,
    alg: Option<Algorithm>,
    /// The public key bytes (n ‖ e, or x ‖ y, or x), for rotation diffs.
    material: Vec<u8>,
    decoding: DecodingKey,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("key_type", &self.key_type)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.kid == other.kid
            && self.key_type == other.key_type
            && self.alg == other.alg
            && self.material == other.material
    }
}

impl VerifyingKey {
    /// The key id, if the JWK had one.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key type and curve.
    #[must_use]
    pub const fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The algorithm the JWK pins, if any.
    #[must_use]
    pub const fn alg(&self) -> Option<Algorithm> {
        self.alg
    }

    /// Whether a token with header `alg` may be verified with this key: the
    /// key type and curve must fit, and a pinned `alg` must be equal.
    #[must_use]
    pub fn accepts(&self, alg: Algorithm) -> bool {
        self.key_type.allows(alg) && self.alg.is_none_or(|pinned| pinned == alg)
    }

    /// The jsonwebtoken key.
    #[must_use]
    pub const fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }
}

/// A key that was in the JWKS but is not used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedKey {
    /// Its `kid`, if any.
    pub kid: Option<String>,
    /// Why it is not used (symmetric, encryption key, unsupported curve, …).
    pub reason: String,
}

/// A parsed JWKS: the usable keys, and a report of the skipped ones.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct JwkSet {
    /// Usable verification keys, in document order.
    pub keys: Vec<Arc<VerifyingKey>>,
    /// Keys that were skipped, with reasons (log them).
    pub skipped: Vec<SkippedKey>,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawKey {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

impl JwkSet {
    /// Parses a JWKS document, keeping RSA (≥ 2048 bits), EC P-256/P-384
    /// and Ed25519 signing keys and reporting every other key as skipped.
    ///
    /// ```
    /// use portcullis_oidc::JwkSet;
    /// let set = JwkSet::parse(br#"{"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]}"#);
    /// assert!(set.is_err()); // no usable key: symmetric keys are never used
    /// ```
    ///
    /// # Errors
    /// [`Error::Jwks`] when the document is too large or not a key set;
    /// [`Error::NoUsableKeys`] when no key is usable.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_JWKS_BYTES {
            return Err(Error::Jwks(format!(
                "document of {} bytes exceeds {MAX_JWKS_BYTES}",
                bytes.len()
            )));
        }
        let raw: RawSet = serde_json::from_slice(bytes).map_err(|e| Error::Jwks(e.to_string()))?;
        let mut set = Self::default();
        for (index, value) in raw.keys.into_iter().enumerate() {
            let kid = value.get("kid").and_then(|k| k.as_str()).map(str::to_owned);
            if index >= MAX_JWKS_KEYS {
                set.skipped.push(SkippedKey {
                    kid,
                    reason: format!("more than {MAX_JWKS_KEYS} keys"),
                });
                continue;
            }
            match serde_json::from_value::<RawKey>(value)
                .map_err(|e| e.to_string())
                .and_then(convert)
            {
                Ok(key) => set.keys.push(Arc::new(key)),
                Err(reason) => set.skipped.push(SkippedKey { kid, reason }),
            }
        }
        if set.keys.is_empty() {
            return Err(Error::NoUsableKeys {
                skipped: set.skipped.len(),
            });
        }
        Ok(set)
    }
}

fn decode_b64(field: &'static str, value: Option<&String>) -> Result<Vec<u8>, String> {
    let value = value.ok_or_else(|| format!("missing {field}"))?;
    URL_SAFE_NO_PAD
        .decode(value.as_bytes())
        .map_err(|_| format!("{field} is not base64url"))
}

fn convert(raw: RawKey) -> Result<VerifyingKey, String> {
    if let Some(use_) = &raw.use_
        && use_ != "sig"
    {
        return Err(format!("use {use_:?} is not \"sig\""));
    }
    if let Some(ops) = &raw.key_ops
        && !ops.iter().any(|op| op == "verify")
    {
        return Err("key_ops lacks \"verify\"".into());
    }
    let alg = match &raw.alg {
        None => None,
        Some(name) => Some(
            crate::config::parse_algorithm(name)
                .ok_or_else(|| format!("unsupported alg {name:?}"))?,
        ),
    };
    let (key_type, decoding, material) = match (raw.kty.as_str(), raw.crv.as_deref()) {
        ("RSA", _) => {
            let n = decode_b64("n", raw.n.as_ref())?;
            let e = decode_b64("e", raw.e.as_ref())?;
            let significant = n.iter().skip_while(|b| **b == 0).count();
            if significant * 8 < MIN_RSA_BITS {
                return Err(format!("RSA modulus below {MIN_RSA_BITS} bits"));
            }
            if e.is_empty() || e.len() > 8 {
                return Err("RSA exponent out of range".into());
            }
            let key = DecodingKey::from_rsa_raw_components(&n, &e);
            let mut material = n;
            material.extend_from_slice(&e);
            (KeyType::Rsa, key, material)
        }
        ("EC", Some(curve @ ("P-256" | "P-384"))) => {
            let (key_type, len) = if curve == "P-256" {
                (KeyType::EcP256, 32)
            } else {
                (KeyType::EcP384, 48)
            };
            let x = decode_b64("x", raw.x.as_ref())?;
            let y = decode_b64("y", raw.y.as_ref())?;
            if x.len() != len || y.len() != len {
                return Err(format!("{curve} coordinates must be {len} bytes"));
            }
            let (Some(xs), Some(ys)) = (raw.x.as_deref(), raw.y.as_deref()) else {
                return Err("missing coordinates".into());
            };
            let key = DecodingKey::from_ec_components(xs, ys).map_err(|e| e.to_string())?;
            let mut material = x;
            material.extend_from_slice(&y);
            (key_type, key, material)
        }
        ("OKP", Some("Ed25519")) => {
            let x = decode_b64("x", raw.x.as_ref())?;
            if x.len() != 32 {
                return Err("Ed25519 key must be 32 bytes".into());
            }
            let xs = raw.x.as_deref().unwrap_or_default();
            let key = DecodingKey::from_ed_components(xs).map_err(|e| e.to_string())?;
            (KeyType::Ed25519, key, x)
        }
        ("oct", _) => return Err("symmetric key (never used with published keys)".into()),
        (kty, crv) => return Err(format!("unsupported key type {kty:?} curve {crv:?}")),
    };
    if let Some(alg) = alg
        && !key_type.allows(alg)
    {
        return Err(format!("alg {alg:?} does not fit key type {key_type:?}"));
    }
    Ok(VerifyingKey {
        kid: raw.kid,
        key_type,
        alg,
        material,
        decoding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_and_reports() {
        let doc = br#"{"keys":[
            {"kty":"oct","kid":"h","k":"c2VjcmV0"},
            {"kty":"OKP","kid":"ed","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty":"OKP","kid":"x","crv":"X25519","x":"AA"},
            {"kty":"OKP","kid":"enc","use":"enc","crv":"Ed25519","x":"AA"},
            {"kty":"RSA","kid":"small","n":"AQAB","e":"AQAB"},
            {"kty":"OKP","kid":"hs","alg":"HS256","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
        ]}"#;
        let set = JwkSet::parse(doc).unwrap();
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys[0].kid(), Some("ed"));
        let skipped: Vec<_> = set
            .skipped
            .iter()
            .map(|s| s.kid.as_deref().unwrap())
            .collect();
        assert_eq!(skipped, ["h", "x", "enc", "small", "hs"]);
        assert!(set.keys[0].accepts(Algorithm::EdDSA));
        assert!(!set.keys[0].accepts(Algorithm::HS256));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(JwkSet::parse(b"not json"), Err(Error::Jwks(_))));
        assert!(matches!(
            JwkSet::parse(br#"{"keys":[]}"#),
            Err(Error::NoUsableKeys { skipped: 0 })
        ));
    }
}
