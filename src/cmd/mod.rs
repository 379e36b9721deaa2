//! One module per subcommand. `run` dispatches; each command writes data to stdout and notices to stderr.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::db::Database;
use crate::render::{Format, Style};

pub mod build;
pub mod completions;
pub mod diff;
pub mod evidence;
pub mod export;
pub mod info;
pub mod report;
pub mod schema;
pub mod search;
pub mod shell;
pub mod sql;
pub mod synth;
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
  dossier build                               build ./dossier.db from ./seed
  dossier report                              list the reports stored in the file
  dossier report timeline -p actor=Moscow     run one, with a typed parameter
  dossier sql \"SELECT name, kind FROM actors\"  ad hoc SQL, read-only
  dossier shell                               an SQL shell: completion, history, .report, .evidence
  dossier search charge d\\'affaires           full-text search, diacritics folded
  dossier evidence russia                     the words behind a fact
  dossier schema evidence                     columns, constraints and comments
  dossier verify                              every integrity check; exit 1 on failure
  dossier --format csv report actors > a.csv  any output as table, markdown, csv, tsv, json or ndjson";

/// What every command gets: where the data is and how to print it.
pub struct Ctx {
    pub db: Database,
    pub format: Format,
    pub style: Style,
    /// Rust's stdout is line-buffered, one write(2) per row; data goes through this one buffer instead, flushed
    /// when the command ends (and by the shell before each prompt).
    out: std::cell::RefCell<std::io::BufWriter<std::io::Stdout>>,
}

/// The data output of a command: the one buffered stdout.
pub struct Out<'a>(std::cell::RefMut<'a, std::io::BufWriter<std::io::Stdout>>);

impl Write for Out<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Ctx {
    pub fn out(&self) -> Out<'_> {
        Out(self.out.borrow_mut())
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // One --format serves every command; the export-only formats make sense only for export, and export only
    // writes files.
    let exporting = matches!(cli.command, Command::Export(_));
    let fits = if exporting {
        export::FORMATS.contains(&cli.format)
    } else {
        !cli.format.is_export_only()
    };
    if !fits {
        use clap::CommandFactory;
        let msg = if exporting {
            "export needs --format csv, json, sql, seed or datasette"
        } else {
            "--format sql, seed and datasette are for `dossier export`; use table, markdown, csv, tsv, json or ndjson"
        };
        Cli::command()
            .error(clap::error::ErrorKind::InvalidValue, msg)
            .exit();
    }
    let ctx = Ctx {
        db: Database::resolve(cli.db.as_deref()),
        format: cli.format,
        style: Style::detect(),
        out: std::cell::RefCell::new(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout(),
        )),
    };
    let code = match cli.command {
        Command::Build(args) => build::run(&ctx, cli.db.as_deref(), args)?,
        Command::Report(args) => report::run(&ctx, args)?,
        Command::Sql(args) => sql::run(&ctx, args)?,
        Command::Search(args) => search::run(&ctx, args)?,
        Command::Shell(args) => shell::run(&ctx, args)?,
        Command::Evidence(args) => evidence::run(&ctx, args)?,
        Command::Schema(args) => schema::run(&ctx, args)?,
        Command::Synth(args) => synth::run(&ctx, args)?,
        Command::Completions(args) => completions::completions(&ctx, args)?,
        Command::Man(args) => completions::man(&ctx, args)?,
        Command::Export(args) => export::run(&ctx, args)?,
        Command::Diff(args) => diff::run(&ctx, args)?,
        Command::Info(args) => info::run(&ctx, args)?,
        Command::Verify(args) => verify::run(&ctx, args)?,
    };
    ctx.out().flush()?;
    Ok(code)
}

/// Whether an error comes from writing to a pipe whose reader is gone (`dossier sql … | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
