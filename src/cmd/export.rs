//! `dossier export`: the file's content as csv, json, an SQL dump, a seed, Datasette metadata and configuration, or
//! FollowTheMoney entities.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::Ctx;
use crate::export;
use crate::render::Format;
use crate::{db, db::Database};

const EXAMPLES: &str = "\
Writes into DIR (created if needed) and never overwrites a file there unless --force is given.
The files go into a temporary folder first and move into DIR only when all are complete.
  csv        one RFC 4180 file per table (UTF-8, header row, CRLF line ends)
  json       one file per table: an array of objects
  sql        dossier.sql, a dump that `sqlite3 new.db < dossier.sql` turns back into an equal database
  seed       a seed directory from which `dossier build` rebuilds this very file, byte for byte
  datasette  metadata.json: the stored reports as canned queries for Datasette 0.65, with titles,
             descriptions, parameters and the schema's comments; datasette.json: the same
             queries as the configuration Datasette 1.0 reads them from
  ftm        entities.ftm.json: FollowTheMoney entities, one per line (ftm tool, Aleph, Gephi)

EXAMPLES:
  dossier export --format seed --to seed-copy && dossier build --seed seed-copy --out copy.db
  dossier export --format csv --to csv/
  dossier export --format sql --to dump/ && sqlite3 new.db < dump/dossier.sql
  dossier export --format datasette --to meta/ && datasette dossier.db -m meta/metadata.json
  datasette dossier.db -m meta/metadata.json -c meta/datasette.json      (Datasette 1.0)
  dossier export --format ftm --to ftm/ && ftm export-gexf -i ftm/entities.ftm.json -o d.gexf";

/// Export the file as csv, json, SQL dump, seed, Datasette or FtM (--format csv|json|sql|seed|datasette|ftm)
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

/// Writes files into one directory, refusing to overwrite unless forced. Every file goes first into a temporary
/// folder: when DIR did not exist, that folder is renamed to DIR at the end; otherwise each finished file is
/// renamed into DIR. A failed export leaves no half-written file behind.
pub struct Writer {
    dir: PathBuf,
    force: bool,
    staging: tempfile::TempDir,
    /// DIR did not exist, so the staging folder becomes DIR.
    fresh: bool,
    /// The files written, relative to DIR.
    pub written: Vec<PathBuf>,
}

impl Writer {
    pub fn new(dir: &Path, force: bool) -> anyhow::Result<Writer> {
        let fresh = fs::symlink_metadata(dir).is_err();
        let home = if fresh {
            match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            }
        } else if dir.is_dir() {
            dir.to_path_buf()
        } else {
            bail!("{} exists and is not a directory", dir.display());
        };
        fs::create_dir_all(&home).with_context(|| format!("cannot create {}", home.display()))?;
        let staging = tempfile::Builder::new()
            .prefix(".dossier-export-")
            .tempdir_in(&home)
            .with_context(|| format!("cannot create a temporary folder in {}", home.display()))?;
        Ok(Writer {
            dir: dir.to_path_buf(),
            force,
            staging,
            fresh,
            written: Vec::new(),
        })
    }

    /// A new file at `rel` in the staging folder, checked against what DIR already holds.
    pub fn create(&mut self, rel: &str) -> anyhow::Result<std::io::BufWriter<fs::File>> {
        let path = self.dir.join(rel);
        if !self.fresh && path.exists() && !self.force {
            bail!(
                "{} exists; pass --force to overwrite it, or export into an empty directory",
                path.display()
            );
        }
        let staged = self.staging.path().join(rel);
        if let Some(parent) = staged.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let file = fs::File::create(&staged)
            .with_context(|| format!("cannot write {}", staged.display()))?;
        self.written.push(PathBuf::from(rel));
        Ok(std::io::BufWriter::new(file))
    }

    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let mut f = self.create(rel)?;
        f.write_all(bytes)
            .and_then(|()| f.flush())
            .with_context(|| format!("cannot write {}", self.dir.join(rel).display()))
    }

    /// Moves the finished files into DIR.
    pub fn commit(self) -> anyhow::Result<usize> {
        let n = self.written.len();
        if self.fresh {
            use std::os::unix::fs::PermissionsExt;
            let staged = self.staging.keep();
            fs::set_permissions(&staged, fs::Permissions::from_mode(0o755))
                .and_then(|()| fs::rename(&staged, &self.dir))
                .with_context(|| {
                    format!(
                        "cannot rename {} to {}",
                        staged.display(),
                        self.dir.display()
                    )
                })
                .inspect_err(|_| {
                    let _ = fs::remove_dir_all(&staged);
                })?;
            return Ok(n);
        }
        for rel in &self.written {
            let to = self.dir.join(rel);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            fs::rename(self.staging.path().join(rel), &to)
                .with_context(|| format!("cannot move the new file into {}", to.display()))?;
        }
        Ok(n)
    }
}

/// The formats `export` writes.
pub const FORMATS: &[Format] = &[
    Format::Csv,
    Format::Json,
    Format::Sql,
    Format::Seed,
    Format::Datasette,
    Format::Ftm,
];

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let conn = db::open_read(&ctx.db)?;
    let mut w = Writer::new(&args.to, args.force)?;
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
            let renamed = export::datasette::write(&conn, &name, &mut w)?;
            if !renamed.is_empty() {
                let each: Vec<String> =
                    renamed.iter().map(|(r, q)| format!("{r} as {q}")).collect();
                eprintln!(
                    "dossier: datasette.json (Datasette 1.0) names the reports {}: 1.0 serves a table or view \
                     of the same name in their place",
                    each.join(", ")
                );
            }
        }
        Format::Ftm => {
            let counts = export::ftm::write(&conn, &mut w)?;
            let each: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
            eprintln!(
                "dossier: {} FollowTheMoney entities: {}",
                counts.values().sum::<usize>(),
                each.join(", ")
            );
        }
        Format::Table | Format::Markdown | Format::Tsv | Format::Ndjson => {
            unreachable!("checked before the command runs")
        }
    }
    let n = w.commit()?;
    eprintln!(
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
