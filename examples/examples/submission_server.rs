//! SMTP submission (RFC 6409) whose `AUTH` is decided by portcullis.
//!
//! ```text
//! cargo run --example submission_server
//! curl -v smtp://127.0.0.1:1587 --login-options AUTH=PLAIN -u alice@example.org:wonderland \
//!      --mail-from alice@example.org --mail-rcpt bob@example.org -T - <<< 'Subject: hi'
//! ```
//!
//! Submission with STARTTLS on 127.0.0.1:1587 and with implicit TLS
//! ("submissions", RFC 8314 §3.3) on 127.0.0.1:1465, both on `[::1]` too
//! where the machine has IPv6 loopback. TLS uses the self-signed
//! certificate the example servers share (`--tls-dir`; its path and SHA-256
//! fingerprint are printed at start).
//!
//! `EHLO` lists the mechanisms the authenticator offers on this transport,
//! `AUTH` runs PLAIN, LOGIN, OAUTHBEARER and XOAUTH2 with `334` challenges
//! (initial responses, `=` and `*` cancel as RFC 4954 spells them), and
//! every refusal is the facade's `PublicFailure::smtp()` (`535 5.7.8`,
//! `454 4.7.0`, `538 5.7.11`, `501 5.0.0` …). Mail is accepted after login
//! and discarded.

use std::net::IpAddr;

use clap::Parser;
use portcullis::{Authenticator, Decision, Grant, SaslStart, Surface};
use portcullis_examples::{
    Conn, DEMO_ACCOUNTS, DemoOptions, Line, LineConn, SaslEnd, accept_tls, client_address,
    demo_authenticator, loopback, run_sasl, tls,
};
use portcullis_sasl::framing::smtp;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

