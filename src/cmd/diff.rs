//! `dossier diff`: what changed between two versions of a file, fact by fact and field by field.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use rusqlite::Connection;
use rusqlite::types::Value;

use super::ctx::Ctx;
use crate::db::{self, Database};
use crate::render;

const EXAMPLES: &str = "\
Compares two dossier files by table and slug, not by row id, so a rebuilt file with the same facts is equal.
References are shown as slugs, and each fact's evidence as a list of document:start-end spans, so moved or
re-quoted evidence shows as a change of the fact. Reports are compared by name, and meta by key.
Exits 0 when the files are equal, 1 when they differ, and 2 when one cannot be read, like diff(1).

EXAMPLES:
  dossier diff old.db new.db
  dossier diff old.db new.db --format json | jq '.[] | select(.table == \"events\")'
  dossier diff received.db dossier.db && echo same";

/// Show the facts and reports added, removed and changed between two files
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// The older file
    pub old: PathBuf,
    /// The newer file
    pub new: PathBuf,
}

/// Each table as (name, SQL giving a key column then the fields to compare).
const VIEWS: &[(&str, &str)] = &[
    ("meta", "SELECT key, value FROM meta"),
    (
        "documents",
        "SELECT slug, title, author, publisher, published, url, language, length, sha256 FROM documents",
    ),
    (
        "actors",
        "SELECT a.slug, a.name, a.kind, a.country, a.description, a.wikidata, p.slug AS parent,
                (SELECT group_concat(alias, '; ') FROM (SELECT alias FROM actor_aliases WHERE actor = a.id ORDER BY alias)) AS aliases,
                (SELECT group_concat(span, ' ') FROM (SELECT d.slug || ':' || ev.start || '-' || ev.end AS span
                   FROM evidence ev JOIN documents d ON d.id = ev.document WHERE ev.actor = a.id ORDER BY 1)) AS evidence
           FROM actors a LEFT JOIN actors p ON p.id = a.parent",
    ),
    (
        "events",
        "SELECT e.slug, e.date, e.kind, e.cameo, e.summary,
                (SELECT group_concat(x, ' ') FROM (SELECT ea.role || ':' || a.slug AS x FROM event_actors ea
                   JOIN actors a ON a.id = ea.actor WHERE ea.event = e.id ORDER BY 1)) AS participants,
                (SELECT group_concat(span, ' ') FROM (SELECT d.slug || ':' || ev.start || '-' || ev.end AS span
                   FROM evidence ev JOIN documents d ON d.id = ev.document WHERE ev.event = e.id ORDER BY 1)) AS evidence
           FROM events e",
    ),
    (
        "designations",
        "SELECT g.slug, au.slug AS authority, su.slug AS subject, g.kind, g.status, g.start, g.end,
                ie.slug AS imposed_by, ee.slug AS ended_by, g.note,
                (SELECT group_concat(span, ' ') FROM (SELECT d.slug || ':' || ev.start || '-' || ev.end AS span
                   FROM evidence ev JOIN documents d ON d.id = ev.document WHERE ev.designation = g.id ORDER BY 1)) AS evidence
           FROM designations g JOIN actors au ON au.id = g.authority JOIN actors su ON su.id = g.subject
           LEFT JOIN events ie ON ie.id = g.imposed_by LEFT JOIN events ee ON ee.id = g.ended_by",
    ),
    (
        "quotes",
        "SELECT q.slug, sp.slug AS speaker, d.slug AS document, q.kind, q.text, q.start, q.end, ad.slug AS addressee,
                (SELECT group_concat(span, ' ') FROM (SELECT dd.slug || ':' || ev.start || '-' || ev.end AS span
                   FROM evidence ev JOIN documents dd ON dd.id = ev.document WHERE ev.quote = q.id ORDER BY 1)) AS evidence
           FROM quotes q JOIN actors sp ON sp.id = q.speaker JOIN documents d ON d.id = q.document
           LEFT JOIN actors ad ON ad.id = q.addressee",
    ),
    (
        "reports",
        "SELECT r.name, r.title, r.description, r.sql,
                (SELECT group_concat(x, '; ') FROM (SELECT name || ' ' || type || CASE WHEN required THEN ' required' ELSE '' END
                   || coalesce(' = ' || default_value, '') AS x FROM report_params WHERE report = r.id ORDER BY position)) AS params
           FROM reports r",
    ),
];

type Rows = BTreeMap<String, Vec<(String, Value)>>;

fn load(conn: &Connection, sql: &str) -> anyhow::Result<Rows> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let mut rows = stmt.query([])?;
    let mut out = Rows::new();
    while let Some(r) = rows.next()? {
        let key: String = r.get(0)?;
        let fields = (1..names.len())
            .map(|i| Ok((names[i].clone(), r.get::<_, Value>(i)?)))
            .collect::<rusqlite::Result<_>>()?;
        out.insert(key, fields);
    }
    Ok(out)
}

fn text(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Integer(i) => Value::Text(i.to_string()),
        Value::Real(x) => Value::Text(render::real_text(*x)),
        Value::Text(s) => Value::Text(s.clone()),
        Value::Blob(b) => Value::Text(crate::seed::hex(b)),
    }
}

/// Runs the diff. A failure to open or read either file is reported here with exit code 2, as diff(1) does:
/// exit 1 means "the files differ".
pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let open = |p: &PathBuf| db::open_read(&Database::File(p.clone()));
    let read = || -> anyhow::Result<Vec<_>> {
        let (old, new) = (open(&args.old)?, open(&args.new)?);
        VIEWS
            .iter()
            .map(|(table, sql)| Ok((*table, load(&old, sql)?, load(&new, sql)?)))
            .collect()
    };
    let tables = match read() {
        Ok(t) => t,
        Err(e) => {
            crate::notice!("dossier: error: {:#}", db::harden::explain(e));
            return Ok(ExitCode::from(2));
        }
    };
    let mut out: Vec<Vec<Value>> = Vec::new();
    let row = |table: &str, key: &str, change: &str, field: Option<&str>, a: Value, b: Value| {
        vec![
            Value::Text(table.to_string()),
            Value::Text(key.to_string()),
            Value::Text(change.to_string()),
            field.map_or(Value::Null, |f| Value::Text(f.to_string())),
            a,
            b,
        ]
    };
    for (table, a, b) in tables {
        for (key, fields) in &a {
            match b.get(key) {
                None => out.push(row(table, key, "removed", None, Value::Null, Value::Null)),
                Some(newer) => {
                    for ((field, x), (_, y)) in fields.iter().zip(newer) {
                        if x != y {
                            out.push(row(table, key, "changed", Some(field), text(x), text(y)));
                        }
                    }
                }
            }
        }
        for key in b.keys().filter(|k| !a.contains_key(*k)) {
            out.push(row(table, key, "added", None, Value::Null, Value::Null));
        }
    }
    let differ = !out.is_empty();
    render::write_all(
        ctx.format,
        &["table", "slug", "change", "field", "old", "new"],
        &out,
        &mut ctx.out(),
        ctx.style,
    )?;
    Ok(if differ {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
