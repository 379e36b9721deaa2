//! dossier: source documents in, one verified SQLite knowledge base out.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use dossier::{cli, cmd};

fn main() -> ExitCode {
    // clap's `Cli::parse()`, but the description of the command line is left to the exit to free: dropping it
    // cost 2 % of a small report's instructions.
    let mut command = cli::Cli::command();
    let mut matches = command.get_matches_mut();
    let cli = cli::Cli::from_arg_matches_mut(&mut matches)
        .unwrap_or_else(|e| e.format(&mut command).exit());
    std::mem::forget(command);
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`dossier sql … | head`) is the reader saying it has enough: not an error.
            if cmd::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            if dossier::db::harden::interrupted() {
                dossier::notice!("dossier: interrupted; nothing was written");
                return ExitCode::from(130);
            }
            // notice! shows the control characters of the file's own text that the message may quote.
            dossier::notice!("dossier: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
