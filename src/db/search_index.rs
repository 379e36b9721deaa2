//! The full-text index `search` as a function of the fact tables: the rows it must hold, written once in SQL, so
//! that `sql --write` can bring it back in step after a change and `verify` can tell when it is not.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use rusqlite::Connection;

pub use crate::schema::SHADOW_TABLES;

/// Every row `search` must hold, as (kind, slug, title, text): the build inserts exactly these.
const ROWS: &str = "\
SELECT 'document' AS kind, slug, title, body AS text FROM documents
UNION ALL
SELECT 'actor', a.slug, a.name,
       CASE WHEN w.words IS NULL THEN coalesce(a.description, '')
            WHEN a.description IS NULL THEN w.words
            ELSE w.words || ' — ' || a.description END
  FROM actors a
  LEFT JOIN (SELECT actor, group_concat(alias, '; ') AS words
               FROM (SELECT actor, alias FROM actor_aliases ORDER BY actor, id) GROUP BY actor) w
         ON w.actor = a.id
UNION ALL
SELECT 'event', slug, date, summary FROM events
UNION ALL
SELECT 'quote', q.slug, s.name, q.text FROM quotes q JOIN actors s ON s.id = q.speaker";

/// The kinds of `search` row whose text comes from `table`, including rows a deletion there cascades to.
pub fn kinds_fed_by(table: &str) -> &'static [&'static str] {
    match table {
        "documents" => &["document", "quote"],
        "actors" => &["actor", "quote"],
        "actor_aliases" => &["actor"],
        "events" => &["event"],
        "quotes" => &["quote"],
        _ => &[],
    }
}

/// Brings `search` in step with what the statements logged in `written` changed, through the same guarded
/// connection (the log tells the authorizer that this write is dossier's own), and empties the log.
pub fn follow(conn: &Connection, written: &super::Written) -> rusqlite::Result<()> {
    let kinds: BTreeSet<&str> = match written.lock() {
        Ok(mut log) => {
            let kinds = log
                .tables
                .iter()
                .flat_map(|t| kinds_fed_by(t))
                .copied()
                .collect();
            log.tables.clear();
            log.internal = true;
            kinds
        }
        Err(_) => BTreeSet::new(),
    };
    let result = resync(conn, &kinds);
    if let Ok(mut log) = written.lock() {
        log.internal = false;
    }
    result
}

/// Rewrites the rows of the given kinds from the fact tables.
pub fn resync(conn: &Connection, kinds: &BTreeSet<&str>) -> rusqlite::Result<()> {
    for kind in kinds {
        conn.execute("DELETE FROM search WHERE kind = ?1", [kind])?;
        conn.execute(
            &format!(
                "INSERT INTO search (kind, slug, title, text) SELECT * FROM ({ROWS}) WHERE kind = ?1"
            ),
            [kind],
        )?;
    }
    Ok(())
}

fn digest(title: &Option<String>, text: &Option<String>) -> u64 {
    let mut h = DefaultHasher::new();
    (title, text).hash(&mut h);
    h.finish()
}

/// The rows where `search` departs from the fact tables: missing, extra or stale, as messages.
pub fn stale(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    type Key = (String, String);
    let mut want: HashMap<Key, u64> = HashMap::new();
    let mut stmt = conn.prepare(ROWS)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        want.insert((r.get(0)?, r.get(1)?), digest(&r.get(2)?, &r.get(3)?));
    }
    let mut problems = Vec::new();
    let mut stmt = conn.prepare("SELECT kind, slug, title, text FROM search")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let key: Key = (r.get(0)?, r.get(1)?);
        match want.remove(&key) {
            Some(d) if d == digest(&r.get(2)?, &r.get(3)?) => {}
            Some(_) => problems.push(format!(
                "the index's {} \"{}\" is stale: its text differs from the {} table",
                key.0, key.1, key.0
            )),
            None => problems.push(format!(
                "the index holds {} \"{}\", which no table has",
                key.0, key.1
            )),
        }
    }
    let mut missing: Vec<Key> = want.into_keys().collect();
    missing.sort();
    problems.extend(
        missing
            .into_iter()
            .map(|(kind, slug)| format!("{kind} \"{slug}\" is missing from the index")),
    );
    Ok(problems)
}
