//! Invariants, checked with proptest.

use portcullis_impersonation::{
    AccountFacts, ActorCredential, Attempt, CredentialClass, CredentialId, ImpersonationPolicy,
    LoginSyntax, Separators, SyntaxError, normalize_name,
};
use portcullis_permissions::{Permission, PermissionSet, WORDS, preset};
use proptest::prelude::*;

fn rights() -> impl Strategy<Value = PermissionSet> {
    // Random words hit every permission about half the time; unioning with a
    // preset now and then gives realistic accounts too.
    (
        prop::array::uniform11(any::<u64>()),
        prop_oneof![
            Just(PermissionSet::empty()),
            Just(preset::user_rights()),
            Just(PermissionSet::all()),
        ],
        any::<bool>(),
    )
        .prop_map(|(words, base, random): ([u64; WORDS], _, _)| {
            if random {
                PermissionSet::from_words(words) | base
            } else {
                base
            }
        })
}

fn account() -> impl Strategy<Value = AccountFacts> {
    (
        prop::sample::select(vec!["a@x.org", "b@x.org", "c@y.org", "d"]),
        prop::option::of(prop::sample::select(vec!["t1", "t2"])),
        prop::sample::subsequence(vec!["g1", "g2"], 0..=2),
        rights(),
    )
        .prop_map(|(name, tenant, groups, rights)| {
            let mut facts = AccountFacts::new(name, rights);
            if let Some(tenant) = tenant {
                facts = facts.in_tenant(tenant);
            }
            for group in groups {
                facts = facts.member_of(group);
            }
            facts
        })
}

fn class() -> impl Strategy<Value = CredentialClass> {
    prop::sample::select(vec![
        CredentialClass::Password,
        CredentialClass::PasswordTotp,
        CredentialClass::OidcToken,
        CredentialClass::AppPassword,
        CredentialClass::ApiKey,
    ])
}

fn policy() -> impl Strategy<Value = ImpersonationPolicy> {
    (
        any::<[bool; 3]>(),
        prop::option::of(prop::sample::subsequence(vec!["x.org", "Y.org"], 0..=2)),
        prop::option::of(prop::sample::subsequence(vec!["g1", "g2"], 0..=2)),
        prop_oneof![Just(ImpersonationPolicy::default_ceiling()), rights()],
    )
        .prop_map(|([tenant, admin, scoped], domains, groups, ceiling)| {
            let mut policy = ImpersonationPolicy::default();
            policy.same_tenant_only = tenant;
            policy.allow_admin_targets = admin;
            policy.allow_scoped_credentials = scoped;
            policy.target_domains = domains.map(|d| d.into_iter().map(str::to_owned).collect());
            policy.target_groups = groups.map(|g| g.into_iter().map(str::to_owned).collect());
            policy.ceiling = ceiling;
            policy
        })
}

fn login() -> LoginSyntax {
    LoginSyntax::default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A granted impersonation never holds more than the target, nor more
    /// than the ceiling, nor `impersonate`.
    #[test]
    fn granted_rights_never_exceed_the_target(
        policy in policy(),
        actor in account(),
        target in account(),
        class in class(),
        scope in rights(),
    ) {
        let name = login().parse("t%a").unwrap();
        let credential = ActorCredential::new(class, CredentialId(1), scope & actor.rights);
        let attempt = Attempt::new(&name, &actor, &credential, Some(&target));
        if let Ok(resolution) = policy.evaluate(&attempt) {
            if resolution.is_impersonation() {
                prop_assert!(resolution.rights.is_subset(&target.rights));
                prop_assert!(resolution.rights.is_subset(&policy.ceiling));
                prop_assert!(!resolution.rights.contains(Permission::Impersonate));
                prop_assert!(actor.rights.contains(Permission::Impersonate));
                if !policy.allow_admin_targets {
                    prop_assert!(!target.rights.intersects(&preset::administrative()));
                }
                if !class.is_primary() {
                    prop_assert!(credential.scoped_rights.contains(Permission::Impersonate));
                }
            } else {
                prop_assert_eq!(&actor.name, &target.name);
                prop_assert_eq!(resolution.rights, credential.scoped_rights);
            }
            prop_assert_eq!(resolution.actor_credential, credential);
        }
    }

    /// Without `impersonate` in the actor's effective rights, nothing
    /// resolves to another account, whatever the policy and credential.
    #[test]
    fn without_impersonate_nothing_resolves_to_another_account(
        policy in policy(),
        mut actor in account(),
        target in prop::option::of(account()),
        class in class(),
        scope in rights(),
    ) {
        actor.rights.remove(Permission::Impersonate);
        let name = login().parse("t%a").unwrap();
        let credential = ActorCredential::new(class, CredentialId(1), scope);
        let attempt = Attempt::new(&name, &actor, &credential, target.as_ref());
        match policy.evaluate(&attempt) {
            Ok(resolution) => {
                prop_assert!(!resolution.is_impersonation());
                prop_assert_eq!(&resolution.acting_as, &actor.name);
            }
            Err(refusal) => prop_assert_eq!(refusal.kind(), "actor-lacks-impersonate"),
        }
    }

    /// The parser never panics, and whatever it returns is canonical.
    #[test]
    fn parser_never_panics(
        input in prop_oneof![
            any::<String>(),
            "[%*!a@A.\u{301}é\u{0}\r ]{0,24}",
        ],
        authzid in prop::option::of(prop_oneof![any::<String>(), "[%*aA@é\u{301}]{0,8}"]),
        separators in prop::sample::select(vec!["", "%", "*", "%*", "%*!#"]),
    ) {
        let syntax = LoginSyntax::new(Separators::from_chars(separators).unwrap());
        let results = [syntax.parse(&input), syntax.resolve(&input, authzid.as_deref())];
        for name in results.into_iter().flatten() {
            prop_assert!(!name.target().is_empty());
            prop_assert_eq!(normalize_name(name.target()), Ok(name.target().to_owned()));
            if let Some(actor) = name.actor() {
                prop_assert_ne!(actor, name.target());
                prop_assert_eq!(normalize_name(actor), Ok(actor.to_owned()));
            }
            prop_assert_eq!(name.login(), input.as_str());
        }
    }

    /// Escaping round-trips: any two canonical names, with every separator
    /// doubled, joined by one separator, parse back to themselves, except
    /// when a separator in a name touches the joining one (`a%` + `b` gives
    /// the odd run `a%%%b`), which is refused as ambiguous.
    #[test]
    fn escaped_names_round_trip(
        target in "[a-z%]{1,6}(@[a-z]{1,4}\\.org)?",
        actor in "[a-z%]{1,6}(@[a-z]{1,4}\\.org)?",
    ) {
        let login = format!("{}%{}", target.replace('%', "%%"), actor.replace('%', "%%"));
        let parsed = LoginSyntax::default().parse(&login);
        if target.ends_with('%') || actor.starts_with('%') {
            prop_assert_eq!(parsed, Err(SyntaxError::AmbiguousSeparators));
            return Ok(());
        }
        let name = parsed.unwrap();
        prop_assert_eq!(name.target(), target.as_str());
        if target == actor {
            prop_assert_eq!(name.actor(), None);
        } else {
            prop_assert_eq!(name.actor(), Some(actor.as_str()));
        }
    }
}
