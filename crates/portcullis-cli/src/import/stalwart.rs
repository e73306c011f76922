//! Stalwart's principals, as its management API returns them
//! (`GET /api/principal`, v0.11–v0.15), mapped onto the directory file.
//!
//! What the mapping relies on (facts about Stalwart's JSON and behaviour):
//! - A principal is an object with `type`, `name` and `id`. Its list
//!   fields (`secrets`, `emails`, `roles`, `memberOf`, `members`,
//!   `enabledPermissions`, …) may also be written as a single string;
//!   references are names (the API resolves ids), but ids are accepted.
//! - `secrets` mixes password hashes (any of them signs in; a bare string
//!   is compared as clear text), app passwords `$app$<name>$<hash>` whose
//!   hash covers the whole secret the user types (`<name>` is base64 of
//!   `description$created` when the web admin made it), and `otpauth://`
//!   TOTP URLs. With TOTP the user types `password$123456`; app passwords
//!   skip TOTP.
//! - Rights: the roles' enabled permissions (parents included) and the
//!   principal's own, minus every disabled one; then intersected with the
//!   tenant's enabled permissions (its roles' and its own).
//! - Group membership shares mailboxes; it grants no permissions.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use base64::Engine as _;
use portcullis_credentials::{HashPolicy, StoredHash, Totp, TotpAlgorithm};
use portcullis_permissions::{Permission, PermissionSet, Role, RoleGraph, preset};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::directory::{
    AccountEntry, AppPasswordEntry, DirectoryFile, PasswordWithCode, Policy, RoleEntry, Settings,
    TenantEntry, TotpEntry,
};
use super::warning::{Warning, WarningKind};

/// Every field of a Stalwart principal (its `PrincipalField`s and `id`).
/// A field not listed here is reported as unknown rather than dropped.
const STALWART_FIELDS: [&str; 18] = [
    "id",
    "type",
    "name",
    "quota",
    "usedQuota",
    "description",
    "secrets",
    "emails",
    "memberOf",
    "members",
    "tenant",
    "roles",
    "lists",
    "enabledPermissions",
    "disabledPermissions",
    "picture",
    "urls",
    "externalMembers",
];

/// Permission ids Stalwart defines (0–659, `data/stalwart-permissions.tsv`);
/// the ids after them are portcullis's own surface permissions, which a
/// Stalwart export cannot mean.
const STALWART_PERMISSION_IDS: u16 = 660;

/// Stalwart's separator between a password and its TOTP code.
const TOTP_SEPARATOR: &str = "$";

/// What the operator chose to drop without a warning.
#[derive(Debug, Default)]
pub(crate) struct Options {
    /// Stalwart fields (`emails`, `quota`, …).
    pub(crate) ignore_fields: BTreeSet<String>,
    /// Principal types (`domain`, `list`, …).
    pub(crate) ignore_types: BTreeSet<String>,
}

/// The result of an import: the file and everything not carried over.
#[derive(Debug)]
pub(crate) struct Imported {
    pub(crate) file: DirectoryFile,
    pub(crate) warnings: Vec<Warning>,
}

/// The principals of an export: a JSON list, or one page of the
/// management API (`{"data": {"items": [...], "total": N}}`).
pub(crate) fn principals(export: &Value) -> Option<&[Value]> {
    match export {
        Value::Array(items) => Some(items),
        Value::Object(object) => object
            .get("data")?
            .get("items")?
            .as_array()
            .map(Vec::as_slice),
        _ => None,
    }
}

