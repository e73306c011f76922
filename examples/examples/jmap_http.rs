//! JMAP session discovery and a web-portal login, decided by portcullis.
//!
//! ```text
//! cargo run --example jmap_http
//! curl -i http://127.0.0.1:8080/.well-known/jmap -u alice@example.org:wonderland
//! curl -i http://127.0.0.1:8080/portal/login -u alice@example.org:app_aaaaaai922dkeq9vonubccn9a2nyk72xshlq
//! curl -i http://127.0.0.1:8080/.well-known/jmap --oauth2-bearer API_AAAAAQAAAAQxMeJZ1mUsHA5AltpvF8Kwi9aGwQ
//! ```
//!
//! - `GET /.well-known/jmap` (surface `Jmap`) takes `Authorization: Basic`
//!   or `Bearer` (an OIDC token, or an API key alone) and answers with the JMAP session object (RFC 8620 §2) of
//!   the account the session acts as — the target, for an impersonation.
//! - `GET`/`POST /portal/login` (surface `Portal`, interactive web sign-in)
//!   takes the same header, or a JSON body
//!   `{"username": …, "password": …, "code": …}` for password + TOTP. App
//!   passwords are refused here (403) unless their scope grants the portal.
//!
//! Every refusal is the facade's `PublicFailure::http()`: 401 with
//! `WWW-Authenticate`, 403, 429 or 503 with `Retry-After`, and an RFC 7807
//! `application/problem+json` body.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clap::Parser;
use portcullis::{
    AuthRequest, Decision, FailureClass, Grant, HttpFailure, HttpScheme, PublicFailure,
    RequestCredentials, SecretString, Surface,
};
use portcullis_examples::{DEMO_ACCOUNTS, Demo, DemoOptions, demo_authenticator, loopback};
use serde_json::{Value, json};

#[derive(Parser, Debug)]
#[command(about = "JMAP session discovery and a portal login, decided by portcullis")]
struct Args {
    /// HTTP port on 127.0.0.1 and ::1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    #[command(flatten)]
    demo: DemoOptions,
}

#[derive(Clone)]
struct App {
    demo: Demo,
    base: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    portcullis_examples::init_logging();
    let args = Args::parse();
    let app = App {
        demo: demo_authenticator(&args.demo)?,
        base: format!("http://127.0.0.1:{}", args.port),
    };
    let router = Router::new()
        .route("/.well-known/jmap", get(session))
        .route("/portal/login", get(portal).post(portal))
        .with_state(app);
    let listeners = loopback::bind(args.port).await?;
    println!(
        "portcullis example JMAP/portal server on {}",
        loopback::urls("http", &listeners)
    );
    println!("demo accounts ({}):", args.demo.directory.display());
    println!("{DEMO_ACCOUNTS}");
    println!("try:");
    println!(
        "  curl -i http://127.0.0.1:{}/.well-known/jmap -u alice@example.org:wonderland",
        args.port
    );
    println!("ready");
    let mut servers = tokio::task::JoinSet::new();
    for listener in listeners {
        let service = router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        servers.spawn(async move { axum::serve(listener, service).await });
    }
    while let Some(served) = servers.join_next().await {
        served??;
    }
    Ok(())
}

/// `Authorization` → request credentials; `Err` is the reply to send.
#[allow(
    clippy::result_large_err,
    reason = "the Err is the HTTP reply itself, built once per request"
)]
fn credentials(app: &App, headers: &HeaderMap) -> Result<RequestCredentials, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        let failure = PublicFailure::new(
            FailureClass::BadCredentials,
            HttpScheme::Basic,
            app.demo.realm.clone(),
        )
        .with_message("Authorization required");
        return Err(render(&failure.http()));
    };
    let value = value.to_str().unwrap_or("");
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let malformed = |scheme| {
        render(
            &PublicFailure::new(FailureClass::Malformed, scheme, app.demo.realm.clone())
                .with_message("Malformed Authorization header")
                .http(),
        )
    };
    if scheme.eq_ignore_ascii_case("Bearer") {
        return Ok(RequestCredentials::Bearer {
            token: SecretString::new(rest.trim().to_owned()),
        });
    }
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Err(malformed(HttpScheme::Basic));
    }
    // RFC 7617: base64 of `user-id ":" password`; the user-id has no colon.
    let decoded = zeroize::Zeroizing::new(
        STANDARD
            .decode(rest.trim())
            .map_err(|_| malformed(HttpScheme::Basic))?,
    );
    let text = std::str::from_utf8(&decoded).map_err(|_| malformed(HttpScheme::Basic))?;
    let (username, password) = text
        .split_once(':')
        .ok_or_else(|| malformed(HttpScheme::Basic))?;
    Ok(RequestCredentials::Basic {
        username: username.to_owned(),
        secret: SecretString::new(password.to_owned()),
    })
}

