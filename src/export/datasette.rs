//! Datasette metadata: the stored reports as canned queries, and the schema comments as descriptions, so that
//! `datasette dossier.db -m metadata.json` offers the same reports as `dossier report`.

use rusqlite::Connection;
use serde_json::{Map, Value, json};

use crate::export::Writer;

pub fn write(conn: &Connection, database: &str, w: &mut Writer) -> anyhow::Result<()> {
    let meta = |key: &str| -> Option<String> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .ok()
    };
    let title = meta("title").unwrap_or_else(|| "dossier".to_string());
    let description = meta("description");

    // The sources, as Datasette's "source" line: title, author and date of each document.
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

    let mut queries = Map::new();
    let mut stmt =
        conn.prepare("SELECT id, name, title, description, sql FROM reports ORDER BY name")?;
    let reports: Vec<(i64, String, String, String, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, name, rtitle, rdesc, sql) in reports {
        let mut p = conn.prepare(
            "SELECT name, type, required, default_value, description FROM report_params WHERE report = ?1 ORDER BY position",
        )?;
        let params: Vec<(String, String, bool, Option<String>, String)> = p
            .query_map([id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut full = rdesc.clone();
        for (pname, ptype, required, default, pdesc) in &params {
            let need = match (default, required) {
                (Some(d), _) => format!("default {d}"),
                (None, true) => "required".to_string(),
                (None, false) => "optional, leave empty for all".to_string(),
            };
            let how = if ptype == "actor" {
                " (here, the actor's slug)"
            } else {
                ""
            };
            full.push_str(&format!("\n{pname} ({ptype}, {need}): {pdesc}{how}."));
        }
        queries.insert(
            name,
            json!({
                "sql": sql,
                "title": rtitle,
                "description": full,
                "params": params.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
            }),
        );
    }

    // Table and column descriptions from the comments schema.sql stores in the file.
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
        if !t.is_empty() {
            tables.insert(name, Value::Object(t));
        }
    }

    let mut db = Map::new();
    db.insert("title".into(), Value::String(title.clone()));
    if let Some(d) = &description {
        db.insert("description".into(), Value::String(d.clone()));
    }
    db.insert("source".into(), Value::String(source.clone()));
    db.insert("tables".into(), Value::Object(tables));
    db.insert("queries".into(), Value::Object(queries));
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
    let mut text = serde_json::to_string_pretty(&Value::Object(top))?;
    text.push('\n');
    w.write("metadata.json", text.as_bytes())
}
