//! `dossier draft`: a new document's text copied into the seed, and a first seed file written beside it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::ctx::Ctx;
use crate::seed::model::Slug;
use crate::seed::{SeedFiles, draft, pipeline};

const EXAMPLES: &str = "\
Copies FILE byte for byte to DIR/documents/SLUG.txt and writes DIR/documents/SLUG.toml beside it,
refusing to overwrite either. The seed file proposes the [document] table (a title from the first
line that reads like one, the published date from a date line, the language), a [[mentions]] entry
for every known actor whose name or alias occurs (with a prefix or suffix where the words repeat),
and, as comments for a person to decide, a [[quotes]] entry for every passage in quotation marks
(the speaker guessed from the nearest actor named) and an [[events]] entry for every date, written
as EDTF beside its sentence. What is not commented passes `check` as written, so `dossier build`
works at once.

Then: edit the comments into facts, `dossier check`, `dossier build`.

EXAMPLES:
  dossier draft ~/Downloads/kabul-brief.txt                   slug from the file name
  dossier draft brief.txt --slug kabul-embassy-reopens         a slug of your own
  dossier draft brief.txt --seed ~/work/seed";

/// Start a new document's seed file from its text
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The document's text, UTF-8
    pub file: PathBuf,
    /// The seed directory
    #[arg(long, default_value = "seed", value_name = "DIR")]
    pub seed: PathBuf,
    /// The document's slug [default: from the file name]
    #[arg(long, value_name = "SLUG")]
    pub slug: Option<String>,
}

/// A slug from a file name: lower-case letters and digits, other runs become one hyphen.
fn slug_of(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut slug = String::new();
    for c in stem.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

pub fn run(_ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let body = match std::str::from_utf8(&bytes) {
        Ok(b) => b,
        Err(e) => bail!(
            "{} is not UTF-8 (byte offset {}); convert it first, for example: iconv -f WINDOWS-1252 -t UTF-8",
            args.file.display(),
            e.valid_up_to()
        ),
    };
    if let Some(at) = body.find('\0') {
        bail!(
            "{} holds a NUL character at byte offset {at}; remove it (SQLite's text functions stop at NUL)",
            args.file.display()
        );
    }
    let slug = args.slug.clone().unwrap_or_else(|| slug_of(&args.file));
    let slug = Slug::parse(&slug).map_err(|e| anyhow::anyhow!("{e}; pass one with --slug"))?;
    let files = SeedFiles::read_dir(&args.seed)?;
    let known = pipeline::known(&files)?;
    if known.documents.iter().any(|(d, _)| d == slug.as_str()) {
        bail!("the seed already has a document with the slug \"{slug}\"; pass another with --slug");
    }
    let dir = args.seed.join("documents");
    let txt = dir.join(format!("{slug}.txt"));
    let toml = dir.join(format!("{slug}.toml"));
    for p in [&txt, &toml] {
        if p.exists() || p.symlink_metadata().is_ok() {
            bail!(
                "{} already exists; draft never overwrites: pass another --slug, or move the file away",
                p.display()
            );
        }
    }
    let (text, counts) = draft::draft(
        slug.as_str(),
        &format!("{slug}.txt"),
        &args.file.display().to_string(),
        body,
        &known.actors,
    );
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_new(&txt, &bytes)?;
    if let Err(e) = write_new(&toml, text.as_bytes()) {
        let _ = std::fs::remove_file(&txt);
        return Err(e);
    }
    crate::notice!(
        "dossier: wrote {} and {}: {} mentions of known actors; {} quoted passages and {} dates proposed as comments.\n\
         Next: edit {}, then `dossier check --seed {}` and `dossier build --seed {}`.",
        txt.display(),
        toml.display(),
        counts.mentions,
        counts.quotes,
        counts.dates,
        toml.display(),
        args.seed.display(),
        args.seed.display(),
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a file that must not exist yet.
fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {} (draft never overwrites)", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
