//! The full-text index `search` as a function of the fact tables. Its rows are the view `search_rows` of
//! schema.sql, from which FTS5 reads the text (an external-content index keeps none of its own); this module
//! rebuilds the index (and the lists of `search_best`) after `sql --write` changes a table that feeds it, and tells
//! `verify` where it departs from the text.

use rusqlite::Connection;

pub use crate::schema::{SHADOW_TABLES, rowids_of};

/// Whether the text of some `search` row comes from `table`, including rows a deletion there cascades to.
fn feeds_the_index(table: &str) -> bool {
    matches!(
        table,
        "documents" | "actors" | "actor_aliases" | "events" | "quotes"
    )
}

/// Brings `search` in step with what the statements logged in `written` changed, through the same guarded
/// connection (the log tells the authorizer that this write is dossier's own), and empties the log.
pub fn follow(conn: &Connection, written: &super::Written) -> rusqlite::Result<()> {
    let changed = match written.lock() {
        Ok(mut log) => {
            let changed = log.tables.iter().any(|t| feeds_the_index(t));
            log.tables.clear();
            log.internal = true;
            changed
        }
        Err(_) => false,
    };
    let result = if changed { rebuild(conn) } else { Ok(()) };
    if let Ok(mut log) = written.lock() {
        log.internal = false;
    }
    result
}

/// Rebuilds the index from `search_rows`, and the lists of `search_best` from the index. The index keeps no copy of
/// the text, so it cannot remove a changed row's old words one by one: FTS5's `rebuild` reads every row again.
fn rebuild(conn: &Connection) -> rusqlite::Result<()> {
    // FTS5 writes its pending words at a savepoint or at commit. The savepoint makes it write them now, so that
    // the statements it prepares to do so are authorised as dossier's own (see `follow`).
    conn.execute_batch(
        "SAVEPOINT search_rebuild;
         INSERT INTO search(search) VALUES ('rebuild');
         SAVEPOINT search_flush;
         RELEASE search_flush;",
    )?;
    // The lists of the best matches of common words follow from the index, so they are computed again with it.
    super::search_best::write(conn, super::search_best::LISTS)?;
    conn.execute_batch("RELEASE search_rebuild")
}

/// Whether dossier alone writes `table`: the full-text index, its shadow tables and what is derived from it.
pub fn kept_by_dossier(table: &str) -> bool {
    table == "search"
        || SHADOW_TABLES.contains(&table)
        || crate::schema::DERIVED_TABLES.contains(&table)
}

/// A rowid of `search` as the kind and slug it stands for, for messages.
fn named(conn: &Connection, rowid: i64) -> String {
    conn.query_row(
        "SELECT kind || ' \"' || slug || '\"' FROM search_rows WHERE rowid = ?1",
        [rowid],
        |r| r.get::<_, String>(0),
    )
    .unwrap_or_else(|_| format!("row {rowid}"))
}

/// The places where the index departs from the text of `search_rows`, as messages: rows whose id is out of their
/// kind's range of rowids, rows it lacks or holds in excess, rows whose words it counts differently, and words whose
/// counts differ.
///
/// A row out of its range may share its rowid with a row of another kind; the index cannot tell the two apart, and
/// indexing the text again would not show it, so the ranges are checked first.
///
/// A read-only connection cannot run FTS5's own `integrity-check` command, which is an INSERT. So the text is
/// indexed again into a temporary table with the same tokenizer, and the two indexes are compared: the rowids, each
/// row's token count per column (`_docsize`), and each word's count per column (`fts5vocab`). Together these miss
/// only a change that keeps every count, such as two words of a row swapped.
pub fn stale(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut problems = out_of_range(conn)?;
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.search_again;
         CREATE VIRTUAL TABLE temp.search_again USING fts5(kind UNINDEXED, slug UNINDEXED, title, text,
             content = '', tokenize = 'unicode61 remove_diacritics 2');
         INSERT INTO temp.search_again (rowid, kind, slug, title, text)
             SELECT rowid, kind, slug, title, text FROM main.search_rows;
         CREATE VIRTUAL TABLE temp.search_words USING fts5vocab(main, search, col);
         CREATE VIRTUAL TABLE temp.search_again_words USING fts5vocab(temp, search_again, col);",
    )?;
    let result = compare(conn);
    conn.execute_batch(
        "DROP TABLE temp.search_words; DROP TABLE temp.search_again_words; DROP TABLE temp.search_again;",
    )?;
    problems.extend(result?);
    Ok(problems)
}

