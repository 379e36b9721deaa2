//! `dossier synth` (hidden): write a deterministic synthetic seed for tests and benchmarks.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

use super::ctx::Ctx;
use crate::synth;

const EXAMPLES: &str = "\
EXAMPLES:
  dossier synth --documents 10000 --seed 1 --out /tmp/corpus && dossier build --seed /tmp/corpus --out big.db";

/// Write a synthetic seed of N documents (for tests and benchmarks)
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// How many documents
    #[arg(long, default_value_t = 100)]
    pub documents: usize,
    /// The generator's seed: the same seed gives the same corpus
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The directory to write (must not exist or be empty)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(_ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    if args.out.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        bail!(
            "{} is not empty; synth writes a whole seed and overwrites nothing",
            args.out.display()
        );
    }
    let stats = synth::generate_to(args.documents, args.seed, &args.out)?;
    crate::notice!(
        "dossier: wrote {} documents, {} actors, {} events, {} participants, {} designations, {} quotes, {} evidence \
         ({} facts, {} bytes) to {}",
        stats.documents,
        stats.actors,
        stats.events,
        stats.participants,
        stats.designations,
        stats.quotes,
        stats.evidence,
        stats.facts(),
        stats.bytes,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
