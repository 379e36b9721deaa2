//! Datasette metadata and configuration: the stored reports as canned queries, and the schema comments as
//! descriptions, so that Datasette offers the same reports as `dossier report`.
//!
//! Datasette 0.65 reads canned queries from the metadata (`-m metadata.json`). Datasette 1.0 moved them into its
//! configuration (`-c datasette.json`) and ignores them in the metadata, so both files are written; 1.0 still
//! reads titles and descriptions from the metadata. 1.0 also changed which wins when a canned query and a table
//! or view share a name: 0.65 serves the query, 1.0 the table. A report that shares its name with a table or
//! view (`timeline`, `actors`) therefore gets the suffix `-report` in the 1.0 configuration.

use std::collections::HashSet;

use rusqlite::Connection;
use serde_json::{Map, Value, json};

use crate::export::Writer;

/// Reports renamed in the Datasette 1.0 configuration, as (report, query name).
pub type Renamed = Vec<(String, String)>;

/// Writes `metadata.json` and `datasette.json`; returns the reports renamed in the latter.
pub fn write(conn: &Connection, database: &str, w: &mut Writer) -> anyhow::Result<Renamed> {
    let meta = |key: &str| -> Option<String> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .ok()
    };
    let title = meta("title").unwrap_or_else(|| "dossier".to_string());
    let description = meta("description");

    let (source, source_url) = sources(conn)?;
    let queries = queries(conn)?;
    let tables = tables(conn)?;

    let mut db = Map::new();
    db.insert("title".into(), Value::String(title.clone()));
    if let Some(d) = &description {
        db.insert("description".into(), Value::String(d.clone()));
    }
    db.insert("source".into(), Value::String(source.clone()));
    db.insert("tables".into(), Value::Object(tables));
    db.insert("queries".into(), Value::Object(queries.clone()));
    let mut top = Map::new();
    top.insert("title".into(), Value::String(title));
    if let Some(d) = description {
        top.insert("description".into(), Value::String(d));
    }
    top.insert("source".into(), Value::String(source));
    if let Some(u) = source_url {
        top.insert("source_url".into(), Value::String(u));
    }
    top.insert("databases".into(), json!({ database: Value::Object(db) }));
    write_json(w, "metadata.json", &Value::Object(top))?;

    let (queries, renamed) = config_queries(conn, queries)?;
    // Datasette 1.0 reads which tables to hide from its configuration; 0.65 from the metadata (see `tables`).
    let hidden: Map<String, Value> = crate::schema::DERIVED_TABLES
        .iter()
        .map(|t| (t.to_string(), json!({ "hidden": true })))
        .collect();
    let config = json!({ "databases": { database: { "queries": queries, "tables": hidden } } });
    write_json(w, "datasette.json", &config)?;
    Ok(renamed)
}

/// The sources, as Datasette's "source" line (title, author and date of each document), and the first URL.
fn sources(conn: &Connection) -> anyhow::Result<(String, Option<String>)> {
    let mut stmt =
        conn.prepare("SELECT title, author, published, url FROM documents ORDER BY id")?;
    type DocRow = (String, Option<String>, Option<String>, Option<String>);
    let docs: Vec<DocRow> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let source = docs
        .iter()
        .map(|(t, a, p, _)| {
            let mut s = t.clone();
            if let Some(a) = a {
                s.push_str(&format!(", {a}"));
            }
            if let Some(p) = p {
                s.push_str(&format!(" ({p})"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ");
    let source_url = docs.iter().find_map(|d| d.3.clone());
    Ok((source, source_url))
}

/// The reports as canned queries, each parameter described after the report's description.
fn queries(conn: &Connection) -> anyhow::Result<Map<String, Value>> {
    let mut queries = Map::new();
    let mut stmt =
        conn.prepare("SELECT id, name, title, description, sql FROM reports ORDER BY name")?;
    let reports: Vec<(i64, String, String, String, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, name, rtitle, rdesc, sql) in reports {
        let params = crate::params::params_of(conn, id)?;
        let mut full = rdesc.clone();
        for p in &params {
            let how = if p.kind == crate::params::ParamType::Actor {
                " (here, the actor's slug)"
            } else {
                ""
            };
            full.push_str(&format!(
                "\n{} ({}, {}): {}{how}.",
                p.name,
                p.kind.as_str(),
                p.need("optional, leave empty for all"),
                p.description
            ));
        }
        queries.insert(
            name,
            json!({
                "sql": sql,
                "title": rtitle,
                "description": full,
                "params": params.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            }),
        );
    }
    Ok(queries)
}

/// Table and column descriptions from the comments schema.sql stores in the file.
fn tables(conn: &Connection) -> anyhow::Result<Map<String, Value>> {
    let mut tables = Map::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT name, sql FROM sqlite_schema WHERE type IN ('table', 'view') AND sql IS NOT NULL \
           AND {} ORDER BY name",
        crate::schema::NOT_INTERNAL_SQL
    ))?;
    let objects: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, sql) in objects {
        let comments = crate::cmd::schema::comments(conn, &name, &sql)?;
        let mut t = Map::new();
        if let Some(c) = comments.table {
            t.insert("description".into(), Value::String(c));
        }
        let columns: Map<String, Value> = comments
            .columns
            .into_iter()
            .filter(|(_, c)| !c.is_empty())
            .map(|(n, c)| (n, Value::String(c)))
            .collect();
        if !columns.is_empty() {
            t.insert("columns".into(), Value::Object(columns));
        }
        // Derived from the full-text index, as FTS5's own tables, which Datasette hides itself.
        if crate::schema::DERIVED_TABLES.contains(&name.as_str()) {
            t.insert("hidden".into(), Value::Bool(true));
        }
        if !t.is_empty() {
            tables.insert(name, Value::Object(t));
        }
    }
    Ok(tables)
}

/// Writes `value` as pretty JSON with a final newline.
fn write_json(w: &mut Writer, rel: &str, value: &Value) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    w.write(rel, text.as_bytes())
}

/// The canned queries for Datasette 1.0, renamed where a table or view of the same name would hide them.
fn config_queries(
    conn: &Connection,
    queries: Map<String, Value>,
) -> anyhow::Result<(Map<String, Value>, Renamed)> {
    // SQLite compares table names without case, and so does Datasette's lookup of a table.
    let mut stmt =
        conn.prepare("SELECT lower(name) FROM sqlite_schema WHERE type IN ('table', 'view')")?;
    let tables: HashSet<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut taken: HashSet<String> = tables.clone();
    taken.extend(queries.keys().map(|k| k.to_lowercase()));
    let mut out = Map::new();
    let mut renamed = Vec::new();
    for (name, query) in queries {
        let mut key = name.clone();
        if tables.contains(&name.to_lowercase()) {
            key = format!("{name}-report");
            let mut n = 2;
            while taken.contains(&key.to_lowercase()) {
                key = format!("{name}-report-{n}");
                n += 1;
            }
            taken.insert(key.to_lowercase());
            renamed.push((name, key.clone()));
        }
        out.insert(key, query);
    }
    Ok((out, renamed))
}
