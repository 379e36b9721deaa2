//! One module per subcommand. `run` dispatches; each command writes data to stdout and notices to stderr.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::db::Database;
use crate::render::{Format, Style};

pub mod build;
pub mod info;
pub mod verify;

pub const MAIN_AFTER_HELP: &str = "\
DATABASE:
  Read commands use --db PATH, else $DOSSIER_DB, else ./dossier.db where it exists, else the seed compiled into
  this binary, built in memory (a notice on stderr says so). A path that does not exist is an error: read
  commands never create or change a file.

EXIT CODES:
  0  success
  1  an error the user should act on: a bad seed, bad SQL, a failed verification, an unreadable file
  2  wrong usage: an unknown command, flag or value

EXAMPLES:
  dossier build                      build ./dossier.db from ./seed
  dossier info                       title, schema, counts, size and sha256
  dossier verify                     run every integrity check; exit 1 on failure
  dossier --format json info         the same, as JSON";

/// What every command gets: where the data is and how to print it.
pub struct Ctx {
    pub db: Database,
    pub format: Format,
    pub style: Style,
}

impl Ctx {
    pub fn out(&self) -> std::io::StdoutLock<'static> {
        std::io::stdout().lock()
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Ctx {
        db: Database::resolve(cli.db.as_deref()),
        format: cli.format,
        style: Style::detect(),
    };
    let code = match cli.command {
        Command::Build(args) => build::run(&ctx, cli.db.as_deref(), args)?,
        Command::Info(args) => info::run(&ctx, args)?,
        Command::Verify(args) => verify::run(&ctx, args)?,
    };
    ctx.out().flush()?;
    Ok(code)
}
