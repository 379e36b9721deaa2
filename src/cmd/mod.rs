//! One module per subcommand. `run` dispatches; each command writes data to stdout and notices to stderr.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::db::Database;
use crate::render::{Format, Style};

pub mod build;
pub mod chart;
pub mod completions;
pub mod diff;
pub mod evidence;
pub mod export;
pub mod info;
pub mod report;
pub mod schema;
pub mod search;
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
  dossier search charge d\\'affaires           full-text search, diacritics folded
  dossier evidence russia                     the words behind a fact
  dossier schema evidence                     columns, constraints and comments
  dossier verify                              every integrity check; exit 1 on failure
  dossier --format csv report actors > a.csv  any output as table, markdown, csv, tsv, json or ndjson
  dossier chart timeline > timeline.svg       a picture: timeline, designations or network
  dossier export --format html --to page/     one offline page to send to colleagues who do not write SQL";

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
    // One --format serves every command; the export formats make sense only for export, which only writes
    // files, and the picture formats only for chart, whose default is svg.
    let exporting = matches!(cli.command, Command::Export(_));
    let charting = matches!(cli.command, Command::Chart(_));
    let format = match cli.format {
        Some(f) => f,
        None if charting => Format::Svg,
        None => Format::Table,
    };
    let fits = if exporting {
        export::FORMATS.contains(&format)
    } else if charting {
        chart::FORMATS.contains(&format)
    } else {
        !format.is_export_only() && !format.is_chart()
    };
    if !fits {
        use clap::CommandFactory;
        let msg = if exporting {
            "export needs --format csv, json, sql, seed, datasette or html"
        } else if charting {
            "chart draws --format svg (the default), mermaid or dot"
        } else if format.is_chart() {
            "--format svg, mermaid and dot are for `dossier chart`; use table, markdown, csv, tsv, json or ndjson"
        } else {
            "--format sql, seed, datasette and html are for `dossier export`; use table, markdown, csv, tsv, json or ndjson"
        };
        Cli::command()
            .error(clap::error::ErrorKind::InvalidValue, msg)
            .exit();
    }
    let ctx = Ctx {
        db: Database::resolve(cli.db.as_deref()),
        format,
        style: Style::detect(),
    };
    let code = match cli.command {
        Command::Build(args) => build::run(&ctx, cli.db.as_deref(), args)?,
        Command::Report(args) => report::run(&ctx, args)?,
        Command::Sql(args) => sql::run(&ctx, args)?,
        Command::Search(args) => search::run(&ctx, args)?,
        Command::Evidence(args) => evidence::run(&ctx, args)?,
        Command::Schema(args) => schema::run(&ctx, args)?,
        Command::Synth(args) => synth::run(&ctx, args)?,
        Command::Completions(args) => completions::completions(&ctx, args)?,
        Command::Man(args) => completions::man(&ctx, args)?,
        Command::Export(args) => export::run(&ctx, args)?,
        Command::Chart(args) => chart::run(&ctx, args)?,
        Command::Diff(args) => diff::run(&ctx, args)?,
        Command::Info(args) => info::run(&ctx, args)?,
        Command::Verify(args) => verify::run(&ctx, args)?,
    };
    ctx.out().flush()?;
    Ok(code)
}
