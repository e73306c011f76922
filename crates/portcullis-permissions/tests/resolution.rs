//! The three ways to resolve roles agree: `RoleGraph::resolve`, the
//! compiled form (`compile` + `RoleRights::combine`) that the facade uses
//! per login, and `explain`; and `explain_account` gives the effective
//! rights with the reasons, tenant clamp included.

use std::collections::BTreeMap;

use portcullis_permissions::{
    AccountPolicy, Effect, Error, Permission, PermissionSet, Reason, Role, RoleGraph, RoleRights,
    RoleSource, TenantPolicy, explain_account,
};
use proptest::prelude::*;

fn permission() -> impl Strategy<Value = Permission> {
    (0..Permission::COUNT).prop_map(|at| Permission::ALL[at])
}

fn set() -> impl Strategy<Value = PermissionSet> {
    prop::collection::vec(permission(), 0..40).prop_map(|list| list.into_iter().collect())
}

/// Up to 8 roles `r0..r7` with arbitrary parents (cycles included).
fn graph() -> impl Strategy<Value = RoleGraph> {
    prop::collection::vec((set(), set(), prop::collection::vec(0..8usize, 0..4)), 1..8).prop_map(
        |roles| {
            let count = roles.len();
            let mut graph = RoleGraph::new();
            for (at, (enabled, disabled, parents)) in roles.into_iter().enumerate() {
                let mut role = Role::new(format!("r{at}"))
                    .enable(enabled)
                    .disable(disabled);
                for parent in parents {
                    role = role.parent(format!("r{}", parent % count));
                }
                graph.insert(role);
            }
            graph
        },
    )
}

/// Role names that exist in a graph of at least one role (indices are
/// reduced modulo the graph's size by the test).
fn picks() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..8usize, 0..5)
}

fn names(graph: &RoleGraph, picks: &[usize]) -> Vec<String> {
    let count = graph.iter().count();
    picks.iter().map(|at| format!("r{}", at % count)).collect()
}

fn policy() -> impl Strategy<Value = AccountPolicy> {
    prop_oneof![
        Just(AccountPolicy::Inherit),
        (set(), set()).prop_map(|(enabled, disabled)| AccountPolicy::Merge { enabled, disabled }),
        (set(), set()).prop_map(|(enabled, disabled)| AccountPolicy::Replace { enabled, disabled }),
    ]
}

fn tenant() -> impl Strategy<Value = Option<TenantPolicy>> {
    prop::option::of(
        (prop::option::of(set()), set())
            .prop_map(|(allowed, disabled)| TenantPolicy { allowed, disabled }),
    )
}

proptest! {
    #[test]
    fn compiled_roles_combine_to_the_resolved_rights(graph in graph(), picks in picks()) {
        let compiled = graph.compile().unwrap();
        let roles = names(&graph, &picks);
        let parts: Vec<&RoleRights> = roles.iter().map(|name| &compiled[name]).collect();
        prop_assert_eq!(RoleRights::combine(parts), graph.resolve(&roles).unwrap());
    }

    #[test]
    fn compile_resolves_every_role_on_its_own(graph in graph()) {
        let compiled = graph.compile().unwrap();
        prop_assert_eq!(compiled.len(), graph.iter().count());
        for role in graph.iter() {
            prop_assert_eq!(compiled[&role.name], graph.resolve(&[role.name.as_str()]).unwrap());
        }
    }

    #[test]
    fn explain_resolves_like_resolve(graph in graph(), picks in picks()) {
        let roles = names(&graph, &picks);
        prop_assert_eq!(graph.explain(&roles).unwrap().rights, graph.resolve(&roles).unwrap());
    }

    #[test]
    fn explain_account_gives_the_effective_rights(
        graph in graph(),
        picks in picks(),
        policy in policy(),
        tenant in tenant(),
    ) {
        let roles = names(&graph, &picks);
        let resolved = graph.resolve(&roles).unwrap();
        let explained = explain_account(&graph, &roles, &policy, tenant.as_ref()).unwrap();
        prop_assert_eq!(explained.effective, policy.effective(&resolved, tenant.as_ref()));
    }

    #[test]
    fn the_tenant_reasons_name_exactly_what_the_tenant_removes(
        enabled in set(),
        allowed in prop::option::of(set()),
        disabled in set(),
    ) {
        let mut graph = RoleGraph::new();
        graph.insert(Role::new("r").enable(enabled));
        let tenant = TenantPolicy { allowed, disabled };
        let explained =
            explain_account(&graph, &["r"], &AccountPolicy::Inherit, Some(&tenant)).unwrap();
        for permission in Permission::ALL {
            let reasons = explained.reasons.get(&permission).cloned().unwrap_or_default();
            let held = enabled.contains(permission);
            let not_allowed = held && allowed.is_some_and(|allowed| !allowed.contains(permission));
            prop_assert_eq!(reasons.contains(&Reason::TenantNotAllowed), not_allowed);
            let tenant_disabled = held && disabled.contains(permission);
            prop_assert_eq!(reasons.contains(&Reason::TenantDisabled), tenant_disabled);
            prop_assert_eq!(
                explained.effective.contains(permission),
                held && !not_allowed && !tenant_disabled
            );
        }
    }
}

