//! A first seed file for a new document: the `[document]` table, a `[[mentions]]` entry for every known actor
//! named in the text, and, as comments for a person to decide, candidate quotes and dated events. What is not
//! commented passes `check` as written.

use std::fmt::Write;

use super::dates;
use super::passage::{self, toml_string};

/// An actor the seed knows: slug, name, aliases.
pub type KnownActor = (String, String, Vec<String>);

/// A byte range of the body.
type Range = (usize, usize);

/// What a draft proposes, for the summary line.
#[derive(Debug, Default)]
pub struct Counts {
    pub mentions: usize,
    pub quotes: usize,
    pub dates: usize,
}

/// Whether a range stands as whole words: no letter or digit just before or after.
fn whole_word(body: &str, (s, e): (usize, usize)) -> bool {
    let before = body[..s].chars().next_back();
    let after = body[e..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// The selector that picks the range `at` of `body` among `all` the occurrences of its words, or None when no
/// prefix or suffix tells it apart.
fn pick(body: &str, at: (usize, usize), all: &[(usize, usize)]) -> Option<String> {
    let s = passage::selector(body, &body[at.0..at.1], at, all);
    (!s.contains("\"…\"")).then_some(s)
}

/// The title: the first line that reads like one (letters, not a date, not a sentence, not too long).
fn title(body: &str) -> Option<(usize, String)> {
    body.lines().enumerate().take(30).find_map(|(i, l)| {
        let t = l.trim();
        let reads = !t.is_empty()
            && t.chars().count() <= 150
            && t.chars().any(char::is_alphabetic)
            && !t.ends_with(['.', ',', ';', ':'])
            && dates::date_line(t).is_none();
        reads.then(|| (i + 1, t.to_string()))
    })
}

/// The published date: the first line near the top that is a date and nothing else.
fn published(body: &str) -> Option<(usize, String)> {
    body.lines()
        .enumerate()
        .take(15)
        .find_map(|(i, l)| dates::date_line(l).map(|d| (i + 1, d)))
}

/// English, when its commonest words make up a good share of the text.
fn looks_english(body: &str) -> bool {
    let mut words = 0usize;
    let mut common = 0usize;
    for w in body
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(5000)
    {
        words += 1;
        if matches!(
            w.to_lowercase().as_str(),
            "the" | "and" | "of" | "to" | "in" | "a" | "is" | "that"
        ) {
            common += 1;
        }
    }
    words >= 5 && common * 100 >= words * 8
}

/// Whether a sentence ends at byte `i`: a line break, or `.`, `!` or `?` followed by white space or the end.
fn ends_sentence(body: &str, i: usize) -> bool {
    let mut rest = body[i..].chars();
    match rest.next() {
        Some('\n') => true,
        Some('.' | '!' | '?') => rest.next().is_none_or(char::is_whitespace),
        _ => false,
    }
}

/// The sentence around a byte range, trimmed: from after the end of the sentence before it to the end of its own.
fn sentence(body: &str, (s, e): (usize, usize)) -> (usize, usize) {
    let start = body[..s]
        .char_indices()
        .rev()
        .find(|&(i, _)| ends_sentence(body, i))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = body[e..]
        .char_indices()
        .find(|&(i, _)| ends_sentence(body, e + i))
        .map_or(body.len(), |(i, c)| {
            e + i + if c == '\n' { 0 } else { c.len_utf8() }
        });
    let text = &body[start..end];
    let lead = text.len() - text.trim_start().len();
    let trail = text.len() - text.trim_end().len();
    (start + lead, end - trail)
}

/// Passages in quotation marks, curly or straight, within one paragraph: the byte range of the words inside.
fn quoted(body: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (open, close) in [('“', '”'), ('"', '"'), ('«', '»')] {
        let mut from = 0;
        while let Some(i) = body[from..].find(open) {
            let start = from + i + open.len_utf8();
            let Some(j) = body[start..].find(close) else {
                break;
            };
            let end = start + j;
            let inner = &body[start..end];
            from = end + close.len_utf8();
            if inner.trim().is_empty() || inner.contains("\n\n") || inner.chars().count() > 2000 {
                continue;
            }
            out.push((start, end));
        }
    }
    out.sort_unstable();
    out
}

/// Writes the seed file for a new document.
pub fn draft(
    slug: &str,
    file: &str,
    source: &str,
    body: &str,
    actors: &[KnownActor],
) -> (String, Counts) {
    let mut t = String::new();
    let published = document_table(&mut t, slug, file, source, body);
    let lines = passage::Lines::new(body);
    let found = Candidates::find(body, actors, &lines, published.as_ref());
    let mut d = Drafter {
        slug,
        body,
        actors,
        lines,
        counts: Counts::default(),
        named: Vec::new(),
    };
    d.mentions(&mut t, &found);
    d.quotes(&mut t, &found);
    d.events(&mut t, &found);
    (t, d.counts)
}

/// The header comment and the `[document]` table; returns the published date and its line.
fn document_table(
    t: &mut String,
    slug: &str,
    file: &str,
    source: &str,
    body: &str,
) -> Option<(usize, String)> {
    let source: String = source
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    let _ = writeln!(
        t,
        "# Drafted by `dossier draft` from {source}.\n# Lines that start with `#` are proposals for a person to \
         decide: uncomment and complete those that are right,\n# delete the rest, then run `dossier check`. What \
         is not commented passes `check` as it stands.\n"
    );
    t.push_str("[document]\n");
    let _ = writeln!(t, "slug = {}", toml_string(slug));
    let _ = writeln!(t, "file = {}", toml_string(file));
    let _ = match title(body) {
        Some((line, title)) => writeln!(t, "title = {}    # line {line}", toml_string(&title)),
        None => writeln!(
            t,
            "title = {}    # no line reads like a title: write one",
            toml_string(slug)
        ),
    };
    let pubdate = published(body);
    let _ = match &pubdate {
        Some((line, d)) => writeln!(
            t,
            "published = {}    # EDTF, from line {line}",
            toml_string(d)
        ),
        None => writeln!(
            t,
            "# published = \"\"    # EDTF: 2025, 2025-07 or 2025-07-03"
        ),
    };
    t.push_str(if looks_english(body) {
        "language = \"en\"    # a guess from its commonest words\n"
    } else {
        "# language = \"\"    # a BCP 47 tag such as \"fa-AF\"\n"
    });
    pubdate
}

/// Everything to look for, found in one pass over the body: each actor's names, each quoted passage and its
/// sentence, each date's sentence.
struct Candidates<'b> {
    /// (actor index, name or alias)
    terms: Vec<(usize, &'b str)>,
    /// (the words inside the marks, their sentence)
    quotes: Vec<((usize, usize), (usize, usize))>,
    /// (the date, its sentence)
    dates: Vec<(dates::FoundDate, (usize, usize))>,
    /// Every occurrence of each term, each quote, each quote's sentence and each date's sentence, in that order.
    hits: Vec<Vec<(usize, usize)>>,
}

impl<'b> Candidates<'b> {
    fn find(
        body: &'b str,
        actors: &'b [KnownActor],
        lines: &passage::Lines,
        published: Option<&(usize, String)>,
    ) -> Candidates<'b> {
        let terms: Vec<(usize, &str)> = actors
            .iter()
            .enumerate()
            .flat_map(|(a, (_, name, aliases))| {
                std::iter::once(name.as_str())
                    .chain(aliases.iter().map(String::as_str))
                    .map(move |t| (a, t))
            })
            .collect();
        let quotes: Vec<_> = quoted(body)
            .into_iter()
            .map(|q| (q, sentence(body, q)))
            .collect();
        // A day and month without a year take the document's; the published line itself is no event.
        let year: Option<i32> = published.and_then(|(_, d)| d.get(..4)?.parse().ok());
        let skip_line = published.map(|(l, _)| *l);
        let dates: Vec<_> = dates::find(body, year)
            .into_iter()
            .filter(|d| Some(lines.line_column(d.bytes.0).0) != skip_line)
            .map(|d| {
                let s = sentence(body, d.bytes);
                (d, s)
            })
            .collect();
        let text = |r: &(usize, usize)| &body[r.0..r.1];
        let mut patterns: Vec<&str> = terms.iter().map(|t| t.1).collect();
        patterns.extend(quotes.iter().map(|(q, _)| text(q)));
        patterns.extend(quotes.iter().map(|(_, s)| text(s)));
        patterns.extend(dates.iter().map(|(_, s)| text(s)));
        let hits = passage::find_many(body, &patterns);
        Candidates {
            terms,
            quotes,
            dates,
            hits,
        }
    }

    fn term_hits(&self, i: usize) -> &[Range] {
        &self.hits[i]
    }

    /// The occurrences of quote `i`'s words, and of its sentence.
    fn quote_hits(&self, i: usize) -> (&[Range], &[Range]) {
        let at = self.terms.len() + i;
        (&self.hits[at], &self.hits[at + self.quotes.len()])
    }

    fn date_hits(&self, i: usize) -> &[Range] {
        &self.hits[self.terms.len() + 2 * self.quotes.len() + i]
    }
}

/// Writes the proposals, counting them, and remembering where actors are named for guessing speakers.
struct Drafter<'a> {
    slug: &'a str,
    body: &'a str,
    actors: &'a [KnownActor],
    lines: passage::Lines<'a>,
    counts: Counts,
    /// Every place an actor is named: (actor index, byte range), sorted.
    named: Vec<(usize, (usize, usize))>,
}

