//! `dossier export`: the file's content as csv, json, an SQL dump, a seed, Datasette metadata and configuration, or
//! FollowTheMoney entities.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::ctx::Ctx;
use crate::export;

use crate::{db, db::Database};

const EXAMPLES: &str = "\
Writes into DIR (created if needed) and never overwrites a file there unless --force is given. The files are
written into a staging folder first and moved into DIR at the end, so a failed export leaves nothing behind.
  csv        one RFC 4180 file per table (UTF-8, header row, CRLF line ends)
  json       one file per table: an array of objects
  sql        dossier.sql, a dump that `sqlite3 new.db < dossier.sql` turns back into an equal database
  seed       a seed directory from which `dossier build` rebuilds this very file, byte for byte
  datasette  metadata.json: the stored reports as canned queries for Datasette 0.65, with titles,
             descriptions, parameters and the schema's comments; datasette.json: the same
             queries as the configuration Datasette 1.0 reads them from
  html       index.html, one offline page for colleagues who do not write SQL: the timeline,
             designations over time, who acted on whom, an index of actors, and every document
             with its evidence marked. It loads nothing and runs no script; a large file's page
             is capped, and says where
  ftm        entities.ftm.json: FollowTheMoney entities, one per line (ftm tool, Aleph, Gephi)

A csv cell is the exact text of the file. A cell that starts with =, +, -, @, a tab or a carriage return is run
as a formula when a spreadsheet opens the file; --spreadsheet-safe prefixes such cells with ' (the file's text then
differs from the database's, so this is opt-in).

EXAMPLES:
  dossier export --format csv --to csv/ --spreadsheet-safe     for Excel or LibreOffice
  dossier export --format seed --to seed-copy && dossier build --seed seed-copy --out copy.db
  dossier export --format csv --to csv/
  dossier export --format sql --to dump/ && sqlite3 new.db < dump/dossier.sql
  dossier export --format datasette --to meta/ && datasette dossier.db -m meta/metadata.json
  datasette dossier.db -m meta/metadata.json -c meta/datasette.json      (Datasette 1.0)
  dossier export --format ftm --to ftm/ && ftm export-gexf -i ftm/entities.ftm.json -o d.gexf
  dossier export --format html --to page/ && xdg-open page/index.html";

/// Export the file as csv, json, SQL dump, seed, Datasette, FtM or an offline page
/// (--format csv|json|sql|seed|datasette|ftm|html)
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The directory to write into
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Overwrite files that already exist in DIR
    #[arg(long)]
    pub force: bool,
    /// csv only: prefix ' to text cells that start with = + - @, a tab or CR, so a spreadsheet shows them as text
    #[arg(long)]
    pub spreadsheet_safe: bool,
}

use crate::export::{Kind, Writer};

pub fn run(ctx: &Ctx, kind: Kind, args: Args) -> anyhow::Result<ExitCode> {
    let conn = db::open_read(&ctx.db)?;
    let mut w = Writer::new(&args.to, args.force)?;
    match kind {
        Kind::Csv => export::tables::csv(&conn, &mut w, args.spreadsheet_safe)?,
        Kind::Json => export::tables::json(&conn, &mut w)?,
        Kind::Sql => export::dump::write(&conn, &mut w)?,
        Kind::Seed => export::seed::write(&conn, &mut w)?,
        Kind::Datasette => {
            let name = match &ctx.db {
                Database::File(p) => database_name(p),
                Database::Embedded => "dossier".to_string(),
            };
            let renamed = export::datasette::write(&conn, &name, &mut w)?;
            if !renamed.is_empty() {
                let each: Vec<String> =
                    renamed.iter().map(|(r, q)| format!("{r} as {q}")).collect();
                crate::notice!(
                    "dossier: datasette.json (Datasette 1.0) names the reports {}: 1.0 serves a table or view \
                     of the same name in their place",
                    each.join(", ")
                );
            }
        }
        Kind::Ftm => {
            let counts = export::ftm::write(&conn, &mut w)?;
            let each: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
            crate::notice!(
                "dossier: {} FollowTheMoney entities: {}",
                counts.values().sum::<usize>(),
                each.join(", ")
            );
        }
        Kind::Html => export::html::write(&conn, &mut w)?,
    }
    let n = w.commit()?;
    crate::notice!(
        "dossier: wrote {} file{} to {}",
        n,
        if n == 1 { "" } else { "s" },
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
