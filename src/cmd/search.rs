//! `dossier search`: full-text search over documents, quotes, event summaries and actor names, ranked by bm25.

use std::process::ExitCode;

use anyhow::bail;
use rusqlite::types::Value;

use super::ctx::Ctx;
use crate::db;
use crate::render::{self, Format};

const EXAMPLES: &str = "\
Searches the file's FTS5 index. Diacritics and case are folded, so `charge d'affaires` finds `chargé
d’affaires`. Plain words are matched as words, all of them required. A query that uses FTS5 syntax (\"a phrase\",
AND, OR, NOT, NEAR(a b), prefix*, column:word, parentheses) is passed to FTS5 as written. Matches are
highlighted in colour on a terminal and in [brackets] otherwise. Results are ranked by bm25, best first; the
score column is -bm25, so higher is better.

EXAMPLES:
  dossier search recognition
  dossier search charge d\\'affaires
  dossier search '\"terrorist designation\" OR delisting'
  dossier search 'recogni*' --kind quote
  dossier search Kabul --format json --limit 5";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Document,
    Quote,
    Event,
    Actor,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Document => "document",
            Kind::Quote => "quote",
            Kind::Event => "event",
            Kind::Actor => "actor",
        }
    }
}

/// Full-text search, ranked, with highlighted snippets
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The words to find (several words are all required)
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    /// Only results of this kind
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// At most this many results
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

// The snippet marks the match with render::MARK_OPEN and MARK_CLOSE (U+E000, U+E001); a table shows them as
// colour or brackets, and the other formats get brackets here.

const SEARCH: &str = "\
SELECT kind, slug, title,
       snippet(search, -1, char(57344), char(57345), '…', 16) AS snippet,
       round(-bm25(search, 0.0, 0.0, 2.0, 1.0), 3) AS score
  FROM search
 WHERE search MATCH ?1 AND (?2 IS NULL OR kind = ?2)
 ORDER BY bm25(search, 0.0, 0.0, 2.0, 1.0), kind, slug
 LIMIT ?3";

/// Plain words become quoted phrases, so that punctuation such as apostrophes and hyphens is not read as FTS5
/// syntax; a query that uses the syntax on purpose is kept as written.
pub fn fts_query(words: &str) -> String {
    let syntax = words.contains(['"', '(', ')', '*', ':', '^', '+'])
        || words
            .split_whitespace()
            .any(|w| matches!(w, "AND" | "OR" | "NOT") || w.starts_with("NEAR"));
    if syntax {
        words.to_string()
    } else {
        words
            .split_whitespace()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let conn = db::open_read(&ctx.db)?;
    let words = args.query.join(" ");
    show(
        &conn,
        &words,
        args.kind,
        args.limit,
        ctx.format,
        &mut ctx.out(),
        ctx.style,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the ranked matches of `words`, at most `limit`, of one kind or all.
pub fn show(
    conn: &rusqlite::Connection,
    words: &str,
    kind: Option<Kind>,
    limit: u32,
    format: Format,
    out: &mut dyn std::io::Write,
    style: render::Style,
) -> anyhow::Result<()> {
    if words.trim().is_empty() {
        bail!("the search query is empty");
    }
    let query = fts_query(words);
    let table = matches!(format, Format::Table | Format::Markdown);
    let mut stmt = conn.prepare(SEARCH)?;
    let rows = stmt.query_map(
        rusqlite::params![query, kind.map(Kind::as_str), limit],
        |r| {
            Ok(vec![
                r.get::<_, Value>(0)?,
                r.get::<_, Value>(1)?,
                r.get::<_, Value>(2)?,
                Value::Text(marked(r.get::<_, String>(3)?, table)),
                r.get::<_, Value>(4)?,
            ])
        },
    );
    let rows: Result<Vec<Vec<Value>>, _> = rows.and_then(|r| r.collect());
    let rows = match rows {
        Ok(rows) => rows,
        Err(e)
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseCorrupt)
                || e.to_string().contains("corrupt") =>
        {
            bail!(
                "the full-text index is damaged ({e}); run `dossier verify`, and rebuild the file from its seed"
            )
        }
        // Time and memory bounds name themselves.
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::OperationInterrupted | rusqlite::ErrorCode::OutOfMemory)
            ) =>
        {
            return Err(e.into());
        }
        // The query is the only input left that can be wrong here, so an SQL error is a query error.
        Err(e @ rusqlite::Error::SqliteFailure(..)) => bail!(
            "the query {words:?} is not valid FTS5 syntax ({e}); quote phrases with \"…\" and use AND, OR, NOT, \
             NEAR(a b) and prefix* as operators, or give plain words"
        ),
        Err(e) => return Err(e.into()),
    };
    if rows.is_empty() {
        crate::notice!("dossier: no matches for {words:?}");
    }
    render::write_all(
        format,
        &["kind", "slug", "title", "snippet", "score"],
        &rows,
        out,
        style,
    )?;
    Ok(())
}

/// The text with its highlight marks kept for a table, which shows them, or made brackets for other formats.
pub fn marked(text: String, table: bool) -> String {
    if table {
        text
    } else {
        render::show_marks(&text, false)
    }
}
