//! One result set rendered as table, markdown, csv, tsv, json or ndjson.
//!
//! Every command that prints rows goes through a [`Sink`]. csv, tsv and ndjson write each row as it arrives, so
//! memory stays flat however many rows there are; a table is laid out from its first [`WINDOW`] rows and streams
//! the rest; markdown must see every row; json streams its array.
//!
//! The table sink, with its windows and width fitting, is in `table.rs`.

use std::io::{self, Write};

use clap::ValueEnum;
use rusqlite::types::Value;

mod table;

use table::TableSink;
pub use table::{Expanded, WINDOW};

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
}

/// How output should look on this terminal.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Maximum table width in columns, if any.
    pub width: Option<u16>,
    pub color: bool,
    /// Whether stdout is a terminal: then csv, tsv, json and ndjson show control characters escaped too.
    pub terminal: bool,
    /// Tables one field per line (the shell's `.expanded`); off elsewhere.
    pub expanded: Expanded,
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
            terminal: tty,
            expanded: Expanded::Off,
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
    let human = matches!(format, Format::Table | Format::Markdown);
    let escape = style.terminal && !human;
    let columns: Vec<String> = if human || escape {
        columns.iter().map(|c| visible(c).into_owned()).collect()
    } else {
        columns.to_vec()
    };
    let sink = sink_for(format, columns, out, style)?;
    Ok(if escape {
        Box::new(VisibleSink { inner: sink })
    } else {
        sink
    })
}

fn sink_for<'w>(
    format: Format,
    columns: Vec<String>,
    out: &'w mut dyn Write,
    style: Style,
) -> io::Result<Box<dyn Sink + 'w>> {
    Ok(match format {
        Format::Table => Box::new(TableSink {
            columns,
            rows: Vec::new(),
            out,
            style,
            stream: None,
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
    })
}

pub use crate::escape::visible;

/// The characters that mark a highlighted span in text for a table (search snippets, evidence in context):
/// private-use code points, shown as colour on a terminal and as brackets elsewhere.
pub const MARK_OPEN: char = '\u{E000}';
pub const MARK_CLOSE: char = '\u{E001}';

/// Marks shown as colour or as brackets.
pub fn show_marks(text: &str, color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    text.replace(MARK_OPEN, open).replace(MARK_CLOSE, close)
}

/// Escapes the text values of each row before another sink writes them (csv, tsv, json on a terminal).
struct VisibleSink<'w> {
    inner: Box<dyn Sink + 'w>,
}

impl Sink for VisibleSink<'_> {
    fn row(&mut self, row: &[Value]) -> io::Result<()> {
        let row: Vec<Value> = row
            .iter()
            .map(|v| match v {
                Value::Text(s) => Value::Text(visible(s).into_owned()),
                other => other.clone(),
            })
            .collect();
        self.inner.row(&row)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.inner.finish()
    }
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
    text_ref(v).map(std::borrow::Cow::into_owned)
}

/// The same, borrowing text rather than copying it: csv and tsv write millions of cells.
fn text_ref(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    use std::borrow::Cow;
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(Cow::Owned(i.to_string())),
        Value::Real(x) => Some(Cow::Owned(real_text(*x))),
        Value::Text(s) => Some(Cow::Borrowed(s)),
        Value::Blob(b) => Some(Cow::Owned(crate::seed::hex(b))),
    }
}

/// The most of one text a table cell shows, in bytes: a table is read by a person, and a window of rows of
/// megabyte cells would cost memory a table does not need. csv and json write every byte.
const MAX_CELL: usize = 64 * 1024;

/// A cell for display: NULL and blobs are shown by name, distinct from text.
/// Control characters are shown escaped ([`visible`]), and highlight marks as colour or brackets.
pub(crate) fn display_of(v: &Value, color: bool) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        Value::Blob(b) => format!("<blob {} bytes>", b.len()),
        Value::Text(s) if s.len() > MAX_CELL => {
            let cut = (0..=MAX_CELL)
                .rev()
                .find(|i| s.is_char_boundary(*i))
                .unwrap_or(0);
            let shown = display_of(&Value::Text(s[..cut].to_string()), color);
            format!(
                "{shown}… [{} more bytes; --format csv or json shows them all]",
                s.len() - cut
            )
        }
        Value::Text(s) => {
            let s = s.replace("\r\n", "\n").replace(['\t', '\r'], " ");
            show_marks(&visible(&s), color)
        }
        other => text_of(other).unwrap_or_default(),
    }
}

struct MarkdownSink<'w> {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    out: &'w mut dyn Write,
}

