//! Reading a TOML seed file past its bad values, so that one run reports every problem in it.
//!
//! A syntax error stops the file. Otherwise the file is read into a tree that keeps each value's position, and
//! deserialised; when a value fails, the problem is kept with its span, the value is taken out of the tree (an
//! element of a list, a key of a table, or, when a required field is missing, the whole record) and the tree is
//! deserialised again. The rest of the record and the rest of the file are still checked.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// One value that failed: where, and why.
pub struct ValueError {
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// What a lenient read gives: the value (None if even the repaired tree fails), every value error, and the slugs
/// of records that had to be left out whole.
pub struct Lenient<T> {
    pub value: Option<T>,
    pub errors: Vec<ValueError>,
    pub dropped: Vec<String>,
}

/// How many bad values one file may report before reading it stops.
const MAX_ERRORS: usize = 100;

/// Reads TOML `text` as `T`, or returns the syntax error that stops the file.
pub fn parse_toml<T: DeserializeOwned>(text: &str) -> Result<Lenient<T>, ValueError> {
    let first = match toml::from_str::<T>(text) {
        Ok(value) => return Ok(Lenient::read(value)),
        Err(e) => e,
    };
    match DeTable::parse(text) {
        Ok(mut tree) => {
            tree.get_mut().make_owned();
            Ok(read_past(tree))
        }
        Err(_) => Err(ValueError {
            span: first.span(),
            message: first.message().trim().to_string(),
        }),
    }
}

/// Reads JSON `text` as `T` the same way, or returns the syntax error that stops the file.
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<Lenient<T>, ValueError> {
    let first = match serde_json::from_str::<T>(text) {
        Ok(value) => return Ok(Lenient::read(value)),
        Err(e) => e,
    };
    let syntax = || {
        let message = first.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        // serde_json gives a line and column; turn them into a byte offset for a span.
        let offset: usize = text
            .split_inclusive('\n')
            .take(first.line().saturating_sub(1))
            .map(str::len)
            .sum::<usize>()
            + text
                .split_inclusive('\n')
                .nth(first.line().saturating_sub(1))
                .map_or(0, |l| {
                    l.char_indices()
                        .nth(first.column().saturating_sub(1))
                        .map_or(l.len(), |(i, _)| i)
                });
        ValueError {
            span: Some(offset..offset),
            message,
        }
    };
    if first.is_syntax() || first.is_eof() {
        return Err(syntax());
    }
    match json::tree(text) {
        Some(tree) => Ok(read_past(tree)),
        None => Err(syntax()),
    }
}

impl<T> Lenient<T> {
    fn read(value: T) -> Lenient<T> {
        Lenient {
            value: Some(value),
            errors: Vec::new(),
            dropped: Vec::new(),
        }
    }
}

/// Deserialises `tree` as `T`, taking out each value that fails and putting stand-ins where required values are
/// missing, until it reads or nothing more can be taken out.
fn read_past<T: DeserializeOwned>(mut tree: Spanned<DeTable<'_>>) -> Lenient<T> {
    let mut out = Lenient {
        value: None,
        errors: Vec::new(),
        dropped: Vec::new(),
    };
    let mut removed: Vec<String> = Vec::new();
    // Stand-ins put where a required value was taken out, so that the rest of its record is still checked:
    // (the record's span, the key, how many stand-ins were tried).
    let mut standins: Vec<(Range<usize>, String, usize)> = Vec::new();
    // Keys reported as unknown: a required key spelt nearly so is then not reported as missing too.
    let mut misspelt: Vec<String> = Vec::new();
    // Each round takes one value out or tries one stand-in, so the rounds are bounded; each deserialises the
    // whole file again, so a file with very many bad values stops early rather than taking quadratic time.
    loop {
        if out.errors.len() >= MAX_ERRORS {
            out.errors.push(ValueError {
                span: None,
                message: format!("more than {MAX_ERRORS} bad values: fix these, then check again"),
            });
            return out;
        }
        match T::deserialize(toml::de::Deserializer::from(tree.clone())) {
            Ok(value) => {
                out.value = Some(value);
                return out;
            }
            Err(e) => {
                let Some(span) = e.span() else {
                    out.errors.push(ValueError {
                        span: None,
                        message: e.message().trim().to_string(),
                    });
                    return out;
                };
                let message = e.message().trim().to_string();
                // A stand-in that does not fit this record: take it out, and the next one is tried.
                if let Some((_, key, _)) = standins.iter().find(|(at, _, _)| *at == span)
                    && !message.starts_with("missing field")
                    && let Some(table) = table_at(tree.get_mut(), &span)
                {
                    table.remove(key.as_str());
                    continue;
                }
                // A missing required value gets a stand-in, so that the rest of its record is still checked;
                // when none fits, the record goes. It is reported once, and not at all when it is missing because
                // its bad value was taken out, or because its key was misspelt (that is reported already).
                if let Some(key) = quoted_name(&message, "missing field `") {
                    let entry = standins
                        .iter()
                        .position(|(at, k, _)| *at == span && *k == key);
                    let tried = match entry {
                        Some(e) => {
                            standins[e].2 += 1;
                            standins[e].2
                        }
                        None => {
                            let ours = removed.iter().any(|k| {
                                *k == key
                                    || (misspelt.contains(k) && strsim::levenshtein(k, &key) <= 2)
                            });
                            if !ours {
                                out.errors.push(ValueError {
                                    span: Some(span.clone()),
                                    message,
                                });
                            }
                            standins.push((span.clone(), key.clone(), 0));
                            0
                        }
                    };
                    if let Some(value) = standin(&key, tried)
                        && let Some(table) = table_at(tree.get_mut(), &span)
                    {
                        let k = Spanned::new(span.clone(), std::borrow::Cow::Owned(key.clone()));
                        table.insert(k, Spanned::new(span.clone(), DeValue::String(value.into())));
                        continue;
                    }
                } else {
                    if let Some(key) = quoted_name(&message, "unknown field `") {
                        misspelt.push(key);
                    }
                    out.errors.push(ValueError {
                        span: Some(span.clone()),
                        message,
                    });
                }
                if !remove(tree.get_mut(), &span, &mut out.dropped, &mut removed) {
                    return out;
                }
            }
        }
    }
}

/// The name between backticks after `lead` in a serde message: "missing field `date`" gives `date`.
fn quoted_name(message: &str, lead: &str) -> Option<String> {
    let rest = message.strip_prefix(lead)?;
    rest.split('`').next().map(str::to_string)
}

/// The `n`th stand-in for a required key: values that parse and that no later check looks at (an event's date
/// is never compared, a kind is never checked again). References and a body's file name have none: a stand-in
/// there would be reported as unknown.
fn standin(key: &str, n: usize) -> Option<&'static str> {
    let list: &[&str] = match key {
        "date" => &["2000"],
        "kind" => &["other", "group", "direct"],
        "status" => &["ended"],
        "name" | "title" | "summary" => &["?"],
        _ => &[],
    };
    list.get(n).copied()
}

