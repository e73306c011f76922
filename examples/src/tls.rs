//! The example servers' TLS identity: one self-signed certificate for
//! `localhost`, `127.0.0.1` and `::1`, made on first use and kept in a
//! folder, so that every example server (IMAP, submission) presents the same
//! certificate, today and after a restart. A client trusts its file or pins
//! its fingerprint once.
//!
//! The folder (`--tls-dir`, default [`default_dir`]) holds:
//!
//! | file | contents | mode |
//! |---|---|---|
//! | `server.pem` | the private key (PKCS#8) and the certificate | 0600 |
//! | `cert.pem` | the certificate alone: what clients trust | 0644 |
//!
//! The folder is made with mode 0700. Delete it to get a new certificate.
//!
//! Two servers starting at once on an empty folder must not each make a key
//! and overwrite the other's, or one of them would serve a certificate that
//! is no longer on disk. Each writes its key to a temporary file, then
//! publishes it with a hard link, which fails when the name exists: the
//! loser removes its own and reads the winner's. A reader never sees a
//! half-written file.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rcgen::PublicKeyData as _;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The names the certificate is valid for (its subject alternative names:
/// one DNS name and two IP addresses).
pub const SUBJECT_ALT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The private key and the certificate, PEM (mode 0600).
pub const KEY_AND_CERT_FILE: &str = "server.pem";

/// The certificate alone, PEM: the file clients trust (`curl --cacert`,
/// msmtp `tls_trust_file`, fetchmail `--sslcertfile`).
pub const CERT_FILE: &str = "cert.pem";

/// How long a new certificate is valid. Long, because clients pin it; delete
/// the folder to make a new one.
pub const VALIDITY_DAYS: i64 = 3650;

/// Where the TLS certificate lives (flattened into the command line of each
/// TLS-serving example).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TlsOptions {
    /// Folder of the TLS certificate shared by the example servers, made on
    /// first use (mode 0700) [default: $XDG_DATA_HOME/portcullis-examples/tls,
    /// or ~/.local/share/portcullis-examples/tls]
    #[arg(long, value_name = "DIR")]
    pub tls_dir: Option<PathBuf>,
}

impl TlsOptions {
    /// The folder to use: `--tls-dir`, or [`default_dir`].
    pub fn dir(&self) -> PathBuf {
        self.tls_dir.clone().unwrap_or_else(default_dir)
    }
}

/// The default folder: `$XDG_DATA_HOME/portcullis-examples/tls`, or
/// `$HOME/.local/share/portcullis-examples/tls` (the XDG base directory
/// default), or, with neither set, `target/portcullis-examples-tls` in the
/// workspace.
pub fn default_dir() -> PathBuf {
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| PathBuf::from(home).join(".local").join("share"))
        });
    match data_home {
        Some(dir) => dir.join("portcullis-examples").join("tls"),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/portcullis-examples-tls"
        )),
    }
}

/// The shared certificate, ready to serve.
#[derive(Clone)]
pub struct DemoTls {
    /// Accepts TLS with the certificate (rustls, aws-lc-rs provider).
    pub acceptor: TlsAcceptor,
    /// The certificate file clients trust ([`CERT_FILE`] in the folder).
    pub cert_path: PathBuf,
    /// SHA-256 of the certificate (DER), upper-case hex pairs joined by
    /// colons: what `openssl x509 -noout -fingerprint -sha256` prints and
    /// msmtp's `tls_fingerprint` takes.
    pub fingerprint: String,
    /// SHA-256 of the public key (SubjectPublicKeyInfo), base64: the pin of
    /// `curl --pinnedpubkey sha256//…`.
    pub public_key_pin: String,
    /// True when this process made the certificate (the folder was empty).
    pub created: bool,
    /// The RFC 5929 `tls-server-end-point` channel binding of the
    /// certificate: its SHA-256 (the hash its ECDSA P-256 SHA-256
    /// signature names), for SCRAM `-PLUS`.
    pub end_point: Vec<u8>,
}

