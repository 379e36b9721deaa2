//! An SQL dump that the sqlite3 shell turns back into an equal database.

use std::fmt::Write as _;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use crate::db;
use crate::export::Writer;

/// A value as an SQL literal that reads back as the same value and type.
pub fn literal(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".to_string(),
        ValueRef::Integer(i) => i.to_string(),
        // Shortest round-trip form, always with an exponent so that SQLite reads it as REAL.
        ValueRef::Real(x) if x.is_infinite() => {
            if x > 0.0 { "9e999" } else { "-9e999" }.to_string()
        }
        ValueRef::Real(x) => format!("{x:e}"),
        ValueRef::Text(t) => text_literal(&String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("X'{}'", crate::seed::hex(b)),
    }
}

/// An identifier, double-quoted with its quotes doubled, so that no name can end the quoting.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A text literal on one line. Line breaks inside the text are written as a marker that `replace()` turns back,
/// as the sqlite3 shell's own `.dump` does: a dump line then always starts a statement, so no line of the text can
/// be read by the shell as a dot-command such as `.shell`.
fn text_literal(text: &str) -> String {
    let quote = |t: &str| format!("'{}'", t.replace('\'', "''"));
    if !text.contains(['\n', '\r']) {
        return quote(text);
    }
    // Markers that do not occur in the text; checked by decoding, so that no marker can be formed by accident.
    for n in 0.. {
        let (nl, cr) = if n == 0 {
            ("\\n".to_string(), "\\r".to_string())
        } else {
            (format!("\\n{n}\\"), format!("\\r{n}\\"))
        };
        if text.contains(&nl) || text.contains(&cr) {
            continue;
        }
        let encoded = text.replace('\r', &cr).replace('\n', &nl);
        if encoded.replace(&cr, "\r").replace(&nl, "\n") == text {
            return format!(
                "replace(replace({}, {}, char(13)), {}, char(10))",
                quote(&encoded),
                quote(&cr),
                quote(&nl)
            );
        }
    }
    unreachable!("some marker is absent from any finite text")
}

pub fn write(conn: &Connection, w: &mut Writer) -> anyhow::Result<()> {
    let title: String = conn.query_row("SELECT value FROM meta WHERE key = 'title'", [], |r| {
        r.get(0)
    })?;
    let mut out = String::new();
    writeln!(out, "-- dossier SQL dump of {}.", text_literal(&title))?;
    writeln!(out, "-- Rebuild it with: sqlite3 new.db < dossier.sql")?;
    writeln!(out, "PRAGMA application_id = {};", db::APPLICATION_ID)?;
    writeln!(out, "PRAGMA user_version = {};", db::SCHEMA_VERSION)?;
    writeln!(out, "PRAGMA foreign_keys = OFF;")?;
    writeln!(out, "BEGIN;")?;
    // dossier's own schema, comments included, as schema.sql creates it (the file's was compared with it when it was
    // opened), tables first and triggers after the views they write through, whatever order the file holds. FTS5 creates its own shadow tables, so they are left out. Objects the file adds (a user's view or
    // index) are left out too: their text is the file's, and the sqlite3 shell reads a dump by lines of its own
    // (a line that is only "/" or "go" ends a statement), so stored text could be split into statements no one wrote.
    let mut stmt = conn.prepare(&format!(
        "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND {} \
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid",
        crate::schema::NOT_INTERNAL_SQL
    ))?;
    let found: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let ours = db::contract::expected();
    let mut left_out = Vec::new();
    // The indexes come after the rows, as in the sqlite3 shell's own `.dump`: each is then made in one sorted pass
    // (replaying the dump of a 10,000-document file took 13.1 s so, against 14.6 s with the indexes first).
    let mut indexes = String::new();
    for (kind, name, sql) in found {
        match ours.iter().find(|e| e.kind == kind && e.name == name) {
            Some(e) => {
                let to = if kind == "index" {
                    &mut indexes
                } else {
                    &mut out
                };
                writeln!(to, "{};", e.sql.as_deref().unwrap_or(&sql))?;
            }
            None => left_out.push(format!("{kind} \"{name}\"")),
        }
    }
    if !left_out.is_empty() {
        crate::notice!(
            "dossier: the dump holds dossier's schema; it leaves out what the file adds: {}",
            left_out.join(", ")
        );
    }
    // The lists of `search_best` are carried as rows, not computed again by the shell that reads the dump: bm25 is
    // floating point, and another SQLite (or another libm) may round a score otherwise, where `search` needs the
    // numbers dossier ranks with. `verify` compares them with the index either way.
    let tables = super::tables()
        .into_iter()
        .chain(crate::schema::DERIVED_TABLES.iter().copied());
    for table in tables {
        // A WITHOUT ROWID table has no rowid; its primary key orders it.
        let order = if crate::schema::DERIVED_TABLES.contains(&table) {
            "term, kind, place"
        } else {
            "rowid"
        };
        // A view's rows are written to the table that stores them (`evidence` to `evidence_spans`).
        let table = crate::schema::stored(table);
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
        let columns: Vec<String> = stmt.column_names().map(ident).collect();
        let head = format!(
            "INSERT INTO {} ({}) VALUES (",
            ident(table),
            columns.join(", ")
        );
        let n = columns.len();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            out.push_str(&head);
            for i in 0..n {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&literal(r.get_ref(i)?));
            }
            out.push_str(");\n");
        }
    }
    out.push_str(&indexes);
    // The full-text index keeps no text of its own: it is built from the tables, as `build` builds it.
    writeln!(out, "INSERT INTO search(search) VALUES ('rebuild');")?;
    writeln!(out, "COMMIT;")?;
    // The schema text comes from the file; the file's schema was checked when it was opened, and this is the last
    // guard: the sqlite3 shell runs a line that starts with '.' as a command of its own.
    let ends_a_statement = |l: &str| {
        let t = l.trim();
        t == "/" || t.eq_ignore_ascii_case("go")
    };
    if let Some(line) = out
        .lines()
        .find(|l| l.trim_start().starts_with('.') || ends_a_statement(l))
    {
        anyhow::bail!(
            "the dump would hold a line the sqlite3 shell runs as a command ({:?}); the file's schema is not \
             dossier's, run `dossier verify`",
            line.chars().take(60).collect::<String>()
        );
    }
    w.write("dossier.sql", out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let conn = Connection::open_in_memory().unwrap();
        conn.query_row(&format!("SELECT {}", text_literal(text)), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn text_with_line_breaks_reads_back_exactly_and_stays_on_one_line() {
        for t in [
            "a\nb",
            "a\r\nb\n",
            "\\n literally\nand a break",
            "\\n\\r\n\r\\",
            "x\n.shell touch pwned\n",
            "it's\n'quoted'",
        ] {
            let lit = text_literal(t);
            assert!(!lit.contains(['\n', '\r']), "{lit}");
            assert_eq!(round_trip(t), t, "{lit}");
        }
    }

    #[test]
    fn identifiers_cannot_end_their_quotes() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }
}
