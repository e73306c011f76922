//! The catalogue matches Stalwart's identifiers exactly.

use portcullis_permissions::{Permission, PermissionSet};

/// `tests/data/stalwart-permissions.tsv` is a verbatim copy of the shared
/// reference data (Stalwart v0.16.19's Permission enum).
#[test]
fn every_stalwart_id_and_name_maps_exactly() {
    let text = include_str!("data/stalwart-permissions.tsv");
    let mut rows = 0;
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let (id, name) = line.split_once('\t').unwrap();
        let id: u16 = id.parse().unwrap();
        let permission = Permission::from_id(id).unwrap();
        assert_eq!(permission.name(), name, "id {id}");
        assert_eq!(Permission::from_name(name).unwrap().id(), id, "{name}");
        rows += 1;
    }
    assert_eq!(rows, 660);
    assert_eq!(Permission::COUNT, 664);
}

#[test]
fn surface_permissions_follow_stalwart_ids() {
    let added: Vec<(u16, &str)> = Permission::ALL[660..]
        .iter()
        .map(|p| (p.id(), p.name()))
        .collect();
    assert_eq!(
        added,
        vec![
            (660, "jmapAuthenticate"),
            (661, "davAuthenticate"),
            (662, "portalAuthenticate"),
            (663, "adminAuthenticate"),
        ]
    );
}

#[test]
fn serde_uses_names() {
    let set = PermissionSet::from_slice(&[Permission::ImapAuthenticate, Permission::Authenticate]);
    let json = serde_json::to_string(&set).unwrap();
    assert_eq!(json, r#"["authenticate","imapAuthenticate"]"#);
    let back: PermissionSet = serde_json::from_str(&json).unwrap();
    assert_eq!(back, set);
    let err = serde_json::from_str::<PermissionSet>(r#"["imapTeleport"]"#).unwrap_err();
    assert!(err.to_string().contains("unknown permission"), "{err}");
    assert_eq!(
        serde_json::to_string(&Permission::OAuthClientOverride).unwrap(),
        r#""oAuthClientOverride""#
    );
}