/// Maps every principal; never fails, reports instead.
pub(crate) fn import(principals: &[Value], options: &Options) -> Imported {
    let mut importer = Importer {
        options,
        warnings: Vec::new(),
        ids: HashMap::new(),
        kinds: HashMap::new(),
    };
    let entries = importer.entries(principals);
    let mut role_names: HashSet<&str> = [preset::USER, preset::TENANT_ADMIN, preset::ADMIN]
        .into_iter()
        .collect();
    role_names.extend(
        entries
            .iter()
            .filter(|entry| entry.kind == Kind::Role)
            .map(|entry| entry.name),
    );
    let (mut roles, mut tenants, mut groups, mut individuals) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for entry in entries {
        match entry.kind {
            Kind::Role => roles.push(entry),
            Kind::Tenant => tenants.push(entry),
            Kind::Group => groups.push(entry),
            Kind::Individual => individuals.push(entry),
        }
    }

    let mut file = DirectoryFile::default();
    let mut graph = RoleGraph::with_presets();
    let mut role_members = Vec::new();
    for entry in roles {
        let (role, built, members) = importer.role(entry, &role_names);
        graph.insert(built);
        role_members.push(members);
        file.roles.push(role);
    }
    let tenant_names: HashSet<&str> = tenants.iter().map(|entry| entry.name).collect();
    let mut tenant_members = Vec::new();
    for entry in tenants {
        let (tenant, members) = importer.tenant(entry, &role_names, &graph);
        tenant_members.push(members);
        file.tenants.push(tenant);
    }
    let mut group_links = Vec::new();
    for entry in groups {
        group_links.push(importer.group(entry));
    }
    let mut used_ids = HashSet::new();
    let mut member_of = Vec::new();
    for entry in individuals {
        let (account, direct) = importer.account(entry, &role_names, &tenant_names, &mut used_ids);
        member_of.push(direct);
        file.accounts.push(account);
    }

    let accounts: HashMap<String, usize> = file
        .accounts
        .iter()
        .enumerate()
        .map(|(index, account)| (account.name.clone(), index))
        .collect();
    // `members` lists are the other side of `memberOf`, `roles` and `tenant`.
    let parents = importer.group_members(&group_links, &accounts, &mut member_of);
    importer.role_members(role_members, &accounts, &mut file.accounts);
    importer.tenant_members(tenant_members, &accounts, &mut file.accounts);
    expand_groups(&mut file.accounts, member_of, &parents);
    let password_with_code = file
        .accounts
        .iter()
        .any(|account| account.totp.is_some())
        .then(|| PasswordWithCode {
            separator: TOTP_SEPARATOR.to_owned(),
        });
    // Stalwart's app password secrets name no credential id: the facade
    // tries them in turn only when told how many an account may have.
    let app_passwords_without_id = file
        .accounts
        .iter()
        .map(|account| account.app_password.len())
        .max()
        .filter(|&most| most > 0);
    if password_with_code.is_some() || app_passwords_without_id.is_some() {
        file.settings = Some(Settings {
            app_passwords_without_id,
            password_with_code,
        });
    }
    Imported {
        file,
        warnings: importer.warnings,
    }
}

/// Transitive group membership: a member of a group that is a member of
/// another group is a member of both, so `target_groups` sees either.
fn expand_groups(
    accounts: &mut [AccountEntry],
    member_of: Vec<Vec<&str>>,
    parents: &HashMap<&str, Vec<&str>>,
) {
    for (account, direct) in accounts.iter_mut().zip(member_of) {
        let mut all: Vec<&str> = Vec::new();
        let mut queue = VecDeque::from(direct);
        while let Some(group) = queue.pop_front() {
            if all.contains(&group) {
                continue;
            }
            all.push(group);
            if let Some(up) = parents.get(group) {
                queue.extend(up.iter().copied());
            }
        }
        account.groups = all.into_iter().map(str::to_owned).collect();
    }
}

fn push_unique<'a>(list: &mut Vec<&'a str>, item: &'a str) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The principal types that have a counterpart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Individual,
    Group,
    Role,
    Tenant,
}

/// Who a warning is about.
#[derive(Clone, Debug)]
struct Origin {
    label: String,
    type_name: String,
}

impl Origin {
    fn name(&self) -> &str {
        &self.label
    }
}

/// One principal being mapped: the fields not yet consumed.
struct Entry<'a> {
    origin: Origin,
    kind: Kind,
    name: &'a str,
    fields: Vec<(&'a str, &'a Value)>,
}

impl<'a> Entry<'a> {
    /// Consumes a field.
    fn take(&mut self, key: &str) -> Option<&'a Value> {
        let at = self.fields.iter().position(|(name, _)| *name == key)?;
        Some(self.fields.remove(at).1)
    }
}

/// Names a role or tenant lists under `members`.
struct Members<'a> {
    origin: Origin,
    names: Vec<&'a str>,
}

/// A group's place in the membership graph.
struct GroupLinks<'a> {
    origin: Origin,
    name: &'a str,
    member_of: Vec<&'a str>,
    members: Vec<&'a str>,
}

/// A reference to another principal or a permission, as written.
#[derive(Clone, Copy, Debug)]
enum Ref<'a> {
    Name(&'a str),
    Id(u64),
}

impl std::fmt::Display for Ref<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ref::Name(name) => write!(f, "{name:?}"),
            Ref::Id(id) => write!(f, "id {id}"),
        }
    }
}

/// A field Stalwart writes as one value or a list of strings or numbers.
fn refs(value: &Value) -> Option<Vec<Ref<'_>>> {
    match value {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items.iter().map(one_ref).collect(),
        other => one_ref(other).map(|found| vec![found]),
    }
}

