//! [`PasswdFileDirectory`]: a [`Directory`] over a passwd-file, reloadable.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use portcullis::{Account, Directory, DirectoryError, Tenant};
use portcullis_permissions::RoleGraph;

use crate::entry::Entry;
use crate::error::Error;
use crate::file::PasswdFile;
use crate::options::Options;
use crate::warning::Warning;

/// A [`Directory`] over a Dovecot passwd-file.
///
/// Cheap to clone (the clones share their contents). Every account gets
/// [`Options::default_roles`]; there are no tenants, no principals, no
/// app passwords and no second factors. [`reload`](Self::reload) re-reads
/// the file and swaps the contents atomically: a login sees the old file
/// or the new one, never a mix, and a file that fails to parse leaves the
/// old contents in force.
///
/// ```
/// use portcullis::{AuthRequest, Authenticator, Decision, RequestCredentials, Surface};
/// use portcullis_passwd_file::{Options, PasswdFileDirectory};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// // `doveadm pw -s SSHA256 -p 'correct horse'`, and a `{PLAIN}` line.
/// let text = "alice@example.org:{SSHA256}wP9qlfaZTOyX/TNBTfyQ0HadTl3Ld0aeAvAW/a2jcvwtJ27v\n\
///             bob@example.org:{PLAIN}hunter2::::::nodelay\n";
/// let directory = PasswdFileDirectory::from_text(text, Options::default())?;
/// for warning in directory.warnings() {
///     eprintln!("users.passwd: {warning}"); // line 2: `nodelay`: ignored (...)
/// }
/// let authenticator = Authenticator::builder().directory(directory.clone()).build()?;
/// let request = AuthRequest::new(Surface::Imap, "192.0.2.7".parse()?, RequestCredentials::Sasl {
///     mechanism: "PLAIN".into(),
///     responses: vec![b"\0alice@example.org\0correct horse".to_vec()],
/// }).with_tls(true);
/// assert!(matches!(authenticator.verify(&request).await, Decision::Grant(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct PasswdFileDirectory {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: Option<PathBuf>,
    options: Options,
    /// Swapped whole on reload; readers clone the `Arc` and let go of the
    /// lock at once.
    contents: RwLock<Arc<PasswdFile>>,
}

impl PasswdFileDirectory {
    /// Reads and checks the file.
    ///
    /// # Errors
    /// [`Error::Io`] when unreadable; otherwise as
    /// [`PasswdFile::parse_bytes`].
    pub fn load(path: impl AsRef<Path>, options: Options) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        let contents = read(&path, &options)?;
        Ok(PasswdFileDirectory::new(Some(path), options, contents))
    }

    /// Parses a file's text (for files read by the caller, and tests). Such
    /// a directory changes through [`replace_text`](Self::replace_text).
    ///
    /// # Errors
    /// As [`PasswdFile::parse`].
    pub fn from_text(text: &str, options: Options) -> Result<Self, Error> {
        let contents = PasswdFile::parse(text, &options)?;
        Ok(PasswdFileDirectory::new(None, options, contents))
    }

    fn new(path: Option<PathBuf>, options: Options, contents: PasswdFile) -> Self {
        PasswdFileDirectory {
            inner: Arc::new(Inner {
                path,
                options,
                contents: RwLock::new(Arc::new(contents)),
            }),
        }
    }

    /// Re-reads the file and swaps the contents; returns the new
    /// contents' warnings. On error the old contents stay in force.
    ///
    /// # Errors
    /// As [`PasswdFileDirectory::load`]; [`Error::NoPath`] for a directory
    /// built with [`from_text`](Self::from_text).
    pub fn reload(&self) -> Result<Vec<Warning>, Error> {
        let path = self.inner.path.as_deref().ok_or(Error::NoPath)?;
        let contents = read(path, &self.inner.options)?;
        Ok(self.swap(contents))
    }

    /// Parses `text` and swaps it in, like [`reload`](Self::reload) (for
    /// callers that read the file themselves). On error the old contents
    /// stay in force.
    ///
    /// # Errors
    /// As [`PasswdFile::parse`].
    pub fn replace_text(&self, text: &str) -> Result<Vec<Warning>, Error> {
        let contents = PasswdFile::parse(text, &self.inner.options)?;
        Ok(self.swap(contents))
    }

    fn swap(&self, contents: PasswdFile) -> Vec<Warning> {
        let warnings = contents.warnings().to_vec();
        *self
            .inner
            .contents
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(contents);
        warnings
    }

    /// The contents in force (a snapshot: a later reload does not change
    /// it).
    #[must_use]
    pub fn contents(&self) -> Arc<PasswdFile> {
        Arc::clone(
            &self
                .inner
                .contents
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// The warnings of the contents in force, to log.
    #[must_use]
    pub fn warnings(&self) -> Vec<Warning> {
        self.contents().warnings().to_vec()
    }

    /// The entry a name answers to (uid, gid, home, `userdb_…` fields,
    /// `allow_nets`), e.g. for the userdb half of a login.
    #[must_use]
    pub fn entry(&self, name: &str) -> Option<Arc<Entry>> {
        self.contents().get(name).cloned()
    }

    /// The file's path (`None` when built from text).
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The options the file is read with.
    #[must_use]
    pub fn options(&self) -> &Options {
        &self.inner.options
    }
}

impl Directory for PasswdFileDirectory {
    async fn account(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        Ok(self
            .contents()
            .get(name)
            .map(|entry| Arc::clone(&entry.account)))
    }

    /// There are no principals: a passwd-file holds accounts only.
    async fn principal(&self, _name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        Ok(None)
    }

    /// One lookup instead of the default's two (there are no principals).
    async fn account_or_principal(
        &self,
        name: &str,
    ) -> Result<Option<Arc<Account>>, DirectoryError> {
        Directory::account(self, name).await
    }

    async fn roles(&self) -> Result<Arc<RoleGraph>, DirectoryError> {
        Ok(Arc::clone(self.inner.options.graph()))
    }

    /// There are no tenants.
    async fn tenant(&self, _name: &str) -> Result<Option<Tenant>, DirectoryError> {
        Ok(None)
    }

    /// Never called for these accounts (none has TOTP); answers "replayed",
    /// so that a caller who asks anyway is refused.
    async fn use_totp_step(&self, _account: &str, _step: u64) -> Result<bool, DirectoryError> {
        Ok(false)
    }

    /// Never called for these accounts (none has recovery codes); answers
    /// "used before", so that a caller who asks anyway is refused.
    async fn use_recovery_code(
        &self,
        _account: &str,
        _index: usize,
    ) -> Result<bool, DirectoryError> {
        Ok(false)
    }
}

fn read(path: &Path, options: &Options) -> Result<PasswdFile, Error> {
    let bytes = std::fs::read(path).map_err(|error| Error::Io {
        path: path.display().to_string(),
        message: error.to_string(),
    })?;
    PasswdFile::parse_bytes(&bytes, options)
}