#[allow(
    clippy::result_large_err,
    reason = "the Err is the HTTP reply itself, built once per request"
)]
async fn decide(
    app: &App,
    surface: Surface,
    ip: IpAddr,
    credentials: RequestCredentials,
) -> Result<Grant, Response> {
    // Plain HTTP: cleartext passwords pass only because the demo enabled the
    // danger option (see `demo_authenticator`); behind a TLS terminator a
    // server would pass `true` here.
    let request = AuthRequest::new(surface, ip, credentials).with_tls(false);
    match app.demo.auth.verify(&request).await {
        Decision::Grant(grant) => Ok(grant),
        Decision::Deny(denial) | Decision::TryLater(denial) => Err(render(&denial.public.http())),
    }
}

fn render(failure: &HttpFailure) -> Response {
    let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut response = (status, failure.problem.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let Some(challenge) = failure
        .www_authenticate
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.insert(header::WWW_AUTHENTICATE, challenge);
    }
    if let Some(seconds) = failure.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn grant_json(grant: &Grant) -> Value {
    json!({
        "account": grant.account,
        "actingAs": grant.acting_as,
        "impersonation": grant.is_impersonation(),
        "credential": {"kind": grant.credential.kind.name(), "id": grant.credential.id},
        "expiresAt": grant.expires_at.map(|t| t.unix_timestamp()),
    })
}

async fn session(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let grant = match credentials(&app, &headers) {
        Ok(credentials) => decide(&app, Surface::Jmap, peer.ip(), credentials).await,
        Err(response) => Err(response),
    };
    let grant = match grant {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    let id = URL_SAFE_NO_PAD.encode(grant.acting_as.as_bytes());
    let base = &app.base;
    let body = json!({
        "capabilities": {
            "urn:ietf:params:jmap:core": {
                "maxSizeUpload": 50_000_000, "maxConcurrentUpload": 4, "maxSizeRequest": 10_000_000,
                "maxConcurrentRequests": 4, "maxCallsInRequest": 16, "maxObjectsInGet": 500,
                "maxObjectsInSet": 500, "collationAlgorithms": ["i;ascii-casemap"]
            },
            "urn:ietf:params:jmap:mail": {}
        },
        "accounts": {
            id.clone(): {
                "name": grant.acting_as,
                "isPersonal": !grant.is_impersonation(),
                "isReadOnly": false,
                "accountCapabilities": {"urn:ietf:params:jmap:mail": {
                    "maxMailboxesPerEmail": null, "maxMailboxDepth": 10, "maxSizeMailboxName": 255,
                    "maxSizeAttachmentsPerEmail": 50_000_000, "emailQuerySortOptions": ["receivedAt"],
                    "mayCreateTopLevelMailbox": true
                }}
            }
        },
        "primaryAccounts": {"urn:ietf:params:jmap:mail": id},
        "username": grant.acting_as,
        "apiUrl": format!("{base}/jmap/api/"),
        "downloadUrl": format!("{base}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?accept={{type}}"),
        "uploadUrl": format!("{base}/jmap/upload/{{accountId}}/"),
        "eventSourceUrl": format!("{base}/jmap/eventsource/?types={{types}}&closeafter={{closeafter}}&ping={{ping}}"),
        "state": "0",
        // Not JMAP: what portcullis granted, for people reading the demo.
        "portcullis": grant_json(&grant),
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn portal(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: Option<Value> = serde_json::from_slice(&body).ok();
    let credentials = match form.as_ref() {
        Some(form) => {
            let field = |name: &str| form.get(name).and_then(Value::as_str).map(str::to_owned);
            match (field("username"), field("password"), field("code")) {
                (Some(username), Some(password), Some(code)) => {
                    Ok(RequestCredentials::PasswordAndCode {
                        username,
                        password: SecretString::new(password),
                        code: SecretString::new(code),
                    })
                }
                (Some(username), Some(password), None) => Ok(RequestCredentials::Basic {
                    username,
                    secret: SecretString::new(password),
                }),
                _ => credentials(&app, &headers),
            }
        }
        None => credentials(&app, &headers),
    };
    let grant = match credentials {
        Ok(credentials) => decide(&app, Surface::Portal, peer.ip(), credentials).await,
        Err(response) => Err(response),
    };
    match grant {
        Ok(grant) => {
            let mut body = grant_json(&grant);
            // A real portal would put this binding in its session store and
            // call `revalidate` on each request.
            body["sessionBinding"] =
                serde_json::to_value(&grant.session_binding).unwrap_or(Value::Null);
            (
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response()
        }
        Err(response) => response,
    }
}
