//! Loading the vector files under `tests/data/`.

use std::path::PathBuf;

use base64::Engine as _;
use portcullis_sasl::{Credentials, Limits, Secret, framing};
use serde_json::{Value, json};

/// The path of a data file.
pub(crate) fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Expands `{{repeat:C:N}}` into N copies of C.
pub(crate) fn expand(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{repeat:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 9..];
        let end = after.find("}}").expect("unterminated macro");
        let (ch, n) = after[..end].rsplit_once(':').expect("bad macro");
        out.push_str(&ch.repeat(n.parse().expect("bad count")));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Expands macros in every string of a JSON value.
pub(crate) fn expand_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(expand(s)),
        Value::Array(a) => Value::Array(a.iter().map(expand_value).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), expand_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Every vector of a JSON-lines file (lines starting with `#` are comments).
pub(crate) fn load(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path(name)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {e}: {l}")))
        .collect()
}

/// A vector's `name`.
pub(crate) fn name(v: &Value) -> String {
    v["name"].as_str().unwrap().to_owned()
}

/// The decoded input bytes of a mechanism vector: `input` (text), `input_hex`,
/// or `wire` (a base64 line decoded as the CLI does). A wire error is
/// returned as its kind.
pub(crate) fn input(v: &Value) -> Result<Vec<u8>, String> {
    if let Some(s) = v["input"].as_str() {
        return Ok(expand(s).into_bytes());
    }
    if let Some(h) = v["input_hex"].as_str() {
        return Ok(hex(h));
    }
    let wire = expand(v["wire"].as_str().expect("input, input_hex or wire"));
    let mut buf = Vec::new();
    framing::decode_any_response(wire.as_bytes(), &Limits::default(), &mut buf)
        .map(<[u8]>::to_vec)
        .map_err(|e| e.kind().to_owned())
}

/// Decodes lowercase or uppercase hex.
pub(crate) fn hex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

/// Standard base64.
pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn secret(s: Option<Secret<'_>>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.expose().to_owned()))
}

/// Credentials in the vectors' JSON shape.
pub(crate) fn credentials_json(c: &Credentials) -> Value {
    match c {
        Credentials::Password(_) => json!({
            "mechanism": c.mechanism().name(),
            "authzid": c.authzid(),
            "authcid": c.authcid(),
            "password": secret(c.password()),
        }),
        Credentials::Bearer(_) if c.mechanism() == portcullis_sasl::Mechanism::XOAuth2 => json!({
            "mechanism": c.mechanism().name(),
            "user": c.user(),
            "token": secret(c.token()),
        }),
        _ => json!({
            "mechanism": c.mechanism().name(),
            "authzid": c.authzid(),
            "host": c.host(),
            "port": c.port(),
            "token": secret(c.token()),
        }),
    }
}
