//! A throwaway OpenID provider for local development and the interop tests.
//!
//! ```text
//! cargo run --example dev_idp -- --port 8900
//! curl 'http://127.0.0.1:8900/token?sub=carol@example.org&aud=portcullis-mail'
//! ```
//!
//! It makes a fresh ES256 key at start, serves the discovery document and
//! the JWKS the way a real IdP does, and mints access tokens on request at
//! `/token` (no client authentication at all: this is a test stand-in, and
//! it only listens on loopback). Point a server's OIDC provider at its
//! issuer, `http://127.0.0.1:<port>`.
//!
//! The key's `kid` is its RFC 7638 JWK thumbprint, so every start (a new
//! key) publishes a new `kid`, and a server still holding the previous key
//! set fetches the new one at the first token instead of refusing tokens
//! until its periodic refresh. `--kid` pins a `kid` instead (to try a
//! rotation under the same `kid`).
//!
//! `/token` parameters: `sub` (required), `aud` (default
//! `portcullis-mail`), `username` (the `preferred_username` claim, default
//! `sub`), `ttl` (seconds, default 300; negative for an expired token),
//! `scope`, `iss` (to mint a token from a wrong issuer), `email_verified`
//! (default `true`; `false` for a token whose `email`, which is `sub`, the
//! IdP has not verified).

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

#[derive(Parser, Debug)]
#[command(about = "A throwaway OpenID provider on loopback that mints test tokens")]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8900)]
    port: u16,
    /// Key id published in the JWKS and put in token headers (default: the
    /// key's RFC 7638 thumbprint, new with every start).
    #[arg(long)]
    kid: Option<String>,
}

struct Idp {
    issuer: String,
    kid: String,
    key: EncodingKey,
    jwks: Value,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    portcullis_examples::init_logging();
    let args = Args::parse();
    let issuer = format!("http://127.0.0.1:{}", args.port);

    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| "key generation failed")?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .map_err(|_| "key parsing failed")?;
    // Uncompressed SEC1 point: 0x04 || x (32 bytes) || y (32 bytes).
    let point = pair.public_key().as_ref();
    let (x, y) = (
        URL_SAFE_NO_PAD.encode(&point[1..33]),
        URL_SAFE_NO_PAD.encode(&point[33..65]),
    );
    // A key made at start must not reuse an earlier key's kid: a server
    // that cached the old key under that kid would refuse the new tokens.
    let kid = args.kid.unwrap_or_else(|| ec_thumbprint(&x, &y));
    let jwks = json!({"keys": [{
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
        "x": x, "y": y,
    }]});
    let idp = Arc::new(Idp {
        issuer: issuer.clone(),
        kid: kid.clone(),
        key: EncodingKey::from_ec_der(pkcs8.as_ref()),
        jwks,
    });

    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks.json", get(jwks_handler))
        .route("/token", get(token))
        .with_state(idp);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!(
        "dev_idp: issuer {issuer} (ES256, fresh key, kid {kid}), mint with {issuer}/token?sub=USER"
    );
    axum::serve(listener, app).await?;
    Ok(())
}

/// The RFC 7638 §3 thumbprint of a P-256 public key: SHA-256 over the
/// required members (§3.2) in lexicographic order without whitespace
/// (§3.3), base64url without padding. RFC 7638 §1 names `kid` values as a
/// use of thumbprints: the same key always gets the same `kid`, another
/// key another one.
fn ec_thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(digest(&SHA256, canonical.as_bytes()))
}

async fn discovery(State(idp): State<Arc<Idp>>) -> Json<Value> {
    Json(json!({
        "issuer": idp.issuer,
        "jwks_uri": format!("{}/jwks.json", idp.issuer),
        "token_endpoint": format!("{}/token", idp.issuer),
        "id_token_signing_alg_values_supported": ["ES256"],
    }))
}

async fn jwks_handler(State(idp): State<Arc<Idp>>) -> Json<Value> {
    Json(idp.jwks.clone())
}

async fn token(State(idp): State<Arc<Idp>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(sub) = q.get("sub") else {
        return (StatusCode::BAD_REQUEST, "sub is required\n").into_response();
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let ttl: i64 = q.get("ttl").and_then(|t| t.parse().ok()).unwrap_or(300);
    let mut claims = json!({
        "iss": q.get("iss").unwrap_or(&idp.issuer),
        "sub": sub,
        "aud": q.get("aud").map_or("portcullis-mail", String::as_str),
        "preferred_username": q.get("username").unwrap_or(sub),
        "email": sub,
        // A username may only come from an `email` the IdP vouches for.
        "email_verified": q.get("email_verified").is_none_or(|v| v != "false"),
        "iat": now,
        "nbf": now - 5,
        "exp": now + ttl,
    });
    if let Some(scope) = q.get("scope") {
        claims["scope"] = json!(scope);
    }
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(idp.kid.clone());
    header.typ = Some("JWT".into());
    match jsonwebtoken::encode(&header, &claims, &idp.key) {
        Ok(token) => (StatusCode::OK, format!("{token}\n")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}
