-- The demo accounts of examples/data/directory.toml, for the PostgreSQL
-- directory (crates/portcullis-sql, default schema
-- crates/portcullis-sql/migrations/0001_init.sql). DEMO ONLY: every secret
-- is published in this repository (the table in directory.toml says which).
--
--   bash .ci/services/postgres.sh start /tmp/pg.env && . /tmp/pg.env
--   psql "$PORTCULLIS_TEST_POSTGRES_URL" -f crates/portcullis-sql/migrations/0001_init.sql
--   psql "$PORTCULLIS_TEST_POSTGRES_URL" -f examples/data/demo.sql
--   cargo run --example imap_server -- --directory "$PORTCULLIS_TEST_POSTGRES_URL"

BEGIN;
DELETE FROM recovery_codes;
DELETE FROM totp;
DELETE FROM credentials;
DELETE FROM accounts;

INSERT INTO accounts (name, id, password, roles) VALUES
  ('alice@example.org', 1,
   '$argon2id$v=19$m=19456,t=2,p=1$/9kkiDCFcXMMjhjW/8MZDQ$Y4obO/ivNVstqLeFSKlm66ilCUoBUFfgt1DgW68cqP4',
   '{user}'),
  ('admin@example.org', NULL,
   '$argon2id$v=19$m=19456,t=2,p=1$HA+Aisuub36nKwVaWRu96g$gX0LrJIqUm9BeOGNh+UZS5Zjk/2LYc2RhxE3XDzD260',
   '{admin}'),
  ('bob@example.org', NULL,
   '$argon2id$v=19$m=19456,t=2,p=1$8B4oYxeDGkHYQKprmlqKMQ$VKg+bRADAdvOI6a8rviD/6UWxCtjIudl3DhwLhzzsQA',
   '{user}');
INSERT INTO accounts (name, roles, principal) VALUES
  ('carol@example.org', '{user}', true);

INSERT INTO credentials (account, id, kind, hash, scope, description) VALUES
  ('alice@example.org', 1, 'app-password',
   '{SSHA256}dKO6ocwtMgbh/xeprip1lm4qyepXhqLz7FfZCrqPDY1FF+t71wSXo131XNKNK59M',
   '"imap-only"', 'Thunderbird on the laptop (IMAP only)'),
  ('alice@example.org', 4, 'api-key',
   '{SSHA256}wK+hYQw/bI7Arl8wLOzc0dmqfoWaQRUD+7PslBMJ2A7t7VdzIFBHRswhojTbvT8O',
   '{"replace": ["jmapMailboxGet", "jmapMailboxQuery", "jmapAuthenticate"]}',
   'backup robot (JMAP only)'),
  ('admin@example.org', 2, 'app-password',
   '{SSHA256}sTqHh3Bvkf49USVUcnNgb3jYgbeaGbcIZXkRN0DxCN55cyFPwNHg9/xNpuSPmxlG',
   NULL, 'admin''s mail client'),
  ('carol@example.org', 3, 'app-password',
   '{SSHA256}qSbM6gZjBGAA2DPF+jDAv8+dPmnM0IYRpuUyX2iJDKv1lcva5YZKDkkEwHu+xN7s',
   '"mail-only"', 'carol''s phone (mail only)');

INSERT INTO totp (account, secret) VALUES
  ('bob@example.org', 'NYQDSSC5CEJ6CK7SI4KAV3TYNUKDTM53');
COMMIT;
