//! Example programs for portcullis. Run one with
//! `cargo run --example <name>`; see the README for the list.
//!
//! | example | what it shows |
//! |---|---|
//! | `quickstart` | the authenticator with an in-memory directory, one PLAIN login |
//! | `imap_server` | IMAP on 1143 (plain + STARTTLS) and 1993 (implicit TLS) |
//! | `submission_server` | SMTP submission on 1587 (`AUTH`, STARTTLS) and 1465 (implicit TLS, RFC 8314) |
//! | `jmap_http` | `GET /.well-known/jmap` with Basic or Bearer, a portal login |
//! | `oidc_provider_check` | discovery and JWKS readiness of an issuer |
//! | `dev_idp` | a throwaway OpenID provider on loopback that mints test tokens |
//!
//! The servers listen on 127.0.0.1 and, where the machine has IPv6
//! loopback, on `::1`.
//!
//! This library holds the few pieces the servers share: one self-signed
//! certificate kept across restarts ([`tls`]), listeners on 127.0.0.1 and
//! `::1` ([`loopback`]), a connection that can switch to TLS in place
//! (STARTTLS), a bounded line reader, the SASL loop over a line protocol
//! ([`run_sasl`]), the demo authenticator ([`demo_authenticator`]) and
//! logging set-up. It is example code, written to be read.
//!
//! The demo accounts live in `examples/data/directory.toml`; the interop
//! tests in `tests/interop/` drive these servers with curl, imaplib and
//! smtplib.
//!
//! # Dependencies
//!
//! - `portcullis-sql`, `portcullis-ldap`, `toml`: `--directory postgres://…`
//!   and `--directory ldap://…` (the LDAP mapping in `data/ldap.toml`).
//! - `portcullis`, `portcullis-sasl`, `portcullis-credentials`: what the
//!   examples show.
//! - `portcullis-oidc` (feature `fetch`): background JWKS fetching and the
//!   readiness probe.
//! - `tokio`, `tokio-rustls`, `rustls` (aws-lc-rs provider, already built
//!   for jsonwebtoken), `rcgen`: sockets, TLS, the certificate made on
//!   first use.
//! - `log`, `tracing-log`: rustls logs through `log`; its per-connection
//!   complaint about a client's IP-address SNI is passed on at debug level.
//! - `axum`: the HTTP examples.
//! - `clap`, `tracing`, `tracing-subscriber`: command lines and logs.
//! - `jsonwebtoken`, `aws-lc-rs`, `base64`, `serde_json`, `time`: `dev_idp`
//!   signs tokens and serves its JWKS.
//! - `zeroize`: wiping decoded SASL responses.
//! - `portcullis-redis`: `--redis` and `--redis-cluster` (state shared by
//!   several servers).
//! - `ipnet`, `ppp`: `--trusted-proxy` networks and the PROXY protocol v2
//!   header that carries the original client address.

#![forbid(unsafe_code)]

pub mod loopback;
pub mod tls;

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use portcullis::{Authenticator, FileDirectory};
use portcullis_oidc::fetch::{FetchConfig, Fetcher};
use portcullis_oidc::{OidcConfig, OidcValidator};

use portcullis::ChannelBindingData;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Longest command line the example servers read (RFC 9051 suggests at least
/// 8000 octets; SASL responses with a bearer token fit easily).
pub const MAX_LINE: usize = 16 * 1024;

/// Starts `tracing` output: human-readable lines on stderr, `info` by
/// default (so every `portcullis::audit` decision is shown), overridable
/// with `RUST_LOG`.
///
/// Records of the `log` crate (rustls logs that way) are passed on to
/// `tracing`, with one change: rustls warns once per connection whose client
/// sends an IP address as SNI (RFC 6066 §3 allows only host names; gsasl,
/// mbsync and neomutt send one anyway, and the handshake goes on). That is the client's
/// habit, not the server's problem, so it is logged at debug level.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .with_writer(io::stderr)
        .finish();
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        // Already set up (a second call): keep the first.
        return;
    }
    if log::set_boxed_logger(Box::new(RelevelClientSni(tracing_log::LogTracer::new()))).is_ok() {
        use tracing_log::AsLog as _;
        log::set_max_level(tracing::level_filters::LevelFilter::current().as_log());
    }
}

