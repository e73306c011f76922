//! A small IMAP server whose logins are decided by portcullis.
//!
//! ```text
//! cargo run --example imap_server
//! curl -v imap://127.0.0.1:1143/ -u alice@example.org:wonderland
//! ```
//!
//! Plain IMAP with STARTTLS on 127.0.0.1:1143, implicit TLS on
//! 127.0.0.1:1993, both on `[::1]` too where the machine has IPv6 loopback.
//! TLS uses the self-signed certificate the example servers share, made on
//! first use and kept (`--tls-dir`; its path and SHA-256 fingerprint are
//! printed at start). Accounts come from `examples/data/directory.toml`.
//! It speaks just enough IMAP for a client to log in and look around: `CAPABILITY`, `AUTHENTICATE` (PLAIN, LOGIN,
//! OAUTHBEARER, XOAUTH2, SASL-IR, `*` cancel, the RFC 7628 error challenge),
//! `LOGIN`, `STARTTLS`, `NOOP`, `LOGOUT`, and after login an empty
//! `INBOX` (`NAMESPACE`, `LIST`, `LSUB`, `SELECT`, `EXAMINE`, `STATUS`).
//!
//! Every login goes through one call into the authenticator; every reply
//! to a refusal is the facade's `PublicFailure::imap()`, and every decision
//! is logged by the facade (target `portcullis::audit`).

use std::net::{IpAddr, SocketAddr};

use clap::Parser;
use portcullis::{
    AuthRequest, Authenticator, Decision, Grant, RequestCredentials, SaslStart, SecretString,
    Surface, TrustedProxies, forwarded_address_from_imap_id,
};
use portcullis_examples::{
    Conn, DEMO_ACCOUNTS, DemoOptions, Line, LineConn, SaslEnd, accept_tls, client_address,
    demo_authenticator, loopback, offered_mechanisms, run_sasl, tls,
};
use portcullis_sasl::framing::imap;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

#[derive(Parser, Debug)]
#[command(about = "A small IMAP server whose logins are decided by portcullis")]
struct Args {
    /// Plain IMAP (with STARTTLS) port on 127.0.0.1 and ::1.
    #[arg(long, default_value_t = 1143)]
    port: u16,
    /// Implicit TLS port on 127.0.0.1 and ::1.
    #[arg(long, default_value_t = 1993)]
    tls_port: u16,
    #[command(flatten)]
    tls: tls::TlsOptions,
    #[command(flatten)]
    demo: DemoOptions,
}

#[derive(Clone)]
struct Server {
    auth: Authenticator,
    tls: TlsAcceptor,
    /// The certificate's `tls-server-end-point` binding, for SCRAM -PLUS.
    end_point: Vec<u8>,
    /// Front ends whose word about the client address counts.
    proxies: TrustedProxies,
    /// Connections open with a PROXY protocol v2 header.
    proxy_protocol: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    portcullis_examples::init_logging();
    let args = Args::parse();
    let demo = demo_authenticator(&args.demo)?;
    let certificate = tls::DemoTls::load_or_create(&args.tls.dir())?;
    let server = Server {
        auth: demo.auth,
        tls: certificate.acceptor.clone(),
        end_point: certificate.end_point.clone(),
        proxies: demo.proxies,
        proxy_protocol: demo.proxy_protocol,
    };
    let plain = loopback::bind(args.port).await?;
    let implicit = loopback::bind(args.tls_port).await?;

    println!("portcullis example IMAP server");
    println!("  {} (plain + STARTTLS)", loopback::urls("imap", &plain));
    println!("  {} (implicit TLS)", loopback::urls("imaps", &implicit));
    println!("{}", certificate.banner());
    println!("demo accounts ({}):", args.demo.directory.display());
    println!("{DEMO_ACCOUNTS}");
    println!("try:");
    println!(
        "  curl -v imap://127.0.0.1:{}/ -u alice@example.org:wonderland",
        args.port
    );
    println!(
        "  curl -v --cacert {} imaps://localhost:{}/ -u alice@example.org:wonderland",
        certificate.cert_path.display(),
        args.tls_port
    );
    println!(
        "  curl -v imap://127.0.0.1:{}/ -u 'alice@example.org%admin@example.org:admin-secret'",
        args.port
    );
    println!("ready");

