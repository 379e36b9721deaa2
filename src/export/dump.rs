//! An SQL dump that the sqlite3 shell turns back into an equal database.

use std::fmt::Write as _;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use crate::cmd::export::Writer;
use crate::db;

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
        ValueRef::Text(t) => format!("'{}'", String::from_utf8_lossy(t).replace('\'', "''")),
        ValueRef::Blob(b) => format!("X'{}'", crate::seed::hex(b)),
    }
}

pub fn write(conn: &Connection, w: &mut Writer) -> anyhow::Result<()> {
    let title: String = conn.query_row("SELECT value FROM meta WHERE key = 'title'", [], |r| {
        r.get(0)
    })?;
    let mut out = String::new();
    writeln!(out, "-- dossier SQL dump of {title:?}.")?;
    writeln!(out, "-- Rebuild it with: sqlite3 new.db < dossier.sql")?;
    writeln!(out, "PRAGMA application_id = {};", db::APPLICATION_ID)?;
    writeln!(out, "PRAGMA user_version = {};", db::SCHEMA_VERSION)?;
    writeln!(out, "PRAGMA foreign_keys = OFF;")?;
    writeln!(out, "BEGIN;")?;
    // The schema as stored, comments included; FTS5 creates its own shadow tables, so they are left out.
    let mut stmt = conn.prepare(
        "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
           AND name NOT IN ('search_data', 'search_idx', 'search_content', 'search_docsize', 'search_config') \
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid",
    )?;
    let schema: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for sql in schema {
        writeln!(out, "{sql};")?;
    }
    let mut tables = super::tables();
    tables.push("search");
    for table in tables {
        let sql = if table == "search" {
            "SELECT kind, slug, title, text FROM search ORDER BY rowid".to_string()
        } else {
            format!("SELECT * FROM {table} ORDER BY rowid")
        };
        let mut stmt = conn.prepare(&sql)?;
        let columns: Vec<String> = stmt.column_names().map(|c| format!("\"{c}\"")).collect();
        let head = format!("INSERT INTO \"{table}\" ({}) VALUES (", columns.join(", "));
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
    writeln!(out, "COMMIT;")?;
    w.write("dossier.sql", out.as_bytes())
}