impl Drafter<'_> {
    /// A `[[mentions]]` entry for every known actor whose name or alias stands in the text as whole words.
    fn mentions(&mut self, t: &mut String, found: &Candidates) {
        let body = self.body;
        let mut evidence: Vec<Vec<String>> = vec![Vec::new(); self.actors.len()];
        for (i, (a, _)) in found.terms.iter().enumerate() {
            let hits = found.term_hits(i);
            let whole: Vec<(usize, usize)> = hits
                .iter()
                .copied()
                .filter(|&r| whole_word(body, r))
                .collect();
            self.named.extend(whole.iter().map(|&r| (*a, r)));
            if let Some(sel) = whole.first().and_then(|&r| pick(body, r, hits)) {
                evidence[*a].push(sel);
            }
        }
        self.named.sort_by_key(|(_, r)| *r);
        let mut out = String::new();
        for ((actor, _, _), evidence) in self.actors.iter().zip(&evidence) {
            if !evidence.is_empty() {
                self.counts.mentions += 1;
                let _ = writeln!(
                    out,
                    "\n[[mentions]]\nactor = {}\nevidence = [{}]",
                    toml_string(actor),
                    evidence.join(", ")
                );
            }
        }
        if !out.is_empty() {
            t.push_str(
                "\n# Known actors named in the text. Each evidence picks one place; `dossier locate` lists the \
                 others.\n",
            );
            t.push_str(&out);
        }
    }

    /// The actor named closest before or after a passage, as the speaker line of a proposed quote.
    fn speaker(&self, (s, e): (usize, usize)) -> String {
        let after = self.named.partition_point(|(_, r)| r.0 < s);
        let around = &self.named[after.saturating_sub(1)..(after + 1).min(self.named.len())];
        let distance = |r: &(usize, usize)| {
            if r.1 <= s {
                s - r.1
            } else {
                r.0.saturating_sub(e)
            }
        };
        match around.iter().min_by_key(|(_, r)| distance(r)) {
            Some((a, r)) => {
                let (line, column) = self.lines.line_column(r.0);
                format!(
                    "{}    # a guess: the nearest actor named, {} at {line}:{column}",
                    toml_string(&self.actors[*a].0),
                    toml_string(&self.body[r.0..r.1])
                )
            }
            None => "\"\"    # who says it? an actor's slug".to_string(),
        }
    }

    /// A commented `[[quotes]]` entry for every passage in quotation marks.
    fn quotes(&mut self, t: &mut String, found: &Candidates) {
        let mut out = String::new();
        for (i, (q, sent)) in found.quotes.iter().enumerate() {
            let (hits, sentence_hits) = found.quote_hits(i);
            let (Some(text), Some(evidence)) = (
                pick(self.body, *q, hits),
                pick(self.body, *sent, sentence_hits),
            ) else {
                continue;
            };
            self.counts.quotes += 1;
            let speaker = self.speaker(*q);
            let (line, column) = self.lines.line_column(q.0);
            let _ = writeln!(
                out,
                "\n# [[quotes]]    # line {line}:{column}\n# slug = \"{slug}-quote-{n}\"\n# speaker = {speaker}\n\
                 # kind = \"direct\"    # or \"paraphrase\"\n# text = {text}\n# evidence = [{evidence}]",
                slug = self.slug,
                n = self.counts.quotes
            );
        }
        if !out.is_empty() {
            t.push_str("\n# Passages in quotation marks: a quote for each that someone says.\n");
            t.push_str(&out);
        }
    }

    /// A commented `[[events]]` entry for every date, as EDTF beside its sentence.
    fn events(&mut self, t: &mut String, found: &Candidates) {
        let mut out = String::new();
        for (i, (d, sent)) in found.dates.iter().enumerate() {
            let Some(evidence) = pick(self.body, *sent, found.date_hits(i)) else {
                continue;
            };
            self.counts.dates += 1;
            let (line, column) = self.lines.line_column(d.bytes.0);
            let words = toml_string(&self.body[d.bytes.0..d.bytes.1]);
            let why = if d.year_assumed {
                format!("{words}; the year is the document's")
            } else {
                words
            };
            let _ = writeln!(
                out,
                "\n# [[events]]    # line {line}:{column}\n# slug = \"{slug}-event-{n}\"\n# date = {}    # {why}\n\
                 # kind = \"other\"\n# actor = []\n# summary = \"\"\n# evidence = [{evidence}]",
                toml_string(&d.edtf),
                slug = self.slug,
                n = self.counts.dates
            );
        }
        if !out.is_empty() {
            t.push_str(
                "\n# Dates in the text, as EDTF, each with its sentence: an event for those that matter.\n",
            );
            t.push_str(&out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_names_actors_quotes_and_dates() {
        let body = "3 July 2025\n\nA Visit to Strelsau\n\nRudolf said “we stay” in Strelsau. In December 2023 \
                    Rudolf had said \"we go\". On July 4 Strelsau agreed.\n";
        let actors = vec![(
            "rudolf".to_string(),
            "Rudolf".to_string(),
            vec!["Strelsau".to_string()],
        )];
        let (t, counts) = draft("visit", "visit.txt", "visit.txt", body, &actors);
        assert!(t.contains("title = \"A Visit to Strelsau\""), "{t}");
        assert!(t.contains("published = \"2025-07-03\""), "{t}");
        assert!(t.contains("evidence = [{ exact = \"Rudolf\", "), "{t}");
        assert!(t.contains("# text = \"we stay\""), "{t}");
        assert!(t.contains("# text = \"we go\""), "{t}");
        assert!(t.contains("# speaker = \"rudolf\""), "{t}");
        assert!(t.contains("# date = \"2023-12\""), "{t}");
        assert!(
            t.contains("# date = \"2025-07-04\"    # \"July 4\"; the year is the document's"),
            "{t}"
        );
        assert_eq!((counts.mentions, counts.quotes, counts.dates), (1, 2, 2));
        let parsed: toml::Table = toml::from_str(&t).expect("TOML");
        assert_eq!(parsed["mentions"].as_array().unwrap().len(), 1);
    }

    mod props {
        use super::super::*;
        use crate::seed::{SeedFiles, check};
        use proptest::prelude::*;

        /// Prose made of pieces that trip a drafter: the minimal seed's actor names, repeated; quotation marks of
        /// every kind, paired or not; dates in every style, possible or not; line breaks, control characters and
        /// non-Latin script.
        fn document() -> impl Strategy<Value = String> {
            let pieces = prop::sample::select(vec![
                "Ruritania",
                "Free Council",
                "Critics",
                " ",
                " ",
                ". ",
                ", ",
                "\n",
                "\r\n",
                "\n\n",
                "“",
                "”",
                "\"",
                "«",
                "»",
                "’s",
                "3 July 2025",
                "July 3",
                "December 2023",
                "30 February 2025",
                "2024-02-29",
                "May",
                "said",
                "the",
                "Руритания",
                "漢字",
                "😀",
                "\t",
                "\u{7}",
                "\\",
                "#",
                "=",
                "[[mentions]]",
                "\u{a0}",
            ]);
            prop::collection::vec(pieces, 1..80).prop_map(|v| v.concat())
        }

        proptest! {
            #[test]
            fn a_draft_always_passes_check_as_written(body in document()) {
                let mut files = SeedFiles::minimal_fixture();
                let actors = vec![
                    ("ruritania".to_string(), "Ruritania".to_string(), vec!["Руритания".to_string()]),
                    ("free-council".to_string(), "Free Council".to_string(), vec![]),
                    ("critics".to_string(), "Critics".to_string(), vec![]),
                ];
                let (toml, _) = draft("drafted", "drafted.txt", "a \"file\"\r\n.txt", &body, &actors);
                files.files.insert("documents/drafted.txt".into(), body.clone().into_bytes());
                files.files.insert("documents/drafted.toml".into(), toml.clone().into_bytes());
                let result = check(&files);
                prop_assert!(result.is_ok(), "{}\n---\n{toml}", result.err().unwrap());
            }
        }
    }
}