#[derive(Parser, Debug)]
#[command(about = "SMTP submission whose AUTH is decided by portcullis")]
struct Args {
    /// Submission port (STARTTLS) on 127.0.0.1 and ::1.
    #[arg(long, default_value_t = 1587)]
    port: u16,
    /// Submission port with implicit TLS (RFC 8314; 465 in production) on
    /// 127.0.0.1 and ::1.
    #[arg(long, default_value_t = 1465)]
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
    proxies: portcullis::TrustedProxies,
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
    println!("portcullis example submission server");
    println!("  {} (STARTTLS available)", loopback::urls("smtp", &plain));
    println!("  {} (implicit TLS)", loopback::urls("smtps", &implicit));
    println!("{}", certificate.banner());
    println!("demo accounts ({}):", args.demo.directory.display());
    println!("{DEMO_ACCOUNTS}");
    println!("try:");
    println!(
        "  curl -v smtp://127.0.0.1:{} --login-options AUTH=PLAIN -u alice@example.org:wonderland \
         --mail-from alice@example.org --mail-rcpt bob@example.org -T - <<< 'Subject: hi'",
        args.port
    );
    println!(
        "  curl -v --cacert {} smtps://localhost:{} -u alice@example.org:wonderland \
         --mail-from alice@example.org --mail-rcpt bob@example.org -T - <<< 'Subject: hi'",
        certificate.cert_path.display(),
        args.tls_port
    );
    println!("ready");
    let implicit_server = server.clone();
    loopback::spawn_accept_loops(implicit, move |tcp, peer| {
        serve(implicit_server.clone(), tcp, peer.ip(), true)
    });
    loopback::spawn_accept_loops(plain, move |tcp, peer| {
        serve(server.clone(), tcp, peer.ip(), false)
    });
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// One connection: the PROXY header (with `--proxy-protocol`), the TLS
/// handshake (on the implicit-TLS port), then the SMTP session.
async fn serve(server: Server, mut tcp: TcpStream, peer: IpAddr, implicit_tls: bool) {
    let Some(ip) = client_address(&server.proxies, server.proxy_protocol, &mut tcp, peer).await
    else {
        return;
    };
    let mut conn = if implicit_tls {
        match accept_tls(&server.tls, tcp).await {
            Ok(conn) => conn,
            Err(error) => {
                tracing::info!(%peer, %error, "TLS handshake failed");
                return;
            }
        }
    } else {
        LineConn::new(Conn::Plain(tcp))
    };
    let mut session = Session {
        server,
        ip,
        greeted: false,
        grant: None,
        mail: false,
    };
    if let Err(error) = session.run(&mut conn).await {
        tracing::debug!(%peer, %error, "connection ended");
    }
}

struct Session {
    server: Server,
    ip: IpAddr,
    greeted: bool,
    grant: Option<Grant>,
    mail: bool,
}

impl Session {
    async fn run(&mut self, conn: &mut LineConn) -> std::io::Result<()> {
        conn.write("220 localhost ESMTP portcullis example submission server\r\n")
            .await?;
        loop {
            let line = match conn.read_line().await? {
                Line::Text(line) => line,
                Line::TooLong { start } => {
                    // RFC 4954 §4 for an AUTH line; RFC 5321 §4.5.3.1.4
                    // for any other command.
                    let auth = start
                        .get(..5)
                        .is_some_and(|verb| verb.eq_ignore_ascii_case(b"AUTH "));
                    conn.write(if auth {
                        smtp::LINE_TOO_LONG
                    } else {
                        "500 5.5.2 Line too long\r\n"
                    })
                    .await?;
                    continue;
                }
                Line::Closed => return Ok(()),
            };
            let text = String::from_utf8_lossy(&line).into_owned();
            let text = text.trim_end_matches(['\r', '\n']);
            let verb = text.split(' ').next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" => {
                    self.greeted = true;
                    let mut reply = String::from("250-localhost greets you\r\n");
                    if self.grant.is_none() {
                        let mechanisms = portcullis_examples::offered_mechanisms(
                            &self.server.auth,
                            Surface::Smtp,
                            conn.is_tls(),
                            self.ip,
                        );
                        if !mechanisms.is_empty() {
                            reply.push_str(&format!("250-AUTH {}\r\n", mechanisms.join(" ")));
                        }
                    }
                    if !conn.is_tls() {
                        reply.push_str("250-STARTTLS\r\n");
                    }
                    reply.push_str(
                        "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n",
                    );
                    conn.write(&reply).await?;
                }
                "HELO" => {
                    self.greeted = true;
                    conn.write("250 localhost\r\n").await?;
                }
                "STARTTLS" if conn.is_tls() => {
                    conn.write("503 5.5.1 TLS already active\r\n").await?
                }
                "STARTTLS" => {
                    conn.write("220 2.0.0 Ready to start TLS\r\n").await?;
                    let acceptor = self.server.tls.clone();
                    conn.start_tls(&acceptor).await?;
                    // RFC 3207 §4.2: forget everything learnt before TLS.
                    self.greeted = false;
                    self.mail = false;
                }
                "AUTH" if !self.greeted => conn.write("503 5.5.1 Say EHLO first\r\n").await?,
                "AUTH" if self.grant.is_some() => {
                    conn.write("503 5.5.1 Already authenticated\r\n").await?
                }
                "AUTH" if self.mail => {
                    conn.write("503 5.5.1 AUTH not allowed during a mail transaction\r\n")
                        .await?
                }
                "AUTH" => self.authenticate(conn, &line).await?,
                "MAIL" if self.grant.is_none() => {
                    conn.write("530 5.7.0 Authentication required\r\n").await?
                }
                "MAIL" => {
                    self.mail = true;
                    conn.write("250 2.1.0 Sender OK\r\n").await?;
                }
                "RCPT" if !self.mail => conn.write("503 5.5.1 MAIL first\r\n").await?,
                "RCPT" => conn.write("250 2.1.5 Recipient OK\r\n").await?,
                "DATA" if !self.mail => conn.write("503 5.5.1 MAIL first\r\n").await?,
                "DATA" => {
                    conn.write("354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    loop {
                        match conn.read_line().await? {
                            Line::Text(l) if l == b".\r\n" || l == b".\n" => break,
                            Line::Text(_) | Line::TooLong { .. } => {}
                            Line::Closed => return Ok(()),
                        }
                    }
                    self.mail = false;
                    conn.write("250 2.0.0 Message accepted and discarded (example server)\r\n")
                        .await?;
                }
                "RSET" => {
                    self.mail = false;
                    conn.write("250 2.0.0 OK\r\n").await?;
                }
                "NOOP" => conn.write("250 2.0.0 OK\r\n").await?,
                "VRFY" => {
                    conn.write("252 2.1.5 Cannot verify; send some mail\r\n")
                        .await?
                }
                "QUIT" => {
                    conn.write("221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                _ => conn.write("500 5.5.2 Command not recognised\r\n").await?,
            }
        }
    }

    async fn authenticate(&mut self, conn: &mut LineConn, line: &[u8]) -> std::io::Result<()> {
        let limits = portcullis_sasl::Limits::default();
        let mut initial = zeroize::Zeroizing::new(Vec::new());
        let parsed = smtp::parse_auth(line, &limits)
            .and_then(|cmd| Ok((cmd.mechanism(), cmd.decode_initial(&limits, &mut initial)?)));
        let (mechanism, initial) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => return conn.write(smtp::error_reply(&error)).await,
        };
        let session = self
            .server
            .auth
            .start_sasl(SaslStart {
                surface: Surface::Smtp,
                remote_ip: self.ip,
                tls: conn.is_tls(),
                mechanism,
                initial,
                now: None,
            })
            .with_channel_binding(conn.channel_binding(&self.server.end_point));
        match run_sasl(conn, session, smtp::format_challenge).await? {
            SaslEnd::Decided(Decision::Grant(grant)) => {
                let who = grant.acting_as.clone();
                self.grant = Some(grant);
                conn.write(&format!("235 2.7.0 Authentication successful ({who})\r\n"))
                    .await
            }
            SaslEnd::Decided(Decision::Deny(denial) | Decision::TryLater(denial)) => {
                conn.write(&format!("{}\r\n", denial.public.smtp())).await
            }
            SaslEnd::BadResponse(error) => conn.write(smtp::error_reply(&error)).await,
            SaslEnd::Closed => Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
        }
    }
}
