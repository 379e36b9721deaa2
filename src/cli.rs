//! The command line, as clap derive types. The `///` comments are the help text; each command's long help and
//! examples live beside its code in `src/cmd/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::cmd::{
    build, chart, check, completions, diff, draft, evidence, export, info, locate, report, schema,
    search, shell, sql, synth, verify,
};
use crate::render::Format;

/// The main help's closing text.
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
  dossier draft brief.txt                     a new document into ./seed, with a seed file to edit
  dossier check                               every problem of ./seed at once; writes nothing
  dossier report                              list the reports stored in the file
  dossier report timeline -p actor=Moscow     run one, with a typed parameter
  dossier sql \"SELECT name, kind FROM actors\"  ad hoc SQL, read-only
  dossier shell                               an SQL shell: completion, history, .report, .evidence
  dossier search charge d\\'affaires           full-text search, diacritics folded
  dossier evidence russia                     the words behind a fact
  dossier schema evidence                     columns, constraints and comments
  dossier verify                              every integrity check; exit 1 on failure
  dossier --format csv report actors > a.csv  any output as table, markdown, csv, tsv, json or ndjson
  dossier chart timeline > timeline.svg       a picture: timeline, designations or network
  dossier export --format html --to page/     one offline page to send to colleagues who do not write SQL";

#[derive(Debug, Parser)]
#[command(
    name = "dossier",
    version,
    about = "Turn source documents into one self-describing SQLite knowledge base, every fact tied to its words.",
    after_long_help = MAIN_AFTER_HELP,
    max_term_width = 110
)]
pub struct Cli {
    /// The dossier file to read [default: ./dossier.db if it exists, else the seed compiled into the binary]
    #[arg(long, global = true, env = "DOSSIER_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Output format [default: table; for chart: svg]
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatName>,

    /// Stop any statement after this many seconds (0 for no limit); Ctrl-C stops one at once
    #[arg(long, global = true, env = "DOSSIER_TIMEOUT", value_name = "SECONDS",
          default_value_t = crate::db::harden::DEFAULT_TIMEOUT_SECS)]
    pub timeout: u64,

    /// The most memory SQLite may use, in MiB
    #[arg(long, global = true, env = "DOSSIER_MAX_MEMORY", value_name = "MIB",
          default_value_t = crate::db::harden::DEFAULT_MAX_MEMORY_MIB,
          value_parser = clap::value_parser!(u64).range(16..))]
    pub max_memory: u64,

    #[command(subcommand)]
    pub command: Command,
}

/// Every name `--format` takes. Each command accepts its own: rows for the commands that print rows, the kinds
/// of export for `export`, pictures for `chart` (`cmd::run` converts, and refuses a name that does not fit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatName {
    /// A table fitted to the terminal width
    Table,
    /// A GitHub-flavoured markdown table
    Markdown,
    /// RFC 4180 CSV with a header row (export: one file per table)
    Csv,
    /// Tab-separated, with \t \n \r \\ escaped
    Tsv,
    /// One JSON array of objects (export: one file per table)
    Json,
    /// One JSON object per line
    Ndjson,
    /// export only: an SQL dump
    Sql,
    /// export only: a seed directory
    Seed,
    /// export only: Datasette metadata and configuration
    Datasette,
    /// export only: FollowTheMoney entities
    Ftm,
    /// export only: one offline page with the pictures, the facts and the documents
    Html,
    /// chart only (its default): an SVG drawing
    Svg,
    /// chart only: Mermaid text, drawn by GitHub and GitLab
    Mermaid,
    /// chart only: Graphviz DOT
    Dot,
}

impl FormatName {
    /// The format for printing rows, if this is one.
    pub fn rows(self) -> Option<Format> {
        Some(match self {
            FormatName::Table => Format::Table,
            FormatName::Markdown => Format::Markdown,
            FormatName::Csv => Format::Csv,
            FormatName::Tsv => Format::Tsv,
            FormatName::Json => Format::Json,
            FormatName::Ndjson => Format::Ndjson,
            _ => return None,
        })
    }

    /// The kind of export, if this is one.
    pub fn export(self) -> Option<crate::export::Kind> {
        use crate::export::Kind;
        Some(match self {
            FormatName::Csv => Kind::Csv,
            FormatName::Json => Kind::Json,
            FormatName::Sql => Kind::Sql,
            FormatName::Seed => Kind::Seed,
            FormatName::Datasette => Kind::Datasette,
            FormatName::Ftm => Kind::Ftm,
            FormatName::Html => Kind::Html,
            _ => return None,
        })
    }

    /// The kind of picture, if this is one.
    pub fn picture(self) -> Option<crate::chart::Picture> {
        use crate::chart::Picture;
        Some(match self {
            FormatName::Svg => Picture::Svg,
            FormatName::Mermaid => Picture::Mermaid,
            FormatName::Dot => Picture::Dot,
            _ => return None,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Build(build::Args),
    Check(check::Args),
    Draft(draft::Args),
    Locate(locate::Args),
    Report(report::Args),
    Sql(sql::Args),
    Search(search::Args),
    Shell(shell::Args),
    Evidence(evidence::Args),
    Schema(schema::Args),
    Export(export::Args),
    Chart(chart::Args),
    Diff(diff::Args),
    Info(info::Args),
    Verify(verify::Args),
    #[command(hide = true)]
    Synth(synth::Args),
    Completions(completions::CompletionArgs),
    Man(completions::ManArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
