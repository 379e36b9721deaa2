//! `dossier search`: full-text search over documents, quotes, event summaries and actor names, ranked by bm25.

use std::process::ExitCode;

use anyhow::bail;
use rusqlite::OptionalExtension;
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

/// Pass 1: every match's rowid and bm25 (lower is better), of one kind's range of rowids. Nothing here reads the
/// text, so the cost per match is FTS5's own.
const RANK: &str = "\
SELECT rowid, bm25(search, 0.0, 0.0, 2.0, 1.0)
  FROM search
 WHERE search MATCH ?1 AND rowid BETWEEN ?2 AND ?3";

/// Pass 2, for the few rows kept: what is shown, with the snippet FTS5 makes from the text.
const SHOW: &str = "\
SELECT kind, slug, title,
       snippet(search, -1, char(57344), char(57345), '…', 16) AS snippet,
       round(-?3, 3) AS score
  FROM search
 WHERE search MATCH ?1 AND rowid = ?2";

/// The best `limit` of the (score, rowid) pairs, lower scores first, keeping every pair that ties with the last
/// one kept: its place is decided by kind and slug, which are read only for the pairs kept. Memory stays within a
/// few times `limit`, whatever the number of matches.
#[derive(Debug)]
struct TopK {
    limit: usize,
    kept: Vec<(f64, i64)>,
    /// The length at which to prune next: twice what the last pruning kept, so that many ties cost no more than
    /// a constant factor.
    next_prune: usize,
}

impl TopK {
    fn new(limit: usize) -> Self {
        TopK {
            limit,
            kept: Vec::new(),
            next_prune: Self::floor(limit),
        }
    }

    fn floor(limit: usize) -> usize {
        4 * limit.max(16)
    }

    fn push(&mut self, score: f64, rowid: i64) {
        self.kept.push((score, rowid));
        if self.kept.len() >= self.next_prune {
            self.prune();
            self.next_prune = Self::floor(self.limit).max(2 * self.kept.len());
        }
    }

    /// Keeps the `limit` best and whatever ties with the worst of them.
    fn prune(&mut self) {
        if self.limit == 0 {
            self.kept.clear();
            return;
        }
        if self.kept.len() <= self.limit {
            return;
        }
        let by_score = |a: &(f64, i64), b: &(f64, i64)| a.0.total_cmp(&b.0);
        let (_, nth, _) = self.kept.select_nth_unstable_by(self.limit - 1, by_score);
        let bound = nth.0;
        self.kept.retain(|&(s, _)| s.total_cmp(&bound).is_le());
    }

    fn into_kept(mut self) -> Vec<(f64, i64)> {
        self.prune();
        self.kept
    }
}

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
    let rows = ranked(conn, &query, kind, limit, table);
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

/// The matches of `query`, best first, at most `limit`: ranked by bm25, then kind, then slug.
fn ranked(
    conn: &rusqlite::Connection,
    query: &str,
    kind: Option<Kind>,
    limit: u32,
    table: bool,
) -> rusqlite::Result<Vec<Vec<Value>>> {
    let (low, high) = match kind {
        Some(k) => db::search_index::rowids_of(k.as_str()),
        None => (i64::MIN, i64::MAX),
    };
    let mut top = TopK::new(limit as usize);
    let mut stmt = conn.prepare(RANK)?;
    let mut rows = stmt.query(rusqlite::params![query, low, high])?;
    while let Some(r) = rows.next()? {
        top.push(r.get(1)?, r.get(0)?);
    }
    // The order is bm25, then kind, then slug: kind and slug are read from the view (which finds a row by its rowid
    // through an index) for the rows kept, a few more than `limit` at most but for ties. Only the rows shown get a
    // snippet. A file whose ids stray out of their kind's range is caught by `verify`; its rows show only under
    // their own kind.
    let mut key = conn.prepare("SELECT kind, slug FROM search_rows WHERE rowid = ?1")?;
    let mut keyed: Vec<(f64, String, String, i64)> = Vec::new();
    for (score, rowid) in top.into_kept() {
        let Some((row_kind, slug)) = key
            .query_row([rowid], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?
        else {
            // The index holds a row the tables no longer do: it was changed behind dossier's back.
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(format!("the index holds row {rowid}, which no table has")),
            ));
        };
        if kind.is_none_or(|k| k.as_str() == row_kind) {
            keyed.push((score, row_kind, slug, rowid));
        }
    }
    keyed.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    keyed.truncate(limit as usize);
    let mut stmt = conn.prepare(SHOW)?;
    keyed
        .into_iter()
        .map(|(score, _, _, rowid)| {
            stmt.query_row(rusqlite::params![query, rowid, score], |r| {
                Ok(vec![
                    r.get::<_, Value>(0)?,
                    r.get::<_, Value>(1)?,
                    r.get::<_, Value>(2)?,
                    Value::Text(marked(r.get::<_, String>(3)?, table)),
                    r.get::<_, Value>(4)?,
                ])
            })
        })
        .collect()
}

/// The text with its highlight marks kept for a table, which shows them, or made brackets for other formats.
pub fn marked(text: String, table: bool) -> String {
    if table {
        text
    } else {
        render::show_marks(&text, false)
    }
}

#[cfg(test)]
mod tests {
    use super::TopK;
    use proptest::prelude::*;

    proptest! {
        /// The kept pairs are exactly those whose score is at most the limit-th best score.
        #[test]
        fn keeps_the_best_and_every_tie_with_the_last(scores in proptest::collection::vec(0u8..20, 0..400), limit in 0usize..30) {
            let mut top = TopK::new(limit);
            for (i, s) in scores.iter().enumerate() {
                top.push(f64::from(*s), i as i64);
            }
            let mut kept: Vec<i64> = top.into_kept().into_iter().map(|(_, r)| r).collect();
            kept.sort();
            let mut sorted: Vec<u8> = scores.clone();
            sorted.sort();
            let want: Vec<i64> = match (limit, sorted.get(limit.saturating_sub(1))) {
                (0, _) => Vec::new(),
                (_, None) => (0..scores.len() as i64).collect(),
                (_, Some(bound)) => scores.iter().enumerate().filter(|(_, s)| *s <= bound).map(|(i, _)| i as i64).collect(),
            };
            prop_assert_eq!(kept, want);
        }
    }
}
