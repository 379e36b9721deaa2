//! `dossier export`: the file's content as csv, json, an SQL dump, a seed, or Datasette metadata.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::Ctx;
use crate::export;
use crate::render::Format;
use crate::{db, db::Database};

const EXAMPLES: &str = "\
Writes into DIR (created if needed) and never overwrites a file there unless --force is given.
  csv        one RFC 4180 file per table (UTF-8, header row, CRLF line ends)
  json       one file per table: an array of objects
  sql        dossier.sql, a dump that `sqlite3 new.db < dossier.sql` turns back into an equal database
  seed       a seed directory from which `dossier build` rebuilds this very file, byte for byte
  datasette  metadata.json: the stored reports as canned queries, with titles, descriptions and parameters
  html       index.html, one offline page for colleagues who do not write SQL: the timeline,
             designations over time, who acted on whom, an index of actors, and every document
             with its evidence marked. It loads nothing and runs no script; a large file's page
             is capped, and says where

EXAMPLES:
  dossier export --format seed --to seed-copy && dossier build --seed seed-copy --out copy.db
  dossier export --format csv --to csv/
  dossier export --format sql --to dump/ && sqlite3 new.db < dump/dossier.sql
  dossier export --format datasette --to meta/ && datasette dossier.db -m meta/metadata.json
  dossier export --format html --to page/ && xdg-open page/index.html";

/// Export the file as csv, json, an SQL dump, a seed, Datasette metadata or an offline page
/// (--format csv|json|sql|seed|datasette|html)
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The directory to write into
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Overwrite files that already exist in DIR
    #[arg(long)]
    pub force: bool,
}

/// Writes files into one directory, refusing to overwrite unless forced.
pub struct Writer {
    pub dir: PathBuf,
    force: bool,
    pub written: Vec<PathBuf>,
}

impl Writer {
    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(rel);
        if path.exists() && !self.force {
            bail!(
                "{} exists; pass --force to overwrite it, or export into an empty directory",
                path.display()
            );
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        self.written.push(path);
        Ok(())
    }
}

/// The formats `export` writes.
pub const FORMATS: &[Format] = &[
    Format::Csv,
    Format::Json,
    Format::Sql,
    Format::Seed,
    Format::Datasette,
    Format::Html,
];

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let conn = db::open_read(&ctx.db)?;
    fs::create_dir_all(&args.to).with_context(|| format!("cannot create {}", args.to.display()))?;
    let mut w = Writer {
        dir: args.to.clone(),
        force: args.force,
        written: Vec::new(),
    };
    match ctx.format {
        Format::Csv => export::tables::csv(&conn, &mut w)?,
        Format::Json => export::tables::json(&conn, &mut w)?,
        Format::Sql => export::dump::write(&conn, &mut w)?,
        Format::Seed => export::seed::write(&conn, &mut w)?,
        Format::Datasette => {
            let name = match &ctx.db {
                Database::File(p) => database_name(p),
                Database::Embedded => "dossier".to_string(),
            };
            export::datasette::write(&conn, &name, &mut w)?
        }
        Format::Html => export::html::write(&conn, &mut w)?,
        Format::Table
        | Format::Markdown
        | Format::Tsv
        | Format::Ndjson
        | Format::Svg
        | Format::Mermaid
        | Format::Dot => {
            unreachable!("checked before the command runs")
        }
    }
    eprintln!(
        "dossier: wrote {} file{} to {}",
        w.written.len(),
        if w.written.len() == 1 { "" } else { "s" },
        args.to.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The name Datasette gives a database file: its name without the extension.
fn database_name(path: &Path) -> String {
    path.file_stem().map_or_else(
        || "dossier".to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}
