//! Every table as its own csv or json file.

use rusqlite::Connection;
use rusqlite::types::Value;

use crate::cmd::export::Writer;
use crate::render::{self, Format, Style};

fn each_table(
    conn: &Connection,
    w: &mut Writer,
    ext: &str,
    make: impl for<'b> Fn(&[String], &'b mut Vec<u8>) -> std::io::Result<Box<dyn render::Sink + 'b>>,
) -> anyhow::Result<()> {
    for table in super::tables() {
        // Table names come from the fixed list.
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))?;
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

/// One RFC 4180 file per table.
pub fn csv(conn: &Connection, w: &mut Writer) -> anyhow::Result<()> {
    each_table(conn, w, "csv", |cols, out| render::rfc4180_sink(cols, out))
}

/// One JSON array of objects per table.
pub fn json(conn: &Connection, w: &mut Writer) -> anyhow::Result<()> {
    let style = Style {
        width: None,
        color: false,
        expanded: render::Expanded::Off,
    };
    each_table(conn, w, "json", |cols, out| {
        render::sink(Format::Json, cols, out, style)
    })
}