/// Passes `log` records to `tracing`, lowering rustls's "Illegal SNI"
/// warnings (a client's IP address or malformed name as SNI) to debug.
struct RelevelClientSni(tracing_log::LogTracer);

impl RelevelClientSni {
    fn is_client_sni_complaint(record: &log::Record<'_>) -> bool {
        record.level() == log::Level::Warn
            && record.target().starts_with("rustls::")
            && record.args().to_string().starts_with("Illegal SNI")
    }
}

impl log::Log for RelevelClientSni {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.0.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if Self::is_client_sni_complaint(record) {
            self.0.log(
                &log::Record::builder()
                    .args(*record.args())
                    .level(log::Level::Debug)
                    .target(record.target())
                    .module_path(record.module_path())
                    .file(record.file())
                    .line(record.line())
                    .build(),
            );
        } else {
            self.0.log(record);
        }
    }

    fn flush(&self) {
        self.0.flush();
    }
}

/// A client connection, plain or TLS. STARTTLS replaces the plain variant
/// with the TLS one in place.
#[derive(Debug)]
pub enum Conn {
    /// Cleartext TCP.
    Plain(TcpStream),
    /// TLS over TCP (implicit TLS, or after STARTTLS).
    Tls(Box<TlsStream<TcpStream>>),
}

impl Conn {
    /// True once the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        matches!(self, Self::Tls(_))
    }

    /// The channel-binding data SCRAM `-PLUS` binds to: RFC 9266
    /// `tls-exporter` on TLS 1.3 (RFC 9266 §3 leaves TLS 1.2 without the
    /// extended master secret out, and rustls does not insist on it), and
    /// RFC 5929 `tls-server-end-point` from `end_point` (the hash of this
    /// server's certificate). None on cleartext.
    pub fn channel_binding(&self, end_point: &[u8]) -> ChannelBindingData {
        let Self::Tls(stream) = self else {
            return ChannelBindingData::none();
        };
        let (_, connection) = stream.get_ref();
        let data = ChannelBindingData::none().with_tls_server_end_point(end_point);
        if connection.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_3) {
            return data;
        }
        match connection.export_keying_material([0u8; 32], TLS_EXPORTER_LABEL, None) {
            Ok(exporter) => data.with_tls_exporter(&exporter),
            Err(_) => data,
        }
    }
}

/// The mechanisms to advertise: over TLS the example servers always hold
/// channel-binding data ([`Conn::channel_binding`]), so the SCRAM `-PLUS`
/// mechanisms join the list there.
pub fn offered_mechanisms(
    auth: &portcullis::Authenticator,
    surface: portcullis::Surface,
    tls: bool,
    ip: std::net::IpAddr,
) -> Vec<&'static str> {
    if tls {
        auth.mechanisms_with_channel_binding(surface, ip)
    } else {
        auth.mechanisms(surface, false, ip)
    }
}

/// RFC 9266 §2: the exporter label of `tls-exporter` (32 bytes, no
/// context).
const TLS_EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// What [`LineConn::read_line`] returns.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// One line, with its CRLF (or LF) still attached, as the
    /// `portcullis_sasl::framing` parsers expect.
    Text(Vec<u8>),
    /// The line exceeded [`MAX_LINE`]: returned as soon as it did, with
    /// the first [`KEPT_OF_LONG_LINE`] bytes (an IMAP tag, an SMTP verb) so
    /// the server can answer at once; the rest of the line is discarded by
    /// the next read.
    TooLong {
        /// The start of the line.
        start: Vec<u8>,
    },
    /// The client closed the connection.
    Closed,
}

/// A connection with a small read buffer: reads CRLF-terminated lines,
/// writes replies, and switches to TLS (STARTTLS).
#[derive(Debug)]
pub struct LineConn {
    conn: Option<Conn>,
    buf: Vec<u8>,
    /// The rest of an over-long line is still to be skipped.
    discarding: bool,
}

