//! Policy vectors from `data/policy.json`.

use std::collections::BTreeMap;

use portcullis_impersonation::{
    AccountFacts, ActorCredential, Attempt, CredentialClass, CredentialId, ImpersonationPolicy,
    LoginSyntax, Refusal,
};
use portcullis_permissions::{NameMode, PermissionSet, RoleGraph};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    accounts: BTreeMap<String, Account>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Account {
    name: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    grant: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    policy: Option<ImpersonationPolicy>,
    actor: String,
    target: Option<String>,
    #[serde(default)]
    login: Option<String>,
    credential: CredentialClass,
    /// The credential's scope (names); absent = the actor's rights.
    #[serde(default)]
    scope: Option<Vec<String>>,
    /// `granted`, `plain`, or a refusal kind.
    expect: String,
    #[serde(default)]
    public: Option<String>,
    #[serde(default)]
    rights_include: Vec<String>,
    #[serde(default)]
    rights_exclude: Vec<String>,
    #[serde(default)]
    rights_exact: Option<Vec<String>>,
}

fn set(names: &[String]) -> PermissionSet {
    PermissionSet::from_names(names, NameMode::Strict)
        .unwrap()
        .set
}

fn facts(account: &Account) -> AccountFacts {
    let roles = RoleGraph::with_presets().resolve(&account.roles).unwrap();
    let rights = (roles.effective() | set(&account.grant)) - set(&account.deny);
    let mut facts = AccountFacts::new(account.name.clone(), rights);
    if let Some(tenant) = &account.tenant {
        facts = facts.in_tenant(tenant.clone());
    }
    for group in &account.groups {
        facts = facts.member_of(group.clone());
    }
    facts
}

#[test]
fn policy_vectors() {
    let data: Data = serde_json::from_str(include_str!("data/policy.json")).unwrap();
    assert!(data.cases.len() >= 40);
    let accounts: BTreeMap<&str, AccountFacts> = data
        .accounts
        .iter()
        .map(|(key, account)| (key.as_str(), facts(account)))
        .collect();
    let mut kinds_seen = std::collections::BTreeSet::new();
    for case in &data.cases {
        let name = &case.name;
        let policy = case.policy.clone().unwrap_or_default();
        let actor = &accounts[case.actor.as_str()];
        let target = case.target.as_deref().map(|key| &accounts[key]);
        let login = case.login.clone().unwrap_or_else(|| {
            format!(
                "{}%{}",
                target.map_or("ghost", |t| t.name.as_str()),
                actor.name
            )
        });
        let login = LoginSyntax::default().parse(&login).unwrap();
        let scoped = case
            .scope
            .as_ref()
            .map_or(actor.rights, |scope| set(scope) & actor.rights);
        let credential = ActorCredential::new(case.credential, CredentialId(42), scoped);
        let attempt = Attempt::new(&login, actor, &credential, target);
        let outcome = policy.decide(&attempt);
        assert_eq!(
            outcome,
            policy.evaluate(&attempt),
            "{name}: decide == evaluate"
        );
        match (case.expect.as_str(), outcome) {
            ("granted" | "plain", Ok(resolution)) => {
                let target = target.unwrap();
                assert_eq!(resolution.authenticated, actor.name, "{name}");
                assert_eq!(resolution.acting_as, target.name, "{name}");
                assert_eq!(resolution.actor_credential, credential, "{name}");
                assert_eq!(
                    resolution.is_impersonation(),
                    case.expect == "granted",
                    "{name}"
                );
                assert!(resolution.rights.is_subset(&target.rights), "{name}");
                for permission in set(&case.rights_include).iter() {
                    assert!(
                        resolution.rights.contains(permission),
                        "{name}: lacks {permission}"
                    );
                }
                for permission in set(&case.rights_exclude).iter() {
                    assert!(
                        !resolution.rights.contains(permission),
                        "{name}: holds {permission}"
                    );
                }
                if let Some(exact) = &case.rights_exact {
                    assert_eq!(resolution.rights, set(exact), "{name}");
                }
                kinds_seen.insert(case.expect.clone());
            }
            (expected, Ok(resolution)) => panic!("{name}: expected {expected}, got {resolution:?}"),
            (expected, Err(refusal)) => {
                assert_eq!(refusal.kind(), expected, "{name}: {refusal}");
                if let Some(public) = &case.public {
                    assert_eq!(refusal.public_message(), public, "{name}");
                }
                kinds_seen.insert(expected.to_owned());
            }
        }
    }
    // Every outcome the policy can produce is exercised by the table.
    let all = [
        Refusal::ActorLacksImpersonate,
        Refusal::AppPasswordCannotImpersonate(CredentialClass::AppPassword),
        Refusal::CredentialScopeLacksImpersonate(CredentialClass::AppPassword),
        Refusal::CeilingExcludesAuthenticate,
        Refusal::TargetNotFound,
        Refusal::TargetCannotAuthenticate,
        Refusal::CrossTenant,
        Refusal::DomainNotAllowed,
        Refusal::TargetNotInGroup,
        Refusal::AdminTarget,
    ];
    for refusal in all {
        assert!(
            kinds_seen.contains(refusal.kind()),
            "no vector for {}",
            refusal.kind()
        );
    }
    assert!(kinds_seen.contains("granted") && kinds_seen.contains("plain"));
}

#[test]
fn target_refusals_share_one_public_message() {
    let target_refusals = [
        Refusal::TargetNotFound,
        Refusal::TargetCannotAuthenticate,
        Refusal::CrossTenant,
        Refusal::DomainNotAllowed,
        Refusal::TargetNotInGroup,
        Refusal::AdminTarget,
    ];
    for refusal in target_refusals {
        assert!(refusal.is_about_target());
        assert_eq!(refusal.public_message(), "you may not act as this account");
        // The internal reason is precise and differs from the public face.
        assert_ne!(refusal.to_string(), refusal.public_message());
    }
    assert!(!Refusal::ActorLacksImpersonate.is_about_target());
}

#[test]
fn policy_config() {
    let policy: ImpersonationPolicy = serde_json::from_str("{}").unwrap();
    assert_eq!(policy, ImpersonationPolicy::default());
    assert!(policy.same_tenant_only);
    assert!(!policy.allow_admin_targets);
    assert!(!policy.allow_scoped_credentials);
    assert_eq!(policy.ceiling, ImpersonationPolicy::default_ceiling());
    assert!(serde_json::from_str::<ImpersonationPolicy>(r#"{"allow_admins": true}"#).is_err());
    assert!(
        serde_json::from_str::<ImpersonationPolicy>(r#"{"ceiling": ["noSuchPermission"]}"#)
            .is_err()
    );
    let round_trip: ImpersonationPolicy =
        serde_json::from_str(&serde_json::to_string(&policy).unwrap()).unwrap();
    assert_eq!(round_trip, policy);
}

#[test]
fn errors_convert_into_one_type() {
    use portcullis_impersonation::{Error, SyntaxError};
    let error: Error = Refusal::CrossTenant.into();
    assert_eq!(error.kind(), "cross-tenant");
    assert_eq!(error.public_message(), "you may not act as this account");
    let error: Error = SyntaxError::AmbiguousSeparators.into();
    assert_eq!(error.kind(), "ambiguous-separators");
    assert_eq!(error.to_string(), "more than one impersonation separator");
}
