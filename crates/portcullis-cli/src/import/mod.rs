//! `portcullis import stalwart PRINCIPALS.json > directory.toml`: another
//! server's accounts turned into a directory file.
//!
//! Unlike the other commands, success prints the directory file (TOML) on
//! stdout, since writing it is the point. Whatever is not carried over is
//! reported on stderr, one JSON object per line (see [`warning`]); with
//! `--strict` any such warning makes it a refusal (exit 1, the standard
//! refusal object on stdout and no file). The file is loaded back with
//! the facade's own loader before it is printed, so what is printed loads.

mod directory;
mod stalwart;
mod warning;

use std::io::Write;
use std::path::{Path, PathBuf};

use portcullis::FileDirectory;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::output::{Outcome, UsageError, read_file, read_stdin, refusal};

/// `import` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Convert Stalwart's principals (the JSON its management API returns)
    /// into a directory file, printed on stdout.
    Stalwart(StalwartArgs),
}

/// `import stalwart` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct StalwartArgs {
    /// The export: a JSON list of principals or a page
    /// `{"data": {"items": [...]}}` (`-` reads stdin).
    principals: PathBuf,
    /// Refuse (exit 1, no file) when anything would not be carried over.
    #[arg(long)]
    strict: bool,
    /// Drop this Stalwart field without a warning (repeatable, or
    /// comma-separated), e.g. `emails,quota,description`.
    #[arg(long = "ignore-field", value_name = "FIELD", value_delimiter = ',')]
    ignore_fields: Vec<String>,
    /// Skip principals of this type without a warning (repeatable, or
    /// comma-separated), e.g. `domain,list`.
    #[arg(long = "ignore-type", value_name = "TYPE", value_delimiter = ',')]
    ignore_types: Vec<String>,
}

pub(crate) fn run(command: Command) -> Result<Outcome, UsageError> {
    match command {
        Command::Stalwart(args) => import_stalwart(args),
    }
}

fn import_stalwart(args: StalwartArgs) -> Result<Outcome, UsageError> {
    // The export holds password hashes and TOTP seeds.
    let text = if args.principals == Path::new("-") {
        let bytes = read_stdin()?;
        Zeroizing::new(
            String::from_utf8(bytes.to_vec()).map_err(|_| UsageError::new("stdin is not UTF-8"))?,
        )
    } else {
        Zeroizing::new(read_file(&args.principals)?)
    };
    // A syntax error's message gives a position, never the text.
    let export: Value = match serde_json::from_str(&text) {
        Ok(export) => export,
        Err(error) => {
            return Ok(refusal(
                "malformed-export",
                format!("the export is not JSON: {error}"),
            ));
        }
    };
    let Some(principals) = stalwart::principals(&export) else {
        return Ok(refusal(
            "malformed-export",
            "expected a JSON list of principals or a page {\"data\": {\"items\": [...]}}",
        ));
    };
    let options = stalwart::Options {
        ignore_fields: args.ignore_fields.into_iter().collect(),
        ignore_types: args.ignore_types.into_iter().collect(),
    };
    let imported = stalwart::import(principals, &options);
    {
        let mut stderr = std::io::stderr().lock();
        for warning in &imported.warnings {
            // Nothing more useful to do if stderr is gone.
            let _ = writeln!(stderr, "{}", warning.to_json());
        }
    }
    if args.strict && !imported.warnings.is_empty() {
        return Ok(refusal(
            "not-carried-over",
            format!(
                "{} warning(s) on stderr: something would not be carried over (or would not work); no file was written",
                imported.warnings.len()
            ),
        ));
    }
    let file = Zeroizing::new(
        directory::render(&imported.file)
            .map_err(|error| UsageError::new(format!("cannot render the directory: {error}")))?,
    );
    if let Err(error) = FileDirectory::from_toml(&file, ".") {
        return Ok(refusal(
            "unloadable-output",
            format!("the directory file would not load: {error}"),
        ));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(file.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| UsageError::new(format!("cannot write stdout: {error}")))?;
    Ok(Outcome::Printed)
}