/// How much of an over-long line [`LineConn::read_line`] keeps.
pub const KEPT_OF_LONG_LINE: usize = 80;

impl LineConn {
    /// Wraps a fresh connection.
    pub fn new(conn: Conn) -> Self {
        Self {
            conn: Some(conn),
            buf: Vec::with_capacity(1024),
            discarding: false,
        }
    }

    /// True once the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.conn.as_ref().is_some_and(Conn::is_tls)
    }

    /// [`Conn::channel_binding`] of the connection.
    pub fn channel_binding(&self, end_point: &[u8]) -> ChannelBindingData {
        self.conn
            .as_ref()
            .map_or_else(ChannelBindingData::none, |conn| {
                conn.channel_binding(end_point)
            })
    }

    fn conn(&mut self) -> io::Result<&mut Conn> {
        self.conn
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "TLS handshake failed"))
    }

    /// Reads the next line (at most [`MAX_LINE`] bytes).
    pub async fn read_line(&mut self) -> io::Result<Line> {
        loop {
            let newline = self.buf.iter().position(|&b| b == b'\n');
            if self.discarding {
                match newline {
                    Some(end) => {
                        self.buf.drain(..=end);
                        self.discarding = false;
                        continue;
                    }
                    None => self.buf.clear(),
                }
            } else if let Some(end) = newline {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                if line.len() <= MAX_LINE {
                    return Ok(Line::Text(line));
                }
                let start = line.get(..KEPT_OF_LONG_LINE).unwrap_or(&line).to_vec();
                return Ok(Line::TooLong { start });
            } else if self.buf.len() > MAX_LINE {
                // Answer now, not after the client has sent the whole line.
                let start = self
                    .buf
                    .get(..KEPT_OF_LONG_LINE)
                    .unwrap_or(&self.buf)
                    .to_vec();
                self.buf.clear();
                self.discarding = true;
                return Ok(Line::TooLong { start });
            }
            let mut chunk = [0u8; 4096];
            let n = self.conn()?.read(&mut chunk).await?;
            if n == 0 {
                return Ok(Line::Closed);
            }
            self.buf
                .extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
    }

    /// Reads exactly `n` bytes (an IMAP literal), at most [`MAX_LINE`].
    pub async fn read_exact(&mut self, n: usize) -> io::Result<Option<Vec<u8>>> {
        if n > MAX_LINE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "literal too long",
            ));
        }
        while self.buf.len() < n {
            let mut chunk = [0u8; 4096];
            let read = self.conn()?.read(&mut chunk).await?;
            if read == 0 {
                return Ok(None);
            }
            self.buf
                .extend_from_slice(chunk.get(..read).unwrap_or_default());
        }
        Ok(Some(self.buf.drain(..n).collect()))
    }

    /// Writes `text` and flushes.
    pub async fn write(&mut self, text: &str) -> io::Result<()> {
        let conn = self.conn()?;
        conn.write_all(text.as_bytes()).await?;
        conn.flush().await
    }

    /// Upgrades a plain connection to TLS after the server has said "go
    /// ahead". Bytes the client sent after the STARTTLS command and before
    /// the handshake are an injection attempt (CVE-2011-0411 and kin): they
    /// are dropped, never read as commands under TLS.
    pub async fn start_tls(&mut self, acceptor: &TlsAcceptor) -> io::Result<()> {
        self.buf.clear();
        match self.conn.take() {
            Some(Conn::Plain(tcp)) => {
                let tls = acceptor.accept(tcp).await?;
                self.conn = Some(Conn::Tls(Box::new(tls)));
                Ok(())
            }
            Some(other) => {
                self.conn = Some(other);
                Err(io::Error::other("already TLS"))
            }
            None => Err(io::Error::new(io::ErrorKind::NotConnected, "closed")),
        }
    }
}

