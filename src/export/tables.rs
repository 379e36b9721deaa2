//! Every table as its own csv or json file.

use rusqlite::Connection;
use rusqlite::types::Value;

use crate::export::Writer;
use crate::render::{self, Format, Style};

fn each_table(
    conn: &Connection,
    w: &mut Writer,
    ext: &str,
    make: impl for<'b> Fn(&[String], &'b mut Vec<u8>) -> std::io::Result<Box<dyn render::Sink + 'b>>,
) -> anyhow::Result<()> {
    for table in super::tables() {
        // Table names come from the fixed list. `evidence` is a view, with no rowid; every content table has an `id`.
        let order = if table == "meta" { "rowid" } else { "id" };
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
        let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let mut buf = Vec::new();
        {
            let mut sink = make(&columns, &mut buf)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let row: Vec<Value> = (0..columns.len())
                    .map(|i| r.get(i))
                    .collect::<rusqlite::Result<_>>()?;
                sink.row(&row)?;
            }
            sink.finish()?;
        }
        w.write(&format!("{table}.{ext}"), &buf)?;
    }
    Ok(())
}

/// One RFC 4180 file per table. With `spreadsheet_safe`, a text cell that a spreadsheet would run as a formula
/// (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises against
/// CSV injection. That changes the data, so it is asked for, not done by default.
pub fn csv(conn: &Connection, w: &mut Writer, spreadsheet_safe: bool) -> anyhow::Result<()> {
    each_table(conn, w, "csv", |cols, out| {
        let sink = render::rfc4180_sink(cols, out)?;
        Ok(if spreadsheet_safe {
            Box::new(FormulaSafe { inner: sink })
        } else {
            sink
        })
    })
}

/// Whether a spreadsheet would read the text as a formula.
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

struct FormulaSafe<'w> {
    inner: Box<dyn render::Sink + 'w>,
}

impl render::Sink for FormulaSafe<'_> {
    fn row(&mut self, row: &[Value]) -> std::io::Result<()> {
        let row: Vec<Value> = row
            .iter()
            .map(|v| match v {
                Value::Text(t) if looks_like_formula(t) => Value::Text(format!("'{t}")),
                other => other.clone(),
            })
            .collect();
        self.inner.row(&row)
    }

    fn finish(self: Box<Self>) -> std::io::Result<()> {
        self.inner.finish()
    }
}

/// One JSON array of objects per table.
pub fn json(conn: &Connection, w: &mut Writer) -> anyhow::Result<()> {
    let style = Style {
        width: None,
        color: false,
        terminal: false,
        expanded: render::Expanded::Off,
    };
    each_table(conn, w, "json", |cols, out| {
        render::sink(Format::Json, cols, out, style)
    })
}