fn one_ref(value: &Value) -> Option<Ref<'_>> {
    match value {
        Value::String(text) => Some(Ref::Name(text.as_str())),
        Value::Number(number) => number.as_u64().map(Ref::Id),
        _ => None,
    }
}

struct Importer<'a> {
    options: &'a Options,
    warnings: Vec<Warning>,
    /// Principal ids → names, for references written as ids.
    ids: HashMap<u64, &'a str>,
    /// Names of the principals that are mapped, by kind.
    kinds: HashMap<&'a str, Kind>,
}

impl<'a> Importer<'a> {
    fn warn_at(
        &mut self,
        origin: &Origin,
        kind: WarningKind,
        field: Option<&str>,
        message: String,
    ) {
        self.warnings.push(Warning {
            kind,
            principal: origin.label.clone(),
            principal_type: Some(origin.type_name.clone()),
            field: field.map(str::to_owned),
            message,
        });
    }

    /// A `members` entry that names nothing it could: `what` says what it
    /// should have named.
    fn dangling(&mut self, origin: &Origin, member: &str, what: &str) {
        self.warn_at(
            origin,
            WarningKind::UnmappedValue,
            Some("members"),
            format!("member {member:?} is not {what} of the export; left out"),
        );
    }

    /// Applies groups' `members` to their members' direct groups, and
    /// returns each group's parent groups (its `memberOf`, and the groups
    /// listing it as a member).
    fn group_members(
        &mut self,
        group_links: &[GroupLinks<'a>],
        accounts: &HashMap<String, usize>,
        member_of: &mut [Vec<&'a str>],
    ) -> HashMap<&'a str, Vec<&'a str>> {
        let mut parents: HashMap<&'a str, Vec<&'a str>> = HashMap::new();
        for links in group_links {
            let list = parents.entry(links.name).or_default();
            for &parent in &links.member_of {
                push_unique(list, parent);
            }
        }
        for links in group_links {
            for &member in &links.members {
                if let Some(&index) = accounts.get(member) {
                    if let Some(direct) = member_of.get_mut(index) {
                        push_unique(direct, links.name);
                    }
                } else if self.kinds.get(member) == Some(&Kind::Group) {
                    push_unique(parents.entry(member).or_default(), links.name);
                } else {
                    self.dangling(&links.origin, member, "an account or group");
                }
            }
        }
        parents
    }

    /// Applies roles' `members` to those accounts' roles.
    fn role_members(
        &mut self,
        role_members: Vec<Members<'a>>,
        accounts: &HashMap<String, usize>,
        entries: &mut [AccountEntry],
    ) {
        for members in role_members {
            let role = members.origin.name();
            for &member in &members.names {
                match accounts
                    .get(member)
                    .and_then(|&index| entries.get_mut(index))
                {
                    Some(account) => {
                        if !account.roles.iter().any(|own| own == role) {
                            account.roles.push(role.to_owned());
                        }
                    }
                    None => self.dangling(&members.origin, member, "an account"),
                }
            }
        }
    }

    /// Applies tenants' `members` to those accounts' tenant.
    fn tenant_members(
        &mut self,
        tenant_members: Vec<Members<'a>>,
        accounts: &HashMap<String, usize>,
        entries: &mut [AccountEntry],
    ) {
        for members in tenant_members {
            let tenant = members.origin.name();
            for &member in &members.names {
                match accounts
                    .get(member)
                    .and_then(|&index| entries.get_mut(index))
                {
                    Some(account) => match &account.tenant {
                        None => account.tenant = Some(tenant.to_owned()),
                        Some(own) if own == tenant => {}
                        Some(own) => {
                            let message = format!(
                                "lists {member:?} as a member, but that account names tenant {own:?}; the account's own tenant is kept"
                            );
                            self.warn_at(
                                &members.origin,
                                WarningKind::UnmappedValue,
                                Some("members"),
                                message,
                            );
                        }
                    },
                    None => self.dangling(&members.origin, member, "an account"),
                }
            }
        }
    }

    /// The principals that have a counterpart, with the others reported.
    fn entries(&mut self, principals: &'a [Value]) -> Vec<Entry<'a>> {
        let mut entries = Vec::new();
        let mut seen = HashSet::new();
        for (index, value) in principals.iter().enumerate() {
            let Some(object) = value.as_object() else {
                self.warnings.push(Warning {
                    kind: WarningKind::UnmappedPrincipal,
                    principal: format!("#{index}"),
                    principal_type: None,
                    field: None,
                    message: "not a JSON object; skipped".to_owned(),
                });
                continue;
            };
            let name = object
                .get("name")
                .and_then(Value::as_str)
                .filter(|name| !name.is_empty());
            let type_name = object.get("type").and_then(Value::as_str);
            let origin = Origin {
                label: name.map_or_else(|| format!("#{index}"), str::to_owned),
                type_name: type_name.unwrap_or_default().to_owned(),
            };
            let kind = match type_name {
                Some("individual" | "superuser") => Kind::Individual,
                Some("group") => Kind::Group,
                Some("role") => Kind::Role,
                Some("tenant") => Kind::Tenant,
                Some(other) => {
                    if !self.options.ignore_types.contains(other) {
                        self.warn_at(
                            &origin,
                            WarningKind::UnmappedPrincipal,
                            None,
                            format!(
                                "principals of type {other:?} have no counterpart in the directory file; skipped"
                            ),
                        );
                    }
                    continue;
                }
                None => {
                    self.warn_at(
                        &origin,
                        WarningKind::UnmappedPrincipal,
                        None,
                        "has no \"type\"; skipped".to_owned(),
                    );
                    continue;
                }
            };
            let Some(name) = name else {
                self.warn_at(
                    &origin,
                    WarningKind::UnmappedPrincipal,
                    None,
                    "has no \"name\"; skipped".to_owned(),
                );
                continue;
            };
            if !seen.insert(name) {
                self.warn_at(
                    &origin,
                    WarningKind::UnmappedPrincipal,
                    None,
                    "a second principal with this name; skipped".to_owned(),
                );
                continue;
            }
            if let Some(id) = object.get("id").and_then(Value::as_u64) {
                self.ids.insert(id, name);
            }
            self.kinds.insert(name, kind);
            let fields = object
                .iter()
                .filter(|(key, _)| !matches!(key.as_str(), "type" | "name"))
                .map(|(key, value)| (key.as_str(), value))
                .collect();
            entries.push(Entry {
                origin,
                kind,
                name,
                fields,
            });
        }
        entries
    }

    /// Reports the fields nothing consumed.
    fn finish(&mut self, entry: Entry<'a>) {
        for (field, value) in entry.fields {
            // A statistic, not configuration.
            if field == "usedQuota" || self.options.ignore_fields.contains(field) {
                continue;
            }
            let (kind, message) = if STALWART_FIELDS.contains(&field) {
                if carries_nothing(field, value) {
                    continue;
                }
                (
                    WarningKind::DroppedField,
                    dropped_message(entry.kind, field),
                )
            } else {
                (
                    WarningKind::UnknownField,
                    "not a field of Stalwart's principals; dropped".to_owned(),
                )
            };
            self.warn_at(&entry.origin, kind, Some(field), message);
        }
    }

    /// References to other principals, as names.
    fn names(&mut self, entry: &Entry<'a>, field: &str, value: &'a Value) -> Vec<&'a str> {
        let Some(list) = refs(value) else {
            self.warn_at(
                &entry.origin,
                WarningKind::UnmappedValue,
                Some(field),
                "not a name or a list of names; dropped".to_owned(),
            );
            return Vec::new();
        };
        let mut names = Vec::new();
        for reference in list {
            match reference {
                Ref::Name(name) => push_unique(&mut names, name),
                Ref::Id(id) => match self.ids.get(&id).copied() {
                    Some(name) => push_unique(&mut names, name),
                    None => self.warn_at(
                        &entry.origin,
                        WarningKind::UnmappedValue,
                        Some(field),
                        format!("{reference} names no principal of the export; left out"),
                    ),
                },
            }
        }
        names
    }

    /// Role references, keeping only roles the directory will know.
    fn roles(&mut self, entry: &Entry<'a>, value: &'a Value, known: &HashSet<&str>) -> Vec<String> {
        let mut roles = Vec::new();
        for name in self.names(entry, "roles", value) {
            if known.contains(name) {
                roles.push(name.to_owned());
            } else {
                self.warn_at(
                    &entry.origin,
                    WarningKind::UnmappedValue,
                    Some("roles"),
                    format!(
                        "role {name:?} is neither built in (user, tenant-admin, admin) nor in the export; left out"
                    ),
                );
            }
        }
        roles
    }

    /// A permission list: Stalwart's names (or ids) to the catalogue.
    fn permissions(&mut self, entry: &mut Entry<'a>, field: &str) -> PermissionSet {
        let mut set = PermissionSet::empty();
        let Some(value) = entry.take(field) else {
            return set;
        };
        let Some(list) = refs(value) else {
            self.warn_at(
                &entry.origin,
                WarningKind::UnmappedValue,
                Some(field),
                "not a list of permission names; dropped".to_owned(),
            );
            return set;
        };
        for reference in list {
            let permission = match reference {
                Ref::Name(name) => Permission::from_name(name).ok(),
                Ref::Id(id) => u16::try_from(id)
                    .ok()
                    .filter(|id| *id < STALWART_PERMISSION_IDS)
                    .and_then(Permission::from_id),
            };
            match permission {
                Some(permission) => {
                    set.insert(permission);
                }
                None => self.warn_at(
                    &entry.origin,
                    WarningKind::UnmappedValue,
                    Some(field),
                    format!("permission {reference} is not in the catalogue; left out"),
                ),
            }
        }
        set
    }

    fn role(
        &mut self,
        mut entry: Entry<'a>,
        known: &HashSet<&str>,
    ) -> (RoleEntry, Role, Members<'a>) {
        // References are by name; a role's number means nothing here.
        entry.take("id");
        let parents = match entry.take("roles") {
            Some(value) => self.roles(&entry, value, known),
            None => Vec::new(),
        };
        let enable = self.permissions(&mut entry, "enabledPermissions");
        let disable = self.permissions(&mut entry, "disabledPermissions");
        let members = match entry.take("members") {
            Some(value) => self.names(&entry, "members", value),
            None => Vec::new(),
        };
        let mut built = Role::new(entry.name).enable(enable).disable(disable);
        for parent in &parents {
            built = built.parent(parent.clone());
        }
        let role = RoleEntry {
            name: entry.name.to_owned(),
            parents,
            enable: names_of(enable),
            disable: names_of(disable),
        };
        let members = Members {
            origin: entry.origin.clone(),
            names: members,
        };
        self.finish(entry);
        (role, built, members)
    }

    fn tenant(
        &mut self,
        mut entry: Entry<'a>,
        known: &HashSet<&str>,
        graph: &RoleGraph,
    ) -> (TenantEntry, Members<'a>) {
        entry.take("id");
        let roles = match entry.take("roles") {
            Some(value) => self.roles(&entry, value, known),
            None => Vec::new(),
        };
        let own = self.permissions(&mut entry, "enabledPermissions");
        let disable = self.permissions(&mut entry, "disabledPermissions");
        // Stalwart clamps the tenant's accounts to the enabled permissions
        // of the tenant's roles and its own (nothing at all when it has
        // neither).
        let allowed = match graph.resolve(&roles) {
            Ok(rights) => rights.enabled | own,
            Err(error) => {
                self.warn_at(
                    &entry.origin,
                    WarningKind::UnmappedValue,
                    Some("roles"),
                    format!(
                        "cannot resolve the tenant's roles ({error}); its accounts are clamped to its own enabledPermissions only"
                    ),
                );
                own
            }
        };
        let members = match entry.take("members") {
            Some(value) => self.names(&entry, "members", value),
            None => Vec::new(),
        };
        let tenant = TenantEntry {
            name: entry.name.to_owned(),
            allowed: Some(names_of(allowed)),
            disable: names_of(disable),
        };
        let members = Members {
            origin: entry.origin.clone(),
            names: members,
        };
        self.finish(entry);
        (tenant, members)
    }

    fn group(&mut self, mut entry: Entry<'a>) -> GroupLinks<'a> {
        entry.take("id");
        let member_of = match entry.take("memberOf") {
            Some(value) => self.names(&entry, "memberOf", value),
            None => Vec::new(),
        };
        let members = match entry.take("members") {
            Some(value) => self.names(&entry, "members", value),
            None => Vec::new(),
        };
        let links = GroupLinks {
            origin: entry.origin.clone(),
            name: entry.name,
            member_of,
            members,
        };
        self.finish(entry);
        links
    }

    /// An individual: the account, and the groups it names directly.
    fn account(
        &mut self,
        mut entry: Entry<'a>,
        known_roles: &HashSet<&str>,
        tenants: &HashSet<&str>,
        used_ids: &mut HashSet<u32>,
    ) -> (AccountEntry, Vec<&'a str>) {
        let mut account = AccountEntry::new(entry.name.to_owned());
        if let Some(value) = entry.take("id") {
            match value.as_u64().and_then(|id| u32::try_from(id).ok()) {
                Some(id) if used_ids.insert(id) => account.id = Some(id),
                Some(id) => self.warn_at(
                    &entry.origin,
                    WarningKind::UnmappedValue,
                    Some("id"),
                    format!("id {id} is already another account's; left out"),
                ),
                None => self.warn_at(
                    &entry.origin,
                    WarningKind::UnmappedValue,
                    Some("id"),
                    "not a 32-bit account number; left out".to_owned(),
                ),
            }
        }
        if let Some(value) = entry.take("secrets") {
            self.secrets(&entry, value, &mut account);
        }
        if let Some(value) = entry.take("roles") {
            account.roles = self.roles(&entry, value, known_roles);
        }
        let enabled = self.permissions(&mut entry, "enabledPermissions");
        let disabled = self.permissions(&mut entry, "disabledPermissions");
        if !enabled.is_empty() || !disabled.is_empty() {
            account.policy = Some(Policy::Merge {
                enabled: names_of(enabled),
                disabled: names_of(disabled),
            });
        }
        if let Some(value) = entry.take("tenant") {
            let names = self.names(&entry, "tenant", value);
            if names.len() > 1 {
                self.warn_at(
                    &entry.origin,
                    WarningKind::UnmappedValue,
                    Some("tenant"),
                    "names more than one tenant; the first is kept".to_owned(),
                );
            }
            if let Some(&tenant) = names.first() {
                if !tenants.contains(tenant) {
                    // An account whose tenant the directory lacks would be
                    // unclamped; Stalwart refuses it ("tenant not found").
                    account.disabled = true;
                    self.warn_at(
                        &entry.origin,
                        WarningKind::UnmappedValue,
                        Some("tenant"),
                        format!(
                            "tenant {tenant:?} is not in the export; the account is imported disabled"
                        ),
                    );
                }
                account.tenant = Some(tenant.to_owned());
            }
        }
        let member_of = match entry.take("memberOf") {
            Some(value) => self.names(&entry, "memberOf", value),
            None => Vec::new(),
        };
        self.finish(entry);
        (account, member_of)
    }

    /// Passwords, app passwords and TOTP enrolments.
    fn secrets(&mut self, entry: &Entry<'a>, value: &'a Value, account: &mut AccountEntry) {
        let list: Vec<Option<&str>> = match value {
            Value::Null => Vec::new(),
            Value::String(text) => vec![Some(text.as_str())],
            Value::Array(items) => items.iter().map(Value::as_str).collect(),
            _ => vec![None],
        };
        let mut next_app_id = 1u32;
        for (index, secret) in list.into_iter().enumerate() {
            let at = format!("secrets[{index}]");
            let Some(secret) = secret else {
                self.warn_secret(entry, format!("{at}: not a string; left out"));
                continue;
            };
            if secret.starts_with("otpauth://") {
                self.totp(entry, &at, secret, account);
            } else if let Some(rest) = secret.strip_prefix("$app$") {
                self.app_password(entry, &at, rest, next_app_id, account);
                next_app_id = next_app_id.saturating_add(1);
            } else {
                self.password(entry, &at, secret, account);
            }
        }
    }

    fn warn_secret(&mut self, entry: &Entry<'a>, message: String) {
        self.warn_at(
            &entry.origin,
            WarningKind::UnmappedValue,
            Some("secrets"),
            message,
        );
    }

    fn password(&mut self, entry: &Entry<'a>, at: &str, secret: &str, account: &mut AccountEntry) {
        let stored = if secret.is_empty() {
            self.warn_secret(entry, format!("{at}: empty; left out"));
            return;
        } else if secret.starts_with('$') || secret.starts_with('{') {
            secret.to_owned()
        } else if secret.starts_with('_') {
            self.warn_secret(
                entry,
                format!(
                    "{at}: an extended DES crypt hash, which portcullis does not verify; left out"
                ),
            );
            return;
        } else {
            // Stalwart compares a secret without a scheme as clear text.
            format!("{{PLAIN}}{secret}")
        };
        let parsed = match StoredHash::parse(&stored) {
            Ok(parsed) => parsed,
            Err(error) => {
                // The error's text may quote the hash: only its kind.
                self.warn_secret(
                    entry,
                    format!(
                        "{at}: a password hash portcullis does not verify ({}); left out",
                        error.kind()
                    ),
                );
                return;
            }
        };
        if account.password.is_some() {
            self.warn_secret(
                entry,
                format!(
                    "{at}: a further password hash; portcullis keeps one password per account (the first), so this one no longer signs in"
                ),
            );
            return;
        }
        if parsed.check_cost(&HashPolicy::default().limits).is_err() {
            self.warn_secret(
                entry,
                format!(
                    "{at}: the hash's parameters exceed the default cost limits; it is kept, but logins are refused until [settings.hash] limits allow it"
                ),
            );
        }
        account.password = Some(stored);
    }

    fn totp(&mut self, entry: &Entry<'a>, at: &str, url: &str, account: &mut AccountEntry) {
        let parsed = Totp::from_uri(url, 1).ok();
        let secret = parsed
            .as_ref()
            .and_then(|totp| totp.secret_base32().expose_str().map(str::to_owned));
        match (parsed, secret) {
            (Some(_), Some(_)) if account.totp.is_some() => self.warn_secret(
                entry,
                format!(
                    "{at}: a further TOTP enrolment; portcullis keeps one (the first), so codes from this one are refused"
                ),
            ),
            (Some(totp), Some(secret)) => {
                let params = totp.params();
                account.totp = Some(TotpEntry {
                    secret,
                    digits: params.digits,
                    step: params.step_seconds,
                    skew: params.skew,
                    algorithm: match params.algorithm {
                        TotpAlgorithm::Sha1 => "SHA1",
                        TotpAlgorithm::Sha256 => "SHA256",
                        TotpAlgorithm::Sha512 => "SHA512",
                    },
                });
            }
            _ => {
                // Dropping the second factor would let the password alone
                // in: fail closed instead.
                account.disabled = true;
                self.warn_secret(
                    entry,
                    format!(
                        "{at}: an otpauth URL portcullis cannot use (not TOTP, or a secret under 128 bits); the account is imported disabled so that its password alone does not sign in"
                    ),
                );
            }
        }
    }

    fn app_password(
        &mut self,
        entry: &Entry<'a>,
        at: &str,
        rest: &str,
        id: u32,
        account: &mut AccountEntry,
    ) {
        let Some((label, hash)) = rest.split_once('$') else {
            self.warn_secret(
                entry,
                format!("{at}: an app password not in the `$app$<name>$<hash>` form; left out"),
            );
            return;
        };
        if let Err(error) = StoredHash::parse(hash) {
            self.warn_secret(
                entry,
                format!(
                    "{at}: an app password whose hash portcullis does not verify ({}); left out",
                    error.kind()
                ),
            );
            return;
        }
        let (description, created_at) = app_label(label);
        self.warn_at(
            &entry.origin,
            WarningKind::AppPasswordWithoutId,
            Some("secrets"),
            format!(
                "{at}: app password {description:?} is kept as [[account.app_password]] id {id}; its secret names no credential id, so it signs in through [settings] app_passwords_without_id, which makes every wrong password for this account cost one more hash per such app password and lets timing tell these accounts apart; issue a new app password"
            ),
        );
        account.app_password.push(AppPasswordEntry {
            id,
            hash: hash.to_owned(),
            description,
            created_at,
        });
    }
}

/// The description and creation time in an app password's name: base64 of
/// `description$RFC 3339 time` when Stalwart's web admin made it, else the
/// name as written.
fn app_label(label: &str) -> (String, Option<String>) {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(label)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    if let Some(decoded) = decoded
        && let Some((description, created)) = decoded.rsplit_once('$')
        && let Ok(created) = OffsetDateTime::parse(created, &Rfc3339)
        && let Ok(created) = created.to_offset(time::UtcOffset::UTC).format(&Rfc3339)
    {
        return (description.to_owned(), Some(created));
    }
    (label.to_owned(), None)
}

/// Whether dropping a known field loses nothing: an empty value, or
/// Stalwart's "no quota" (0).
fn carries_nothing(field: &str, value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(object) => object.is_empty(),
        Value::Number(number) => field == "quota" && number.as_u64() == Some(0),
        Value::Bool(_) => false,
    }
}

/// Catalogue names, in catalogue (id) order.
fn names_of(set: PermissionSet) -> Vec<&'static str> {
    set.iter().map(Permission::name).collect()
}

fn dropped_message(kind: Kind, field: &str) -> String {
    match (kind, field) {
        (Kind::Group, "roles" | "enabledPermissions" | "disabledPermissions") => {
            "a group's own rights: group membership grants its members nothing in Stalwart, and a group cannot sign in; dropped".to_owned()
        }
        (Kind::Group, "secrets") => "a group cannot sign in; its secrets are dropped".to_owned(),
        (_, "emails") => {
            "the directory file has no e-mail addresses (logins use the account name); dropped"
                .to_owned()
        }
        (_, "quota") => "quotas are the mail store's concern, not the directory's; dropped".to_owned(),
        (_, "description") => "the directory file has no display names; dropped".to_owned(),
        _ => "no counterpart in the directory file; dropped".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests may panic"
    )]