/// Reads the PROXY protocol v2 header that opens a connection from a
/// proxy (HAProxy's `send-proxy-v2`) and returns the original client
/// address it carries (`None` for a `LOCAL` command, such as a health
/// check). The header is read exactly, never a byte past it, so the first
/// protocol line stays for the line reader.
///
/// # Errors
/// `InvalidData` when the connection does not open with a valid v2 header.
pub async fn read_proxy_header(tcp: &mut TcpStream) -> io::Result<Option<std::net::IpAddr>> {
    // 12-byte signature, version/command, family/protocol, 2-byte length.
    let mut fixed = [0u8; 16];
    tcp.read_exact(&mut fixed).await?;
    let length = usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    let mut header = fixed.to_vec();
    header.resize(16 + length, 0);
    tcp.read_exact(&mut header[16..]).await?;
    let parsed = ppp::v2::Header::try_from(header.as_slice())
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error.to_string()))?;
    Ok(match parsed.addresses {
        ppp::v2::Addresses::IPv4(address) => Some(address.source_address.into()),
        ppp::v2::Addresses::IPv6(address) => Some(address.source_address.into()),
        _ => None,
    })
}

/// The client's address for a fresh connection: the peer's, or with
/// `--proxy-protocol` the one its PROXY header carries when the peer is a
/// trusted proxy. `None` when the header is missing or broken (the caller
/// drops the connection).
pub async fn client_address(
    proxies: &portcullis::TrustedProxies,
    proxy_protocol: bool,
    tcp: &mut TcpStream,
    peer: std::net::IpAddr,
) -> Option<std::net::IpAddr> {
    if !proxy_protocol {
        return Some(peer);
    }
    match read_proxy_header(tcp).await {
        Ok(forwarded) => {
            if forwarded.is_some() && !proxies.trusts(peer) {
                tracing::warn!(%peer, "PROXY header from an untrusted peer ignored");
            }
            Some(proxies.client_address(peer, forwarded))
        }
        Err(error) => {
            tracing::info!(%peer, %error, "no valid PROXY protocol v2 header");
            None
        }
    }
}

/// Accepts implicit TLS on a fresh TCP connection.
pub async fn accept_tls(acceptor: &TlsAcceptor, tcp: TcpStream) -> io::Result<LineConn> {
    let tls = acceptor.accept(tcp).await?;
    Ok(LineConn::new(Conn::Tls(Box::new(tls))))
}

/// The options every example server shares (flattened into each one's
/// command line).
#[derive(clap::Args, Debug, Clone)]
pub struct DemoOptions {
    /// Where the accounts live: a directory file (format:
    /// docs/directory-format.md), or a real store, `postgres://…` (the
    /// default schema of portcullis-sql, seeded with data/demo.sql) or
    /// `ldap://HOST:PORT/` (the mapping of data/ldap.toml, seeded with
    /// data/demo.ldif). With a store, the settings (mechanisms, OIDC,
    /// throttle) still come from data/directory.toml.
    #[arg(long, default_value = DEMO_DIRECTORY)]
    pub directory: PathBuf,
    /// Trust this OpenID issuer instead of the one(s) in the directory file
    /// (same audiences and claim rules); e.g. the `dev_idp` example's.
    #[arg(long)]
    pub idp_issuer: Option<String>,
    /// Keep the library default: PLAIN and LOGIN only over TLS, even on
    /// loopback.
    #[arg(long)]
    pub require_tls: bool,
    /// Turn failure throttling off (for load and timing benchmarks only).
    #[arg(long)]
    pub no_throttle: bool,
    /// Offer only these SASL mechanisms (comma-separated, e.g.
    /// `XOAUTH2,PLAIN`) instead of the directory file's list.
    #[arg(long, value_delimiter = ',')]
    pub mechanisms: Vec<String>,
    /// A front end (proxy, webmail) whose word about the original client
    /// address counts (repeatable; added to the directory file's
    /// `trusted_proxies`): its PROXY header, its IMAP `ID`
    /// `x-originating-ip`.
    #[arg(long = "trusted-proxy")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Every cleartext connection starts with a PROXY protocol v2 header
    /// (HAProxy `send-proxy-v2`); its source address is used when the
    /// connection comes from a trusted proxy.
    #[arg(long)]
    pub proxy_protocol: bool,
    /// Share throttling, revocation epochs and verified logins with every
    /// server started with the same Redis (or Valkey): `redis://[:PASSWORD@]HOST:PORT/[DB]`.
    #[arg(long, conflicts_with = "redis_cluster")]
    pub redis: Option<String>,
    /// As `--redis`, for a Redis Cluster: its seed nodes' URLs
    /// (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub redis_cluster: Vec<String>,
    /// With `--redis`: a file of at least 32 bytes that every server shares
    /// (and Redis never sees), turning on the shared tier of the
    /// verification cache: a password verified on one server is not
    /// hashed again on another.
    #[arg(long)]
    pub shared_cache_key_file: Option<PathBuf>,
}

