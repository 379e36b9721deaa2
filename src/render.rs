//! One result set rendered as table, markdown, csv, tsv, json or ndjson.
//!
//! Every command that prints rows goes through a [`Sink`]. csv, tsv and ndjson write each row as it arrives, so
//! memory stays flat however many rows there are; table and markdown must see every row to size the columns; json
//! streams its array.

use std::io::{self, Write};

use clap::ValueEnum;
use comfy_table::{Cell, ContentArrangement, Table, presets};
use rusqlite::types::Value;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table fitted to the terminal width
    #[default]
    Table,
    /// A GitHub-flavoured markdown table
    Markdown,
    /// RFC 4180 CSV with a header row
    Csv,
    /// Tab-separated, with \t \n \r \\ escaped
    Tsv,
    /// One JSON array of objects
    Json,
    /// One JSON object per line
    Ndjson,
    /// export only: an SQL dump
    Sql,
    /// export only: a seed directory
    Seed,
    /// export only: Datasette metadata
    Datasette,
    /// export only: one offline page with the pictures, the facts and the documents
    Html,
    /// chart only (its default): an SVG drawing
    Svg,
    /// chart only: Mermaid text, drawn by GitHub and GitLab
    Mermaid,
    /// chart only: Graphviz DOT
    Dot,
}

impl Format {
    /// Whether the format describes files written by `export` rather than rows printed.
    pub fn is_export_only(self) -> bool {
        matches!(
            self,
            Format::Sql | Format::Seed | Format::Datasette | Format::Html
        )
    }

    /// Whether the format is one of `chart`'s pictures.
    pub fn is_chart(self) -> bool {
        matches!(self, Format::Svg | Format::Mermaid | Format::Dot)
    }
}

/// How output should look on this terminal.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Maximum table width in columns, if any.
    pub width: Option<u16>,
    pub color: bool,
}

impl Style {
    /// Width from `COLUMNS`, else the terminal; colour only on a terminal and never with `NO_COLOR`.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let tty = io::stdout().is_terminal();
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .or_else(|| {
                if tty {
                    terminal_size::terminal_size().map(|(w, _)| w.0)
                } else {
                    None
                }
            });
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            width,
            color: tty && !no_color,
        }
    }
}

/// Receives one result set: the column names, then rows.
pub trait Sink {
    fn row(&mut self, row: &[Value]) -> io::Result<()>;
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// A sink for `format` writing to `out`.
pub fn sink<'w>(
    format: Format,
    columns: &[String],
    out: &'w mut dyn Write,
    style: Style,
) -> io::Result<Box<dyn Sink + 'w>> {
    let columns = columns.to_vec();
    Ok(match format {
        Format::Table => Box::new(TableSink {
            columns,
            rows: Vec::new(),
            out,
            style,
        }),
        Format::Markdown => Box::new(MarkdownSink {
            columns,
            rows: Vec::new(),
            out,
        }),
        Format::Csv | Format::Tsv => {
            let mut s = DelimitedSink {
                out,
                tsv: format == Format::Tsv,
                crlf: false,
                line: Vec::new(),
            };
            let header: Vec<Value> = columns.into_iter().map(Value::Text).collect();
            s.row(&header)?;
            Box::new(s)
        }
        Format::Json => {
            out.write_all(b"[")?;
            Box::new(JsonSink {
                columns,
                out,
                lines: false,
                first: true,
            })
        }
        Format::Ndjson => Box::new(JsonSink {
            columns,
            out,
            lines: true,
            first: true,
        }),
        Format::Sql
        | Format::Seed
        | Format::Datasette
        | Format::Html
        | Format::Svg
        | Format::Mermaid
        | Format::Dot => {
            unreachable!("export and chart formats are refused before any other command runs")
        }
    })
}

/// An RFC 4180 CSV sink (CRLF line ends), for files written by `export`.
pub fn rfc4180_sink<'w>(
    columns: &[String],
    out: &'w mut dyn Write,
) -> io::Result<Box<dyn Sink + 'w>> {
    let mut s = DelimitedSink {
        out,
        tsv: false,
        crlf: true,
        line: Vec::new(),
    };
    let header: Vec<Value> = columns.iter().cloned().map(Value::Text).collect();
    s.row(&header)?;
    Ok(Box::new(s))
}

/// Renders a whole in-memory result set.
pub fn write_all(
    format: Format,
    columns: &[&str],
    rows: &[Vec<Value>],
    out: &mut dyn Write,
    style: Style,
) -> io::Result<()> {
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let mut s = sink(format, &columns, out, style)?;
    for r in rows {
        s.row(r)?;
    }
    s.finish()
}

/// SQLite's own text for a REAL: up to 15 significant digits, always with a decimal point or exponent, as
/// `CAST(x AS TEXT)` and the sqlite3 shell print it.
pub fn real_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf" } else { "-Inf" }.to_string();
    }
    if x == 0.0 {
        // SQLite prints negative zero as 0.0 too.
        return "0.0".to_string();
    }
    // Round to 15 significant digits, then choose %g's fixed or exponential form.
    let sci = format!("{:.14e}", x);
    let (mantissa, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let neg = if x < 0.0 { "-" } else { "" };
    if !(-4..15).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{neg}{first}.{rest}e{sign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        format!("{neg}0.{}{digits}", "0".repeat((-point) as usize))
    } else if (point as usize) >= digits.len() {
        format!(
            "{neg}{digits}{}.0",
            "0".repeat(point as usize - digits.len())
        )
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{neg}{int}.{frac}")
    }
}