impl std::fmt::Debug for DemoTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoTls")
            .field("cert_path", &self.cert_path)
            .field("fingerprint", &self.fingerprint)
            .field("public_key_pin", &self.public_key_pin)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

impl DemoTls {
    /// Loads the certificate kept in `dir`, or makes it there (and the
    /// folder, mode 0700) when there is none yet.
    ///
    /// # Errors
    /// When the folder cannot be made or read, or its `server.pem` does not
    /// hold a key and a matching certificate (delete the folder to start
    /// over).
    pub fn load_or_create(dir: &Path) -> Result<Self, Box<dyn std::error::Error>> {
        create_private_dir(dir).map_err(|error| in_dir(dir, "cannot create", error))?;
        let path = dir.join(KEY_AND_CERT_FILE);
        let (pem, created) = match fs::read(&path) {
            Ok(pem) => (pem, false),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                publish_new(dir, &path).map_err(|error| in_dir(dir, "cannot write to", error))?
            }
            Err(error) => return Err(in_dir(dir, "cannot read", error).into()),
        };
        warn_if_readable_by_others(&path);
        let broken = |what: &str| {
            format!(
                "{} {what}; delete {} to make a new certificate",
                path.display(),
                dir.display()
            )
        };
        let key = PrivateKeyDer::from_pem_slice(&pem)
            .map_err(|error| broken(&format!("holds no private key ({error})")))?;
        let cert = CertificateDer::pem_slice_iter(&pem)
            .next()
            .ok_or_else(|| broken("holds no certificate"))?
            .map_err(|error| broken(&format!("holds a broken certificate ({error})")))?;
        let key_pem = String::from_utf8_lossy(&pem);
        let key_pair = rcgen::KeyPair::from_pem(&key_pem)
            .map_err(|error| broken(&format!("holds an unusable key ({error})")))?;
        let public_key_pin = STANDARD.encode(sha256(&key_pair.subject_public_key_info()));
        let end_point = sha256(&cert);
        let fingerprint = colon_hex(&end_point);

        let cert_path = dir.join(CERT_FILE);
        let cert_pem = pem_encode("CERTIFICATE", &cert);
        if fs::read(&cert_path).ok().as_deref() != Some(cert_pem.as_bytes()) {
            // Every process writes the same bytes: a rename over a racing
            // writer's file changes nothing.
            let tmp = write_temp(dir, CERT_FILE, cert_pem.as_bytes(), 0o644)
                .map_err(|error| in_dir(dir, "cannot write to", error))?;
            fs::rename(&tmp, &cert_path).map_err(|error| {
                let _ = fs::remove_file(&tmp);
                in_dir(dir, "cannot write to", error)
            })?;
        }

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(|error| {
                broken(&format!(
                    "holds a key and certificate rustls refuses ({error})"
                ))
            })?;
        tracing::info!(
            path = %cert_path.display(),
            sha256_fingerprint = %fingerprint,
            created,
            "TLS certificate"
        );
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            cert_path,
            fingerprint,
            end_point,
            public_key_pin,
            created,
        })
    }

    /// What a person needs to trust or pin the certificate, one line each
    /// (printed by the servers at start).
    pub fn banner(&self) -> String {
        let path = self.cert_path.display();
        format!(
            "TLS certificate: self-signed for {names}, shared by the example servers ({origin})\n  \
             {path}\n  \
             sha256 Fingerprint={fingerprint}\n  \
             trust it: curl --cacert {path}; msmtp tls_trust_file {path}; \
             fetchmail --sslcertck --sslcertfile {path}\n  \
             or pin it: msmtp tls_fingerprint <the fingerprint above>; \
             curl --pinnedpubkey 'sha256//{pin}'",
            names = SUBJECT_ALT_NAMES.join(", "),
            origin = if self.created {
                "made now"
            } else {
                "kept from an earlier start"
            },
            fingerprint = self.fingerprint,
            pin = self.public_key_pin,
        )
    }
}