/// What [`demo_authenticator`] builds.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The authenticator.
    pub auth: Authenticator,
    /// The HTTP realm of the directory file (for replies made before the
    /// authenticator is asked, such as a missing `Authorization` header).
    pub realm: String,
    /// The front ends whose word about the client address counts.
    pub proxies: portcullis::TrustedProxies,
    /// Whether connections start with a PROXY protocol v2 header.
    pub proxy_protocol: bool,
}

/// Builds the authenticator over the demo directory and starts fetching the
/// OIDC keys in the background (on the current tokio runtime).
pub fn demo_authenticator(options: &DemoOptions) -> Result<Demo, Box<dyn std::error::Error>> {
    let store = DemoStore::open(&options.directory)?;
    let mut settings = store.settings()?;
    if !options.require_tls {
        // DANGER, demo only: passwords and bearer tokens without TLS. The
        // servers bind loopback only (127.0.0.1 and ::1), so secrets never
        // leave this machine, and curl/imaplib can be shown without
        // certificates. A real server
        // keeps the default (TLS required, like Dovecot's
        // `auth_allow_cleartext = no`) or trusts loopback only.
        settings.mechanisms = settings.mechanisms.danger_allow_plaintext_without_tls(true);
        tracing::warn!(
            "DANGER: cleartext passwords and bearer tokens are accepted without TLS \
             (demo on loopback only; --require-tls restores the library default)"
        );
    }
    if !options.mechanisms.is_empty() {
        let mut set = portcullis_sasl::MechanismSet::empty();
        for name in &options.mechanisms {
            set |= portcullis_sasl::Mechanism::from_name(name)
                .map_err(|_| format!("unknown mechanism {name:?}"))?
                .as_set();
        }
        settings.mechanisms = settings.mechanisms.with_mechanisms(set);
        if set.intersects(
            portcullis_sasl::MechanismSet::SCRAM | portcullis_sasl::MechanismSet::SCRAM_PLUS,
        ) {
            settings.scram_iterations.get_or_insert(4096);
        }
    }
    if options.no_throttle {
        settings.throttle.enabled = false;
        tracing::warn!("failure throttling is OFF (--no-throttle, for benchmarks)");
    }
    if let (Some(issuer), Some(validator)) = (&options.idp_issuer, &settings.oidc) {
        let providers = validator
            .providers()
            .map(|(_, provider)| {
                let mut provider = provider.clone();
                provider.issuer.clone_from(issuer);
                provider
            })
            .collect();
        settings.oidc = Some(Arc::new(OidcValidator::new(OidcConfig::new(providers))?));
    }
    let realm = settings.realm.clone();
    let proxies = portcullis::TrustedProxies::new(
        settings
            .trusted_proxies
            .networks()
            .iter()
            .chain(&options.trusted_proxies)
            .copied(),
    );
    let builder = Authenticator::builder();
    let builder = match store {
        DemoStore::File(directory) => builder.directory(directory),
        DemoStore::Sql(directory) => builder.directory(directory),
        DemoStore::Ldap(directory) => builder.directory(directory),
    };
    let builder = redis_state(builder.settings(settings), options)?;
    let authenticator = builder.build()?;
    if let Some(validator) = authenticator.oidc() {
        for (_, provider) in validator.providers() {
            tracing::info!(issuer = %provider.issuer, "trusting OpenID provider (keys fetched in the background)");
        }
        let fetcher = Arc::new(Fetcher::new(FetchConfig::default())?);
        tokio::spawn(fetcher.run(Arc::clone(validator)));
    }
    Ok(Demo {
        proxies,
        proxy_protocol: options.proxy_protocol,
        auth: authenticator,
        realm,
    })
}

