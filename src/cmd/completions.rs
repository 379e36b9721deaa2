//! `dossier completions` and `dossier man`: shell completion scripts and the manual page, from the CLI definition.

use std::process::ExitCode;

use clap::CommandFactory;

use super::Ctx;
use crate::cli::Cli;

const COMPLETION_EXAMPLES: &str = "\
EXAMPLES:
  dossier completions bash > ~/.local/share/bash-completion/completions/dossier
  dossier completions zsh > ~/.zfunc/_dossier
  dossier completions fish > ~/.config/fish/completions/dossier.fish";

const MAN_EXAMPLES: &str = "\
EXAMPLES:
  dossier man > dossier.1 && man ./dossier.1
  dossier man | gzip > /usr/local/share/man/man1/dossier.1.gz";

/// Print a shell completion script
#[derive(Debug, clap::Args)]
#[command(after_long_help = COMPLETION_EXAMPLES)]
pub struct CompletionArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print the manual page (roff)
#[derive(Debug, clap::Args)]
#[command(after_long_help = MAN_EXAMPLES)]
pub struct ManArgs {}

pub fn completions(ctx: &Ctx, args: CompletionArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "dossier", &mut ctx.out());
    Ok(ExitCode::SUCCESS)
}

pub fn man(ctx: &Ctx, _args: ManArgs) -> anyhow::Result<ExitCode> {
    clap_mangen::Man::new(Cli::command()).render(&mut ctx.out())?;
    Ok(ExitCode::SUCCESS)
}
