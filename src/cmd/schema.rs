//! `dossier schema`: the tables and views, their columns, types and constraints, and the comments that
//! schema.sql stores inside each CREATE statement.

use std::process::ExitCode;

use anyhow::bail;
use rusqlite::Connection;
use rusqlite::types::Value;

use super::ctx::Ctx;
use crate::{db, render, seed::nearest};

const EXAMPLES: &str = "\
Without a name, lists every table and view with its comment. With one, lists its columns: type, NOT NULL,
default, primary key, the column's constraints as written in the schema, what it references, and its comment.
The same comments are in the file itself, so `sqlite3 dossier.db .schema` shows them too.

EXAMPLES:
  dossier schema
  dossier schema evidence
  dossier schema timeline --format markdown";

/// Tables and views, with columns, constraints and comments
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// A table or view to describe
    pub table: Option<String>,
}

/// The `-- comment` at the end of a line, if any (ignoring `--` inside quotes).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut quote: Option<char> = None;
    let bytes: Vec<(usize, char)> = line.char_indices().collect();
    for (k, &(i, c)) in bytes.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '-' && bytes.get(k + 1).is_some_and(|&(_, n)| n == '-') => {
                return (&line[..i], Some(line[i + 2..].trim()));
            }
            None => {}
        }
    }
    (line, None)
}

/// The comment of a table (on the line that opens it) and of each column (on the column's lines).
struct Parsed {
    table_comment: Option<String>,
    columns: Vec<(String, String, String)>, // (name, definition, comment)
    constraints: Vec<(String, String)>,     // table constraints and their comments
}

fn parse_create(sql: &str, names: &[String]) -> Parsed {
    let mut lines = sql.lines();
    let first = lines.next().unwrap_or("");
    let table_comment = split_comment(first).1.map(str::to_string);
    let mut columns: Vec<(String, String, String)> = Vec::new();
    let mut constraints: Vec<(String, String)> = Vec::new();
    let mut in_constraint = false;
    for line in lines {
        let (code, comment) = split_comment(line);
        let code = code.trim();
        // The line that closes the column list, with any table options after it (`) WITHOUT ROWID`).
        if code.starts_with(')') {
            break;
        }
        let word = code
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("");
        let is_constraint = ["CHECK", "UNIQUE", "PRIMARY", "FOREIGN", "CONSTRAINT"]
            .contains(&word.to_uppercase().as_str());
        // A view's column is named by the `AS name` that ends its line.
        let alias = code
            .trim_end_matches(',')
            .rsplit_once(" AS ")
            .map(|(_, n)| n.trim().trim_matches('"'));
        if let Some(name) = names
            .iter()
            .find(|n| {
                n.eq_ignore_ascii_case(word.trim_matches('"'))
                    || alias.is_some_and(|a| n.eq_ignore_ascii_case(a))
            })
            .filter(|_| !is_constraint)
        {
            in_constraint = false;
            columns.push((
                name.clone(),
                code.trim_end_matches(',').to_string(),
                comment.unwrap_or("").to_string(),
            ));
        } else if is_constraint {
            in_constraint = true;
            constraints.push((
                code.trim_end_matches(',').to_string(),
                comment.unwrap_or("").to_string(),
            ));
        } else if !code.is_empty() || comment.is_some() {
            // A continuation of the previous column or constraint.
            let target = if in_constraint {
                constraints.last_mut().map(|c| (&mut c.0, &mut c.1))
            } else {
                columns.last_mut().map(|c| (&mut c.1, &mut c.2))
            };
            if let Some((def, com)) = target {
                let code = code.trim_end_matches(");").trim_end_matches(',');
                if !code.is_empty() && code != ")" {
                    def.push(' ');
                    def.push_str(code);
                }
                if let Some(c) = comment {
                    if !com.is_empty() {
                        com.push(' ');
                    }
                    com.push_str(c);
                }
            }
        }
    }
    Parsed {
        table_comment,
        columns,
        constraints,
    }
}

/// The constraint part of a column definition: what follows the name and the declared type.
fn constraint_part(def: &str, name: &str, decl_type: &str) -> String {
    let rest = def[name.len().min(def.len())..].trim_start();
    let rest =
        if !decl_type.is_empty() && rest.to_uppercase().starts_with(&decl_type.to_uppercase()) {
            &rest[decl_type.len()..]
        } else {
            rest
        };
    rest.trim().to_string()
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let conn = db::open_read(&ctx.db)?;
    show(
        &conn,
        args.table.as_deref(),
        ctx.format,
        &mut ctx.out(),
        ctx.style,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Lists the tables and views, or describes the one called `table`.
pub fn show(
    conn: &Connection,
    table: Option<&str>,
    format: render::Format,
    out: &mut dyn std::io::Write,
    style: render::Style,
) -> anyhow::Result<()> {
    let objects: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT name, type, sql FROM sqlite_schema \
              WHERE type IN ('table', 'view') AND sql IS NOT NULL AND {} \
              ORDER BY type, name",
            crate::schema::NOT_INTERNAL_SQL
        ))?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let Some(wanted) = table else {
        let rows: Vec<Vec<Value>> = objects
            .iter()
            .map(|(name, kind, sql)| {
                let kind = if sql.starts_with("CREATE VIRTUAL TABLE") {
                    "virtual table"
                } else {
                    kind.as_str()
                };
                let comment = split_comment(sql.lines().next().unwrap_or(""))
                    .1
                    .map(str::to_string);
                vec![
                    Value::Text(name.clone()),
                    Value::Text(kind.to_string()),
                    comment.map_or(Value::Null, Value::Text),
                ]
            })
            .collect();
        render::write_all(format, &["name", "type", "comment"], &rows, out, style)?;
        return Ok(());
    };
    let Some((name, _, sql)) = objects
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(wanted))
    else {
        let near = nearest(wanted, objects.iter().map(|(n, _, _)| n.as_str()));
        let hint = if near.is_empty() {
            "`dossier schema` lists them".to_string()
        } else {
            format!("did you mean {}?", near.join(" or "))
        };
        bail!("no table or view named \"{wanted}\"; {hint}");
    };
    let rows = describe(conn, name, sql)?;
    render::write_all(
        format,
        &[
            "column",
            "type",
            "not_null",
            "default",
            "pk",
            "constraints",
            "references",
            "comment",
        ],
        &rows,
        out,
        style,
    )?;
    Ok(())
}

