//! A seed file's text, and the line and column of a position, a record or a field in it, for problems.

/// A seed file's text, for turning positions and records into line numbers.
pub(super) struct Source {
    pub(super) path: String,
    pub(super) text: String,
}

impl Source {
    pub(super) fn line_col(&self, byte: usize) -> (usize, usize) {
        let mut byte = byte.min(self.text.len());
        while !self.text.is_char_boundary(byte) {
            byte -= 1;
        }
        let before = &self.text[..byte];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (line, col)
    }

    /// The columns (1-based, end exclusive) of `needle` on `line`, or of the whole line's text.
    pub(super) fn columns(&self, line: usize, needle: Option<&str>) -> (usize, usize) {
        let text = self.text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        if let Some(n) = needle
            && let Some(at) = text.find(n)
        {
            let start = text[..at].chars().count() + 1;
            return (start, start + n.chars().count());
        }
        let indent = text.chars().take_while(|c| c.is_whitespace()).count();
        (indent + 1, text.chars().count() + 1)
    }

    /// The line of the `nth` (0-based) line that sets `key` to the string `value`, in TOML or JSON.
    pub(super) fn record_line(&self, key: &str, value: &str, nth: usize) -> Option<usize> {
        let quoted = format!("\"{value}\"");
        self.text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(&quoted) && l.contains(key))
            .nth(nth)
            .map(|(i, _)| i + 1)
    }

    /// The first line at or after `from` that holds `needle` (a quoted value or a key).
    pub(super) fn line_after(&self, from: usize, needle: &str) -> Option<usize> {
        self.text
            .lines()
            .enumerate()
            .skip(from.saturating_sub(1))
            .find(|(_, l)| l.contains(needle))
            .map(|(i, _)| i + 1)
    }

    /// The line of `field` within the record that starts at `record_line`, preferring the first line that holds
    /// `needle` when one is given. `field` may carry an index, as in `evidence[2]`.
    pub(super) fn field_line(
        &self,
        record_line: usize,
        field: &str,
        needle: Option<&str>,
    ) -> usize {
        let field = field.split('[').next().unwrap_or(field);
        needle
            .and_then(|n| self.line_after(record_line, n))
            .or_else(|| {
                self.text
                    .lines()
                    .enumerate()
                    .skip(record_line.saturating_sub(1))
                    .find(|(_, l)| {
                        let t = l.trim_start().trim_start_matches('"');
                        t.starts_with(field)
                            && t[field.len()..]
                                .trim_start_matches('"')
                                .trim_start()
                                .starts_with(['=', ':'])
                    })
                    .map(|(i, _)| i + 1)
            })
            .unwrap_or(record_line)
    }
}
