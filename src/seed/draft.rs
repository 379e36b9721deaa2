//! A first seed file for a new document: the `[document]` table, a `[[mentions]]` entry for every known actor
//! named in the text, and, as comments for a person to decide, candidate quotes and dated events. What is not
//! commented passes `check` as written.

use std::fmt::Write;

use super::dates;
use super::passage::{self, line_column, ranges, toml_string};

/// An actor the seed knows: slug, name, aliases.
pub type KnownActor = (String, String, Vec<String>);

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

/// The selector that picks the range `at` of `body`, or None when no prefix or suffix tells it apart.
fn pick(body: &str, at: (usize, usize)) -> Option<String> {
    let words = &body[at.0..at.1];
    let all = ranges(body, words);
    let s = passage::selector(body, words, at, &all);
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
    for w in body.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).take(5000) {
        words += 1;
        if matches!(w.to_lowercase().as_str(), "the" | "and" | "of" | "to" | "in" | "a" | "is" | "that") {
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
        .map_or(body.len(), |(i, c)| e + i + if c == '\n' { 0 } else { c.len_utf8() });
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
pub fn draft(slug: &str, file: &str, source: &str, body: &str, actors: &[KnownActor]) -> (String, Counts) {
    let mut counts = Counts::default();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Drafted by `dossier draft` from {}.\n# Lines that start with `#` are proposals for a person to decide: \
         uncomment and complete those that are right,\n# delete the rest, then run `dossier check`. What is not \
         commented passes `check` as it stands.\n",
        source.replace('\n', " ")
    );
    t.push_str("[document]\n");
    let _ = writeln!(t, "slug = {}", toml_string(slug));
    let _ = writeln!(t, "file = {}", toml_string(file));
    match title(body) {
        Some((line, title)) => {
            let _ = writeln!(t, "title = {}    # line {line}", toml_string(&title));
        }
        None => {
            let _ = writeln!(t, "title = {}    # no line reads like a title: write one", toml_string(slug));
        }
    }
    let pubdate = published(body);
    match &pubdate {
        Some((line, d)) => {
            let _ = writeln!(t, "published = {}    # EDTF, from line {line}", toml_string(d));
        }
        None => t.push_str("# published = \"\"    # EDTF: 2025, 2025-07 or 2025-07-03\n"),
    }
    if looks_english(body) {
        t.push_str("language = \"en\"    # a guess from its commonest words\n");
    } else {
        t.push_str("# language = \"\"    # a BCP 47 tag such as \"fa-AF\"\n");
    }
    let year: Option<i32> = pubdate.as_ref().and_then(|(_, d)| d.get(..4)?.parse().ok());

    // Mentions: every known actor whose name or alias stands in the text as whole words.
    let mut named: Vec<(usize, (usize, usize))> = Vec::new();
    let mut mentions = String::new();
    for (a, (actor, name, aliases)) in actors.iter().enumerate() {
        let mut evidence = Vec::new();
        for term in std::iter::once(name).chain(aliases) {
            let hits: Vec<(usize, usize)> =
                ranges(body, term).into_iter().filter(|&r| whole_word(body, r)).collect();
            named.extend(hits.iter().map(|&r| (a, r)));
            if let Some(sel) = hits.first().and_then(|&r| pick(body, r)) {
                evidence.push(sel);
            }
        }
        if !evidence.is_empty() {
            counts.mentions += 1;
            let _ = writeln!(
                mentions,
                "\n[[mentions]]\nactor = {}\nevidence = [{}]",
                toml_string(actor),
                evidence.join(", ")
            );
        }
    }
    named.sort_by_key(|(_, r)| *r);
    if !mentions.is_empty() {
        t.push_str(
            "\n# Known actors named in the text. Each evidence picks one place; `dossier locate` lists the others.\n",
        );
        t.push_str(&mentions);
    }

    // Quotes: every passage in quotation marks, its speaker guessed from the nearest actor named.
    let mut quotes = String::new();
    for (s, e) in quoted(body) {
        let (Some(text), Some(evidence)) = (pick(body, (s, e)), pick(body, sentence(body, (s, e)))) else {
            continue;
        };
        counts.quotes += 1;
        let nearest = named
            .iter()
            .min_by_key(|(_, r)| if r.1 <= s { s - r.1 } else { r.0.saturating_sub(e) });
        let speaker = match nearest {
            Some((a, r)) => {
                let (line, column) = line_column(body, r.0);
                format!(
                    "{}    # a guess: the nearest actor named, {} at {line}:{column}",
                    toml_string(&actors[*a].0),
                    toml_string(&body[r.0..r.1])
                )
            }
            None => "\"\"    # who says it? an actor's slug".to_string(),
        };
        let (line, column) = line_column(body, s);
        let _ = writeln!(
            quotes,
            "\n# [[quotes]]    # line {line}:{column}\n# slug = \"{slug}-quote-{n}\"\n# speaker = {speaker}\n\
             # kind = \"direct\"    # or \"paraphrase\"\n# text = {text}\n# evidence = [{evidence}]",
            n = counts.quotes
        );
    }
    if !quotes.is_empty() {
        t.push_str("\n# Passages in quotation marks: a quote for each that someone says.\n");
        t.push_str(&quotes);
    }

    // Dates: each as EDTF beside its sentence, as an event to complete.
    let skip_line = pubdate.as_ref().map(|(l, _)| *l);
    let mut events = String::new();
    for d in dates::find(body, year) {
        let (line, column) = line_column(body, d.bytes.0);
        if Some(line) == skip_line {
            continue;
        }
        let Some(evidence) = pick(body, sentence(body, d.bytes)) else {
            continue;
        };
        counts.dates += 1;
        let why = if d.year_assumed {
            format!("{}; the year is the document's", toml_string(&body[d.bytes.0..d.bytes.1]))
        } else {
            toml_string(&body[d.bytes.0..d.bytes.1])
        };
        let _ = writeln!(
            events,
            "\n# [[events]]    # line {line}:{column}\n# slug = \"{slug}-event-{n}\"\n# date = {}    # {why}\n\
             # kind = \"other\"\n# actor = []\n# summary = \"\"\n# evidence = [{evidence}]",
            toml_string(&d.edtf),
            n = counts.dates
        );
    }
    if !events.is_empty() {
        t.push_str("\n# Dates in the text, as EDTF, each with its sentence: an event for those that matter.\n");
        t.push_str(&events);
    }
    (t, counts)
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
        assert!(t.contains("# date = \"2025-07-04\"    # \"July 4\"; the year is the document's"), "{t}");
        assert_eq!((counts.mentions, counts.quotes, counts.dates), (1, 2, 2));
        let parsed: toml::Table = toml::from_str(&t).expect("TOML");
        assert_eq!(parsed["mentions"].as_array().unwrap().len(), 1);
    }
}
