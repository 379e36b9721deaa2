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
            eprintln!("dossier: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