/// The text of a value for text-like formats. `None` is NULL.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(x) => Some(real_text(*x)),
        Value::Text(s) => Some(s.clone()),
        Value::Blob(b) => Some(crate::seed::hex(b)),
    }
}

/// A cell for display: NULL and blobs are shown by name, distinct from text.
fn display_of(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        Value::Blob(b) => format!("<blob {} bytes>", b.len()),
        Value::Text(s) => s.replace("\r\n", "\n").replace(['\t', '\r'], " "),
        other => text_of(other).unwrap_or_default(),
    }
}

struct TableSink<'w> {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    out: &'w mut dyn Write,
    style: Style,
}

impl Sink for TableSink<'_> {
    fn row(&mut self, row: &[Value]) -> io::Result<()> {
        self.rows.push(row.iter().map(display_of).collect());
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED);
        if self.style.color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        match self.style.width {
            Some(w) => {
                t.set_content_arrangement(ContentArrangement::Dynamic);
                t.set_width(w);
            }
            None => {
                t.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        let header: Vec<Cell> = self
            .columns
            .iter()
            .map(|c| {
                let cell = Cell::new(c);
                if self.style.color {
                    cell.add_attribute(comfy_table::Attribute::Bold)
                } else {
                    cell
                }
            })
            .collect();
        t.set_header(header);
        let widths = self
            .style
            .width
            .map(|w| fit_widths(&self.columns, &self.rows, w));
        for r in self.rows {
            t.add_row(r);
        }
        if let Some(widths) = widths {
            t.set_constraints(widths.into_iter().map(|w| {
                comfy_table::ColumnConstraint::Absolute(comfy_table::Width::Fixed(w + 2))
            }));
        }
        writeln!(self.out, "{t}")
    }
}

/// Content widths that fit `total` columns of terminal: every column gets its natural width when all fit;
/// otherwise each keeps room for its longest word (up to 12), and the rest goes to the columns that need it, in
/// proportion to how much they need, so that a long text column gets more than a short code.
fn fit_widths(columns: &[String], rows: &[Vec<String>], total: u16) -> Vec<u16> {
    use unicode_width::UnicodeWidthStr;
    let width = |s: &str| s.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
    let natural: Vec<usize> = (0..columns.len())
        .map(|i| {
            rows.iter()
                .map(|r| width(&r[i]))
                .chain([width(&columns[i])])
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect();
    // Each column costs its content, two spaces of padding and one border.
    let room = (total as usize).saturating_sub(3 * columns.len() + 1);
    if natural.iter().sum::<usize>() <= room {
        return natural.iter().map(|&n| n as u16).collect();
    }
    let longest_word = |s: &str| {
        s.split_whitespace()
            .map(UnicodeWidthStr::width)
            .max()
            .unwrap_or(0)
    };
    let floor: Vec<usize> = (0..columns.len())
        .map(|i| {
            let word = rows
                .iter()
                .map(|r| longest_word(&r[i]))
                .chain([longest_word(&columns[i])])
                .max()
                .unwrap_or(0);
            natural[i].min(word.clamp(4, 12))
        })
        .collect();
    let spare = room.saturating_sub(floor.iter().sum());
    let need: Vec<usize> = natural.iter().zip(&floor).map(|(n, f)| n - f).collect();
    let total_need: usize = need.iter().sum::<usize>().max(1);
    floor
        .iter()
        .zip(&need)
        .map(|(f, n)| (f + n * spare / total_need).min(f + n) as u16)
        .collect()
}

struct MarkdownSink<'w> {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    out: &'w mut dyn Write,
}

impl Sink for MarkdownSink<'_> {
    fn row(&mut self, row: &[Value]) -> io::Result<()> {
        self.rows.push(row.iter().map(display_of).collect());
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        let cell = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('|', "\\|")
                .replace('\n', "<br>")
        };
        let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
        writeln!(
            self.out,
            "{}",
            line(self.columns.iter().map(|c| cell(c)).collect())
        )?;
        writeln!(
            self.out,
            "{}",
            line(self.columns.iter().map(|_| "---".to_string()).collect())
        )?;
        for r in &self.rows {
            writeln!(self.out, "{}", line(r.iter().map(|c| cell(c)).collect()))?;
        }
        Ok(())
    }
}

struct DelimitedSink<'w> {
    out: &'w mut dyn Write,
    tsv: bool,
    /// Rows end in CRLF (RFC 4180 exports) rather than LF (stdout, as the sqlite3 shell does).
    crlf: bool,
    line: Vec<u8>,
}

