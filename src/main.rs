//! dossier: source documents in, one verified SQLite knowledge base out.

use std::process::ExitCode;

use clap::Parser;
use dossier::{cli, cmd};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
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
