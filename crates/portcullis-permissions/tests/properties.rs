//! proptest properties of the permission model.

use portcullis_permissions::{
    AccountPolicy, CredentialScope, Permission, PermissionSet, Role, RoleGraph, TenantPolicy,
};
use proptest::prelude::*;

fn permission() -> impl Strategy<Value = Permission> {
    (0..Permission::COUNT).prop_map(|at| Permission::ALL[at])
}

fn set() -> impl Strategy<Value = PermissionSet> {
    prop::collection::vec(permission(), 0..40).prop_map(|list| list.into_iter().collect())
}

fn scope() -> impl Strategy<Value = CredentialScope> {
    prop_oneof![
        Just(CredentialScope::Inherit),
        set().prop_map(CredentialScope::Disable),
        set().prop_map(CredentialScope::Replace),
    ]
}

/// A random graph of up to 8 roles `r0..r7` whose parents are arbitrary
/// (so cycles and self-loops are common).
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

proptest! {
    #[test]
    fn scope_is_a_subset_of_the_account(account in set(), scope in scope()) {
        prop_assert!(scope.apply(&account).is_subset(&account));
    }

    #[test]
    fn replace_never_grants_what_the_account_lacks(account in set(), listed in set()) {
        let scoped = CredentialScope::Replace(listed).apply(&account);
        prop_assert_eq!(scoped, listed & account);
    }

    #[test]
    fn deny_wins_for_every_graph(graph in graph()) {
        // Resolution terminates (cycles included) and every disabled
        // permission reached anywhere is off.
        let rights = graph.resolve(&["r0"]).unwrap();
        prop_assert!(!rights.effective().intersects(&rights.disabled));
        let reached = graph.explain(&["r0"]).unwrap();
        for role in graph.iter() {
            if reached.sources.values().flatten().any(|s| s.role == role.name) {
                prop_assert!(!rights.effective().intersects(&role.disabled));
            }
        }
    }

    #[test]
    fn removing_a_role_never_grows_any_scope(graph in graph(), extra in set(), scope in scope()) {
        let mut with = graph.clone();
        with.insert(Role::new("extra").enable(extra));
        let base = graph.resolve(&["r0"]).unwrap();
        let more = with.resolve(&["r0", "extra"]).unwrap();
        let policy = AccountPolicy::Inherit;
        let smaller = scope.apply(&policy.effective(&base, None));
        let larger = scope.apply(&policy.effective(&more, None));
        prop_assert!(smaller.is_subset(&larger));
    }

    #[test]
    fn tenant_clamp_only_shrinks(account in set(), allowed in set(), disabled in set()) {
        let tenant = TenantPolicy { allowed: Some(allowed), disabled };
        let clamped = tenant.clamp(account);
        prop_assert!(clamped.is_subset(&account));
        prop_assert!(clamped.is_subset(&allowed));
        prop_assert!(!clamped.intersects(&disabled));
    }

    #[test]
    fn set_algebra_matches_a_hashset_model(a in set(), b in set()) {
        use std::collections::BTreeSet;
        let ma: BTreeSet<Permission> = a.iter().collect();
        let mb: BTreeSet<Permission> = b.iter().collect();
        prop_assert_eq!((a | b).iter().collect::<BTreeSet<_>>(), &ma | &mb);
        prop_assert_eq!((a & b).iter().collect::<BTreeSet<_>>(), &ma & &mb);
        prop_assert_eq!((a - b).iter().collect::<BTreeSet<_>>(), &ma - &mb);
        prop_assert_eq!(a.len(), ma.len());
        prop_assert_eq!(a.is_subset(&b), ma.is_subset(&mb));
    }
}
