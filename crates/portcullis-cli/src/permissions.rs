//! `portcullis permissions …`: the catalogue and role resolution.

use std::collections::BTreeMap;
use std::path::PathBuf;

use portcullis_permissions::{
    AccountPolicy, Permission, PermissionSet, Role, RoleGraph, TenantPolicy, explain_account,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::output::{Format, Outcome, Output, UsageError, read_file, refusal};

/// `permissions` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Every permission: name, id and group.
    List,
    /// An account's effective permissions with the reason for each.
    Explain {
        /// A TOML file with `[roles.NAME]`, `[tenants.NAME]` and
        /// `[accounts."NAME"]` tables (see `docs/cli.md`).
        #[arg(long)]
        roles: PathBuf,
        /// The account to explain.
        #[arg(long)]
        account: String,
    },
}

pub(crate) fn run(command: Command, out: &Output) -> Result<Outcome, UsageError> {
    match command {
        Command::List => Ok(list(out)),
        Command::Explain { roles, account } => explain(&roles, &account),
    }
}

fn list(out: &Output) -> Outcome {
    if out.format() == Format::Text {
        println!("{:>4}  {:<9} name", "id", "group");
        for permission in Permission::ALL {
            println!(
                "{:>4}  {:<9} {}",
                permission.id(),
                permission.group().name(),
                permission.name()
            );
        }
        return Outcome::Printed;
    }
    let permissions: Vec<Value> = Permission::ALL
        .iter()
        .map(|permission| {
            json!({"id": permission.id(), "name": permission.name(), "group": permission.group().name()})
        })
        .collect();
    Outcome::Accepted(Value::Array(permissions))
}

/// The `--roles` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RolesFile {
    #[serde(default)]
    roles: BTreeMap<String, RoleEntry>,
    #[serde(default)]
    tenants: BTreeMap<String, TenantPolicy>,
    #[serde(default)]
    accounts: BTreeMap<String, AccountEntry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleEntry {
    #[serde(default)]
    enabled: PermissionSet,
    #[serde(default)]
    disabled: PermissionSet,
    #[serde(default)]
    parents: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountEntry {
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    policy: AccountPolicy,
    #[serde(default)]
    tenant: Option<String>,
}

fn explain(path: &std::path::Path, account: &str) -> Result<Outcome, UsageError> {
    let text = read_file(path)?;
    let file: RolesFile = toml::from_str(&text).map_err(|error| {
        UsageError::new(format!("invalid roles file {}: {error}", path.display()))
    })?;
    let mut graph = RoleGraph::with_presets();
    for (name, entry) in file.roles {
        graph.insert(Role {
            name,
            enabled: entry.enabled,
            disabled: entry.disabled,
            parents: entry.parents,
        });
    }
    let Some(entry) = file.accounts.get(account) else {
        return Ok(refusal(
            "unknown-account",
            format!("no account {account:?} in {}", path.display()),
        ));
    };
    let tenant = match &entry.tenant {
        Some(name) => Some(file.tenants.get(name).ok_or_else(|| {
            UsageError::new(format!("account {account:?} names unknown tenant {name:?}"))
        })?),
        None => None,
    };
    let explained = explain_account(&graph, &entry.roles, &entry.policy, tenant)
        .map_err(|error| UsageError::new(format!("cannot resolve {account:?}: {error}")))?;
    let permissions: Vec<Value> = explained
        .reasons
        .iter()
        .map(|(permission, reasons)| {
            json!({
                "name": permission.name(),
                "id": permission.id(),
                "granted": explained.effective.contains(*permission),
                "reasons": reasons.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Outcome::Accepted(json!({
        "ok": true,
        "account": account,
        "roles": entry.roles,
        "tenant": entry.tenant,
        "effective": explained.effective,
        "permissions": permissions,
    })))
}
