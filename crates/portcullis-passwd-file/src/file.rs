//! [`PasswdFile`]: a whole file parsed (no I/O: the text is passed in).

use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;
use std::sync::Arc;

use crate::entry::{Entry, Parsed, canonical_name, parse_line};
use crate::error::{Error, LineError};
use crate::options::Options;
use crate::warning::Warning;

/// The longest line read, in bytes (without its line ending). A longer
/// line is refused ([`LineError::TooLong`]); real lines are a few hundred
/// bytes, and the longest stored hash is
/// [`MAX_STORED_HASH_LEN`](portcullis_credentials::hash::MAX_STORED_HASH_LEN).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// A parsed passwd-file: its entries, the names they answer to, and the
/// warnings of its lines.
///
/// The format, as Dovecot reads it:
///
/// - one account per line, `user:password:uid:gid:gecos:home:shell:extra_fields`;
///   only `user:password` is needed, and trailing fields may be missing or
///   empty; everything after the seventh `:` is the extra-fields list;
/// - lines that are empty (or only spaces and tabs) and lines whose first
///   non-blank character is `#` are skipped;
/// - lines end in LF or CR LF; a UTF-8 byte-order mark before the first
///   line is skipped;
/// - the password is `{SCHEME}hash`, or a hash of
///   [`Options::default_scheme`] (`CRYPT`), or empty (no password login).
///
/// ```
/// use portcullis_passwd_file::{Options, PasswdFile};
/// let text = "# users\r\nalice@example.org:{PLAIN}secret\r\n\r\nbob@example.org:{PLAIN}hunter2:::::: nologin\r\n";
/// let file = PasswdFile::parse(text, &Options::default())?;
/// assert_eq!(file.len(), 2);
/// assert!(file.get("bob@example.org").ok_or("bob")?.account.disabled);
/// assert!(file.warnings().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct PasswdFile {
    entries: Vec<Arc<Entry>>,
    /// Login names and `user=` names, each to its entry's index.
    names: HashMap<String, usize>,
    warnings: Vec<Warning>,
    /// [`Options::lowercase_names`], for lookups.
    lowercase: bool,
}

impl PasswdFile {
    /// Parses a file's bytes (the file need not be UTF-8 as a whole; each
    /// line must be).
    ///
    /// # Errors
    /// [`Error::Line`] for the first malformed line, [`Error::Duplicate`]
    /// for a name claimed twice, [`Error::Strict`] in strict mode when
    /// there are warnings, [`Error::Roles`] when a default role is
    /// unknown.
    pub fn parse_bytes(bytes: &[u8], options: &Options) -> Result<PasswdFile, Error> {
        options.check()?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut file = PasswdFile {
            lowercase: options.lowercases_names(),
            ..PasswdFile::default()
        };
        let mut claimed: HashMap<String, usize> = HashMap::new();
        for (index, raw) in bytes.split(|byte| *byte == b'\n').enumerate() {
            let number = index.saturating_add(1);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let fail = |error| Error::Line {
                line: number,
                error,
            };
            if raw.len() > MAX_LINE_BYTES {
                return Err(fail(LineError::TooLong {
                    max: MAX_LINE_BYTES,
                }));
            }
            let line = core::str::from_utf8(raw).map_err(|_| fail(LineError::NotUtf8))?;
            let content = line.trim_start_matches([' ', '\t']);
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let Parsed { entry, warnings } = parse_line(number, line, options).map_err(fail)?;
            file.warnings.extend(warnings);
            let slot = file.entries.len();
            let mut names = vec![entry.login.clone()];
            if entry.account.name != entry.login {
                names.push(entry.account.name.clone());
            }
            for name in names {
                match claimed.entry(name) {
                    Slot::Occupied(taken) => {
                        return Err(Error::Duplicate {
                            name: taken.key().clone(),
                            first: *taken.get(),
                            second: number,
                        });
                    }
                    Slot::Vacant(free) => {
                        file.names.insert(free.key().clone(), slot);
                        free.insert(number);
                    }
                }
            }
            file.entries.push(Arc::new(entry));
        }
        if options.is_strict() && !file.warnings.is_empty() {
            return Err(Error::Strict {
                warnings: file.warnings,
            });
        }
        Ok(file)
    }

    /// Parses a file's text.
    ///
    /// # Errors
    /// As [`PasswdFile::parse_bytes`].
    pub fn parse(text: &str, options: &Options) -> Result<PasswdFile, Error> {
        PasswdFile::parse_bytes(text.as_bytes(), options)
    }

    /// The entry a name answers to: its user field or its `user=` name.
    /// The name is normalised first, as when the file was read (NFC,
    /// lower-case domain, and ASCII lower case with
    /// [`Options::lowercase_names`]).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Arc<Entry>> {
        let index = self.names.get(name).copied().or_else(|| {
            // The authenticator passes canonical names already: the
            // common path above does no allocation.
            let canonical = canonical_name(name, self.lowercase).ok()?;
            self.names.get(&canonical).copied()
        })?;
        self.entries.get(index)
    }

    /// The entries, in file order.
    #[must_use]
    pub fn entries(&self) -> &[Arc<Entry>] {
        &self.entries
    }

    /// The warnings, in line order.
    #[must_use]
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the file has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
