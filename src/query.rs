//! Running one prepared statement into a renderer, with named parameters always bound, never spliced.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::bail;
use rusqlite::Statement;
use rusqlite::types::Value;

use crate::render::{self, Format, Style};

/// Binds every named parameter of `stmt` from `params` (keys without the `:`, `@` or `$`). A parameter the
/// statement uses but `params` lacks is an error, as is an unnamed `?` parameter.
pub fn bind(stmt: &mut Statement, params: &BTreeMap<String, Value>) -> anyhow::Result<()> {
    for i in 1..=stmt.parameter_count() {
        let Some(name) = stmt.parameter_name(i).map(str::to_string) else {
            bail!(
                "the SQL has an unnamed parameter (?{i}); use a named one such as :value and pass -p value=…"
            );
        };
        let key = crate::params::key(&name);
        match params.get(key) {
            Some(v) => stmt.raw_bind_parameter(i, v)?,
            None => bail!("the SQL uses {name}, but no value was given: pass -p {key}=VALUE"),
        }
    }
    Ok(())
}

/// Runs a bound statement and renders its rows; returns how many rows there were.
pub fn render_rows(
    stmt: &mut Statement,
    format: Format,
    out: &mut dyn Write,
    style: Style,
) -> anyhow::Result<usize> {
    let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let n = columns.len();
    let mut sink = render::sink(format, &columns, out, style)?;
    let mut rows = stmt.raw_query();
    let mut count = 0;
    let mut buf: Vec<Value> = Vec::with_capacity(n);
    while let Some(row) = rows.next()? {
        buf.clear();
        for (i, column) in columns.iter().enumerate() {
            let v = row.get::<_, Value>(i).map_err(|e| match e {
                rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::Utf8Error(..) => {
                    anyhow::anyhow!(
                        "row {} of the result, column \"{}\"{}: the text is not valid UTF-8; the file was damaged or \
                         written by another tool (select CAST({} AS BLOB) to see its bytes)",
                        count + 1,
                        column,
                        origin(row, i),
                        column,
                    )
                }
                other => other.into(),
            })?;
            buf.push(v);
        }
        sink.row(&buf)?;
        count += 1;
    }
    sink.finish()?;
    Ok(count)
}

/// Where a result column comes from, as " (table.column)" when SQLite knows: asked only for an error's message.
fn origin(row: &rusqlite::Row<'_>, i: usize) -> String {
    let stmt: &Statement<'_> = row.as_ref();
    match stmt.column_metadata(i) {
        Ok(Some((_, table, column, ..))) => format!(
            " ({}.{})",
            table.to_string_lossy(),
            column.to_string_lossy()
        ),
        _ => String::new(),
    }
}

/// A value given to `sql -p` or the shell's `.param set`: an integer when it looks like one, else text.
pub fn param_value(v: &str) -> Value {
    v.parse::<i64>()
        .map(Value::Integer)
        .unwrap_or_else(|_| Value::Text(v.to_string()))
}

/// Parses `key=value`, as given to `-p`.
pub fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((crate::params::key(k).to_string(), v.to_string())),
        _ => Err(format!("expected key=value, got {s:?}")),
    }
}
