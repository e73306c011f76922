//! The output contract: one JSON object on stdout, and the exit codes.

use std::io::{Read, Write};
use std::process::ExitCode;

use serde_json::{Value, json};
use zeroize::Zeroizing;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// One JSON object (the stable contract).
    Json,
    /// A human-readable rendering, where the command has one.
    Text,
}

/// What a command produced.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Success / accepted / granted: printed, exit 0.
    Accepted(Value),
    /// The input was judged and refused: printed, exit 1.
    Refused(Value),
    /// Already printed by the command (text format, or the directory file
    /// `import` makes): exit 0.
    Printed,
}

/// A usage or configuration error: message on stderr, exit 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl UsageError {
    /// A usage error with this message.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        UsageError(message.into())
    }
}

/// The standard refusal shape:
/// `{"ok": false, "error": {"kind": "...", "message": "..."}}`.
pub(crate) fn refusal(kind: &str, message: impl Into<String>) -> Outcome {
    Outcome::Refused(json!({
        "ok": false,
        "error": {"kind": kind, "message": message.into()},
    }))
}

/// Reads all of stdin; the buffer is zeroized when dropped, since it may hold
/// a secret.
#[allow(
    dead_code,
    reason = "used by the subcommands that read secrets from stdin"
)]
pub(crate) fn read_stdin() -> Result<Zeroizing<Vec<u8>>, UsageError> {
    let mut buffer = Zeroizing::new(Vec::new());
    std::io::stdin()
        .read_to_end(&mut buffer)
        .map_err(|error| UsageError::new(format!("cannot read stdin: {error}")))?;
    Ok(buffer)
}

/// Reads a file named on the command line.
pub(crate) fn read_file(path: &std::path::Path) -> Result<String, UsageError> {
    std::fs::read_to_string(path)
        .map_err(|error| UsageError::new(format!("cannot read {}: {error}", path.display())))
}

/// Printing settings shared by every command.
#[derive(Debug)]
pub(crate) struct Output {
    pretty: bool,
    format: Format,
}

impl Output {
    pub(crate) fn new(pretty: bool, format: Format) -> Self {
        Output { pretty, format }
    }

    /// The requested format.
    pub(crate) fn format(&self) -> Format {
        self.format
    }

    /// Prints the outcome and turns it into the process exit code.
    pub(crate) fn finish(&self, result: Result<Outcome, UsageError>) -> ExitCode {
        match result {
            Ok(Outcome::Accepted(value)) => self.print(&value, ExitCode::SUCCESS),
            Ok(Outcome::Refused(value)) => self.print(&value, ExitCode::from(1)),
            Ok(Outcome::Printed) => ExitCode::SUCCESS,
            Err(UsageError(message)) => {
                let _ = writeln!(std::io::stderr(), "portcullis: {message}");
                ExitCode::from(2)
            }
        }
    }

    fn print(&self, value: &Value, code: ExitCode) -> ExitCode {
        let text = if self.pretty {
            serde_json::to_string_pretty(value)
        } else {
            serde_json::to_string(value)
        };
        match text {
            Ok(text) => {
                let mut stdout = std::io::stdout().lock();
                if writeln!(stdout, "{text}").is_err() {
                    return ExitCode::from(2);
                }
                code
            }
            Err(error) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "portcullis: cannot render output: {error}"
                );
                ExitCode::from(2)
            }
        }
    }
}