/// The rows of `search_rows` whose rowid is outside their kind's range: an id of 2^48 or more, or (but for an event)
/// below 1.
fn out_of_range(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT kind, slug, rowid FROM search_rows WHERE kind = ?1 AND rowid NOT BETWEEN ?2 AND ?3 LIMIT 21",
    )?;
    let mut problems = Vec::new();
    for kind in ["event", "actor", "document", "quote"] {
        let (low, high) = rowids_of(kind);
        let rows = stmt.query_map(rusqlite::params![kind, low, high], |r| {
            Ok(format!(
                "{} \"{}\" takes rowid {} in the index, outside the range of its kind (ids run from 1 to 2^48 - 1)",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?
            ))
        })?;
        for p in rows {
            problems.push(p?);
        }
    }
    Ok(problems)
}

fn compare(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut problems = Vec::new();
    let ids = |sql: &str| -> rusqlite::Result<Vec<i64>> {
        conn.prepare(sql)?.query_map([], |r| r.get(0))?.collect()
    };
    let lacking = ids(
        "SELECT id FROM temp.search_again_docsize EXCEPT SELECT id FROM main.search_docsize ORDER BY 1",
    )?;
    problems.extend(
        lacking
            .into_iter()
            .map(|id| format!("{} is missing from the index", named(conn, id))),
    );
    let extra = ids(
        "SELECT id FROM main.search_docsize EXCEPT SELECT id FROM temp.search_again_docsize ORDER BY 1",
    )?;
    problems.extend(
        extra
            .into_iter()
            .map(|id| format!("the index holds row {id}, which no table has")),
    );
    let changed = ids(
        "SELECT m.id FROM main.search_docsize m JOIN temp.search_again_docsize t ON t.id = m.id
          WHERE m.sz IS NOT t.sz ORDER BY 1",
    )?;
    problems.extend(changed.into_iter().map(|id| {
        format!(
            "the index's {} is stale: its word count differs from the text",
            named(conn, id)
        )
    }));
    let mut stmt = conn.prepare(
        "SELECT term, col FROM (SELECT * FROM temp.search_words EXCEPT SELECT * FROM temp.search_again_words)
         UNION
         SELECT term, col FROM (SELECT * FROM temp.search_again_words EXCEPT SELECT * FROM temp.search_words)
         ORDER BY term, col LIMIT 20",
    )?;
    let words: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    problems.extend(words.into_iter().map(|(term, col)| {
        format!("the index counts the word \"{term}\" in {col} differently from the text")
    }));
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_row_has_its_rowid_in_its_range() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::schema::SCHEMA).unwrap();
        conn.execute_batch(
            "PRAGMA ignore_check_constraints = ON;
             INSERT INTO documents (id, slug, title, body, length, sha256) VALUES (7, 'd', 'D', 'words', 5, '');
             INSERT INTO actors (id, slug, name, kind) VALUES (5, 'a', 'A', 'state');
             INSERT INTO events (id, slug, date, date_earliest, date_latest, kind, summary)
                 VALUES (3, 'e', '2020', '2020-01-01', '2020-12-31', 'other', 'S');
             INSERT INTO quotes (id, slug, speaker, document, text, kind, start, end)
                 VALUES (2, 'q', 5, 7, 'words', 'direct', 0, 5);",
        )
        .unwrap();
        let mut stmt = conn.prepare("SELECT kind, rowid FROM search_rows").unwrap();
        let rows: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 4);
        for (kind, rowid) in rows {
            let (low, high) = rowids_of(&kind);
            assert!(low <= rowid && rowid <= high, "{kind} {rowid}");
            for other in ["event", "actor", "document", "quote"]
                .iter()
                .filter(|k| **k != kind)
            {
                let (low, high) = rowids_of(other);
                assert!(
                    !(low <= rowid && rowid <= high),
                    "{kind} {rowid} in {other}"
                );
            }
        }
    }
}