impl Sink for MarkdownSink<'_> {
    fn row(&mut self, row: &[Value]) -> io::Result<()> {
        self.rows
            .push(row.iter().map(|v| display_of(v, false)).collect());
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
            if let Value::Integer(n) = v {
                // Digits and a sign never need quotes or escapes.
                write!(self.line, "{n}")?;
                continue;
            }
            let Some(text) = text_ref(v) else { continue };
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
                for part in text.split_inclusive('"') {
                    self.line.extend_from_slice(part.as_bytes());
                    if part.ends_with('"') {
                        self.line.push(b'"');
                    }
                }
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
    use super::table::{fit_widths, natural_widths};
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
            terminal: false,
            expanded: Expanded::Off,
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

    /// The rows after the window, streamed with the window's widths, give the very bytes comfy-table gives for
    /// the whole result laid out with those widths: the fast path and the fallback agree with it, and the
    /// bottom border drawn by hand equals comfy-table's.
    #[test]
    fn a_streamed_table_equals_the_whole_table_with_the_same_widths() {
        let texts = [
            "plain",
            "",
            "   ",
            "Zürich",
            "中文字",
            "two\nlines",
            "a much longer cell that needs wrapping here",
            "tab\there",
            "bell\u{7}",
            "trailing ",
            "emoji 🙂",
        ];
        let row = |i: usize| {
            vec![
                Value::Integer(i as i64),
                Value::Text(texts[i % texts.len()].to_string()),
                if i.is_multiple_of(5) {
                    Value::Null
                } else {
                    Value::Real(i as f64 / 3.0)
                },
            ]
        };
        // The window holds cells as wide as any later one, so the widths stay; the rows after it bring every
        // case of the fast path and the fallback.
        let window: Vec<Vec<Value>> = (0..WINDOW)
            .map(|i| {
                let text = if i == 7 {
                    texts[6].to_string()
                } else {
                    "x".repeat(i % 9)
                };
                vec![
                    Value::Integer(i as i64),
                    Value::Text(text),
                    Value::Real(1.0 / 3.0),
                ]
            })
            .collect();
        let rest: Vec<Vec<Value>> = (0..200).map(row).collect();
        for width in [None, Some(60), Some(30)] {
            for color in [false, true] {
                let style = Style {
                    width,
                    color,
                    terminal: false,
                    expanded: Expanded::Off,
                };
                let mut streamed = Vec::new();
                let columns = vec!["id".to_string(), "text".to_string(), "third".to_string()];
                {
                    let mut s = sink(Format::Table, &columns, &mut streamed, style).unwrap();
                    for r in window.iter().chain(&rest) {
                        s.row(r).unwrap();
                    }
                    s.finish().unwrap();
                }
                let display = |rows: &[Vec<Value>]| -> Vec<Vec<String>> {
                    rows.iter()
                        .map(|r| r.iter().map(|v| display_of(v, false)).collect())
                        .collect()
                };
                let first = display(&window);
                let widths = match width {
                    Some(w) => fit_widths(&columns, &first, w),
                    None => natural_widths(&columns, &first)
                        .into_iter()
                        .map(|n| n as u16)
                        .collect(),
                };
                let mut sink_for_layout = Vec::new();
                let whole = TableSink {
                    columns: columns.clone(),
                    rows: Vec::new(),
                    out: &mut sink_for_layout,
                    style,
                    stream: None,
                }
                .grid(
                    display(&window).into_iter().chain(display(&rest)).collect(),
                    Some(widths),
                    true,
                )
                .to_string();
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    format!("{whole}\n"),
                    "width {width:?}, color {color}"
                );
            }
        }
    }

    /// Ids that gain digits after the first window widen their column in a pipe instead of wrapping: every line
    /// of a window has one width, a later window's lines are wider, and the bottom border matches them.
    #[test]
    fn a_column_grows_after_the_first_window_instead_of_wrapping() {
        let style = Style {
            width: None,
            color: false,
            terminal: false,
            expanded: Expanded::Off,
        };
        let mut out = Vec::new();
        let columns = vec!["id".to_string(), "t".to_string()];
        {
            let mut s = sink(Format::Table, &columns, &mut out, style).unwrap();
            for i in 0..(WINDOW + 10) {
                let id = if i < WINDOW {
                    i as i64
                } else {
                    1_000_000 + i as i64
                };
                s.row(&[Value::Integer(id), Value::Text("x".into())])
                    .unwrap();
            }
            s.finish().unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert_eq!(lines.len(), 3 + WINDOW + 10 + 1, "no cell wrapped");
        let first = lines[0];
        assert!(lines[..3 + WINDOW].iter().all(|&w| w == first));
        assert!(lines[3 + WINDOW..].iter().all(|&w| w == first + 4));
        assert!(
            text.ends_with("│ 1001009 ┆ x │\n└─────────┴───┘\n"),
            "{}",
            &text[text.len() - 200..]
        );
    }

    #[test]
    fn expanded_prints_one_field_per_line() {
        let mut out = Vec::new();
        let style = Style {
            width: Some(80),
            color: false,
            terminal: false,
            expanded: Expanded::On,
        };
        let columns = vec!["slug".to_string(), "description".to_string()];
        let mut s = sink(Format::Table, &columns, &mut out, style).unwrap();
        s.row(&[Value::Text("a".into()), Value::Text("one\ntwo".into())])
            .unwrap();
        s.row(&[Value::Null, Value::Integer(2)]).unwrap();
        s.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "-[ RECORD 1 ]------\nslug        | a\ndescription | one\n            | two\n-[ RECORD 2 ]------\nslug        | NULL\ndescription | 2\n"
        );
    }
}