impl Sink for DelimitedSink<'_> {
    fn row(&mut self, row: &[Value]) -> io::Result<()> {
        self.line.clear();
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                self.line.push(if self.tsv { b'\t' } else { b',' });
            }
            let Some(text) = text_of(v) else { continue };
            if self.tsv {
                for c in text.chars() {
                    match c {
                        '\t' => self.line.extend_from_slice(b"\\t"),
                        '\n' => self.line.extend_from_slice(b"\\n"),
                        '\r' => self.line.extend_from_slice(b"\\r"),
                        '\\' => self.line.extend_from_slice(b"\\\\"),
                        c => {
                            let mut buf = [0; 4];
                            self.line
                                .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                }
            } else if csv_needs_quotes(&text) {
                self.line.push(b'"');
                self.line
                    .extend_from_slice(text.replace('"', "\"\"").as_bytes());
                self.line.push(b'"');
            } else {
                self.line.extend_from_slice(text.as_bytes());
            }
        }
        self.line
            .extend_from_slice(if self.crlf { b"\r\n" } else { b"\n" });
        self.out.write_all(&self.line)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}

/// Quoting as the sqlite3 shell does it, so that `--format csv` equals `sqlite3 -csv` byte for byte: an empty
/// field, and any field with a comma, a space, a quote or apostrophe, a control character or a non-ASCII
/// character. That is a superset of what RFC 4180 requires (comma, quote, line break), so any CSV reader agrees.
fn csv_needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.bytes()
            .any(|b| b <= b' ' || b == b'"' || b == b'\'' || b == b',' || b >= 0x7f)
}

struct JsonSink<'w> {
    columns: Vec<String>,
    out: &'w mut dyn Write,
    lines: bool,
    first: bool,
}

/// A value as JSON: numbers stay numbers, blobs become hex strings, and non-finite reals strings.
pub fn json_of(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => (*i).into(),
        Value::Real(x) => serde_json::Number::from_f64(*x)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| real_text(*x).into()),
        Value::Text(s) => s.clone().into(),
        Value::Blob(b) => crate::seed::hex(b).into(),
    }
}

impl Sink for JsonSink<'_> {
    fn row(&mut self, row: &[Value]) -> io::Result<()> {
        let mut buf = Vec::with_capacity(256);
        if !self.lines {
            buf.extend_from_slice(if self.first { b"\n  " } else { b",\n  " });
        }
        self.first = false;
        buf.push(b'{');
        for (i, (c, v)) in self.columns.iter().zip(row).enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            serde_json::to_writer(&mut buf, c)?;
            buf.push(b':');
            serde_json::to_writer(&mut buf, &json_of(v))?;
        }
        buf.push(b'}');
        if self.lines {
            buf.push(b'\n');
        }
        self.out.write_all(&buf)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        if !self.lines {
            self.out
                .write_all(if self.first { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_print_as_sqlite_does() {
        assert_eq!(real_text(0.1), "0.1");
        assert_eq!(real_text(1e300), "1.0e+300");
        assert_eq!(real_text(-0.0), "0.0");
        assert_eq!(real_text(1.0), "1.0");
        assert_eq!(real_text(100.0), "100.0");
        assert_eq!(real_text(1.5e-7), "1.5e-07");
        assert_eq!(real_text(0.0001), "0.0001");
        assert_eq!(real_text(0.00001), "1.0e-05");
        assert_eq!(real_text(1.0 / 3.0), "0.333333333333333");
        assert_eq!(real_text(123456789012345678.0), "1.23456789012346e+17");
    }

    fn render(format: Format, rows: &[Vec<Value>]) -> String {
        let mut out = Vec::new();
        let style = Style {
            width: Some(80),
            color: false,
        };
        write_all(format, &["a", "b"], rows, &mut out, style).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn null_differs_from_empty_text() {
        let rows = vec![vec![Value::Null, Value::Text(String::new())]];
        assert_eq!(render(Format::Csv, &rows), "a,b\n,\"\"\n");
        assert!(render(Format::Table, &rows).contains("NULL"));
        assert_eq!(render(Format::Ndjson, &rows), "{\"a\":null,\"b\":\"\"}\n");
    }

    #[test]
    fn blobs_are_named_in_tables_and_hex_elsewhere() {
        let rows = vec![vec![Value::Blob(vec![0xde, 0xad]), Value::Integer(7)]];
        assert!(render(Format::Table, &rows).contains("<blob 2 bytes>"));
        assert_eq!(render(Format::Csv, &rows), "a,b\ndead,7\n");
        assert_eq!(
            render(Format::Json, &rows),
            "[\n  {\"a\":\"dead\",\"b\":7}\n]\n"
        );
    }

    #[test]
    fn tsv_escapes_its_delimiters() {
        let rows = vec![vec![Value::Text("x\ty\nz\\".into()), Value::Null]];
        assert_eq!(render(Format::Tsv, &rows), "a\tb\nx\\ty\\nz\\\\\t\n");
    }

    #[test]
    fn markdown_escapes_pipes() {
        let rows = vec![vec![
            Value::Text("a|b".into()),
            Value::Text("l1\nl2".into()),
        ]];
        assert_eq!(
            render(Format::Markdown, &rows),
            "| a | b |\n| --- | --- |\n| a\\|b | l1<br>l2 |\n"
        );
    }
}
