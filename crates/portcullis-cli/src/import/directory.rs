//! The directory file an import produces: the subset of
//! `docs/directory-format.md` an import fills in, serialised in the
//! format's own key names.

use serde::Serialize;

/// A whole directory file.
#[derive(Debug, Default, Serialize)]
pub(crate) struct DirectoryFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) settings: Option<Settings>,
    #[serde(rename = "role", skip_serializing_if = "Vec::is_empty")]
    pub(crate) roles: Vec<RoleEntry>,
    #[serde(rename = "tenant", skip_serializing_if = "Vec::is_empty")]
    pub(crate) tenants: Vec<TenantEntry>,
    #[serde(rename = "account", skip_serializing_if = "Vec::is_empty")]
    pub(crate) accounts: Vec<AccountEntry>,
}

/// `[settings]`.
#[derive(Debug, Serialize)]
pub(crate) struct Settings {
    /// Set when an imported app password's secret names no id (all of
    /// Stalwart's): how many such app passwords one account has at most.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) app_passwords_without_id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) password_with_code: Option<PasswordWithCode>,
}

/// `[settings.password_with_code]`.
#[derive(Debug, Serialize)]
pub(crate) struct PasswordWithCode {
    pub(crate) separator: String,
}

/// `[[role]]`.
#[derive(Debug, Serialize)]
pub(crate) struct RoleEntry {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) parents: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) enable: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) disable: Vec<&'static str>,
}

/// `[[tenant]]`.
#[derive(Debug, Serialize)]
pub(crate) struct TenantEntry {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) allowed: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) disable: Vec<&'static str>,
}

/// `[[account]]`. Plain values come before the tables (`policy`, `totp`,
/// `app_password`), as TOML wants them.
#[derive(Debug, Serialize)]
pub(crate) struct AccountEntry {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tenant: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) groups: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) disabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) policy: Option<Policy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) totp: Option<TotpEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) app_password: Vec<AppPasswordEntry>,
}

impl AccountEntry {
    pub(crate) fn new(name: String) -> Self {
        AccountEntry {
            name,
            id: None,
            password: None,
            roles: Vec::new(),
            tenant: None,
            groups: Vec::new(),
            disabled: false,
            policy: None,
            totp: None,
            app_password: Vec::new(),
        }
    }
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_false(value: &bool) -> bool {
    !*value
}

/// An account's `policy` when it lists permissions of its own
/// (`"inherit"`, the default, is left out).
#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Policy {
    /// Roles plus the account's own lists (Stalwart's rule).
    Merge {
        enabled: Vec<&'static str>,
        disabled: Vec<&'static str>,
    },
}

/// `[account.totp]`.
#[derive(Debug, Serialize)]
pub(crate) struct TotpEntry {
    pub(crate) secret: String,
    pub(crate) digits: u8,
    pub(crate) step: u64,
    pub(crate) skew: u8,
    pub(crate) algorithm: &'static str,
}

/// `[[account.app_password]]`: the whole-secret form.
#[derive(Debug, Serialize)]
pub(crate) struct AppPasswordEntry {
    pub(crate) id: u32,
    pub(crate) hash: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) created_at: Option<String>,
}

/// The file's text: a header saying where it came from, then the TOML.
pub(crate) fn render(file: &DirectoryFile) -> Result<String, toml::ser::Error> {
    let body = toml::to_string_pretty(file)?;
    Ok(format!(
        "# A portcullis directory file (docs/directory-format.md), made by\n\
         # `portcullis import stalwart` from a Stalwart principal export.\n\
         # Review the warnings the import printed before using it.\n\n{body}"
    ))
}
