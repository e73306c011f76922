-- portcullis-sql default schema, version 1.
--
-- The tables the default queries of `SqlConfig` read. Names are unqualified:
-- they land in the first schema of the connection's search_path (set
-- `schema` in the configuration to choose one). Every statement is
-- idempotent, so applying the file twice is harmless.
--
-- Names are canonical login names (NFC, lower-case domain), exactly as the
-- authenticator passes them: store them that way.

CREATE TABLE IF NOT EXISTS tenants (
    name        text PRIMARY KEY,
    -- A disabled tenant's accounts sign in nowhere.
    disabled    boolean NOT NULL DEFAULT false,
    -- The tenant clamp, as in the file directory's [[tenants]]:
    -- {"allowed": ["imapAuthenticate", ...], "disable": ["..."]}; NULL = no clamp.
    policy      jsonb
);

CREATE TABLE IF NOT EXISTS accounts (
    name        text PRIMARY KEY,
    -- The account's number, as encoded in its API keys (Stalwart's account id).
    id          bigint UNIQUE CHECK (id BETWEEN 0 AND 4294967295),
    -- PHC string or {SCHEME} hash; NULL for IdP principals.
    password    text,
    roles       text[] NOT NULL DEFAULT '{user}',
    tenant      text REFERENCES tenants (name),
    groups      text[] NOT NULL DEFAULT '{}',
    disabled    boolean NOT NULL DEFAULT false,
    -- true: the identity lives at an identity provider and only its local
    -- app passwords and API keys are stored here (Directory::principal).
    principal   boolean NOT NULL DEFAULT false,
    -- portcullis_permissions::AccountPolicy as JSON: "inherit" (NULL),
    -- {"merge": {"enabled": [...], "disabled": [...]}} or {"replace": {...}}.
    policy      jsonb,
    -- Bump on every change (password, roles, credentials): caches key on it.
    revision    bigint NOT NULL DEFAULT 0 CHECK (revision >= 0)
);

CREATE TABLE IF NOT EXISTS credentials (
    account      text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    -- The id encoded in the app password / API key.
    id           bigint NOT NULL CHECK (id BETWEEN 0 AND 4294967295),
    kind         text NOT NULL CHECK (kind IN ('app-password', 'api-key')),
    -- Hash of the secret's random part (as portcullis-credentials mints them),
    -- or of the whole secret string when whole_secret is true.
    hash         text NOT NULL,
    whole_secret boolean NOT NULL DEFAULT false,
    -- portcullis_permissions::CredentialScope as JSON: "inherit" (NULL),
    -- {"replace": ["imapAuthenticate"]} or {"disable": [...]}.
    scope        jsonb,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    -- CIDR strings; empty = anywhere.
    allowed_ips  text[] NOT NULL DEFAULT '{}',
    revision     bigint NOT NULL DEFAULT 0 CHECK (revision >= 0),
    PRIMARY KEY (account, kind, id)
);

CREATE TABLE IF NOT EXISTS totp (
    account     text PRIMARY KEY REFERENCES accounts (name) ON DELETE CASCADE,
    -- Base32 (RFC 4648), at least 128 bits.
    secret      text NOT NULL,
    digits      integer NOT NULL DEFAULT 6 CHECK (digits BETWEEN 6 AND 8),
    period      integer NOT NULL DEFAULT 30 CHECK (period > 0),
    skew        integer NOT NULL DEFAULT 1 CHECK (skew BETWEEN 0 AND 10),
    algorithm   text NOT NULL DEFAULT 'SHA1' CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
    -- The last time step accepted (replay protection, RFC 6238 §5.2).
    last_step   bigint
);

CREATE TABLE IF NOT EXISTS recovery_codes (
    account     text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    -- 0, 1, 2, ... without gaps: the position the authenticator refers to.
    idx         integer NOT NULL CHECK (idx >= 0),
    hash        text NOT NULL,
    used        boolean NOT NULL DEFAULT false,
    used_at     timestamptz,
    PRIMARY KEY (account, idx)
);
