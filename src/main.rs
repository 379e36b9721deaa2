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
            // The message may quote the file's own text: control characters are shown, never sent.
            let message = format!("{err:#}");
            dossier::notice!("dossier: error: {}", dossier::render::visible(&message));
            ExitCode::from(1)
        }
    }
}