/// The table (a record) whose span is `at`, at any depth.
fn table_at<'t, 'i>(table: &'t mut DeTable<'i>, at: &Range<usize>) -> Option<&'t mut DeTable<'i>> {
    for (_, value) in table.iter_mut() {
        let span = value.span();
        match value.get_mut() {
            DeValue::Table(t) => {
                if span == *at {
                    return Some(t);
                }
                if let Some(found) = table_at(t, at) {
                    return Some(found);
                }
            }
            DeValue::Array(items) => {
                for item in items.iter_mut() {
                    let span = item.span();
                    if let DeValue::Table(t) = item.get_mut() {
                        if span == *at {
                            return Some(t);
                        }
                        if let Some(found) = table_at(t, at) {
                            return Some(found);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

fn holds(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Takes out of `table` the deepest value whose span holds `at`; a record that is itself at fault (a required
/// field is missing: the span is its header) goes whole, its slug noted in `dropped`. False when nothing holds
/// `at`. A table's own span is its header only, so every child is searched.
fn remove(
    table: &mut DeTable<'_>,
    at: &Range<usize>,
    dropped: &mut Vec<String>,
    removed: &mut Vec<String>,
) -> bool {
    let keys: Vec<_> = table.keys().cloned().collect();
    for key in keys {
        let value = table.get_mut(&key).expect("listed key");
        let here = holds(&key.span(), at);
        let found = !here
            && match value.get_mut() {
                DeValue::Table(inner) => remove(inner, at, dropped, removed),
                DeValue::Array(items) => remove_item(items, at, dropped, removed),
                _ => false,
            };
        if found {
            return true;
        }
        if here || holds(&value.span(), at) {
            if let DeValue::Table(t) = value.get_ref() {
                note_slug(t, dropped);
            }
            removed.push(key.get_ref().to_string());
            table.remove(&key);
            return true;
        }
    }
    false
}

/// Takes out of a list the element at fault, or the value at fault inside it.
fn remove_item(
    items: &mut DeArray<'_>,
    at: &Range<usize>,
    dropped: &mut Vec<String>,
    removed: &mut Vec<String>,
) -> bool {
    let mut hit = None;
    for (i, item) in items.iter_mut().enumerate() {
        let whole = item.span() == *at;
        let inside = !whole
            && match item.get_mut() {
                DeValue::Table(t) => remove(t, at, dropped, removed),
                DeValue::Array(a) => remove_item(a, at, dropped, removed),
                _ => false,
            };
        if inside {
            return true;
        }
        if whole || holds(&item.span(), at) {
            if let DeValue::Table(t) = item.get_ref() {
                note_slug(t, dropped);
            }
            hit = Some(i);
            break;
        }
    }
    let Some(i) = hit else {
        return false;
    };
    let mut kept = DeArray::new();
    for (j, item) in items.iter().enumerate() {
        if j != i {
            kept.push(item.clone());
        }
    }
    *items = kept;
    true
}

fn note_slug(t: &DeTable<'_>, dropped: &mut Vec<String>) {
    if let Some(slug) = t
        .iter()
        .find(|(k, _)| k.get_ref() == "slug")
        .and_then(|(_, v)| v.get_ref().as_str())
    {
        dropped.push(slug.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::model::DocumentFile;

    const NOTE: &str = include_str!("../../tests/fixtures/minimal/documents/note.toml");

    #[test]
    fn a_bad_optional_value_is_one_problem_and_the_record_stays() {
        let text = NOTE.replace("cameo = \"054\"", "cameo = \"5\"");
        let read = parse_toml::<DocumentFile>(&text)
            .ok()
            .expect("no syntax error");
        assert_eq!(
            read.errors.len(),
            1,
            "{:?}",
            read.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        );
        let doc = read.value.expect("the rest reads");
        assert_eq!(doc.events.len(), 2);
        assert!(doc.events[1].cameo.is_none());
    }

    #[test]
    fn a_bad_required_value_gets_a_stand_in_and_the_record_stays() {
        let text = NOTE
            .replace("date = \"2024-03-02\"", "date = \"March 2024\"")
            .replace("kind = \"direct\"", "kind = \"shouted\"");
        let read = parse_toml::<DocumentFile>(&text)
            .ok()
            .expect("no syntax error");
        let messages: Vec<&str> = read.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("March 2024"), "{messages:?}");
        assert!(messages[1].contains("shouted"), "{messages:?}");
        let doc = read.value.expect("the rest reads");
        assert_eq!(doc.events.len(), 2);
        assert_eq!(
            doc.events[0].evidence.len(),
            1,
            "the record's evidence is still there"
        );
        assert_eq!(doc.quotes.len(), 1);
        assert!(read.dropped.is_empty());
    }

    #[test]
    fn a_missing_or_misspelt_required_key_is_one_problem_and_the_record_stays() {
        let missing = NOTE.replacen("kind = \"meeting\"\n", "", 1);
        let read = parse_toml::<DocumentFile>(&missing)
            .ok()
            .expect("no syntax error");
        let messages: Vec<&str> = read.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["missing field `kind`"]);
        assert_eq!(read.value.expect("the rest reads").events.len(), 2);

        let misspelt = NOTE.replacen("date = \"2024-03-02\"", "dat = \"2024-03-02\"", 1);
        let read = parse_toml::<DocumentFile>(&misspelt)
            .ok()
            .expect("no syntax error");
        assert_eq!(
            read.errors.len(),
            1,
            "{:?}",
            read.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        );
        assert!(read.errors[0].message.starts_with("unknown field `dat`"));
        assert_eq!(read.value.expect("the rest reads").events.len(), 2);
    }

    #[test]
    fn a_bad_reference_drops_its_record_and_names_its_slug() {
        let text = NOTE.replace("speaker = \"critics\"", "speaker = \"The Critics\"");
        let read = parse_toml::<DocumentFile>(&text)
            .ok()
            .expect("no syntax error");
        assert_eq!(read.errors.len(), 1);
        assert!(read.errors[0].message.contains("invalid slug"));
        let doc = read.value.expect("the rest reads");
        assert!(doc.quotes.is_empty());
        assert_eq!(doc.events.len(), 2);
        assert_eq!(read.dropped, ["critics-call-it-a-mistake"]);
    }

    #[test]
    fn very_many_bad_values_stop_after_a_hundred() {
        let mut text = String::from("[document]\nslug = \"d\"\nfile = \"d.txt\"\ntitle = \"D\"\n");
        for i in 0..500 {
            text.push_str(&format!(
                "\n[[events]]\nslug = \"e{i}\"\ndate = \"bad\"\nkind = \"other\"\nsummary = \"s\"\n"
            ));
        }
        let read = parse_toml::<DocumentFile>(&text)
            .ok()
            .expect("no syntax error");
        assert_eq!(read.errors.len(), MAX_ERRORS + 1);
        assert!(
            read.errors
                .last()
                .unwrap()
                .message
                .contains("more than 100")
        );
        assert!(read.value.is_none());
    }

    #[test]
    fn a_json_file_is_read_past_its_bad_values_too() {
        const JSON: &str = include_str!("../../tests/fixtures/json-seed/documents/note.json");
        let text = JSON
            .replace("\"2024-03-02\"", "\"March 2024\"")
            .replace("\"kind\": \"meeting\"", "\"kind\": \"summit\"");
        let read = parse_json::<DocumentFile>(&text)
            .ok()
            .expect("no syntax error");
        let messages: Vec<&str> = read.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("March 2024"), "{messages:?}");
        assert!(messages[1].contains("summit"), "{messages:?}");
        // The spans point at the values in the JSON text.
        let span = read.errors[0].span.clone().expect("a span");
        assert_eq!(&text[span], "\"March 2024\"");
        assert_eq!(read.value.expect("the rest reads").events.len(), 2);
        // A JSON syntax error stops the file, with its position.
        let broken = parse_json::<DocumentFile>("{\"document\": {\"slug\": }")
            .err()
            .expect("syntax");
        assert!(broken.span.is_some());
        // Nesting deep enough to exhaust the stack is refused, not followed.
        let deep = format!(
            "{{\"titel\": 1, \"x\": {}1{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(parse_json::<DocumentFile>(&deep).is_err());
    }

    #[test]
    fn deep_toml_nesting_does_not_exhaust_the_stack() {
        let deep = format!(
            "titel = 1\nx = {}1{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let _ = parse_toml::<DocumentFile>(&deep);
    }

    #[test]
    fn a_syntax_error_stops_the_file() {
        assert!(parse_toml::<DocumentFile>("[document\nslug = 1").is_err());
    }
}

/// JSON read into the same tree as TOML, keeping each key's and value's byte span, so that a JSON seed file is
/// read past its bad values too. Objects become tables and arrays arrays; a `null` is left out, as TOML has none.
mod json {
    use std::borrow::Cow;

    use toml::Spanned;
    use toml::de::{DeArray, DeTable, DeValue};

    struct Reader<'t> {
        text: &'t str,
        at: usize,
        /// How deep in objects and arrays the reader is: a hostile file cannot exhaust the stack.
        depth: usize,
    }

    /// serde_json's own limit.
    const MAX_DEPTH: usize = 128;

    /// The tree of a JSON document whose top level is an object; None when it does not read.
    pub fn tree(text: &str) -> Option<Spanned<DeTable<'_>>> {
        let mut r = Reader {
            text,
            at: 0,
            depth: 0,
        };
        r.space();
        let start = r.at;
        let DeValue::Table(t) = r.value()?.into_inner() else {
            return None;
        };
        r.space();
        (r.at == text.len()).then(|| Spanned::new(start..r.at, t))
    }

    impl<'t> Reader<'t> {
        fn peek(&self) -> Option<u8> {
            self.text.as_bytes().get(self.at).copied()
        }

        fn space(&mut self) {
            while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
                self.at += 1;
            }
        }

        fn eat(&mut self, b: u8) -> Option<()> {
            self.space();
            (self.peek() == Some(b)).then(|| self.at += 1)
        }

        /// Whether the next value is `null`, which is read and then left out.
        fn null_next(&self) -> bool {
            self.text[self.at..].trim_start().starts_with("null")
        }

        fn value(&mut self) -> Option<Spanned<DeValue<'t>>> {
            self.space();
            let start = self.at;
            let value = match self.peek()? {
                b'{' | b'[' if self.depth >= MAX_DEPTH => return None,
                b'{' => {
                    self.depth += 1;
                    let t = self.object();
                    self.depth -= 1;
                    DeValue::Table(t?)
                }
                b'[' => {
                    self.depth += 1;
                    let a = self.array();
                    self.depth -= 1;
                    DeValue::Array(a?)
                }
                b'"' => DeValue::String(Cow::Owned(self.string()?.into_inner())),
                _ => {
                    let end = self.text[start..]
                        .find(|c: char| matches!(c, ',' | ']' | '}') || c.is_whitespace())
                        .map_or(self.text.len(), |i| start + i);
                    let word: &'t str = &self.text[start..end];
                    self.at = end;
                    match word {
                        "true" => DeValue::Boolean(true),
                        "false" => DeValue::Boolean(false),
                        "null" => DeValue::Boolean(false),
                        // JSON numbers are TOML numbers too.
                        number => DeValue::parse(number).ok()?.into_inner(),
                    }
                }
            };
            Some(Spanned::new(start..self.at, value))
        }

        fn string(&mut self) -> Option<Spanned<String>> {
            let start = self.at;
            let bytes = self.text.as_bytes();
            let mut i = start + 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            if i >= bytes.len() {
                return None;
            }
            self.at = i + 1;
            let s: String = serde_json::from_str(self.text.get(start..self.at)?).ok()?;
            Some(Spanned::new(start..self.at, s))
        }

        fn object(&mut self) -> Option<DeTable<'t>> {
            self.eat(b'{')?;
            let mut t = DeTable::new();
            if self.eat(b'}').is_some() {
                return Some(t);
            }
            loop {
                self.space();
                let key = self.string()?;
                self.eat(b':')?;
                let null = self.null_next();
                let value = self.value()?;
                if !null {
                    let span = key.span();
                    t.insert(Spanned::new(span, Cow::Owned(key.into_inner())), value);
                }
                if self.eat(b',').is_none() {
                    self.eat(b'}')?;
                    return Some(t);
                }
            }
        }

        fn array(&mut self) -> Option<DeArray<'t>> {
            self.eat(b'[')?;
            let mut a = DeArray::new();
            if self.eat(b']').is_some() {
                return Some(a);
            }
            loop {
                let null = self.null_next();
                let value = self.value()?;
                if !null {
                    a.push(value);
                }
                if self.eat(b',').is_none() {
                    self.eat(b']')?;
                    return Some(a);
                }
            }
        }
    }
}
