//! The command line, as clap derive types. The `///` comments are the help text; each command's long help and
//! examples live beside its code in `src/cmd/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::cmd;
use crate::render::Format;

#[derive(Debug, Parser)]
#[command(
    name = "dossier",
    version,
    about = "Turn source documents into one self-describing SQLite knowledge base, every fact tied to its words.",
    after_long_help = cmd::MAIN_AFTER_HELP,
    max_term_width = 110
)]
pub struct Cli {
    /// The dossier file to read [default: ./dossier.db if it exists, else the seed compiled into the binary]
    #[arg(long, global = true, env = "DOSSIER_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Output format [default: table; for chart: svg]
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Build(cmd::build::Args),
    Report(cmd::report::Args),
    Sql(cmd::sql::Args),
    Search(cmd::search::Args),
    Evidence(cmd::evidence::Args),
    Schema(cmd::schema::Args),
    Export(cmd::export::Args),
    Chart(cmd::chart::Args),
    Diff(cmd::diff::Args),
    Info(cmd::info::Args),
    Verify(cmd::verify::Args),
    #[command(hide = true)]
    Synth(cmd::synth::Args),
    Completions(cmd::completions::CompletionArgs),
    Man(cmd::completions::ManArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
