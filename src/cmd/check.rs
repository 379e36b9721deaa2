//! `dossier check`: every check `build` makes, reported at once, nothing written.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::ctx::Ctx;
use crate::render::Format;
use crate::seed::{SeedFiles, pipeline, sort_problems};

const EXAMPLES: &str = "\
Runs every check of `build` (files, values, slugs, references, evidence, report headers and SQL) and
reports every problem in every file in one run, grouped by file and sorted by line, as compilers do.
A value that does not parse is one problem on its record and the rest is still checked; a TOML or
JSON syntax error stops only its own file. Nothing is written. Exit 0 when the seed is clean, 1 when
it has problems.

With --format json, stdout is one JSON array: for each problem its file, line, column, end_line,
end_column, severity, code, record, field, message, hint, notes and, where one is known, a
replacement.

EXAMPLES:
  dossier check                                 check ./seed
  dossier check --seed ~/work/seed              another seed
  dossier check --format json | jq '.[].code'   for editors and CI";

/// Check a seed directory and report every problem at once, writing nothing
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The seed directory
    #[arg(long, default_value = "seed", value_name = "DIR")]
    pub seed: PathBuf,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let mut phase = super::build::Phases::new();
    let files = SeedFiles::read_dir(&args.seed)?;
    phase.done("list seed files");
    let mut conn = rusqlite::Connection::open_in_memory()?;
    let (summary, mut problems) = pipeline::check(&mut conn, &files, &mut |_| {})?;
    phase.done("parse, validate and locate evidence");
    problems.extend(super::build::report_sql_problems(&conn, &summary)?);
    sort_problems(&mut problems);
    phase.done("prepare report SQL");
    let mut out = ctx.out();
    match ctx.format {
        Format::Json | Format::Ndjson => {
            let list: Vec<serde_json::Value> = problems.iter().map(|p| p.to_json()).collect();
            if ctx.format == Format::Json {
                serde_json::to_writer_pretty(&mut out, &list)?;
                writeln!(out)?;
            } else {
                for p in list {
                    writeln!(out, "{p}")?;
                }
            }
        }
        _ => {
            let mut last_file: Option<&str> = None;
            for p in &problems {
                if last_file.is_some_and(|f| f != p.file) {
                    writeln!(out)?;
                }
                last_file = Some(&p.file);
                writeln!(out, "{}", terminal_safe(&p.to_string()))?;
            }
        }
    }
    let n = problems.len();
    if n == 0 {
        crate::notice!(
            "dossier: {} is clean: {} documents, {} actors, {} events, {} designations, {} quotes, {} evidence, {} reports",
            args.seed.display(),
            summary.documents,
            summary.actors,
            summary.events,
            summary.designations,
            summary.quotes,
            summary.evidence,
            summary.reports.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        crate::notice!(
            "dossier: {} has {n} problem{}",
            args.seed.display(),
            if n == 1 { "" } else { "s" }
        );
        Ok(ExitCode::from(1))
    }
}

/// Control characters from seed files (an escape sequence in a value, say) are shown, not obeyed; line breaks of
/// the report itself stay.
pub fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' => "\n".to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}
