//! Permission checks and effective-rights computation.
//!
//! Peer: a `HashSet<String>` model of the same data (how a naive server keeps
//! permission names), measured in the same run.

use std::collections::HashSet;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis_permissions::{
    AccountPolicy, CredentialScope, Permission, PermissionSet, Role, RoleGraph, RoleRights, preset,
};

/// Five roles: the `user` preset, three small add-on roles and one that
/// denies; the account also denies one permission itself, and the credential
/// is scoped to mail.
fn fixture() -> (Vec<RoleRights>, AccountPolicy, CredentialScope) {
    let mut graph = RoleGraph::with_presets();
    graph.insert(
        Role::new("mailer").enable(PermissionSet::group(portcullis_permissions::Group::Email)),
    );
    graph.insert(Role::new("dav").enable(PermissionSet::group(portcullis_permissions::Group::Dav)));
    graph.insert(Role::new("ai").enable(Permission::InteractAi));
    graph.insert(Role::new("no-pop").disable(Permission::Pop3Authenticate));
    let compiled = graph.compile().unwrap();
    let roles = ["user", "mailer", "dav", "ai", "no-pop"]
        .iter()
        .map(|name| compiled[*name])
        .collect();
    let policy = AccountPolicy::Merge {
        enabled: PermissionSet::empty(),
        disabled: Permission::ImapIdle.into(),
    };
    (roles, policy, CredentialScope::mail_only())
}

fn names(set: &PermissionSet) -> HashSet<String> {
    set.iter().map(|p| p.name().to_owned()).collect()
}

fn bench(c: &mut Criterion) {
    let user = preset::user_rights();
    let model = names(&user);

    let mut group = c.benchmark_group("permission_check");
    group.bench_function("portcullis_bitset", |b| {
        b.iter(|| black_box(&user).contains(black_box(Permission::ImapAuthenticate)))
    });
    group.bench_function("peer_hashset_string", |b| {
        b.iter(|| black_box(&model).contains(black_box("imapAuthenticate")))
    });
    // The floor: a raw bit test on the same words.
    let words = user.to_words();
    group.bench_function("floor_raw_bit_test", |b| {
        b.iter(|| {
            let id = usize::from(black_box(Permission::ImapAuthenticate).id());
            black_box(&words)[id / 64] & (1u64 << (id % 64)) != 0
        })
    });
    group.finish();

    let (roles, policy, scope) = fixture();
    let model_roles: Vec<(HashSet<String>, HashSet<String>)> = roles
        .iter()
        .map(|r| (names(&r.enabled), names(&r.disabled)))
        .collect();
    let model_account_deny: HashSet<String> = ["imapIdle".to_owned()].into_iter().collect();
    let CredentialScope::Replace(scope_set) = &scope else {
        unreachable!()
    };
    let model_scope = names(scope_set);

    let mut group = c.benchmark_group("effective_rights_5_roles_deny_scope");
    group.bench_function("portcullis_bitset", |b| {
        b.iter(|| {
            let combined = RoleRights::combine(black_box(&roles));
            let account = black_box(&policy).effective(&combined, None);
            black_box(&scope).apply(&account)
        })
    });
    group.bench_function("peer_hashset_string", |b| {
        b.iter(|| {
            let mut enabled: HashSet<String> = HashSet::new();
            let mut disabled: HashSet<String> = HashSet::new();
            for (e, d) in black_box(&model_roles) {
                enabled.extend(e.iter().cloned());
                disabled.extend(d.iter().cloned());
            }
            disabled.extend(model_account_deny.iter().cloned());
            enabled.retain(|name| !disabled.contains(name));
            enabled.retain(|name| model_scope.contains(name));
            enabled
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
