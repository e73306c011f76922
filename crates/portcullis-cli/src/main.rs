//! `portcullis`: the operator's command line for the portcullis libraries.
//!
//! Every invocation prints one JSON object on stdout (pretty with `--pretty`)
//! and exits `0` on success, `1` when the input was judged and refused, `2`
//! on a usage or configuration error (with a message on stderr). The shapes
//! are a stable contract, documented in `docs/cli.md`. The one exception is
//! `import`, whose success prints the directory file it makes (TOML) and
//! whose warnings are JSON lines on stderr.

#![forbid(unsafe_code)]

mod credential;
mod hash;
mod import;
mod oidc;
mod output;
mod permissions;
mod sasl;
mod totp;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::{Format, Output};

/// Debug refused logins, mint secrets and check tokens.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version, about)]
struct Cli {
    /// Pretty-print the JSON output.
    #[arg(long, global = true)]
    pretty: bool,
    /// Output format: `json` (the stable contract) or `text` (for people).
    #[arg(long, global = true, value_enum, default_value_t = Format::Json)]
    format: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The permission catalogue and role resolution.
    #[command(subcommand)]
    Permissions(permissions::Command),
    /// Check OIDC bearer tokens offline.
    #[command(subcommand)]
    Oidc(oidc::Command),
    /// Decode SASL client responses as they travel on the wire.
    #[command(subcommand)]
    Sasl(sasl::Command),
    /// Hash a password (stdin) with argon2id or SCRAM, or check one against a stored hash.
    Hash(hash::Args),
    /// Mint app passwords (Stalwart format).
    #[command(subcommand)]
    AppPassword(credential::Command),
    /// Mint API keys (Stalwart format).
    #[command(subcommand)]
    ApiKey(credential::ApiKeyCommand),
    /// Make TOTP seeds and check codes.
    #[command(subcommand)]
    Totp(totp::Command),
    /// Judge a login request (stdin, JSON) against a directory file.
    Verify(verify::Args),
    /// Turn another server's accounts into a directory file (TOML on stdout).
    #[command(subcommand)]
    Import(import::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.pretty, cli.format);
    let result = match cli.command {
        Command::Permissions(command) => permissions::run(command, &out),
        Command::Sasl(command) => sasl::run(command),
        Command::Oidc(command) => oidc::run(command),
        Command::Hash(args) => hash::run(args),
        Command::AppPassword(command) => credential::run(command),
        Command::ApiKey(command) => credential::run_api_key(command),
        Command::Totp(command) => totp::run(command),
        Command::Verify(args) => verify::run(args),
        Command::Import(command) => import::run(command),
    };
    out.finish(result)
}
