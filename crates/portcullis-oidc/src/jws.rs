//! Compact JWS splitting and header checks (RFC 7515 §7.1), done before
//! any signature work and without trusting anything in the header except
//! `alg`, `kid` and `typ`.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::refusal::Refusal;

/// Largest decoded JOSE header accepted, in bytes.
pub const MAX_HEADER_BYTES: usize = 4096;

/// The three segments of a compact JWS.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CompactJws<'a> {
    pub(crate) header: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) signature: &'a str,
    /// `header.payload`, the JWS signing input.
    pub(crate) signing_input: &'a str,
}

impl<'a> CompactJws<'a> {
    /// Splits a token into its segments. Five segments is a JWE (RFC 7516
    /// §7.1): we never decrypt, so it is refused before anything is decoded.
    pub(crate) fn split(token: &'a str) -> Result<Self, Refusal> {
        let dots = token.bytes().filter(|b| *b == b'.').count();
        if dots == 4 {
            return Err(Refusal::Malformed {
                detail: "JWE (encrypted) tokens are not accepted",
            });
        }
        if dots != 2 {
            return Err(Refusal::Malformed {
                detail: "not a compact JWS (three segments)",
            });
        }
        let (signing_input, signature) = token.rsplit_once('.').ok_or(Refusal::Malformed {
            detail: "not a compact JWS",
        })?;
        let (header, payload) = signing_input.split_once('.').ok_or(Refusal::Malformed {
            detail: "not a compact JWS",
        })?;
        if header.is_empty() || payload.is_empty() {
            return Err(Refusal::Malformed {
                detail: "empty JWS segment",
            });
        }
        Ok(Self {
            header,
            payload,
            signature,
            signing_input,
        })
    }
}

/// The JOSE header members we read. Unknown members are ignored, except
/// that `crit` and `enc` are detected and refused.
#[derive(Deserialize)]
struct RawHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(default, borrow)]
    kid: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    typ: Option<Cow<'a, str>>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    enc: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    b64: Option<serde::de::IgnoredAny>,
}

/// The checked header of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoseHeader {
    pub(crate) alg: String,
    pub(crate) kid: Option<String>,
}

pub(crate) fn b64_decode(segment: &str, limit: usize) -> Result<Vec<u8>, Refusal> {
    if segment.len() / 4 * 3 > limit {
        return Err(Refusal::Malformed {
            detail: "JWS segment too large",
        });
    }
    URL_SAFE_NO_PAD
        .decode(segment.as_bytes())
        .map_err(|_| Refusal::Malformed {
            detail: "JWS segment is not base64url",
        })
}

/// Decodes and checks the header.
///
/// Header-embedded keys (`jwk`, `jku`, `x5u`, `x5c`) are not even read: a key
/// that travels with the token proves nothing (the attacker chose it). Only
/// the provider's JWKS keys ever verify.
pub(crate) fn decode_header(segment: &str, id_token: bool) -> Result<JoseHeader, Refusal> {
    let bytes = b64_decode(segment, MAX_HEADER_BYTES)?;
    let raw: RawHeader<'_> = serde_json::from_slice(&bytes).map_err(|_| Refusal::Malformed {
        detail: "JOSE header is not a JSON object with alg",
    })?;
    if raw.enc.is_some() {
        return Err(Refusal::Malformed {
            detail: "JWE (encrypted) tokens are not accepted",
        });
    }
    // RFC 7515 §4.1.11: a recipient that does not understand an extension
    // listed in `crit` must reject the JWS. We understand none.
    if raw.crit.is_some() {
        return Err(Refusal::Malformed {
            detail: "crit header names extensions we do not understand",
        });
    }
    // RFC 7797 unencoded payloads would change the signing input.
    if raw.b64.is_some() {
        return Err(Refusal::Malformed {
            detail: "b64 header is not supported",
        });
    }
    if let Some(typ) = &raw.typ {
        let typ = typ.strip_prefix("application/").unwrap_or(typ);
        let accepted =
            typ.eq_ignore_ascii_case("JWT") || (!id_token && typ.eq_ignore_ascii_case("at+jwt"));
        if !accepted {
            return Err(Refusal::Malformed {
                detail: "typ is neither JWT nor at+jwt",
            });
        }
    }
    Ok(JoseHeader {
        alg: raw.alg.into_owned(),
        kid: raw.kid.map(Cow::into_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn splits_and_refuses_shapes() {
        assert!(CompactJws::split("a.b.c").is_ok());
        assert!(CompactJws::split("a.b.").is_ok());
        assert!(matches!(
            CompactJws::split("a.b.c.d.e"),
            Err(Refusal::Malformed { .. })
        ));
        assert!(CompactJws::split("a.b").is_err());
        assert!(CompactJws::split(".b.c").is_err());
    }

    #[test]
    fn header_rules() {
        assert!(decode_header(&enc(r#"{"alg":"RS256","typ":"at+jwt"}"#), false).is_ok());
        assert!(
            decode_header(&enc(r#"{"alg":"RS256","typ":"application/at+jwt"}"#), false).is_ok()
        );
        assert!(decode_header(&enc(r#"{"alg":"RS256","typ":"at+jwt"}"#), true).is_err());
        assert!(decode_header(&enc(r#"{"alg":"RS256","typ":"JOSE"}"#), false).is_err());
        assert!(decode_header(&enc(r#"{"alg":"RS256","crit":["exp"]}"#), false).is_err());
        assert!(decode_header(&enc(r#"{"alg":"RS256","alg":"none"}"#), false).is_err());
        assert!(decode_header(&enc(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#), false).is_err());
        assert!(decode_header("!!", false).is_err());
    }
}
