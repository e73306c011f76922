//! The token's claim set, read once into borrowed raw values so that the
//! provider's configured claim names can be picked out without a second
//! parse.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::refusal::Refusal;

/// Most members accepted in a claim set.
pub const MAX_CLAIMS: usize = 256;

/// A claim set: member names with their unparsed JSON values.
#[derive(Debug, Default)]
pub(crate) struct ClaimSet<'a> {
    entries: Vec<(Cow<'a, str>, &'a RawValue)>,
}

struct ClaimSetVisitor;

impl<'de> Visitor<'de> for ClaimSetVisitor {
    type Value = ClaimSet<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(Cow<'de, str>, &'de RawValue)> = Vec::with_capacity(16);
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            let value: &'de RawValue = map.next_value()?;
            // RFC 7519 §4: duplicate member names must be rejected, or two
            // parsers could disagree about what the token says.
            if entries.iter().any(|(n, _)| *n == name) {
                return Err(de::Error::custom("duplicate claim"));
            }
            if entries.len() >= MAX_CLAIMS {
                return Err(de::Error::custom("too many claims"));
            }
            entries.push((name, value));
        }
        Ok(ClaimSet { entries })
    }
}

impl<'de> Deserialize<'de> for ClaimSet<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ClaimSetVisitor)
    }
}

fn bad(detail: impl Into<String>) -> Refusal {
    Refusal::BadClaims {
        detail: detail.into(),
    }
}

/// A string or an array of strings (RFC 7519 `aud`, Microsoft `scp`, groups).
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<'a> {
    #[serde(borrow)]
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl<'a> ClaimSet<'a> {
    pub(crate) fn parse(payload: &'a [u8]) -> Result<Self, Refusal> {
        serde_json::from_slice(payload).map_err(|_| Refusal::Malformed {
            detail: "claims are not a JSON object without duplicates",
        })
    }

    pub(crate) fn raw(&self, name: &str) -> Option<&'a RawValue> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// A string claim; `null` counts as absent.
    pub(crate) fn string(&self, name: &str) -> Result<Option<Cow<'a, str>>, Refusal> {
        match self.raw(name) {
            None => Ok(None),
            Some(raw) => serde_json::from_str::<Option<Cow<'a, str>>>(raw.get())
                .map_err(|_| bad(format!("{name} is not a string"))),
        }
    }

    /// A boolean claim (also accepting the strings "true"/"false", which some
    /// IdPs send for `email_verified`).
    pub(crate) fn boolean(&self, name: &str) -> Option<bool> {
        let raw = self.raw(name)?.get();
        match raw {
            "true" | "\"true\"" => Some(true),
            "false" | "\"false\"" => Some(false),
            _ => None,
        }
    }

    /// A NumericDate (RFC 7519 §2): seconds, possibly fractional; the
    /// fraction is dropped.
    pub(crate) fn numeric_date(&self, name: &str) -> Result<Option<i64>, Refusal> {
        let Some(raw) = self.raw(name) else {
            return Ok(None);
        };
        let number: Option<serde_json::Number> =
            serde_json::from_str(raw.get()).map_err(|_| bad(format!("{name} is not a number")))?;
        let Some(number) = number else {
            return Ok(None);
        };
        if let Some(i) = number.as_i64() {
            return Ok(Some(i));
        }
        match number.as_f64() {
            Some(f) if f.is_finite() && f.abs() < 1e15 => {
                #[expect(clippy::cast_possible_truncation, reason = "bounded above and floored")]
                let secs = f.floor() as i64;
                Ok(Some(secs))
            }
            _ => Err(bad(format!("{name} is out of range"))),
        }
    }

    /// A string or array of strings; absent or `null` gives an empty list.
    pub(crate) fn strings(&self, name: &str) -> Result<Vec<Cow<'a, str>>, Refusal> {
        let Some(raw) = self.raw(name) else {
            return Ok(Vec::new());
        };
        let parsed: Option<OneOrMany<'a>> = serde_json::from_str(raw.get())
            .map_err(|_| bad(format!("{name} is not a string or an array of strings")))?;
        Ok(match parsed {
            None => Vec::new(),
            Some(OneOrMany::One(one)) => vec![one],
            Some(OneOrMany::Many(many)) => many,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_types() {
        let json = br#"{"aud":["a","b"],"exp":1.9e9,"iat":17,"s":"x","n":null,"b":"true"}"#;
        let set = ClaimSet::parse(json).unwrap();
        assert_eq!(set.strings("aud").unwrap(), ["a", "b"]);
        assert_eq!(set.numeric_date("exp").unwrap(), Some(1_900_000_000));
        assert_eq!(set.numeric_date("iat").unwrap(), Some(17));
        assert_eq!(set.string("s").unwrap().as_deref(), Some("x"));
        assert_eq!(set.string("n").unwrap(), None);
        assert_eq!(set.boolean("b"), Some(true));
        assert!(set.numeric_date("s").is_err());
        assert!(set.string("aud").is_err());
    }

    #[test]
    fn refuses_duplicates_and_non_objects() {
        assert!(ClaimSet::parse(br#"{"sub":"a","sub":"b"}"#).is_err());
        assert!(ClaimSet::parse(b"[1]").is_err());
    }
}
