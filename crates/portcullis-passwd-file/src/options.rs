//! [`Options`]: how a passwd-file is read into accounts.

use std::sync::Arc;

use portcullis_credentials::CostLimits;
use portcullis_permissions::RoleGraph;

use crate::error::Error;

/// What Dovecot assumes for a password field without a `{SCHEME}` prefix
/// (its `scheme=` passdb argument defaults to it).
pub const DEFAULT_SCHEME: &str = "CRYPT";

/// The role every account gets unless [`Options::default_roles`] says
/// otherwise: the preset `user` role of `portcullis-permissions`.
pub const DEFAULT_ROLE: &str = "user";

/// How a passwd-file is read into accounts. The defaults are the safe
/// choice; change them with the methods.
///
/// | option | default | what it does |
/// |---|---|---|
/// | [`default_roles`](Options::default_roles) | `["user"]` | Dovecot has no roles: every account gets these |
/// | [`role_graph`](Options::role_graph) | the presets (`user`, `tenant-admin`, `admin`) | what [`Directory::roles`](portcullis::Directory::roles) answers |
/// | [`strict`](Options::strict) | `false` | refuse the file when it has any [`Warning`](crate::Warning) |
/// | [`default_scheme`](Options::default_scheme) | `CRYPT` | the scheme of a password field without `{SCHEME}` (Dovecot's `scheme=`) |
/// | [`lowercase_names`](Options::lowercase_names) | `false` | compare names in ASCII lower case (as Dovecot with `auth_username_format = %Lu`) |
/// | [`hash_limits`](Options::hash_limits) | [`CostLimits::default`] | hashes over these are reported when loading |
/// | [`danger_ignore_allow_nets`](Options::danger_ignore_allow_nets) | off | load `allow_nets` accounts enabled instead of disabled |
///
/// ```
/// use portcullis_passwd_file::Options;
/// let options = Options::default().default_roles(["user", "self-service"]).strict(true);
/// assert_eq!(options.roles(), ["user", "self-service"]);
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    default_roles: Vec<String>,
    role_graph: Arc<RoleGraph>,
    strict: bool,
    default_scheme: String,
    lowercase_names: bool,
    hash_limits: CostLimits,
    enforce_allow_nets: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            default_roles: vec![DEFAULT_ROLE.to_owned()],
            role_graph: Arc::new(RoleGraph::with_presets()),
            strict: false,
            default_scheme: DEFAULT_SCHEME.to_owned(),
            lowercase_names: false,
            hash_limits: CostLimits::default(),
            enforce_allow_nets: true,
        }
    }
}

impl Options {
    /// The roles every account gets (Dovecot's format has no roles).
    /// Each must be in the [`role_graph`](Options::role_graph), or loading
    /// fails with [`Error::Roles`]. An empty list gives accounts no
    /// rights, so no one can sign in.
    #[must_use]
    pub fn default_roles<I, S>(mut self, roles: I) -> Options
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.default_roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// The role graph the directory serves (default: the presets).
    #[must_use]
    pub fn role_graph(mut self, graph: RoleGraph) -> Options {
        self.role_graph = Arc::new(graph);
        self
    }

    /// Refuse a file that has any warning ([`Error::Strict`] lists them
    /// all), instead of loading it and returning them.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Options {
        self.strict = strict;
        self
    }

    /// The scheme of a password field written without a `{SCHEME}` prefix
    /// (default [`DEFAULT_SCHEME`], as Dovecot's `scheme=`), e.g.
    /// `SHA512-CRYPT` or `PLAIN`. Written without braces.
    #[must_use]
    pub fn default_scheme(mut self, scheme: impl Into<String>) -> Options {
        self.default_scheme = scheme.into();
        self
    }

    /// Compare user names in ASCII lower case, both the file's and those
    /// looked up, as Dovecot does with `auth_username_format = %Lu`. Names
    /// that then coincide are refused as duplicates.
    #[must_use]
    pub fn lowercase_names(mut self, lowercase: bool) -> Options {
        self.lowercase_names = lowercase;
        self
    }

    /// The cost caps stored hashes are checked against when loading (use
    /// the authenticator's [`HashPolicy::limits`](portcullis_credentials::HashPolicy::limits)).
    /// A hash over them is loaded, with a
    /// [`WarningKind::HashTooCostly`](crate::WarningKind::HashTooCostly)
    /// warning: the authenticator refuses to verify it.
    #[must_use]
    pub fn hash_limits(mut self, limits: CostLimits) -> Options {
        self.hash_limits = limits;
        self
    }

    /// **Weakens security.** Load accounts that carry `allow_nets=` or
    /// `allow_real_nets=` enabled, although portcullis cannot enforce the
    /// restriction (a [`Directory`](portcullis::Directory) is never told
    /// the client's address); each is reported as
    /// [`WarningKind::NotEnforced`](crate::WarningKind::NotEnforced).
    /// Only for servers that check
    /// [`Entry::allows_address`](crate::Entry::allows_address) themselves
    /// after every grant. By default such accounts are disabled.
    #[must_use]
    pub fn danger_ignore_allow_nets(mut self) -> Options {
        self.enforce_allow_nets = false;
        self
    }

    /// The default roles.
    #[must_use]
    pub fn roles(&self) -> &[String] {
        &self.default_roles
    }

    /// The role graph.
    #[must_use]
    pub fn graph(&self) -> &Arc<RoleGraph> {
        &self.role_graph
    }

    /// Whether strict mode is on.
    #[must_use]
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// The scheme assumed without a prefix.
    #[must_use]
    pub fn scheme(&self) -> &str {
        &self.default_scheme
    }

    /// Whether names compare in ASCII lower case.
    #[must_use]
    pub fn lowercases_names(&self) -> bool {
        self.lowercase_names
    }

    /// The cost caps checked when loading.
    #[must_use]
    pub fn limits(&self) -> &CostLimits {
        &self.hash_limits
    }

    /// Whether `allow_nets` accounts are disabled (the default).
    #[must_use]
    pub fn disables_allow_nets(&self) -> bool {
        self.enforce_allow_nets
    }

    /// Checks what can be checked before reading a line.
    pub(crate) fn check(&self) -> Result<(), Error> {
        self.role_graph
            .resolve(&self.default_roles)
            .map(|_| ())
            .map_err(Error::Roles)
    }
}
