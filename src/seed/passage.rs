//! Finding words in a document for a person to paste: every occurrence with its line, column and context, the
//! shortest prefix or suffix that picks each one, and the nearest passage when the words are not there. Used by
//! the evidence diagnostics, `locate` and `draft`. Positions are code points; lines and columns are 1-based.

/// One place the words occur.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Byte range in the body.
    pub bytes: (usize, usize),
    /// Code-point offsets, 0-based and end-exclusive, as stored in the evidence table.
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    /// The selector that picks this occurrence alone, as a TOML value ready to paste.
    pub selector: String,
}

/// Every occurrence of `exact` in `body`, overlapping ones included, each with the selector that picks it.
pub fn occurrences(body: &str, exact: &str) -> Vec<Occurrence> {
    let ranges = ranges(body, exact);
    let lines = Lines::new(body);
    // Code-point offsets counted on from one occurrence to the next: one pass over the body.
    let (mut byte, mut cp) = (0, 0);
    ranges
        .iter()
        .copied()
        .map(|(s, e)| {
            let (line, column) = lines.line_column(s);
            cp += body[byte..s].chars().count();
            byte = s;
            let start = cp;
            Occurrence {
                bytes: (s, e),
                start,
                end: start + exact.chars().count(),
                line,
                column,
                selector: selector(body, exact, (s, e), &ranges),
            }
        })
        .collect()
}