/// `--redis`/`--redis-cluster`: throttle counts, revocation epochs and
/// (with `--shared-cache-key-file`) verified logins in Redis.
fn redis_state(
    builder: portcullis::AuthenticatorBuilder,
    options: &DemoOptions,
) -> Result<portcullis::AuthenticatorBuilder, Box<dyn std::error::Error>> {
    let config = match (&options.redis, options.redis_cluster.as_slice()) {
        (Some(url), _) => portcullis_redis::RedisConfig::new(url.clone()),
        (None, []) => {
            if options.shared_cache_key_file.is_some() {
                return Err("--shared-cache-key-file needs --redis or --redis-cluster".into());
            }
            return Ok(builder);
        }
        (None, seeds) => portcullis_redis::RedisConfig::cluster(seeds.iter().cloned()),
    };
    tracing::info!(
        ?config,
        "throttling and revocation epochs shared through Redis"
    );
    let store = portcullis_redis::RedisStore::new(config)?;
    let builder = builder
        .throttle_store(store.clone())
        .revocation_store(store);
    Ok(match &options.shared_cache_key_file {
        Some(path) => {
            let key = zeroize::Zeroizing::new(std::fs::read(path)?);
            tracing::info!(path = %path.display(), "shared verification cache on");
            builder.shared_verification_cache(&key, std::time::Duration::from_secs(3600))
        }
        None => builder,
    })
}

/// The demo directory file: accounts and settings.
pub const DEMO_DIRECTORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/directory.toml");

/// Where the demo accounts are read from (`--directory`).
enum DemoStore {
    File(FileDirectory),
    Sql(portcullis_sql::SqlDirectory),
    Ldap(portcullis_ldap::LdapDirectory),
}

impl DemoStore {
    fn open(directory: &std::path::Path) -> Result<DemoStore, Box<dyn std::error::Error>> {
        let text = directory.to_string_lossy();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let config = portcullis_sql::SqlConfig::new(text.into_owned());
            tracing::info!("accounts from PostgreSQL (the portcullis-sql default schema)");
            return Ok(DemoStore::Sql(portcullis_sql::SqlDirectory::new(config)?));
        }
        if text.starts_with("ldap://") || text.starts_with("ldaps://") {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/ldap.toml");
            let mut config: portcullis_ldap::LdapConfig =
                toml::from_str(&std::fs::read_to_string(path)?)?;
            config.url = text.into_owned();
            tracing::info!(mapping = path, "accounts from LDAP");
            return Ok(DemoStore::Ldap(portcullis_ldap::LdapDirectory::new(
                config,
            )?));
        }
        let file = FileDirectory::load(directory)?;
        reload_on_sighup(file.clone());
        Ok(DemoStore::File(file))
    }

    /// The authenticator settings: the directory file's own, or the demo
    /// file's beside a real store.
    fn settings(&self) -> Result<portcullis::Settings, Box<dyn std::error::Error>> {
        Ok(match self {
            DemoStore::File(file) => file.settings(),
            DemoStore::Sql(_) | DemoStore::Ldap(_) => {
                FileDirectory::load(DEMO_DIRECTORY)?.settings()
            }
        })
    }
}

/// `kill -HUP <pid>` re-reads the directory file: accounts and credentials
/// change for new logins at once, and sessions made with a credential that
/// is gone end at their next revalidation (the IMAP example revalidates on
/// `NOOP`). A file that fails to parse leaves the old contents in force.
fn reload_on_sighup(directory: FileDirectory) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            match directory.reload() {
                Ok(()) => tracing::info!(path = %directory.path().display(), "directory reloaded"),
                Err(error) => {
                    tracing::warn!(%error, "directory reload failed; keeping the old contents")
                }
            }
        }
    });
    #[cfg(not(unix))]
    drop(directory);
}

