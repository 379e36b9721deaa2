//! `dossier locate`: every place some words occur in a document, with the selector that picks each one.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::check::terminal_safe;
use super::ctx::Ctx;
use crate::render::Format;
use crate::seed::passage;

const EXAMPLES: &str = "\
DOCUMENT is a text file, or the slug of a document in the seed (--seed, when that directory exists),
else in the dossier file (--db). Each occurrence is printed with its line:column, its code-point
offsets (0-based, end exclusive, as stored in the evidence table), a line of context and the
selector to paste into the document's seed file as evidence. Words that do not occur give the
nearest passage and exit 1.

EXAMPLES:
  dossier locate seed/documents/note.txt Ruritania
  dossier locate how-russia-ended-the-talibans-isolation July 3     a document of ./seed, by slug
  dossier --format json locate note.txt \"the council\"";

/// Find every occurrence of some words in a document, with the selector that picks each one
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// A document's text file, or the slug of a document in the dossier file
    pub document: String,
    /// The words, exactly as in the document (several arguments are joined with spaces)
    #[arg(required = true, num_args = 1..)]
    pub words: Vec<String>,
    /// The seed directory whose documents a slug names
    #[arg(long, default_value = "seed", value_name = "DIR")]
    pub seed: std::path::PathBuf,
}

/// The body of the seed's document with this slug, with its path, when the seed directory exists and has one.
fn from_seed(dir: &std::path::Path, slug: &str) -> anyhow::Result<Option<(String, String)>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let files = crate::seed::SeedFiles::read_dir(dir)?;
    let known = crate::seed::pipeline::known(&files)?;
    let Some((_, body_path)) = known.documents.iter().find(|(d, _)| d == slug) else {
        return Ok(None);
    };
    let bytes = files
        .read(body_path)
        .with_context(|| format!("the seed has no {body_path}"))?;
    let body = String::from_utf8(bytes.into_owned())
        .map_err(|_| anyhow::anyhow!("{body_path} is not UTF-8 text"))?;
    Ok(Some((body_path.clone(), body)))
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let words = args.words.join(" ");
    let path = std::path::Path::new(&args.document);
    let (name, body) = if path.is_file() {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let body = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
        (args.document.clone(), body)
    } else if let Some(found) = from_seed(&args.seed, &args.document)? {
        found
    } else {
        let conn = crate::db::open_read(&ctx.db)?;
        let body: Option<String> = conn
            .query_row(
                "SELECT body FROM documents WHERE slug = ?1",
                [&args.document],
                |r| r.get(0),
            )
            .ok();
        match body {
            Some(b) => (args.document.clone(), b),
            None => bail!(
                "no file {0:?} and no document with the slug {0:?} in {1}; pass a text file or a slug that \
                 `dossier sql \"SELECT slug FROM documents\"` lists",
                args.document,
                ctx.db.label()
            ),
        }
    };
    let found = passage::occurrences(&body, &words);
    let mut out = ctx.out();
    if matches!(ctx.format, Format::Json | Format::Ndjson) {
        let list: Vec<serde_json::Value> = found
            .iter()
            .map(|o| {
                serde_json::json!({
                    "document": name,
                    "line": o.line,
                    "column": o.column,
                    "start": o.start,
                    "end": o.end,
                    "context": passage::context(&body, o.bytes, 80),
                    "selector": o.selector,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
    } else {
        for o in &found {
            writeln!(
                out,
                "{}",
                terminal_safe(&format!(
                    "{name}:{}:{}: [{}, {}) {}\n    {}",
                    o.line,
                    o.column,
                    o.start,
                    o.end,
                    passage::context(&body, o.bytes, 80),
                    o.selector
                ))
            )?;
        }
    }
    if !found.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let shown = passage::toml_string(&words);
    match passage::nearest(&body, &words) {
        Some(n) => {
            let (line, column) = passage::line_column(&body, n.bytes.0);
            crate::notice!(
                "{}",
                terminal_safe(&format!(
                    "dossier: {shown} is not in {name}; the nearest passage is at {line}:{column}: {}\n  {}",
                    passage::context(&body, n.bytes, 100),
                    passage::toml_string(&body[n.bytes.0..n.bytes.1])
                ))
            );
        }
        None => crate::notice!(
            "{}",
            terminal_safe(&format!("dossier: {shown} is not in {name}"))
        ),
    }
    Ok(ExitCode::from(1))
}