/// Every occurrence of `words` in `body` as byte ranges, overlapping ones included.
pub fn ranges(body: &str, words: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if words.is_empty() {
        return out;
    }
    let mut from = 0;
    while let Some(at) = body[from..].find(words) {
        let s = from + at;
        out.push((s, s + words.len()));
        from = s + body[s..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// Where each line of a body starts, for many line and column look-ups.
pub struct Lines<'b> {
    body: &'b str,
    starts: Vec<usize>,
}

impl<'b> Lines<'b> {
    pub fn new(body: &'b str) -> Lines<'b> {
        let starts = std::iter::once(0)
            .chain(body.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { body, starts }
    }

    /// The 1-based line and column (in code points) of a byte offset.
    pub fn line_column(&self, byte: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= byte);
        let start = self.starts[line - 1];
        (line, self.body[start..byte].chars().count() + 1)
    }
}

/// The 1-based line and column (in code points) of a byte offset.
pub fn line_column(body: &str, byte: usize) -> (usize, usize) {
    let before = &body[..byte];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// A TOML basic string on one line: quotes, backslashes and control characters escaped.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The selector for the occurrence `at` among `all`: the plain words when they occur once, else the words with the
/// shortest prefix or suffix (in code points, up to 200) that no other occurrence shares.
pub fn selector(body: &str, exact: &str, at: (usize, usize), all: &[(usize, usize)]) -> String {
    if all.len() <= 1 {
        return toml_string(exact);
    }
    const MAX: usize = 200;
    // The context needed is one character more than the longest context another occurrence shares.
    let shared = |f: &dyn Fn((usize, usize)) -> usize| {
        all.iter()
            .filter(|&&o| o != at)
            .map(|&o| f(o))
            .max()
            .unwrap_or(0)
    };
    let common_before = |o: (usize, usize)| {
        body[..o.0]
            .chars()
            .rev()
            .zip(body[..at.0].chars().rev())
            .take(MAX)
            .take_while(|(a, b)| a == b)
            .count()
    };
    let common_after = |o: (usize, usize)| {
        body[o.1..]
            .chars()
            .zip(body[at.1..].chars())
            .take(MAX)
            .take_while(|(a, b)| a == b)
            .count()
    };
    let p = shared(&common_before) + 1;
    let s = shared(&common_after) + 1;
    let before: Vec<char> = body[..at.0].chars().rev().take(p).collect();
    let after: Vec<char> = body[at.1..].chars().take(s).collect();
    let prefix = (p <= MAX && before.len() == p).then(|| before.iter().rev().collect::<String>());
    let suffix = (s <= MAX && after.len() == s).then(|| after.iter().collect::<String>());
    let exact = toml_string(exact);
    // The shorter wins; between equals, one that is not only white space, which reads badly when pasted.
    let weight = |x: &String| (x.chars().count(), x.trim().is_empty());
    match (prefix, suffix) {
        (Some(p), Some(s)) if weight(&s) < weight(&p) => {
            format!("{{ exact = {exact}, suffix = {} }}", toml_string(&s))
        }
        (Some(p), _) => format!("{{ exact = {exact}, prefix = {} }}", toml_string(&p)),
        (None, Some(s)) => format!("{{ exact = {exact}, suffix = {} }}", toml_string(&s)),
        (None, None) => format!("{{ exact = {exact}, prefix = \"…\" }}"),
    }
}

/// Every occurrence of each pattern, overlapping ones included, as byte ranges: one pass over the body however
/// many patterns there are.
pub fn find_many(body: &str, patterns: &[&str]) -> Vec<Vec<(usize, usize)>> {
    use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
    let mut found = vec![Vec::new(); patterns.len()];
    let mut distinct: Vec<&str> = patterns.iter().copied().filter(|p| !p.is_empty()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.is_empty() {
        return found;
    }
    let automaton = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .match_kind(MatchKind::Standard)
        .build(&distinct)
        .expect("patterns of plain text always build");
    let mut by_distinct = vec![Vec::new(); distinct.len()];
    for m in automaton.find_overlapping_iter(body) {
        by_distinct[m.pattern().as_usize()].push((m.start(), m.end()));
    }
    for (i, p) in patterns.iter().enumerate() {
        if let Ok(d) = distinct.binary_search(p) {
            found[i] = by_distinct[d].clone();
        }
    }
    found
}

/// The line that holds a byte range, cut to about `width` code points around it, on one line.
pub fn context(body: &str, at: (usize, usize), width: usize) -> String {
    let line_start = body[..at.0].rfind('\n').map_or(0, |i| i + 1);
    let line_end = body[at.1..].find('\n').map_or(body.len(), |i| at.1 + i);
    let before: Vec<char> = body[line_start..at.0].chars().collect();
    let after: Vec<char> = body[at.1..line_end].chars().collect();
    let room = width.saturating_sub(body[at.0..at.1].chars().count()) / 2;
    let left: String = before[before.len().saturating_sub(room)..].iter().collect();
    let right: String = after[..after.len().min(room)].iter().collect();
    let mut out = String::new();
    if before.len() > room {
        out.push('…');
    }
    out.push_str(&left);
    out.push_str(&body[at.0..at.1]);
    out.push_str(&right);
    if after.len() > room {
        out.push('…');
    }
    out.replace(['\r', '\t'], " ")
}

/// Folds what people type differently: quote marks, dashes, no-break spaces, runs of white space, letter case.
/// Returns the folded text and, for each of its characters, the byte offset in `s` it came from.
fn fold(s: &str) -> (Vec<char>, Vec<usize>) {
    let mut out = Vec::new();
    let mut from = Vec::new();
    let mut last_space = false;
    for (i, c) in s.char_indices() {
        let c = match c {
            '‘' | '’' | '`' | '´' | 'ʼ' => '\'',
            '“' | '”' | '«' | '»' | '„' => '"',
            '—' | '–' | '‐' | '‑' | '−' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        for l in c.to_lowercase() {
            out.push(l);
            from.push(i);
        }
    }
    (out, from)
}

/// The nearest passage to words that are not in the body: the same words with other quote marks, dashes, spacing
/// or case (then `exact` is the byte range to paste), else the longest run of the words that does occur.
pub fn nearest(body: &str, exact: &str) -> Option<Nearest> {
    let (b, from) = fold(body);
    let (e, _) = fold(exact.trim());
    if !e.is_empty()
        && let Some(i) = b.windows(e.len()).position(|w| w == e.as_slice())
    {
        let start = from[i];
        let last = from[i + e.len() - 1];
        let end = last + body[last..].chars().next().map_or(0, char::len_utf8);
        return Some(Nearest {
            bytes: (start, end),
            same_words: true,
        });
    }
    // The longest run of whole words (their edge punctuation aside) that occurs, folded the same way, at least
    // five characters long.
    let words: Vec<&str> = exact
        .split_whitespace()
        .map(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            ["’s", "'s"]
                .iter()
                .find_map(|s| w.strip_suffix(s))
                .unwrap_or(w)
        })
        .filter(|w| !w.is_empty())
        .collect();
    for len in (1..=words.len()).rev() {
        for start in 0..=words.len() - len {
            let run = words[start..start + len].join(" ");
            if run.chars().count() < 5 {
                continue;
            }
            let (r, _) = fold(&run);
            if let Some(i) = b.windows(r.len()).position(|w| w == r.as_slice()) {
                let last = from[i + r.len() - 1];
                let end = last + body[last..].chars().next().map_or(0, char::len_utf8);
                return Some(Nearest {
                    bytes: (from[i], end),
                    same_words: false,
                });
            }
        }
    }
    None
}

/// A passage near the words asked for.
#[derive(Debug, PartialEq, Eq)]
pub struct Nearest {
    pub bytes: (usize, usize),
    /// True when the passage is the same words written differently, so it can replace them as they are.
    pub same_words: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "Critics said: “This is a mistake.” Ruritania disagreed. Ruritania waited.\nRuritania’s ministry";

    #[test]
    fn each_occurrence_gets_the_shortest_selector_that_picks_it() {
        let found = occurrences(BODY, "Ruritania");
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[0].selector,
            r#"{ exact = "Ruritania", prefix = "” " }"#
        );
        assert_eq!(
            found[1].selector,
            r#"{ exact = "Ruritania", prefix = ". " }"#
        );
        assert_eq!(
            found[2].selector,
            r#"{ exact = "Ruritania", suffix = "’" }"#
        );
        assert_eq!((found[2].line, found[2].column), (2, 1));
        assert_eq!(found[0].start, 35);
        for o in &found {
            let picked: String = BODY.chars().skip(o.start).take(o.end - o.start).collect();
            assert_eq!(picked, "Ruritania");
        }
    }

    #[test]
    fn words_that_occur_once_need_no_context() {
        assert_eq!(occurrences(BODY, "Critics")[0].selector, "\"Critics\"");
    }

    #[test]
    fn the_nearest_passage_allows_for_quote_marks_case_and_spacing() {
        let n = nearest(BODY, "ruritania's   MINISTRY").expect("found");
        assert!(n.same_words);
        assert_eq!(&BODY[n.bytes.0..n.bytes.1], "Ruritania’s ministry");
        let n = nearest(BODY, "Ruritania disagreed loudly").expect("a run of the words");
        assert!(!n.same_words);
        assert_eq!(&BODY[n.bytes.0..n.bytes.1], "Ruritania disagreed");
        assert_eq!(nearest(BODY, "nothing like it"), None);
        // A possessive the text does not have: the name itself is the nearest.
        let n = nearest(BODY, "Critics’s view").expect("the name");
        assert_eq!(&BODY[n.bytes.0..n.bytes.1], "Critics");
    }
}