/// The demo accounts of `examples/data/directory.toml`, as printed at start.
// (No line continuation on the first line: it would eat the indentation.)
pub const DEMO_ACCOUNTS: &str = "  alice@example.org   password wonderland
  alice@example.org   app password app_aaaaaai922dkeq9vonubccn9a2nyk72xshlq  (IMAP only)
  admin@example.org   password admin-secret  (may impersonate: alice@example.org%admin@example.org)
  admin@example.org   app password app_aaaaaaxtuzkdlk92jcgrkjn2ivsxgth11qza  (cannot impersonate)
  bob@example.org     password builder + TOTP (secret NYQDSSC5CEJ6CK7SI4KAV3TYNUKDTM53)
  carol@example.org   OIDC principal; app password app_aaaaaa0dybg9pa2igezkj3zc39gt3jnlumfa
  tokens: cargo run --example dev_idp, then curl 'http://127.0.0.1:8900/token?sub=alice@example.org'";

/// How a SASL exchange run by [`run_sasl`] ended.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one value per login, matched once; boxing would only hide the decision"
)]
pub enum SaslEnd {
    /// The authenticator decided (including a cancel by `*`).
    Decided(portcullis::Decision),
    /// A continuation line was not valid base64 (or too long): the exchange
    /// is abandoned; the server answers with its protocol's syntax error.
    BadResponse(portcullis_sasl::Error),
    /// The client went away mid-exchange.
    Closed,
}

/// Runs one SASL exchange over a line protocol: sends each challenge with
/// `format` (`framing::imap::format_challenge` gives `+ …`,
/// `framing::smtp::format_challenge` gives `334 …`), reads and decodes each
/// response with the `portcullis_sasl` framing, and turns `*` into
/// [`portcullis::SaslSession::cancel`].
pub async fn run_sasl(
    conn: &mut LineConn,
    mut session: portcullis::SaslSession,
    format: fn(&[u8], &mut String),
) -> io::Result<SaslEnd> {
    let limits = portcullis_sasl::Limits::default();
    let mut decoded = zeroize::Zeroizing::new(Vec::new());
    let mut progress = session.begin().await;
    loop {
        let challenge = match progress {
            portcullis::SaslProgress::Done(decision) => return Ok(SaslEnd::Decided(decision)),
            portcullis::SaslProgress::Challenge(challenge) => challenge,
        };
        let mut out = String::new();
        format(&challenge, &mut out);
        conn.write(&out).await?;
        let line = match conn.read_line().await? {
            Line::Text(line) => zeroize::Zeroizing::new(line),
            Line::TooLong { .. } => {
                return Ok(SaslEnd::BadResponse(portcullis_sasl::Error::TooLong {
                    field: portcullis_sasl::Field::Line,
                    limit: MAX_LINE,
                }));
            }
            Line::Closed => return Ok(SaslEnd::Closed),
        };
        match portcullis_sasl::framing::decode_response(&line, &limits, &mut decoded) {
            Ok(response) => progress = session.step(response).await,
            Err(portcullis_sasl::Error::Cancelled) => {
                return Ok(SaslEnd::Decided(session.cancel()));
            }
            Err(error) => {
                tracing::info!(%error, "SASL exchange abandoned: bad client response");
                return Ok(SaslEnd::BadResponse(error));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowered(level: log::Level, target: &str, message: std::fmt::Arguments<'_>) -> bool {
        RelevelClientSni::is_client_sni_complaint(
            &log::Record::builder()
                .level(level)
                .target(target)
                .args(message)
                .build(),
        )
    }

    #[test]
    fn only_rustls_sni_warnings_are_lowered() {
        let ip = "127.0.0.1";
        assert!(lowered(
            log::Level::Warn,
            "rustls::msgs::handshake",
            format_args!("Illegal SNI extension: ignoring IP address presented as hostname ({ip})")
        ));
        assert!(!lowered(
            log::Level::Warn,
            "rustls::server::hs",
            format_args!("some other warning")
        ));
        assert!(!lowered(
            log::Level::Warn,
            "reqwest",
            format_args!("Illegal SNI, but not from rustls")
        ));
        assert!(!lowered(
            log::Level::Error,
            "rustls::msgs::handshake",
            format_args!("Illegal SNI extension: duplicate host_name received")
        ));
    }
}