    let implicit_server = server.clone();
    loopback::spawn_accept_loops(implicit, move |mut tcp, peer| {
        let server = implicit_server.clone();
        async move {
            // The PROXY header comes before the TLS handshake.
            let Some(ip) =
                client_address(&server.proxies, server.proxy_protocol, &mut tcp, peer.ip()).await
            else {
                return;
            };
            match accept_tls(&server.tls, tcp).await {
                Ok(conn) => serve(server, conn, peer.ip(), ip).await,
                Err(error) => tracing::info!(%peer, %error, "TLS handshake failed"),
            }
        }
    });
    loopback::spawn_accept_loops(plain, move |tcp, peer: SocketAddr| {
        serve_plain(server.clone(), tcp, peer.ip())
    });
    tokio::signal::ctrl_c().await?;
    Ok(())
}

async fn serve_plain(server: Server, mut tcp: TcpStream, peer: IpAddr) {
    let Some(ip) = client_address(&server.proxies, server.proxy_protocol, &mut tcp, peer).await
    else {
        return;
    };
    serve(server, LineConn::new(Conn::Plain(tcp)), peer, ip).await;
}

async fn serve(server: Server, mut conn: LineConn, peer: IpAddr, ip: IpAddr) {
    let mut session = Session {
        server,
        peer,
        ip,
        grant: None,
    };
    if let Err(error) = session.run(&mut conn).await {
        tracing::debug!(%ip, %error, "connection ended");
    }
}

struct Session {
    server: Server,
    /// The address the connection comes from.
    peer: IpAddr,
    /// The client's address: the peer's, or the one a trusted front end
    /// named (PROXY header, `ID` `x-originating-ip`).
    ip: IpAddr,
    grant: Option<Grant>,
}

/// What the command loop does after a command.
enum Next {
    Continue,
    Logout,
}

impl Session {
    fn capabilities(&self, tls: bool) -> String {
        let mut caps = String::from("IMAP4rev1 SASL-IR ID ENABLE");
        if self.grant.is_some() {
            caps.push_str(" NAMESPACE UNSELECT");
            return caps;
        }
        if !tls {
            caps.push_str(" STARTTLS");
        }
        let mechanisms = offered_mechanisms(&self.server.auth, Surface::Imap, tls, self.ip);
        for mechanism in &mechanisms {
            caps.push_str(" AUTH=");
            caps.push_str(mechanism);
        }
        // RFC 9051 §6.2.3: announce that LOGIN will be refused here.
        if !mechanisms.contains(&"PLAIN") {
            caps.push_str(" LOGINDISABLED");
        }
        caps
    }

    async fn run(&mut self, conn: &mut LineConn) -> std::io::Result<()> {
        let greeting = format!(
            "* OK [CAPABILITY {}] portcullis example IMAP server ready\r\n",
            self.capabilities(conn.is_tls())
        );
        conn.write(&greeting).await?;
        loop {
            let line = match conn.read_line().await? {
                Line::Text(line) => line,
                Line::TooLong { start } => {
                    // Tagged, at once: the client's command must complete.
                    let reply = imap::line_too_long(&start);
                    conn.write(reply.text()).await?;
                    if reply.close() {
                        return Ok(());
                    }
                    continue;
                }
                Line::Closed => return Ok(()),
            };
            if let Next::Logout = self.command(conn, line).await? {
                return Ok(());
            }
        }
    }

