//! The TOML format of a directory file, and its translation into accounts,
//! roles, tenants and [`Settings`]. Every key is documented in
//! `docs/directory-format.md`; unknown keys are refused.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use portcullis_credentials::{CredentialRecord, HashPolicy, ScramCredential, StoredHash};
use portcullis_impersonation::{ImpersonationPolicy, LoginSyntax};
use portcullis_oidc::{OidcConfig, OidcValidator, ProviderConfig, ProviderId};
use portcullis_permissions::{
    AccountPolicy, CredentialScope, LoginPolicy, PermissionSet, Role, RoleGraph, TenantPolicy,
};
use portcullis_sasl::{Mechanism, MechanismPolicy, MechanismSet};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::directory::{Account, Tenant, TotpAlgorithm, TotpSettings};
use crate::memory::{Snapshot, key};
use crate::throttle::{ThrottlePolicy, ThrottleRule};
use crate::{CredentialKind, Error};

use super::Settings;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    #[serde(default)]
    settings: SettingsFile,
    #[serde(default)]
    oidc: Option<OidcFile>,
    #[serde(default, rename = "role")]
    roles: Vec<RoleFile>,
    #[serde(default, rename = "tenant")]
    tenants: Vec<TenantFile>,
    #[serde(default, rename = "account")]
    accounts: Vec<toml::Value>,
    #[serde(default, rename = "principal")]
    principals: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SettingsFile {
    realm: String,
    role_presets: bool,
    login: LoginPolicy,
    login_syntax: LoginSyntax,
    impersonation: ImpersonationPolicy,
    mechanisms: MechanismsFile,
    throttle: ThrottleFile,
    hash: HashPolicy,
    password_with_code: Option<portcullis_credentials::PasswordWithCode>,
    second_factor_hint: crate::SecondFactorHint,
    trusted_proxies: Vec<IpNet>,
    app_passwords_without_id: usize,
}

impl Default for SettingsFile {
    fn default() -> Self {
        SettingsFile {
            realm: "portcullis".to_owned(),
            role_presets: true,
            login: LoginPolicy::default(),
            login_syntax: LoginSyntax::default(),
            impersonation: ImpersonationPolicy::default(),
            mechanisms: MechanismsFile::default(),
            throttle: ThrottleFile::default(),
            hash: HashPolicy::default(),
            password_with_code: None,
            second_factor_hint: crate::SecondFactorHint::default(),
            trusted_proxies: Vec::new(),
            app_passwords_without_id: 0,
        }
    }
}

/// The PBKDF2 count of `doveadm pw` and `portcullis hash --scheme
/// scram-sha-256`.
const DEFAULT_SCRAM_ITERATIONS: u32 = 4096;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct MechanismsFile {
    enabled: Vec<String>,
    danger_allow_plaintext_without_tls: bool,
    trust_loopback: bool,
    scram_iterations: u32,
    scram_requires_tls: bool,
}