/// A new key and self-signed certificate, PEM (key first).
fn generate() -> Result<String, rcgen::Error> {
    let mut params = rcgen::CertificateParams::new(SUBJECT_ALT_NAMES.map(str::to_owned).to_vec())?;
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CommonName, "localhost");
    name.push(
        rcgen::DnType::OrganizationName,
        "portcullis examples (self-signed)",
    );
    params.distinguished_name = name;
    let now = time::OffsetDateTime::now_utc();
    // A day of slack for a client whose clock is behind.
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(VALIDITY_DAYS);
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok(format!("{}{}", key.serialize_pem(), cert.pem()))
}

/// Makes a key and certificate and publishes it as `path`, unless another
/// process got there first: then its file is read and used. Returns the
/// file's contents and whether they are this process's.
fn publish_new(dir: &Path, path: &Path) -> io::Result<(Vec<u8>, bool)> {
    let pem = generate().map_err(io::Error::other)?;
    let tmp = write_temp(dir, KEY_AND_CERT_FILE, pem.as_bytes(), 0o600)?;
    // link(2) fails with EEXIST instead of replacing: the first wins.
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "made a new TLS key and certificate");
            Ok((pem.into_bytes(), true))
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok((fs::read(path)?, false)),
        Err(error) => Err(error),
    }
}

/// Writes `contents` to a new, uniquely named file in `dir` (mode `mode`
/// from the start, so a key is never readable by others even briefly) and
/// flushes it to disk. The caller renames or links it into place.
fn write_temp(dir: &Path, name: &str, contents: &[u8], mode: u32) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp)?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if let Err(error) = written {
        let _ = fs::remove_file(&tmp);
        return Err(error);
    }
    Ok(tmp)
}

/// Makes `dir` (and missing parents) with mode 0700. An existing folder is
/// left as it is (it may be one the user named, such as `/tmp`), with a
/// warning when others may read it.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    warn_if_readable_by_others(dir);
    Ok(())
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(metadata) = fs::metadata(path) {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "others may read the TLS key here (chmod go= to fix)"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn in_dir(dir: &Path, what: &str, error: io::Error) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("{what} the TLS folder {}: {error}", dir.display()),
    )
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

/// `AB:CD:…`, as OpenSSL prints a fingerprint.
fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// RFC 7468 text encoding: base64 in lines of 64 characters.
fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "portcullis-examples-tls-test-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn made_once_then_kept() {
        let dir = scratch("kept");
        let first = DemoTls::load_or_create(&dir).unwrap();
        let second = DemoTls::load_or_create(&dir).unwrap();
        assert!(first.created);
        assert!(!second.created);
        assert_eq!(first.fingerprint, second.fingerprint);
        assert_eq!(first.public_key_pin, second.public_key_pin);
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        let cert = fs::read_to_string(dir.join(CERT_FILE)).unwrap();
        assert!(cert.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(!cert.contains("PRIVATE KEY"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join(KEY_AND_CERT_FILE)), 0o600);
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn racing_starts_agree_on_one_certificate() {
        let dir = scratch("race");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || DemoTls::load_or_create(&dir).unwrap())
            })
            .collect();
        let results: Vec<DemoTls> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let on_disk = DemoTls::load_or_create(&dir).unwrap();
        assert_eq!(results.iter().filter(|tls| tls.created).count(), 1);
        for tls in &results {
            assert_eq!(tls.fingerprint, on_disk.fingerprint);
        }
        let leftovers = fs::read_dir(&dir)
            .unwrap()
            .filter(|entry| {
                let name = entry.as_ref().unwrap().file_name();
                name.to_string_lossy().ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_broken_key_file_is_an_error_not_a_new_key() {
        let dir = scratch("broken");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(KEY_AND_CERT_FILE), "not pem").unwrap();
        let error = DemoTls::load_or_create(&dir).unwrap_err().to_string();
        assert!(error.contains("holds no private key"), "{error}");
        assert_eq!(
            fs::read_to_string(dir.join(KEY_AND_CERT_FILE)).unwrap(),
            "not pem"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