    async fn command(&mut self, conn: &mut LineConn, line: Vec<u8>) -> std::io::Result<Next> {
        let text = String::from_utf8_lossy(&line).into_owned();
        let mut words = text.trim_end_matches(['\r', '\n']).splitn(3, ' ');
        let tag = words.next().unwrap_or("*").to_owned();
        let command = words.next().unwrap_or("").to_ascii_uppercase();
        let rest = words.next().unwrap_or("").to_owned();
        if tag.is_empty() || command.is_empty() {
            conn.write("* BAD Missing tag or command\r\n").await?;
            return Ok(Next::Continue);
        }
        let tls = conn.is_tls();
        match command.as_str() {
            "CAPABILITY" => {
                let caps = self.capabilities(tls);
                conn.write(&format!(
                    "* CAPABILITY {caps}\r\n{tag} OK CAPABILITY completed\r\n"
                ))
                .await?;
            }
            "NOOP" => self.noop(conn, &tag).await?,
            "LOGOUT" => {
                conn.write(&format!(
                    "* BYE Logging out\r\n{tag} OK LOGOUT completed\r\n"
                ))
                .await?;
                return Ok(Next::Logout);
            }
            "ID" => {
                // RFC 2971: `ID ("key" "value" ...)` or `ID NIL`. A trusted
                // front end names the original client here, as Dovecot's
                // `login_trusted_networks` reads it.
                let list = rest.trim().trim_start_matches('(').trim_end_matches(')');
                let Some(params) = read_arguments(conn, &tag, list.to_owned()).await? else {
                    return Ok(Next::Continue);
                };
                let params: Vec<String> = params
                    .iter()
                    .map(|param| String::from_utf8_lossy(param).into_owned())
                    .collect();
                let pairs = params
                    .chunks_exact(2)
                    .filter_map(|pair| Some((pair.first()?.as_str(), pair.get(1)?.as_str())));
                if self.grant.is_none()
                    && let Some(original) = forwarded_address_from_imap_id(pairs)
                {
                    if self.server.proxies.trusts(self.peer) {
                        self.ip = self
                            .server
                            .proxies
                            .client_address(self.peer, Some(original));
                        tracing::info!(peer = %self.peer, client = %self.ip, "client address from a trusted front end (ID)");
                    } else {
                        tracing::warn!(peer = %self.peer, "ID x-originating-ip from an untrusted peer ignored");
                    }
                }
                conn.write(&format!(
                    "* ID (\"name\" \"portcullis-example\")\r\n{tag} OK ID completed\r\n"
                ))
                .await?;
            }
            "STARTTLS" if tls || self.grant.is_some() => {
                conn.write(&format!("{tag} BAD STARTTLS not available now\r\n"))
                    .await?;
            }
            "STARTTLS" => {
                conn.write(&format!("{tag} OK Begin TLS negotiation now\r\n"))
                    .await?;
                let acceptor = self.server.tls.clone();
                conn.start_tls(&acceptor).await?;
            }
            "AUTHENTICATE" | "LOGIN" if self.grant.is_some() => {
                conn.write(&format!("{tag} BAD Already authenticated\r\n"))
                    .await?;
            }
            "AUTHENTICATE" => self.authenticate(conn, &tag, &line).await?,
            "LOGIN" => {
                let Some(args) = read_arguments(conn, &tag, rest).await? else {
                    return Ok(Next::Continue);
                };
                let mut args = args.into_iter();
                let (Some(user), Some(password), None) = (args.next(), args.next(), args.next())
                else {
                    conn.write(&format!(
                        "{tag} BAD LOGIN takes a user name and a password\r\n"
                    ))
                    .await?;
                    return Ok(Next::Continue);
                };
                let request = AuthRequest::new(
                    Surface::Imap,
                    self.ip,
                    RequestCredentials::Basic {
                        username: String::from_utf8_lossy(&user).into_owned(),
                        secret: SecretString::new(String::from_utf8_lossy(&password).into_owned()),
                    },
                )
                .with_tls(tls);
                let decision = self.server.auth.verify(&request).await;
                self.conclude(conn, &tag, decision).await?;
            }
            _ if self.grant.is_none() => {
                conn.write(&format!(
                    "{tag} BAD Log in first (LOGIN or AUTHENTICATE)\r\n"
                ))
                .await?;
            }
            "NAMESPACE" => {
                conn.write(&format!(
                    "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n{tag} OK NAMESPACE completed\r\n"
                ))
                .await?;
            }
            "LIST" | "LSUB" => {
                let reference_only = rest.trim().ends_with("\"\"");
                let body = if reference_only {
                    format!("* {command} (\\Noselect) \"/\" \"\"\r\n")
                } else {
                    format!("* {command} (\\HasNoChildren) \"/\" INBOX\r\n")
                };
                conn.write(&format!("{body}{tag} OK {command} completed\r\n"))
                    .await?;
            }
            "SELECT" | "EXAMINE" => {
                if rest.trim().trim_matches('"').eq_ignore_ascii_case("INBOX") {
                    let mode = if command == "SELECT" {
                        "READ-WRITE"
                    } else {
                        "READ-ONLY"
                    };
                    conn.write(&format!(
                        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
                         * OK [PERMANENTFLAGS ()] No flags can be changed here\r\n\
                         * 0 EXISTS\r\n* 0 RECENT\r\n\
                         * OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 1] Predicted next UID\r\n\
                         {tag} OK [{mode}] {command} completed\r\n"
                    ))
                    .await?;
                } else {
                    conn.write(&format!(
                        "{tag} NO [NONEXISTENT] Only INBOX exists here\r\n"
                    ))
                    .await?;
                }
            }
            "STATUS" => {
                conn.write(&format!(
                    "* STATUS INBOX (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 1 UNSEEN 0)\r\n{tag} OK STATUS completed\r\n"
                ))
                .await?;
            }
            "ENABLE" => {
                conn.write(&format!("* ENABLED\r\n{tag} OK ENABLE completed\r\n"))
                    .await?
            }
            "CLOSE" | "UNSELECT" | "CHECK" | "EXPUNGE" => {
                conn.write(&format!("{tag} OK {command} completed\r\n"))
                    .await?;
            }
            _ => {
                conn.write(&format!(
                    "{tag} BAD {command} is not implemented by this example\r\n"
                ))
                .await?;
            }
        }
        Ok(Next::Continue)
    }

    /// `NOOP` also re-checks the session against the directory: a session
    /// made with a credential that has since been deleted, changed or
    /// expired ends here (the session binding at work).
    async fn noop(&mut self, conn: &mut LineConn, tag: &str) -> std::io::Result<()> {
        let revoked = match &self.grant {
            Some(grant) => self
                .server
                .auth
                .revalidate(&grant.session_binding)
                .await
                .err(),
            None => None,
        };
        if let Some(reason) = revoked {
            tracing::info!(reason = reason.kind(), "session ended by revalidation");
            self.grant = None;
            conn.write("* BYE Your session is no longer valid; log in again\r\n")
                .await?;
            return Err(std::io::Error::other("session revoked"));
        }
        conn.write(&format!("{tag} OK NOOP completed\r\n")).await
    }

    async fn authenticate(
        &mut self,
        conn: &mut LineConn,
        tag: &str,
        line: &[u8],
    ) -> std::io::Result<()> {
        let limits = portcullis_sasl::Limits::default();
        let mut initial = zeroize::Zeroizing::new(Vec::new());
        let parsed = imap::parse_authenticate(line, &limits)
            .and_then(|cmd| Ok((cmd.mechanism(), cmd.decode_initial(&limits, &mut initial)?)));
        let (mechanism, initial) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                return conn
                    .write(&format!(
                        "{tag} BAD Invalid AUTHENTICATE command ({})\r\n",
                        error.kind()
                    ))
                    .await;
            }
        };
        let session = self
            .server
            .auth
            .start_sasl(SaslStart {
                surface: Surface::Imap,
                remote_ip: self.ip,
                tls: conn.is_tls(),
                mechanism,
                initial,
                now: None,
            })
            .with_channel_binding(conn.channel_binding(&self.server.end_point));
        match run_sasl(conn, session, imap::format_challenge).await? {
            SaslEnd::Decided(decision) => self.conclude(conn, tag, decision).await,
            SaslEnd::BadResponse(error) => {
                conn.write(&format!(
                    "{tag} BAD Invalid SASL response ({})\r\n",
                    error.kind()
                ))
                .await
            }
            SaslEnd::Closed => Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
        }
    }

    /// Turns a decision into the tagged reply.
    async fn conclude(
        &mut self,
        conn: &mut LineConn,
        tag: &str,
        decision: Decision,
    ) -> std::io::Result<()> {
        match decision {
            Decision::Grant(grant) => {
                let who = if grant.is_impersonation() {
                    format!("{} (impersonated by {})", grant.acting_as, grant.account)
                } else {
                    grant.acting_as.clone()
                };
                let kind = grant.credential.kind.name();
                self.grant = Some(grant);
                let caps = self.capabilities(conn.is_tls());
                conn.write(&format!(
                    "{tag} OK [CAPABILITY {caps}] Logged in as {who} with {kind}\r\n"
                ))
                .await
            }
            Decision::Deny(denial) | Decision::TryLater(denial) => {
                conn.write(&format!("{tag} {}\r\n", denial.public.imap()))
                    .await
            }
        }
    }
}