/// The comments of a table or view: its own, and each column's (empty where it has none).
pub struct Comments {
    pub table: Option<String>,
    pub columns: Vec<(String, String)>,
}

pub fn comments(conn: &Connection, name: &str, sql: &str) -> anyhow::Result<Comments> {
    let names: Vec<String> = {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
        stmt.query_map([name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let parsed = parse_create(sql, &names);
    // A view that shows a stored table's rows takes the comments of the columns it shares with the table.
    let backing = match backing_table(conn, name)? {
        Some((table, table_sql)) => Some(comments(conn, table, &table_sql)?),
        None => None,
    };
    Ok(Comments {
        table: parsed.table_comment,
        columns: names
            .iter()
            .map(|n| {
                let own = parsed
                    .columns
                    .iter()
                    .find(|(c, _, _)| c == n)
                    .map(|(_, _, c)| c.clone())
                    .filter(|c| !c.is_empty());
                let shared = || {
                    backing
                        .as_ref()
                        .and_then(|b| b.columns.iter().find(|(c, _)| c == n))
                        .map(|(_, c)| c.clone())
                };
                (n.clone(), own.or_else(shared).unwrap_or_default())
            })
            .collect(),
    })
}

/// The table that stores the rows a view shows (`evidence` over `evidence_spans`), with its CREATE text.
fn backing_table<'a>(
    conn: &Connection,
    name: &'a str,
) -> rusqlite::Result<Option<(&'a str, String)>> {
    let stored = crate::schema::stored(name);
    if stored == name {
        return Ok(None);
    }
    conn.query_row(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
        [stored],
        |r| r.get(0),
    )
    .map(|sql| Some((stored, sql)))
}

/// Empty text as NULL, so that a missing comment or constraint shows as NULL.
fn text(s: String) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::Text(s)
    }
}

fn describe(conn: &Connection, name: &str, sql: &str) -> anyhow::Result<Vec<Vec<Value>>> {
    let info: Vec<(String, String, bool, Option<String>, i64)> = {
        let mut stmt = conn.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid")?;
        stmt.query_map([name], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    let fks: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT \"from\", \"table\", coalesce(\"to\", 'id') FROM pragma_foreign_key_list(?1)",
        )?;
        stmt.query_map([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let names: Vec<String> = info.iter().map(|c| c.0.clone()).collect();
    let parsed = parse_create(sql, &names);
    // A view that shows a stored table's rows (`evidence` over `evidence_spans`) describes each column it shares
    // with the table as the table does, unless the view's own line for it has a comment (`exact`, which the view
    // computes).
    let backing = match backing_table(conn, name)? {
        Some((table, table_sql)) => describe(conn, table, &table_sql)?,
        None => Vec::new(),
    };
    let is_view = sql.starts_with("CREATE VIEW");
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for (col, decl, not_null, default, pk) in &info {
        let commented = parsed
            .columns
            .iter()
            .any(|(n, _, c)| n == col && !c.is_empty());
        if let Some(row) = backing
            .iter()
            .find(|r| matches!(&r[0], Value::Text(c) if c == col))
            .filter(|_| !commented)
        {
            rows.push(row.clone());
            continue;
        }
        let (def, comment) = parsed
            .columns
            .iter()
            .find(|(n, _, _)| n == col)
            // A view's column has no constraints: its line is an expression.
            .map(|(_, d, c)| {
                let def = if is_view {
                    String::new()
                } else {
                    constraint_part(d, col, decl)
                };
                (def, c.clone())
            })
            .unwrap_or_default();
        let reference = fks
            .iter()
            .find(|(from, _, _)| from == col)
            .map(|(_, t, to)| format!("{t}({to})"));
        rows.push(vec![
            Value::Text(col.clone()),
            text(decl.clone()),
            Value::Integer(i64::from(*not_null)),
            default.clone().map_or(Value::Null, Value::Text),
            Value::Integer(*pk),
            text(def),
            reference.map_or(Value::Null, Value::Text),
            text(comment),
        ]);
    }
    for (constraint, comment) in parsed.constraints {
        rows.push(vec![
            Value::Text("(table)".to_string()),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Text(constraint),
            Value::Null,
            text(comment),
        ]);
    }
    if let Some(c) = parsed.table_comment {
        rows.insert(
            0,
            vec![
                Value::Text("(table)".into()),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Text(c),
            ],
        );
    }
    Ok(rows)
}
