//! The table format: a grid fitted to the terminal's width, or one field per line, laid out one window of rows
//! at a time so that memory stays at one window whatever the number of rows.

use std::io::{self, Write};

use comfy_table::{Cell, ContentArrangement, Table, presets};
use rusqlite::types::Value;

use super::{Sink, Style, display_of};

/// How a table result is laid out: as a grid, one field per line (psql's `\\x`), or as a grid unless that is
/// wider than the terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expanded {
    #[default]
    Off,
    On,
    Auto,
}

/// A table is laid out one window of `WINDOW` rows at a time, so that memory stays at one window and the first
/// rows show at once. A result that fits in one window is rendered whole, exactly as before. A longer one takes
/// its layout from the first window; each later window keeps the columns' widths, and widens a column whose
/// cells have grown (ids that gain a digit) where the width allows, else wraps the cell inside its column.
///
/// The anchors differ: the sqlite3 shell's `-table` and psql keep every row in memory to size the columns, and
/// psql's `FETCH_COUNT` lays out each batch on its own. This is the batch idea with widths that only grow, so a
/// long result reads as one table whose right border moves at most a few times.
pub const WINDOW: usize = 1000;

pub(super) struct TableSink<'w> {
    pub(super) columns: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
    pub(super) out: &'w mut dyn Write,
    pub(super) style: Style,
    /// Set once the first window is written: the grid's widths, or the records written so far when expanded.
    pub(super) stream: Option<Stream>,
}

/// What a streaming table carries from one window to the next.
pub(super) enum Stream {
    Grid { widths: Vec<u16>, line: String },
    Expanded { record: usize },
}

impl Sink for TableSink<'_> {
    fn row(&mut self, row: &[Value]) -> io::Result<()> {
        let color = self.style.color;
        self.rows
            .push(row.iter().map(|v| display_of(v, color)).collect());
        if self.rows.len() >= WINDOW {
            self.window()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        if self.stream.is_none() {
            // The whole result fits in one window: laid out at once.
            if self.expands() {
                return self.window();
            }
            let widths = self
                .style
                .width
                .map(|w| fit_widths(&self.columns, &self.rows, w));
            let rows = std::mem::take(&mut self.rows);
            let t = self.grid(rows, widths, true);
            return writeln!(self.out, "{t}");
        }
        self.window()?;
        match &self.stream {
            Some(Stream::Grid { widths, .. }) => {
                let rules: Vec<String> =
                    widths.iter().map(|&w| "─".repeat(w as usize + 2)).collect();
                writeln!(self.out, "└{}┘", rules.join("┴"))
            }
            _ => Ok(()),
        }
    }
}