impl Default for MechanismsFile {
    fn default() -> Self {
        MechanismsFile {
            enabled: ["OAUTHBEARER", "XOAUTH2", "PLAIN", "LOGIN"]
                .map(str::to_owned)
                .to_vec(),
            danger_allow_plaintext_without_tls: false,
            trust_loopback: false,
            scram_iterations: DEFAULT_SCRAM_ITERATIONS,
            scram_requires_tls: false,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ThrottleFile {
    enabled: bool,
    network_max_failures: u32,
    network_window_seconds: u64,
    network_lockout_seconds: u64,
    pair_max_failures: u32,
    pair_window_seconds: u64,
    pair_lockout_seconds: u64,
    ipv4_prefix: u8,
    ipv6_network_prefix: u8,
    ipv6_pair_prefix: u8,
    exempt: Vec<IpNet>,
}

impl Default for ThrottleFile {
    fn default() -> Self {
        let policy = ThrottlePolicy::default();
        ThrottleFile {
            enabled: policy.enabled,
            network_max_failures: policy.per_network.max_failures,
            network_window_seconds: policy.per_network.window.as_secs(),
            network_lockout_seconds: policy.per_network.lockout.as_secs(),
            pair_max_failures: policy.per_pair.max_failures,
            pair_window_seconds: policy.per_pair.window.as_secs(),
            pair_lockout_seconds: policy.per_pair.lockout.as_secs(),
            ipv4_prefix: policy.ipv4_prefix,
            ipv6_network_prefix: policy.ipv6_network_prefix,
            ipv6_pair_prefix: policy.ipv6_pair_prefix,
            exempt: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OidcFile {
    #[serde(default = "default_oidc_roles")]
    default_roles: Vec<String>,
    #[serde(default, rename = "provider")]
    providers: Vec<ProviderConfig>,
    #[serde(default)]
    jwks: Vec<JwksFile>,
}

fn default_oidc_roles() -> Vec<String> {
    vec![portcullis_permissions::preset::USER.to_owned()]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JwksFile {
    issuer: String,
    file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    name: String,
    #[serde(default)]
    parents: Vec<String>,
    #[serde(default)]
    enable: PermissionSet,
    #[serde(default)]
    disable: PermissionSet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantFile {
    name: String,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    allowed: Option<PermissionSet>,
    #[serde(default)]
    disable: PermissionSet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountFile {
    name: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    scram: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    policy: AccountPolicy,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    revision: Option<u64>,
    #[serde(default)]
    id: Option<u32>,
    #[serde(default)]
    totp: Option<TotpFile>,
    #[serde(default)]
    recovery_codes: Vec<String>,
    #[serde(default)]
    credential: Vec<toml::Value>,
    #[serde(default)]
    app_password: Vec<toml::Value>,
    #[serde(default)]
    api_key: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TotpFile {
    secret: String,
    #[serde(default = "default_digits")]
    digits: u32,
    #[serde(default = "default_step")]
    step: u64,
    #[serde(default = "default_skew")]
    skew: u8,
    #[serde(default)]
    algorithm: TotpAlgorithm,
}

const fn default_digits() -> u32 {
    6
}

const fn default_step() -> u64 {
    30
}

const fn default_skew() -> u8 {
    1
}

fn config(context: &str, error: impl std::fmt::Display) -> Error {
    Error::Config(format!("{context}: {error}"))
}

pub(super) fn parse(text: &str, base: &Path) -> Result<(Snapshot, Settings), Error> {
    let file: FileFormat = toml::from_str(text).map_err(|error| config("TOML", error))?;
    let mut snapshot = Snapshot::default();
    let mut graph = if file.settings.role_presets {
        RoleGraph::with_presets()
    } else {
        RoleGraph::new()
    };
    for role in file.roles {
        let mut built = Role::new(role.name)
            .enable(role.enable)
            .disable(role.disable);
        for parent in role.parents {
            built = built.parent(parent);
        }
        graph.insert(built);
    }
    graph.compile().map_err(|error| config("roles", error))?;
    snapshot.roles = Arc::new(graph);
    for tenant in file.tenants {
        let entry = Tenant::new(TenantPolicy {
            allowed: tenant.allowed,
            disabled: tenant.disable,
        })
        .disabled(tenant.disabled);
        snapshot.tenants.insert(tenant.name, entry);
    }
    for value in file.accounts {
        let account = account_from(value)?;
        let name = key(&account.name);
        if snapshot
            .accounts
            .insert(name.clone(), Arc::new(account))
            .is_some()
        {
            return Err(config("account", format!("{name:?} appears twice")));
        }
    }
    for value in file.principals {
        let principal = account_from(value)?;
        if principal.password.is_some() {
            return Err(config(
                "principal",
                format!(
                    "{:?} has a password; principals keep theirs at the IdP",
                    principal.name
                ),
            ));
        }
        snapshot
            .principals
            .insert(key(&principal.name), Arc::new(principal));
    }
    let mut ids = std::collections::HashMap::new();
    for account in snapshot
        .accounts
        .values()
        .chain(snapshot.principals.values())
    {
        if let Some(id) = account.id
            && let Some(other) = ids.insert(id, &account.name)
        {
            return Err(config(
                "account",
                format!("{other:?} and {:?} have the same id {id}", account.name),
            ));
        }
    }
    let settings = settings_from(file.settings, file.oidc, base)?;
    Ok((snapshot, settings))
}

fn account_from(value: toml::Value) -> Result<Account, Error> {
    let digest = Sha256::digest(value.to_string().as_bytes());
    let mut revision_bytes = [0u8; 8];
    for (slot, byte) in revision_bytes.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    let file: AccountFile = value.try_into().map_err(|error| config("account", error))?;
    let context = format!("account {:?}", file.name);
    let mut account = Account::new(file.name.clone())
        .with_roles(file.roles)
        .with_policy(file.policy)
        .disabled(file.disabled)
        .with_revision(
            file.revision
                .unwrap_or(u64::from_be_bytes(revision_bytes) >> 1),
        );
    account.tenant = file.tenant;
    account.groups = file.groups;
    account.id = file.id;
    if let Some(password) = file.password {
        account.password =
            Some(StoredHash::parse(&password).map_err(|error| config(&context, error))?);
    }
    if let Some(scram) = file.scram {
        account.scram_keys = Some(
            ScramCredential::parse(&scram)
                .map_err(|error| config(&format!("{context}.scram"), error))?,
        );
    }
    if let Some(totp) = file.totp {
        let mut settings = TotpSettings::new(totp.secret);
        settings.digits = totp.digits;
        settings.step = totp.step;
        settings.skew = totp.skew;
        settings.algorithm = totp.algorithm;
        if !(6..=8).contains(&settings.digits) || settings.step == 0 {
            return Err(config(&context, "totp digits must be 6-8 and step > 0"));
        }
        account.totp = Some(settings);
    }
    for code in file.recovery_codes {
        account
            .recovery_codes
            .push(StoredHash::parse(&code).map_err(|error| config(&context, error))?);
    }
    for value in file.credential {
        let record = record_from(value).map_err(|error| config(&context, error))?;
        let kind = CredentialKind::from_stored(record.kind);
        if kind == CredentialKind::Password {
            return Err(config(
                &context,
                "a credential entry must be an app-password or api-key",
            ));
        }
        if account.credential(kind, u64::from(record.id.0)).is_some() {
            return Err(config(
                &context,
                format!("{} id {} appears twice", kind.name(), record.id.0),
            ));
        }
        account.credentials.push(record);
    }
    // The whole-secret form: the hash covers the full `app_…` / `API_…` text.
    let whole = file
        .app_password
        .into_iter()
        .map(|value| ("app-password", value))
        .chain(file.api_key.into_iter().map(|value| ("api-key", value)));
    for (kind_name, mut value) in whole {
        if let Some(table) = value.as_table_mut() {
            if table.contains_key("kind") {
                return Err(config(
                    &context,
                    "app_password and api_key entries take no `kind` (use `credential` for records)",
                ));
            }
            table.insert("kind".to_owned(), toml::Value::String(kind_name.to_owned()));
        }
        let record = record_from(value).map_err(|error| config(&context, error))?;
        let kind = CredentialKind::from_stored(record.kind);
        if account.credential(kind, u64::from(record.id.0)).is_some() {
            return Err(config(
                &context,
                format!("{} id {} appears twice", kind.name(), record.id.0),
            ));
        }
        account.whole_secret_credentials.push(record);
    }
    Ok(account)
}

/// A `portcullis-credentials` record; `scope` may also name a preset
/// (`"imap-only"`, `"dav-only"`, …) and `created_at` defaults to the epoch.
fn record_from(mut value: toml::Value) -> Result<CredentialRecord, String> {
    if let Some(table) = value.as_table_mut() {
        if let Some(toml::Value::String(name)) = table.get("scope") {
            let scope = CredentialScope::preset(name)
                .ok_or_else(|| format!("unknown scope preset {name:?}"))?;
            let scope = toml::Value::try_from(scope).map_err(|error| error.to_string())?;
            table.insert("scope".to_owned(), scope);
        }
        if !table.contains_key("created_at") {
            table.insert(
                "created_at".to_owned(),
                toml::Value::String("1970-01-01T00:00:00Z".to_owned()),
            );
        }
        for field in ["expires_at", "created_at", "last_used"] {
            if let Some(toml::Value::Datetime(datetime)) = table.get(field) {
                let text = datetime.to_string();
                table.insert(field.to_owned(), toml::Value::String(text));
            }
        }
    }
    value
        .try_into()
        .map_err(|error: toml::de::Error| error.to_string())
}

fn settings_from(
    file: SettingsFile,
    oidc: Option<OidcFile>,
    base: &Path,
) -> Result<Settings, Error> {
    let mut enabled = MechanismSet::empty();
    for name in &file.mechanisms.enabled {
        let mechanism = Mechanism::from_name(name).map_err(|_| {
            config(
                "settings.mechanisms.enabled",
                format!("unknown mechanism {name:?}"),
            )
        })?;
        enabled |= mechanism.as_set();
    }
    let mechanisms = MechanismPolicy::new()
        .with_mechanisms(enabled)
        .danger_allow_plaintext_without_tls(file.mechanisms.danger_allow_plaintext_without_tls)
        .trust_local_transport(file.mechanisms.trust_loopback)
        .require_tls_for_scram(file.mechanisms.scram_requires_tls);
    let throttle_file = file.throttle;
    let throttle = ThrottlePolicy {
        enabled: throttle_file.enabled,
        per_network: ThrottleRule {
            max_failures: throttle_file.network_max_failures,
            window: Duration::from_secs(throttle_file.network_window_seconds),
            lockout: Duration::from_secs(throttle_file.network_lockout_seconds),
        },
        per_pair: ThrottleRule {
            max_failures: throttle_file.pair_max_failures,
            window: Duration::from_secs(throttle_file.pair_window_seconds),
            lockout: Duration::from_secs(throttle_file.pair_lockout_seconds),
        },
        ipv4_prefix: throttle_file.ipv4_prefix,
        ipv6_network_prefix: throttle_file.ipv6_network_prefix,
        ipv6_pair_prefix: throttle_file.ipv6_pair_prefix,
        exempt: throttle_file.exempt,
    };
    let (validator, default_roles) = match oidc {
        Some(oidc) if !oidc.providers.is_empty() => {
            let issuers: Vec<String> = oidc
                .providers
                .iter()
                .map(|provider| provider.issuer.clone())
                .collect();
            let validator = OidcValidator::new(OidcConfig::new(oidc.providers))?;
            let now = OffsetDateTime::now_utc();
            for jwks in oidc.jwks {
                let path = base.join(&jwks.file);
                let bytes = std::fs::read(&path).map_err(|error| Error::Io {
                    path: path.display().to_string(),
                    message: error.to_string(),
                })?;
                let mut matched = false;
                for (index, issuer) in issuers.iter().enumerate() {
                    if *issuer == jwks.issuer {
                        validator.on_fetch_success(ProviderId(index), &bytes, now)?;
                        matched = true;
                    }
                }
                if !matched {
                    return Err(config(
                        "oidc.jwks",
                        format!("no provider has issuer {:?}", jwks.issuer),
                    ));
                }
            }
            (Some(Arc::new(validator)), oidc.default_roles)
        }
        Some(oidc) => (None, oidc.default_roles),
        None => (None, default_oidc_roles()),
    };
    Ok(Settings {
        realm: file.realm,
        login_policy: file.login,
        login_syntax: file.login_syntax,
        impersonation: file.impersonation,
        scram_iterations: enabled
            .intersects(MechanismSet::SCRAM | MechanismSet::SCRAM_PLUS)
            .then_some(file.mechanisms.scram_iterations),
        mechanisms,
        trust_loopback: file.mechanisms.trust_loopback,
        throttle,
        hash_policy: file.hash,
        oidc: validator,
        oidc_default_roles: default_roles,
        password_with_code: file.password_with_code,
        second_factor_hint: file.second_factor_hint,
        trusted_proxies: crate::TrustedProxies::new(file.trusted_proxies),
        app_passwords_without_id: file.app_passwords_without_id,
    })
}
