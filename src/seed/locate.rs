//! Finding evidence words in a document body and turning byte positions into code-point offsets.
//!
//! All the quotes of one document are found in a single pass over its body with an Aho-Corasick automaton, so the
//! cost is linear in the body plus the matches, however many quotes there are.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::model::Quote;

/// Where one quote was found: code-point offsets, 0-based and end-exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocateError {
    /// The words do not occur. `near` names a likely cause when a loose comparison finds them.
    NotFound { near: Option<String> },
    /// The words occur `count` times and nothing picks one.
    Ambiguous { count: usize },
    /// The words occur `count` times, but none with the given prefix or suffix.
    NoneWithContext { count: usize },
    /// The words occur with the given prefix or suffix `matching` times (out of `count`).
    AmbiguousWithContext { count: usize, matching: usize },
}

impl std::fmt::Display for LocateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LocateError::NotFound { near: None } => write!(f, "the words are not in the document"),
            LocateError::NotFound { near: Some(why) } => {
                write!(f, "the words are not in the document as written ({why})")
            }
            LocateError::Ambiguous { count } => {
                write!(f, "the words occur {count} times in the document")
            }
            LocateError::NoneWithContext { count } => write!(
                f,
                "the words occur {count} time{} in the document, but never with that prefix/suffix",
                if *count == 1 { "" } else { "s" }
            ),
            LocateError::AmbiguousWithContext { count, matching } => write!(
                f,
                "the words occur {count} times in the document, {matching} of them with that prefix/suffix"
            ),
        }
    }
}