impl TableSink<'_> {
    /// Whether the rows seen so far go one field per line.
    fn expands(&self) -> bool {
        match self.style.expanded {
            Expanded::Off => false,
            Expanded::On => true,
            Expanded::Auto => self.style.width.is_some_and(|w| {
                let natural = natural_widths(&self.columns, &self.rows);
                natural.iter().sum::<usize>() + 3 * natural.len() + 1 > w as usize
            }),
        }
    }

    /// A comfy-table of `rows` with this sink's style, its columns fixed to `widths` when given.
    pub(super) fn grid(
        &self,
        rows: Vec<Vec<String>>,
        widths: Option<Vec<u16>>,
        header: bool,
    ) -> Table {
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
        let cells: Vec<Cell> = self
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
        if header {
            t.set_header(cells);
        }
        for r in rows {
            t.add_row(r);
        }
        if let Some(widths) = widths {
            t.set_constraints(widths.into_iter().map(|w| {
                comfy_table::ColumnConstraint::Absolute(comfy_table::Width::Fixed(w + 2))
            }));
        }
        t
    }

    /// Writes the rows held: the first window with the header and the layout it fixes, a later one with that
    /// layout, its columns widened where they have grown and the width allows.
    fn window(&mut self) -> io::Result<()> {
        let rows = std::mem::take(&mut self.rows);
        if self.stream.is_none() && self.expands() {
            self.stream = Some(Stream::Expanded { record: 0 });
        }
        match self.stream.take() {
            Some(Stream::Expanded { mut record }) => {
                for r in &rows {
                    record += 1;
                    write_record(self.out, &self.columns, record, r)?;
                }
                self.stream = Some(Stream::Expanded { record });
            }
            None => {
                let widths = match self.style.width {
                    Some(w) => fit_widths(&self.columns, &rows, w),
                    None => natural_widths(&self.columns, &rows)
                        .into_iter()
                        .map(|n| n.min(u16::MAX as usize - 2) as u16)
                        .collect(),
                };
                let text = self.grid(rows, Some(widths.clone()), true).to_string();
                // Everything but the bottom border, which `finish` draws with the final widths.
                let body = text.rsplit_once('\n').map_or("", |(body, _)| body);
                writeln!(self.out, "{body}")?;
                self.stream = Some(Stream::Grid {
                    widths,
                    line: String::new(),
                });
            }
            Some(Stream::Grid {
                mut widths,
                mut line,
            }) => {
                let natural = natural_widths(&self.columns, &rows);
                let grown: Vec<u16> = widths
                    .iter()
                    .zip(&natural)
                    .map(|(&w, &n)| (w as usize).max(n).min(u16::MAX as usize - 2) as u16)
                    .collect();
                let room = self.style.width.map_or(usize::MAX, |w| w as usize);
                if grown.iter().map(|&w| w as usize + 3).sum::<usize>() < room {
                    widths = grown;
                }
                for r in rows {
                    self.grid_row(&widths, &mut line, r)?;
                }
                self.stream = Some(Stream::Grid { widths, line });
            }
        }
        Ok(())
    }

    /// One row of a streaming grid. The common row, one line of plain text that fits, is written here directly;
    /// anything else (line breaks, escapes, control characters, a cell to wrap) is laid out by comfy-table with
    /// the same widths, so both paths give the same bytes.
    fn grid_row(
        &mut self,
        widths: &[u16],
        line: &mut String,
        cells: Vec<String>,
    ) -> io::Result<()> {
        use unicode_width::UnicodeWidthStr;
        line.clear();
        line.push_str("│ ");
        for (i, (cell, &w)) in cells.iter().zip(widths).enumerate() {
            let plain = !cell.bytes().any(|b| b < b' ' || b == 0x7f);
            let width = if cell.is_ascii() {
                cell.len()
            } else {
                cell.width()
            };
            if !plain || width > w as usize {
                let text = self
                    .grid(vec![cells], Some(widths.to_vec()), false)
                    .to_string();
                // A row alone, without a header: its lines sit between the top and the bottom border.
                let lines: Vec<&str> = text.lines().collect();
                for l in &lines[1..lines.len().saturating_sub(1).max(1)] {
                    writeln!(self.out, "{l}")?;
                }
                return Ok(());
            }
            if i > 0 {
                line.push_str(" ┆ ");
            }
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', w as usize - width));
        }
        line.push_str(" │\n");
        self.out.write_all(line.as_bytes())
    }
}

/// Each column's widest line, header included.
pub(super) fn natural_widths(columns: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    use unicode_width::UnicodeWidthStr;
    let width = |s: &str| s.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
    (0..columns.len())
        .map(|i| {
            rows.iter()
                .map(|r| width(&r[i]))
                .chain([width(&columns[i])])
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect()
}

/// One record of an expanded table, as psql's `\\x` prints it: a rule naming the record, then one line per field,
/// the names aligned; a value of several lines continues under its first.
fn write_record(
    out: &mut dyn Write,
    columns: &[String],
    n: usize,
    cells: &[String],
) -> io::Result<()> {
    use unicode_width::UnicodeWidthStr;
    let label = columns.iter().map(|c| c.width()).max().unwrap_or(0);
    writeln!(
        out,
        "-[ RECORD {n} ]{}",
        "-".repeat(label.saturating_sub(8) + 3)
    )?;
    for (c, v) in columns.iter().zip(cells) {
        let pad = " ".repeat(label - c.width());
        let mut lines = v.split('\n');
        writeln!(out, "{c}{pad} | {}", lines.next().unwrap_or(""))?;
        for more in lines {
            writeln!(out, "{} | {more}", " ".repeat(label))?;
        }
    }
    Ok(())
}

/// Content widths that fit `total` columns of terminal: every column gets its natural width when all fit;
/// otherwise each keeps room for its longest word (up to 12), and the rest goes to the columns that need it, in
/// proportion to how much they need, so that a long text column gets more than a short code.
pub(super) fn fit_widths(columns: &[String], rows: &[Vec<String>], total: u16) -> Vec<u16> {
    use unicode_width::UnicodeWidthStr;
    let natural = natural_widths(columns, rows);
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
