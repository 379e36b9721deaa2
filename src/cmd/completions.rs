//! `dossier completions` and `dossier man`: shell completion scripts and the manual page, from the CLI definition.

use std::process::ExitCode;

use super::ctx::Ctx;

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

/// `cli` is the command line's definition, handed in by the dispatcher (this module sits below it).
pub fn completions(
    ctx: &Ctx,
    args: CompletionArgs,
    mut cmd: clap::Command,
) -> anyhow::Result<ExitCode> {
    clap_complete::generate(args.shell, &mut cmd, "dossier", &mut ctx.out());
    Ok(ExitCode::SUCCESS)
}

pub fn man(ctx: &Ctx, _args: ManArgs, cli: clap::Command) -> anyhow::Result<ExitCode> {
    clap_mangen::Man::new(cli).render(&mut ctx.out())?;
    Ok(ExitCode::SUCCESS)
}