impl LocateError {
    /// The stable code of the problem.
    pub fn code(&self) -> &'static str {
        match self {
            LocateError::NotFound { .. } => "evidence-not-found",
            LocateError::Ambiguous { .. } | LocateError::AmbiguousWithContext { .. } => {
                "evidence-ambiguous"
            }
            LocateError::NoneWithContext { .. } => "evidence-context",
        }
    }

    pub fn hint(&self) -> &'static str {
        match self {
            LocateError::NotFound { .. } => {
                "copy the words exactly from the document, with its curly quotes (’ “ ”), dashes (—) and line breaks"
            }
            LocateError::Ambiguous { .. } | LocateError::AmbiguousWithContext { .. } => {
                "replace the words with the selector of the occurrence you mean, listed below"
            }
            LocateError::NoneWithContext { .. } => {
                "the prefix must end right where the words begin, and the suffix begin right where they end; \
                 the occurrences and their selectors are listed below"
            }
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Tally {
    count: usize,
    matching: usize,
    first: Option<(usize, usize)>,
}

/// While the quotes times the body's bytes stay under this, each quote is looked for on its own (a few
/// milliseconds at most): for a usual document, 45 quotes in 2.7 KB, that costs a small part of building an
/// automaton for them. Beyond it the automaton keeps the time linear in the body and the quotes.
const SCAN_ONE_BY_ONE: usize = 1 << 24;

/// Locates every quote in `body`, returning code-point spans in the same order.
pub fn locate_all(body: &str, quotes: &[&Quote]) -> Vec<Result<Span, LocateError>> {
    let one_by_one = quotes.len().saturating_mul(body.len()) <= SCAN_ONE_BY_ONE
        && quotes.iter().all(|q| !q.exact.is_empty());
    locate(body, quotes, one_by_one)
}

/// [`locate_all`], looking for each distinct quote on its own or for all at once with an automaton.
fn locate(body: &str, quotes: &[&Quote], one_by_one: bool) -> Vec<Result<Span, LocateError>> {
    if quotes.is_empty() {
        return Vec::new();
    }
    // One pattern per distinct exact text; each quote refers to its pattern.
    let mut patterns: Vec<&str> = quotes.iter().map(|q| q.exact.as_str()).collect();
    patterns.sort_unstable();
    patterns.dedup();
    let pattern_of: Vec<usize> = quotes
        .iter()
        .map(|q| {
            patterns
                .binary_search(&q.exact.as_str())
                .expect("pattern present")
        })
        .collect();
    let mut quotes_of: Vec<Vec<usize>> = vec![Vec::new(); patterns.len()];
    for (qi, &pi) in pattern_of.iter().enumerate() {
        quotes_of[pi].push(qi);
    }

    let mut tallies = vec![Tally::default(); quotes.len()];
    let mut found = |pattern: usize, start: usize, end: usize| {
        for &qi in &quotes_of[pattern] {
            let q = quotes[qi];
            let t = &mut tallies[qi];
            t.count += 1;
            let prefix_ok = q
                .prefix
                .as_deref()
                .is_none_or(|p| body[..start].ends_with(p));
            let suffix_ok = q
                .suffix
                .as_deref()
                .is_none_or(|s| body[end..].starts_with(s));
            if prefix_ok && suffix_ok {
                t.matching += 1;
                t.first.get_or_insert((start, end));
            }
        }
    };
    if one_by_one {
        // Each pattern on its own, every occurrence including overlapping ones, left to right: what the automaton
        // reports of each pattern, in the same order.
        for (pi, pattern) in patterns.iter().enumerate() {
            let finder = memchr::memmem::Finder::new(pattern.as_bytes());
            let mut from = 0;
            while let Some(at) = finder.find(&body.as_bytes()[from..]) {
                let start = from + at;
                found(pi, start, start + pattern.len());
                from = start + 1;
            }
        }
    } else {
        // A contiguous NFA builds in time linear in the patterns; a DFA searches a little faster but costs far
        // more to build, and each document is searched only once.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("patterns of plain text always build");
        for m in automaton.find_overlapping_iter(body) {
            found(m.pattern().as_usize(), m.start(), m.end());
        }
    }

    // Convert the chosen byte spans to code points in one sorted pass over the body.
    let mut positions: Vec<usize> = tallies
        .iter()
        .filter_map(|t| t.first)
        .flat_map(|(s, e)| [s, e])
        .collect();
    positions.sort_unstable();
    positions.dedup();
    let offsets = code_point_offsets(body, &positions);
    let cp = |byte: usize| offsets[positions.binary_search(&byte).expect("position recorded")];

    quotes
        .iter()
        .zip(&tallies)
        .map(|(q, t)| {
            let has_context = q.prefix.is_some() || q.suffix.is_some();
            match (t.count, t.matching, t.first) {
                (0, _, _) => Err(LocateError::NotFound {
                    near: near_miss(body, &q.exact),
                }),
                (_, 1, Some((s, e))) => Ok(Span {
                    start: cp(s),
                    end: cp(e),
                }),
                (count, 0, _) => Err(LocateError::NoneWithContext { count }),
                (count, _, _) if !has_context => Err(LocateError::Ambiguous { count }),
                (count, matching, _) => Err(LocateError::AmbiguousWithContext { count, matching }),
            }
        })
        .collect()
}

/// The code-point offset of each byte position, given in ascending order, all on character boundaries.
pub fn code_point_offsets(body: &str, sorted_bytes: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(sorted_bytes.len());
    let (mut prev_byte, mut prev_cp) = (0, 0);
    for &b in sorted_bytes {
        prev_cp += body[prev_byte..b].chars().count();
        prev_byte = b;
        out.push(prev_cp);
    }
    out
}

/// Explains a miss that a loose comparison would have found: straight for curly quotes, hyphens for dashes,
/// spacing, or letter case. Runs only on the error path.
fn near_miss(body: &str, exact: &str) -> Option<String> {
    fn fold_punct(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '‘' | '’' | '`' | '´' => '\'',
                '“' | '”' => '"',
                '—' | '–' | '‐' | '‑' => '-',
                '\u{a0}' => ' ',
                c => c,
            })
            .collect()
    }
    fn fold_space(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
    let (b, e) = (fold_punct(body), fold_punct(exact));
    if b.contains(&e) {
        return Some(
            "they differ in quote marks or dashes: the document uses ’ “ ” and —".to_string(),
        );
    }
    let (b, e) = (fold_space(&b), fold_space(&e));
    if b.contains(&e) {
        return Some("they differ in spaces or line breaks".to_string());
    }
    if b.to_lowercase().contains(&e.to_lowercase()) {
        return Some("they differ in letter case".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(exact: &str) -> Quote {
        Quote {
            exact: exact.into(),
            prefix: None,
            suffix: None,
        }
    }

    fn span_text(body: &str, s: Span) -> String {
        body.chars().skip(s.start).take(s.end - s.start).collect()
    }

    #[test]
    fn offsets_count_code_points_not_bytes() {
        let body = "“Taliban 2.0” — chargé d’affaires in Moscow";
        let quotes = [q("chargé d’affaires"), q("Moscow")];
        let refs: Vec<&Quote> = quotes.iter().collect();
        let found = locate_all(body, &refs);
        let s = found[0].clone().unwrap();
        assert_eq!((s.start, s.end), (16, 33));
        assert_eq!(span_text(body, s), "chargé d’affaires");
        assert_eq!(span_text(body, found[1].clone().unwrap()), "Moscow");
    }

    #[test]
    fn repeated_words_need_context() {
        let body = "Moscow said. Then Moscow acted.";
        let plain = q("Moscow");
        let with_prefix = Quote {
            prefix: Some("Then ".into()),
            ..q("Moscow")
        };
        let wrong = Quote {
            suffix: Some(" slept".into()),
            ..q("Moscow")
        };
        let found = locate_all(body, &[&plain, &with_prefix, &wrong]);
        assert_eq!(found[0], Err(LocateError::Ambiguous { count: 2 }));
        assert_eq!(found[1], Ok(Span { start: 18, end: 24 }));
        assert_eq!(found[2], Err(LocateError::NoneWithContext { count: 2 }));
    }

    #[test]
    fn overlapping_occurrences_are_counted() {
        let found = locate_all("aaa", &[&q("aa")]);
        assert_eq!(found[0], Err(LocateError::Ambiguous { count: 2 }));
    }

    #[test]
    fn near_misses_are_explained() {
        let found = locate_all(
            "the Taliban’s return",
            &[&q("Taliban's return"), &q("nothing")],
        );
        assert!(
            matches!(&found[0], Err(LocateError::NotFound { near: Some(w) }) if w.contains("quote marks"))
        );
        assert_eq!(found[1], Err(LocateError::NotFound { near: None }));
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        /// Text made of pieces that trip byte/code-point confusions: accents precomposed and combining, emoji with
        /// modifiers, right-to-left scripts, CJK, curly punctuation, CRLF line ends.
        fn document() -> impl Strategy<Value = String> {
            let pieces = prop::sample::select(vec![
                "the",
                "Moscow",
                "Kabul",
                " ",
                " ",
                ", ",
                ". ",
                "\r\n",
                "\n",
                "é",
                "e\u{301}",
                "😀",
                "👍🏽",
                "مرحبا",
                "طالبان",
                "שלום",
                "漢字",
                "’",
                "“",
                "”",
                "—",
                "a",
                "aa",
                "chargé d’affaires",
                "\u{200f}",
            ]);
            prop::collection::vec(pieces, 1..60).prop_map(|v| v.concat())
        }

        /// Text of two letters, where occurrences overlap often ("aa" twice in "aaa").
        fn few_letters() -> impl Strategy<Value = String> {
            "[ab]{1,40}"
        }

        proptest! {
            #[test]
            fn located_spans_hold_the_exact_words(doc in document(), a in 0usize..400, len in 1usize..40) {
                let chars: Vec<char> = doc.chars().collect();
                let start = a % chars.len();
                let end = (start + len).min(chars.len());
                let exact: String = chars[start..end].iter().collect();
                let before: String = chars[..start].iter().collect();
                let after: String = chars[end..].iter().collect();
                let plain = Quote { exact: exact.clone(), prefix: None, suffix: None };
                let pinned = Quote {
                    exact: exact.clone(),
                    prefix: Some(before).filter(|s| !s.is_empty()),
                    suffix: Some(after).filter(|s| !s.is_empty()),
                };
                let found = locate_all(&doc, &[&plain, &pinned]);
                // With the whole text around it as context, the occurrence is the one chosen.
                prop_assert_eq!(&found[1], &Ok(Span { start, end }));
                match &found[0] {
                    Ok(span) => {
                        let got: String = chars[span.start..span.end].iter().collect();
                        prop_assert_eq!(got, exact);
                    }
                    Err(LocateError::Ambiguous { count }) => prop_assert!(*count >= 2),
                    Err(other) => prop_assert!(false, "unexpected {:?}", other),
                }
            }

            #[test]
            fn each_on_its_own_finds_what_the_automaton_finds(doc in prop_oneof![document(), few_letters()], picks in prop::collection::vec((0usize..400, 1usize..12, 0usize..4, 0usize..4), 1..8)) {
                let chars: Vec<char> = doc.chars().collect();
                let text = |a: usize, b: usize| -> String { chars[a.min(chars.len())..b.min(chars.len())].iter().collect() };
                let quotes: Vec<Quote> = picks.iter().map(|&(a, len, before, after)| {
                    let start = a % chars.len();
                    let end = (start + len).min(chars.len());
                    Quote {
                        exact: text(start, end),
                        prefix: Some(text(start.saturating_sub(before), start)).filter(|s| !s.is_empty()),
                        suffix: Some(text(end, end + after)).filter(|s| !s.is_empty()),
                    }
                }).collect();
                let refs: Vec<&Quote> = quotes.iter().collect();
                prop_assert_eq!(locate(&doc, &refs, true), locate(&doc, &refs, false));
            }

            #[test]
            fn locating_together_equals_locating_alone(doc in document(), picks in prop::collection::vec((0usize..400, 1usize..12), 1..8)) {
                let chars: Vec<char> = doc.chars().collect();
                let quotes: Vec<Quote> = picks.iter().map(|(a, len)| {
                    let start = a % chars.len();
                    let end = (start + len).min(chars.len());
                    Quote { exact: chars[start..end].iter().collect(), prefix: None, suffix: None }
                }).collect();
                let refs: Vec<&Quote> = quotes.iter().collect();
                let together = locate_all(&doc, &refs);
                for (q, t) in quotes.iter().zip(&together) {
                    prop_assert_eq!(&locate_all(&doc, &[q])[0], t);
                }
            }
        }
    }
}