    use serde_json::json;

    use super::*;

    fn run(principals: Value) -> Imported {
        import(principals.as_array().unwrap(), &Options::default())
    }

    #[test]
    fn both_export_shapes_are_accepted() {
        let list = json!([{"type": "individual", "name": "a"}]);
        assert_eq!(principals(&list).unwrap().len(), 1);
        let page = json!({"data": {"items": [{"type": "role", "name": "r"}], "total": 1}});
        assert_eq!(principals(&page).unwrap().len(), 1);
        assert!(principals(&json!({"items": []})).is_none());
        assert!(principals(&json!("x")).is_none());
    }

    #[test]
    fn app_label_decodes_the_web_admin_form() {
        // base64("Thunderbird$2024-11-05T10:00:00.5+01:00")
        let label = base64::engine::general_purpose::STANDARD
            .encode("Thunderbird$2024-11-05T10:00:00.5+01:00");
        assert_eq!(
            app_label(&label),
            (
                "Thunderbird".to_owned(),
                Some("2024-11-05T09:00:00.5Z".to_owned())
            )
        );
        assert_eq!(app_label("phone"), ("phone".to_owned(), None));
    }

    #[test]
    fn permission_ids_and_names_map_and_unknown_ones_are_reported() {
        let imported = run(json!([{"type": "role", "name": "r",
            "enabledPermissions": ["imapAuthenticate", 3, 660, "noSuchPermission"],
            "disabledPermissions": "pop3Authenticate"}]));
        let role = &imported.file.roles[0];
        assert_eq!(role.enable, ["impersonate", "imapAuthenticate"]);
        assert_eq!(role.disable, ["pop3Authenticate"]);
        let messages: Vec<&str> = imported
            .warnings
            .iter()
            .map(|warning| warning.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "permission id 660 is not in the catalogue; left out",
                "permission \"noSuchPermission\" is not in the catalogue; left out"
            ]
        );
    }

    #[test]
    fn a_bad_totp_url_disables_the_account_without_quoting_it() {
        let url = "otpauth://totp/x?secret=JBSWY3DP";
        let imported = run(json!([{"type": "individual", "name": "a",
            "secrets": ["{PLAIN}pw", url]}]));
        let account = &imported.file.accounts[0];
        assert!(account.disabled);
        assert!(account.totp.is_none());
        assert_eq!(imported.warnings.len(), 1);
        assert!(!imported.warnings[0].message.contains("JBSWY3DP"));
    }

    #[test]
    fn totp_parameters_come_from_the_url() {
        let url = "otpauth://totp/Stalwart:a?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA512&digits=7&period=45&issuer=Stalwart";
        let imported = run(json!([{"type": "individual", "name": "a", "secrets": url}]));
        let totp = imported.file.accounts[0].totp.as_ref().unwrap();
        assert_eq!(totp.secret, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
        assert_eq!((totp.digits, totp.step, totp.algorithm), (7, 45, "SHA512"));
        assert!(imported.file.settings.is_some());
        assert!(imported.warnings.is_empty());
    }

    #[test]
    fn clear_text_and_second_passwords() {
        let imported = run(json!([{"type": "individual", "name": "a",
            "secrets": ["hunter2", "{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=", "{MD4}x", "_xyz"]}]));
        assert_eq!(
            imported.file.accounts[0].password.as_deref(),
            Some("{PLAIN}hunter2")
        );
        assert_eq!(imported.warnings.len(), 3);
        for warning in &imported.warnings {
            assert!(!warning.message.contains("hunter2"));
            assert!(!warning.message.contains("qUqP5"));
        }
    }

    #[test]
    fn nested_groups_and_members_lists() {
        let imported = run(json!([
            {"type": "group", "name": "staff", "memberOf": ["everyone"]},
            {"type": "group", "name": "everyone"},
            {"type": "group", "name": "ops", "members": ["a", "ghost"]},
            {"type": "role", "name": "helper", "members": ["a"]},
            {"type": "individual", "name": "a", "memberOf": "staff", "roles": ["user"]},
        ]));
        let account = &imported.file.accounts[0];
        assert_eq!(account.groups, ["staff", "ops", "everyone"]);
        assert_eq!(account.roles, ["user", "helper"]);
        assert_eq!(imported.warnings.len(), 1);
        assert_eq!(imported.warnings[0].principal, "ops");
    }

    #[test]
    fn an_unknown_tenant_disables_the_account() {
        let imported = run(json!([
            {"type": "individual", "name": "a", "tenant": "nowhere"},
        ]));
        assert!(imported.file.accounts[0].disabled);
        assert_eq!(imported.warnings[0].kind, WarningKind::UnmappedValue);
    }
}