#[test]
fn compile_fails_closed_on_an_unknown_parent() {
    let mut graph = RoleGraph::new();
    graph.insert(Role::new("a").enable(Permission::EmailSend));
    graph.insert(Role::new("b").parent("ghost"));
    assert_eq!(
        graph.compile(),
        Err(Error::UnknownRole {
            name: "ghost".into()
        })
    );
}

#[test]
fn compile_names_every_role() {
    let mut graph = RoleGraph::new();
    graph.insert(Role::new("reader").enable(Permission::ImapAuthenticate));
    graph.insert(
        Role::new("writer")
            .parent("reader")
            .enable(Permission::EmailSend)
            .disable(Permission::Pop3Authenticate),
    );
    let compiled = graph.compile().unwrap();
    let expected = BTreeMap::from([
        (
            "reader".to_owned(),
            RoleRights {
                enabled: Permission::ImapAuthenticate.into(),
                disabled: PermissionSet::empty(),
            },
        ),
        (
            "writer".to_owned(),
            RoleRights {
                enabled: PermissionSet::from_slice(&[
                    Permission::ImapAuthenticate,
                    Permission::EmailSend,
                ]),
                disabled: Permission::Pop3Authenticate.into(),
            },
        ),
    ]);
    assert_eq!(compiled, expected);
}

#[test]
fn combine_unions_both_sides_and_deny_wins() {
    let a = RoleRights {
        enabled: PermissionSet::from_slice(&[Permission::EmailSend, Permission::ImapAuthenticate]),
        disabled: Permission::Pop3Authenticate.into(),
    };
    let b = RoleRights {
        enabled: Permission::Pop3Authenticate.into(),
        disabled: Permission::ImapAuthenticate.into(),
    };
    let combined = RoleRights::combine([&a, &b]);
    assert_eq!(
        combined.enabled,
        PermissionSet::from_slice(&[
            Permission::EmailSend,
            Permission::ImapAuthenticate,
            Permission::Pop3Authenticate,
        ])
    );
    assert_eq!(
        combined.disabled,
        PermissionSet::from_slice(&[Permission::Pop3Authenticate, Permission::ImapAuthenticate])
    );
    assert_eq!(combined.effective(), Permission::EmailSend.into());
    assert_eq!(RoleRights::combine([]), RoleRights::default());
}

#[test]
fn explain_account_records_each_rule_in_order() {
    let mut graph = RoleGraph::new();
    graph.insert(Role::new("base").enable(PermissionSet::from_slice(&[
        Permission::Authenticate,
        Permission::ImapAuthenticate,
        Permission::EmailSend,
    ])));
    let policy = AccountPolicy::Merge {
        enabled: Permission::Pop3Authenticate.into(),
        disabled: Permission::EmailSend.into(),
    };
    let tenant = TenantPolicy {
        allowed: Some(PermissionSet::from_slice(&[
            Permission::Authenticate,
            Permission::Pop3Authenticate,
            Permission::EmailSend,
        ])),
        disabled: Permission::Pop3Authenticate.into(),
    };
    let explained = explain_account(&graph, &["base"], &policy, Some(&tenant)).unwrap();
    assert_eq!(explained.effective, Permission::Authenticate.into());
    let role = |effect| {
        Reason::Role(RoleSource {
            role: "base".into(),
            via: Vec::new(),
            effect,
        })
    };
    let expected = BTreeMap::from([
        (Permission::Authenticate, vec![role(Effect::Enabled)]),
        (
            Permission::ImapAuthenticate,
            vec![role(Effect::Enabled), Reason::TenantNotAllowed],
        ),
        (
            Permission::EmailSend,
            vec![role(Effect::Enabled), Reason::Account(Effect::Disabled)],
        ),
        (
            Permission::Pop3Authenticate,
            vec![Reason::Account(Effect::Enabled), Reason::TenantDisabled],
        ),
    ]);
    assert_eq!(explained.reasons, expected);
}

#[test]
fn replaced_roles_are_explained_as_ignored() {
    let graph = RoleGraph::with_presets();
    let policy = AccountPolicy::Replace {
        enabled: Permission::Authenticate.into(),
        disabled: PermissionSet::empty(),
    };
    let explained = explain_account(&graph, &["admin"], &policy, None).unwrap();
    assert_eq!(explained.effective, Permission::Authenticate.into());
    let ignored = Reason::RoleIgnored(RoleSource {
        role: "admin".into(),
        via: Vec::new(),
        effect: Effect::Enabled,
    });
    assert_eq!(
        explained.reasons[&Permission::Impersonate],
        vec![ignored.clone()]
    );
    assert_eq!(
        explained.reasons[&Permission::Authenticate],
        vec![ignored, Reason::Account(Effect::Enabled)]
    );
    assert_eq!(
        explain_account(&graph, &["ghost"], &AccountPolicy::Inherit, None),
        Err(Error::UnknownRole {
            name: "ghost".into()
        })
    );
}
