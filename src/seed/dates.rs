//! Dates written in prose, turned into EDTF: "3 July 2025" and "July 3, 2025" → `2025-07-03`, "December 2023" →
//! `2023-12`, "July 3" → the document's year, and ISO `2025-07-03`. For `draft`, which proposes them.

use std::str::FromStr;

use crate::edtf::Edtf;

/// One date found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundDate {
    /// Byte range of the words in the text.
    pub bytes: (usize, usize),
    pub edtf: String,
    /// True when the text gives no year and the document's was used.
    pub year_assumed: bool,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The month (1-12) a capitalised word names, in full or as a common abbreviation ("Sept", "Dec").
fn month(word: &str) -> Option<u32> {
    if !word.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    let w = word.to_lowercase();
    const SHORT: [&str; 12] = [
        "jan", "feb", "", "apr", "", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    MONTHS
        .iter()
        .zip(SHORT)
        .position(|(full, short)| {
            w == *full || (!short.is_empty() && w == short) || (w == "sept" && short == "sep")
        })
        .map(|i| i as u32 + 1)
}

/// A word of the text: its bytes and its text.
#[derive(Clone, Copy)]
struct Word<'t> {
    start: usize,
    end: usize,
    text: &'t str,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let part = c.is_alphanumeric() || (c == '-' && start.is_some());
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word {
                    start: s,
                    end: i,
                    text: &text[s..i],
                });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            end: text.len(),
            text: &text[s..],
        });
    }
    out
}

fn day(w: &str) -> Option<u32> {
    let d = w
        .strip_suffix("st")
        .or(w.strip_suffix("nd"))
        .or(w.strip_suffix("rd"))
        .or(w.strip_suffix("th"))
        .unwrap_or(w);
    (d.len() <= 2)
        .then(|| d.parse().ok())
        .flatten()
        .filter(|d| (1..=31).contains(d))
}

fn year(w: &str) -> Option<i32> {
    (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
        .then(|| w.parse().ok())
        .flatten()
        .filter(|y| (1000..=2999).contains(y))
}

/// Whether only spaces and at most one comma stand between two words.
fn close(text: &str, a: &Word, b: &Word) -> bool {
    let gap = &text[a.end..b.start];
    gap.chars().all(|c| c == ' ' || c == ',' || c == '\u{a0}')
        && gap.matches(',').count() <= 1
        && !gap.is_empty()
}

/// Every date in `text`, in order; `document_year` completes a day and month given without a year.
pub fn find(text: &str, document_year: Option<i32>) -> Vec<FoundDate> {
    let w = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let at = |k: usize| w.get(i + k).copied();
        let near = |a: usize, b: usize| match (at(a), at(b)) {
            (Some(x), Some(y)) => close(text, &x, &y),
            _ => false,
        };
        let mut found: Option<(usize, String, bool)> = None;
        // ISO 2025-07-03, 2025-07
        if let Ok(e) = Edtf::from_str(w[i].text)
            && w[i].text.len() >= 7
            && w[i].text.as_bytes()[4] == b'-'
        {
            found = Some((1, e.as_str().to_string(), false));
        }
        // 3 July 2025 | 3 July
        if found.is_none()
            && let Some(d) = day(w[i].text)
            && let Some(m) = at(1).and_then(|x| month(x.text))
            && near(0, 1)
        {
            match at(2).and_then(|x| year(x.text)).filter(|_| near(1, 2)) {
                Some(y) => found = Some((3, format!("{y:04}-{m:02}-{d:02}"), false)),
                None => {
                    if let Some(y) = document_year {
                        found = Some((2, format!("{y:04}-{m:02}-{d:02}"), true));
                    }
                }
            }
        }
        // July 3, 2025 | July 3 | July 2025
        if found.is_none()
            && let Some(m) = month(w[i].text)
        {
            if let Some(d) = at(1).and_then(|x| day(x.text)).filter(|_| near(0, 1)) {
                match at(2).and_then(|x| year(x.text)).filter(|_| near(1, 2)) {
                    Some(y) => found = Some((3, format!("{y:04}-{m:02}-{d:02}"), false)),
                    None => {
                        if let Some(y) = document_year {
                            found = Some((2, format!("{y:04}-{m:02}-{d:02}"), true));
                        }
                    }
                }
            } else if let Some(y) = at(1).and_then(|x| year(x.text)).filter(|_| near(0, 1)) {
                found = Some((2, format!("{y:04}-{m:02}"), false));
            }
        }
        match found {
            // A date that does not exist (30 February) is not proposed.
            Some((n, edtf, assumed)) if Edtf::from_str(&edtf).is_ok() => {
                out.push(FoundDate {
                    bytes: (w[i].start, w[i + n - 1].end),
                    edtf,
                    year_assumed: assumed,
                });
                i += n;
            }
            // Nor is a part of it, such as the month and year of "30 February 2025".
            Some((n, _, _)) => i += n,
            None => i += 1,
        }
    }
    out
}

/// The EDTF of a line that is a date and nothing else ("25 July 2025", "July 25, 2025", "2025-07-25").
pub fn date_line(line: &str) -> Option<String> {
    let line = line.trim();
    let found = find(line, None);
    match found.as_slice() {
        [d] if d.bytes.0 == 0
            && line[d.bytes.1..]
                .trim_matches(|c: char| c == '.' || c.is_whitespace())
                .is_empty() =>
        {
            Some(d.edtf.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edtfs(text: &str, year: Option<i32>) -> Vec<String> {
        find(text, year).into_iter().map(|d| d.edtf).collect()
    }

    #[test]
    fn the_three_styles_and_iso() {
        assert_eq!(
            edtfs(
                "In December 2023 it began; on 3 July 2025 it ended, and on July 3 it was noted.",
                Some(2025)
            ),
            ["2023-12", "2025-07-03", "2025-07-03"]
        );
        assert_eq!(
            edtfs("July 3, 2025 and 2024-02-29 and 4th March 2022", None),
            ["2025-07-03", "2024-02-29", "2022-03-04"]
        );
    }

    #[test]
    fn no_year_no_date_and_no_impossible_dates() {
        assert_eq!(edtfs("on July 3 it was noted", None), Vec::<String>::new());
        assert_eq!(edtfs("30 February 2025", None), Vec::<String>::new());
        assert_eq!(
            edtfs("you may go in 2 march", Some(2020)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_line_that_is_a_date() {
        assert_eq!(date_line("25 July 2025").as_deref(), Some("2025-07-25"));
        assert_eq!(date_line("Published 25 July 2025"), None);
    }
}
