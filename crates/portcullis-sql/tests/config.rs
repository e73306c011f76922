//! Configuration: defaults, parsing, redaction, refusals. No server needed.

use portcullis::Directory;
use portcullis_sql::{DEFAULT_SCHEMA, Error, SqlConfig, SqlDirectory};

#[test]
fn defaults_bind_every_value() {
    let config: SqlConfig = toml::from_str(r#"url = "postgres://u:hunter2@127.0.0.1/db""#).unwrap();
    assert_eq!(config.pool_size, 8);
    assert_eq!(config.query_timeout_ms, 3000);
    assert!(config.role_presets);
    let queries = &config.queries;
    for sql in [
        &queries.account,
        &queries.principal,
        &queries.account_name_by_id,
        &queries.credentials,
        &queries.totp,
        &queries.recovery_codes,
        &queries.tenant,
        &queries.use_totp_step,
        &queries.use_recovery_code,
    ] {
        assert!(sql.contains("$1"), "{sql}");
        assert!(!sql.contains('\''), "no literals in default queries: {sql}");
    }
    assert!(queries.use_totp_step.contains("RETURNING"));
    assert!(queries.use_recovery_code.contains("NOT used"));
    assert!(DEFAULT_SCHEMA.contains("CREATE TABLE IF NOT EXISTS recovery_codes"));
}

#[test]
fn debug_redacts_the_connection_string() {
    let config = SqlConfig::new("postgres://u:hunter2@127.0.0.1/db");
    assert!(!format!("{config:?}").contains("hunter2"));
    let directory = SqlDirectory::new(config).unwrap();
    assert!(!format!("{directory:?}").contains("hunter2"));
}

#[test]
fn unknown_fields_are_refused() {
    let error = toml::from_str::<SqlConfig>("url = \"postgres://x\"\npasword_query = \"x\"");
    assert!(error.is_err());
}

#[test]
fn bad_configurations_are_config_errors() {
    let bad = [
        SqlConfig::new("postgres://u@127.0.0.1/db").with_schema("x; DROP TABLE accounts"),
        SqlConfig::new("postgres://u@127.0.0.1/db").with_schema("Upper"),
        SqlConfig::new("postgres://u@127.0.0.1/db").with_pool_size(0),
        SqlConfig::new("not a url=\"'"),
        toml::from_str(
            "url = \"postgres://u@127.0.0.1/db\"\n[[roles]]\nname = \"r\"\nparents = [\"missing\"]",
        )
        .unwrap(),
    ];
    for config in bad {
        let shown = format!("{config:?}");
        assert!(
            matches!(SqlDirectory::new(config), Err(Error::Config(_))),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn configured_roles_join_the_presets() {
    let config: SqlConfig = toml::from_str(
        r#"
        url = "postgres://u@127.0.0.1:1/db"
        [[roles]]
        name = "imap-only"
        parents = ["user"]
        disable = ["pop3Authenticate"]
        "#,
    )
    .unwrap();
    let directory = SqlDirectory::new(config).unwrap();
    let graph = directory.roles().await.unwrap();
    assert!(graph.get("imap-only").is_some());
    assert!(graph.get("user").is_some());
    assert!(graph.resolve(&["imap-only"]).is_ok());
}