/// Reads the arguments of a command as IMAP astrings (atoms, quoted
/// strings, and synchronizing or non-synchronizing literals, which may
/// continue the command on further lines). `None` when the command was
/// answered with `BAD` already.
async fn read_arguments(
    conn: &mut LineConn,
    tag: &str,
    first: String,
) -> std::io::Result<Option<Vec<Vec<u8>>>> {
    let mut args = Vec::new();
    let mut rest = first.into_bytes();
    loop {
        let mut i = 0;
        let mut literal = None;
        while i < rest.len() {
            match rest[i] {
                b' ' => i += 1,
                b'"' => {
                    let mut value = Vec::new();
                    i += 1;
                    loop {
                        match rest.get(i) {
                            Some(b'\\') => {
                                if let Some(&c) = rest.get(i + 1) {
                                    value.push(c);
                                }
                                i += 2;
                            }
                            Some(b'"') => {
                                i += 1;
                                break;
                            }
                            Some(&c) => {
                                value.push(c);
                                i += 1;
                            }
                            None => {
                                conn.write(&format!("{tag} BAD Unterminated quoted string\r\n"))
                                    .await?;
                                return Ok(None);
                            }
                        }
                    }
                    args.push(value);
                }
                b'{' => {
                    let close = rest[i..].iter().position(|&b| b == b'}').map(|p| p + i);
                    let spec = close.map(|c| &rest[i + 1..c]);
                    let (digits, sync) = match spec {
                        Some([digits @ .., b'+']) => (digits, false),
                        Some(digits) => (digits, true),
                        None => (&[][..], true),
                    };
                    let Some(n) = std::str::from_utf8(digits)
                        .ok()
                        .and_then(|d| d.parse::<usize>().ok())
                    else {
                        conn.write(&format!("{tag} BAD Invalid literal\r\n"))
                            .await?;
                        return Ok(None);
                    };
                    literal = Some((n, sync));
                    break;
                }
                _ => {
                    let end = rest[i..]
                        .iter()
                        .position(|&b| b == b' ')
                        .map_or(rest.len(), |p| p + i);
                    args.push(rest[i..end].to_vec());
                    i = end;
                }
            }
        }
        let Some((n, sync)) = literal else {
            return Ok(Some(args));
        };
        if sync {
            conn.write("+ Ready for literal data\r\n").await?;
        }
        let Some(bytes) = conn.read_exact(n).await? else {
            return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        };
        args.push(bytes);
        rest = match conn.read_line().await? {
            Line::Text(line) => {
                let mut line = line;
                while matches!(line.last(), Some(b'\r' | b'\n')) {
                    line.pop();
                }
                line
            }
            Line::TooLong { .. } => {
                conn.write(&format!("{tag} BAD Command line too long\r\n"))
                    .await?;
                return Ok(None);
            }
            Line::Closed => return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
        };
    }
}
