//! `dossier search`: full-text search over documents, quotes, event summaries and actor names, ranked by bm25.

use std::process::ExitCode;

use anyhow::bail;
use rusqlite::OptionalExtension;
use rusqlite::types::Value;

use super::ctx::Ctx;
use crate::db::{self, search_best, search_best::TopK};
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

/// Pass 2, for the few rows kept (pass 1 is [`search_best::RANK`]): what is shown, with the snippet FTS5 makes from
/// the text.
const SHOW: &str = "\
SELECT kind, slug, title,
       snippet(search, -1, char(57344), char(57345), '…', 16) AS snippet,
       round(-?3, 3) AS score
  FROM search
 WHERE search MATCH ?1 AND rowid = ?2";

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
    db::close_at_exit(conn);
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
    let term = single_term(words, &query);
    let lists = (term.as_deref(), search_best::LISTS.length);
    let rows = ranked(conn, &query, lists, kind, limit, table);
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

/// The one term of the index that `words` stands for, when the query is one plain word that the tokenizer keeps
/// whole and only folds to lower case: ASCII letters and digits. Such a query matches exactly the rows that hold
/// that term, so its lists in `search_best` answer it. Any other query (two words, FTS5 syntax, an apostrophe or a
/// letter with a diacritic, which the tokenizer splits or folds) is ranked by a scan.
fn single_term(words: &str, query: &str) -> Option<String> {
    let word = words.trim();
    let plain = !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric())
        && query == format!("\"{word}\"");
    plain.then(|| word.to_ascii_lowercase())
}

/// The matches of `query`, best first, at most `limit`: ranked by bm25, then kind, then slug. `term` is the one
/// term the query stands for, if it is one (see [`single_term`]): when that term has lists in `search_best` and
/// `limit` is within their length `listed`, the candidates are read from them; otherwise every match is ranked.
/// Either way the same rows come out, in the same order.
fn ranked(
    conn: &rusqlite::Connection,
    query: &str,
    (term, listed): (Option<&str>, usize),
    kind: Option<Kind>,
    limit: u32,
    table: bool,
) -> rusqlite::Result<Vec<Vec<Value>>> {
    let limit = limit as usize;
    let kind = kind.map(Kind::as_str);
    let from_lists = match term {
        Some(t) if limit <= listed => search_best::listed(conn, t, kind, limit)?,
        _ => None,
    };
    let pairs = match from_lists {
        Some(pairs) => pairs,
        None => scan(conn, query, kind, limit)?,
    };
    // Kind and slug are read from the view (which finds a row by its rowid through an index) for the rows kept, a
    // few more than `limit` at most but for ties. Only the rows shown get a snippet. A file whose ids stray out of
    // their kind's range is caught by `verify`; its rows show only under their own kind.
    let keyed = search_best::in_order(conn, pairs, kind, limit)?;
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
            .optional()?
            // Only a list of `search_best` can name a row that does not match.
            .ok_or_else(|| {
                search_best::damaged(format!(
                    "search_best names row {rowid} for {query}, which it does not match"
                ))
            })
        })
        .collect()
}

/// Pass 1 of a scan: every match's rowid and bm25, of one kind's range of rowids or all, the best `limit` kept
/// (with their ties).
fn scan(
    conn: &rusqlite::Connection,
    query: &str,
    kind: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<(f64, i64)>> {
    let (low, high) = match kind {
        Some(k) => db::search_index::rowids_of(k),
        None => (i64::MIN, i64::MAX),
    };
    let mut top = TopK::new(limit);
    let mut stmt = conn.prepare(search_best::RANK)?;
    let mut rows = stmt.query(rusqlite::params![query, low, high])?;
    while let Some(r) = rows.next()? {
        top.push(r.get(1)?, r.get(0)?);
    }
    Ok(top.into_kept().pairs)
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
    use super::*;
    use proptest::prelude::*;
    use rusqlite::Connection;

    const WORDS: &[&str] = &["a", "b", "c", "d"];

    fn file(rows: &[(u8, Vec<u8>, Vec<u8>)]) -> Connection {
        crate::db::fixture::file(WORDS, rows)
    }

    fn row() -> impl Strategy<Value = (u8, Vec<u8>, Vec<u8>)> {
        (
            0u8..4,
            proptest::collection::vec(0u8..4, 0..3),
            proptest::collection::vec(0u8..4, 1..4),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// For every query, kind and limit, the lists give exactly what ranking every match gives: the same rows,
        /// order, scores and snippets, ties at the boundary included.
        #[test]
        fn the_lists_answer_as_the_scan_does(more in proptest::collection::vec(row(), 0..60)) {
            // "a" is in three rows at least, two of them the same document text: ties within a kind and across.
            let mut rows = vec![(2, vec![], vec![0]), (2, vec![], vec![0]), (0, vec![], vec![0]), (3, vec![], vec![0])];
            rows.extend(more);
            let conn = file(&rows);
            let lists = search_best::Lists { min_rows: 3, length: 4 };
            search_best::write(&conn, lists).unwrap();
            let mut listed = 0;
            for words in ["a", "B", "c", "d", "zz", "a b", "\"a\"", "a*"] {
                let query = fts_query(words);
                let term = single_term(words, &query);
                for kind in [None, Some(Kind::Event), Some(Kind::Actor), Some(Kind::Document), Some(Kind::Quote)] {
                    for limit in [0, 1, 2, 3, 4, 5, 9] {
                        let fast = ranked(&conn, &query, (term.as_deref(), lists.length), kind, limit, true).unwrap();
                        let slow = ranked(&conn, &query, (None, lists.length), kind, limit, true).unwrap();
                        prop_assert_eq!(&fast, &slow, "{} {:?} {}", words, kind, limit);
                        let used = term.as_deref().is_some_and(|t| {
                            limit as usize <= lists.length
                                && search_best::listed(&conn, t, kind.map(Kind::as_str), limit as usize).unwrap().is_some()
                        });
                        listed += usize::from(used);
                    }
                }
            }
            // The queries of a word with lists read them for each kind and each limit up to the lists' length.
            let with_lists: i64 = conn
                .query_row(
                    "SELECT count(DISTINCT term) FROM search_best WHERE term IN ('a', 'b', 'c', 'd', 'zz')",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            prop_assert!(with_lists >= 1);
            prop_assert_eq!(listed as i64, with_lists * 5 * 5);
        }
    }

    #[test]
    fn only_one_plain_word_of_letters_and_digits_names_one_term() {
        for (words, term) in [
            ("Kabul", Some("kabul")),
            (" 2025 ", Some("2025")),
            ("a b", None),
            ("d'affaires", None),
            ("chargé", None),
            ("\"kabul\"", None),
            ("kabul*", None),
            ("AND", None),
            ("NEARby", None),
            ("e-mail", None),
        ] {
            assert_eq!(
                single_term(words, &fts_query(words)).as_deref(),
                term,
                "{words}"
            );
        }
    }
}
