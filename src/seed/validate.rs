//! Turning parsed seed files into a validated [`Seed`]: references resolved, slugs unique, dates in order,
//! evidence located. Every problem is collected with its file, line, record and field.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::de::DeserializeOwned;

use super::locate::{Span, locate_all};
use super::model::*;
use super::{Problem, SeedErrors, SeedFiles, sha256_hex};
use crate::edtf::Edtf;

/// A validated seed, ready to load. References are indexes into the vectors; row ids are index + 1.
#[derive(Debug)]
pub struct Seed {
    pub title: String,
    pub description: Option<String>,
    pub documents: Vec<Document>,
    pub actors: Vec<Actor>,
    pub events: Vec<Event>,
    pub designations: Vec<Designation>,
    pub quotes: Vec<QuoteRow>,
    pub evidence: Vec<Evidence>,
    pub reports: Vec<Report>,
}

#[derive(Debug)]
pub struct Document {
    pub slug: String,
    pub title: String,
    pub author: Option<String>,
    pub publisher: Option<String>,
    pub published: Option<Edtf>,
    pub url: Option<String>,
    pub language: Option<String>,
    pub body: String,
    pub length: usize,
    pub sha256: String,
}

#[derive(Debug)]
pub struct Actor {
    pub slug: String,
    pub name: String,
    pub kind: ActorKind,
    pub country: Option<String>,
    pub description: Option<String>,
    pub wikidata: Option<String>,
    pub parent: Option<usize>,
    pub aliases: Vec<String>,
}

#[derive(Debug)]
pub struct Event {
    pub slug: String,
    pub date: Edtf,
    pub kind: EventKind,
    pub cameo: Option<String>,
    pub summary: String,
    /// (actor index, role)
    pub participants: Vec<(usize, &'static str)>,
}

#[derive(Debug)]
pub struct Designation {
    pub slug: String,
    pub authority: usize,
    pub subject: usize,
    pub kind: DesignationKind,
    pub status: DesignationStatus,
    pub start: Option<Edtf>,
    pub end: Option<Edtf>,
    pub imposed_by: Option<usize>,
    pub ended_by: Option<usize>,
    pub note: Option<String>,
}

#[derive(Debug)]
pub struct QuoteRow {
    pub slug: String,
    pub speaker: usize,
    pub document: usize,
    pub text: String,
    pub kind: QuoteKind,
    pub span: Span,
    pub addressee: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    Actor(usize),
    Event(usize),
    Designation(usize),
    Quote(usize),
}

#[derive(Debug)]
pub struct Evidence {
    pub document: usize,
    pub span: Span,
    pub exact: String,
    pub fact: Fact,
}

#[derive(Debug)]
pub struct Report {
    pub name: String,
    pub title: String,
    pub description: String,
    pub sql: String,
    pub params: Vec<Param>,
    /// Where the report came from, for errors found when its SQL is prepared.
    pub file: String,
    pub sql_line: usize,
}

#[derive(Debug)]
pub struct Param {
    pub name: String,
    pub kind: ParamType,
    pub required: bool,
    pub default: Option<String>,
    pub description: String,
}

/// A seed file's text, for turning positions and records into line numbers.
struct Source {
    path: String,
    text: String,
}

impl Source {
    fn line_col(&self, byte: usize) -> (usize, usize) {
        let mut byte = byte.min(self.text.len());
        while !self.text.is_char_boundary(byte) {
            byte -= 1;
        }
        let before = &self.text[..byte];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (line, col)
    }

    /// The line of the `nth` (0-based) line that sets `key` to the string `value`, in TOML or JSON.
    fn record_line(&self, key: &str, value: &str, nth: usize) -> Option<usize> {
        let quoted = format!("\"{value}\"");
        self.text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(&quoted) && l.contains(key))
            .nth(nth)
            .map(|(i, _)| i + 1)
    }

    /// The first line at or after `from` that holds `needle` (a quoted value or a key).
    fn line_after(&self, from: usize, needle: &str) -> Option<usize> {
        self.text
            .lines()
            .enumerate()
            .skip(from.saturating_sub(1))
            .find(|(_, l)| l.contains(needle))
            .map(|(i, _)| i + 1)
    }

    /// The line of `field` within the record that starts at `record_line`, preferring the first line that holds
    /// `needle` when one is given. `field` may carry an index, as in `evidence[2]`.
    fn field_line(&self, record_line: usize, field: &str, needle: Option<&str>) -> usize {
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

/// Identifies a record for error messages: its kind ("event"), slug, and which occurrence of that slug.
#[derive(Clone)]
struct Rec {
    file: usize,
    kind: &'static str,
    slug: String,
    nth: usize,
}

struct Validator<'a> {
    files: &'a SeedFiles,
    sources: Vec<Source>,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn problem(&mut self, file: &str, line: Option<usize>, message: String, hint: Option<&str>) {
        self.problems.push(Problem {
            file: file.to_string(),
            line,
            column: None,
            record: None,
            field: None,
            message,
            hint: hint.map(str::to_string),
        });
    }

    /// A problem with one field of one record. `value`, the string value at fault, helps find the exact line.
    fn at(
        &mut self,
        rec: &Rec,
        field: Option<&str>,
        value: Option<&str>,
        message: String,
        hint: Option<&str>,
    ) {
        let needle = value.map(|v| format!("\"{v}\""));
        self.at_needle(rec, field, needle.as_deref(), message, hint)
    }

    /// A problem with one field of one record, whose line is the first after the record's that holds `needle`.
    fn at_needle(
        &mut self,
        rec: &Rec,
        field: Option<&str>,
        needle: Option<&str>,
        message: String,
        hint: Option<&str>,
    ) {
        let src = &self.sources[rec.file];
        let record_line = src.record_line("slug", &rec.slug, rec.nth).unwrap_or(1);
        let line = match field {
            Some(f) => src.field_line(record_line, f, needle),
            None => record_line,
        };
        self.problems.push(Problem {
            file: src.path.clone(),
            line: Some(line),
            column: None,
            record: Some(format!("{} \"{}\"", rec.kind, rec.slug)),
            field: field.map(str::to_string),
            message,
            hint: hint.map(str::to_string),
        });
    }

    /// Decodes UTF-8, or records where the first bad byte is.
    fn text(&mut self, path: &str, bytes: &[u8]) -> Option<String> {
        match std::str::from_utf8(bytes) {
            Ok(s) => Some(s.to_string()),
            Err(e) => {
                let good = &bytes[..e.valid_up_to()];
                let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
                let last_line = good.rsplit(|&b| b == b'\n').next().unwrap_or(good);
                let column = String::from_utf8_lossy(last_line).chars().count() + 1;
                self.problems.push(Problem {
                    file: path.to_string(),
                    line: Some(line),
                    column: Some(column),
                    record: None,
                    field: None,
                    message: format!(
                        "not valid UTF-8: byte 0x{:02X} at byte offset {}",
                        bytes[e.valid_up_to()],
                        e.valid_up_to()
                    ),
                    hint: Some(format!(
                        "save the file as UTF-8, for example: iconv -f WINDOWS-1252 -t UTF-8 {path}"
                    )),
                });
                None
            }
        }
    }

    /// Parses a TOML or JSON seed file into `T`, registering its text for later line lookups.
    fn parse<T: DeserializeOwned>(&mut self, path: &str) -> Option<(usize, T)> {
        let bytes = &self.files.files[path];
        let text = self.text(path, bytes)?;
        let parsed = if path.ends_with(".json") {
            serde_json::from_str::<T>(&text).map_err(|e| {
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                (Some(e.line()), Some(e.column()), msg)
            })
        } else {
            toml::from_str::<T>(&text).map_err(|e| {
                let (line, col) = match e.span() {
                    Some(span) => {
                        let src = Source {
                            path: String::new(),
                            text: text.clone(),
                        };
                        let (l, c) = src.line_col(span.start);
                        (Some(l), Some(c))
                    }
                    None => (None, None),
                };
                (line, col, e.message().trim().to_string())
            })
        };
        match parsed {
            Ok(value) => {
                self.sources.push(Source {
                    path: path.to_string(),
                    text,
                });
                Some((self.sources.len() - 1, value))
            }
            Err((line, column, message)) => {
                self.problems.push(Problem {
                    file: path.to_string(),
                    line,
                    column,
                    record: None,
                    field: None,
                    message,
                    hint: None,
                });
                None
            }
        }
    }
}

/// Registers slugs of one kind, reporting duplicates; returns the index map.
struct Registry {
    kind: &'static str,
    index: HashMap<String, usize>,
    /// Where each slug was first defined; its line is looked up only if a duplicate needs it.
    first: Vec<Rec>,
}

impl Registry {
    fn new(kind: &'static str) -> Self {
        Registry {
            kind,
            index: HashMap::new(),
            first: Vec::new(),
        }
    }

    /// Adds a slug; on a duplicate, reports it and returns false.
    fn add(&mut self, v: &mut Validator, rec: &Rec) -> bool {
        if let Some(&i) = self.index.get(&rec.slug) {
            let first = &self.first[i];
            let src = &v.sources[first.file];
            let (first_file, first_line) = (
                src.path.clone(),
                src.record_line("slug", &first.slug, first.nth).unwrap_or(1),
            );
            v.at(
                rec,
                Some("slug"),
                None,
                format!(
                    "duplicate {} slug \"{}\": it is already used at {first_file}:{first_line}",
                    self.kind, rec.slug
                ),
                Some("give each record its own slug"),
            );
            return false;
        }
        self.index.insert(rec.slug.clone(), self.first.len());
        self.first.push(rec.clone());
        true
    }

    /// Resolves a reference, reporting an unknown slug with the nearest known ones.
    fn resolve(&self, v: &mut Validator, rec: &Rec, field: &str, slug: &Slug) -> Option<usize> {
        let found = self.index.get(slug.as_str()).copied();
        if found.is_none() {
            let near = nearest(slug.as_str(), self.index.keys().map(String::as_str));
            let hint = if near.is_empty() {
                format!("define the {} first, or fix the slug", self.kind)
            } else {
                format!("did you mean {}?", near.join(" or "))
            };
            v.at(
                rec,
                Some(field),
                Some(slug.as_str()),
                format!("unknown {} \"{slug}\"", self.kind),
                Some(&hint),
            );
        }
        found
    }
}

/// Up to three known names closest to `wanted` by edit distance, quoted, best first.
pub fn nearest<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = known
        .map(|k| (strsim::levenshtein(wanted, k), k))
        .filter(|(d, k)| {
            *d <= wanted.len().max(k.len()) / 2 || k.contains(wanted) || wanted.contains(k)
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, k)| format!("\"{k}\""))
        .collect()
}

/// A quote to locate in a document, and what it supports.
struct Pending<'a> {
    document: usize,
    quote: &'a Quote,
    rec: Rec,
    field: String,
    target: Target,
}

#[derive(Clone, Copy)]
enum Target {
    Evidence(Fact),
    QuoteText(usize),
}

pub fn validate(files: &SeedFiles) -> Result<Seed, SeedErrors> {
    let mut v = Validator {
        files,
        sources: Vec::new(),
        problems: Vec::new(),
    };

    // Which file is which.
    let mut doc_paths = Vec::new();
    let mut report_paths = Vec::new();
    let mut actor_paths = Vec::new();
    for path in files.files.keys() {
        let is_data = path.ends_with(".toml") || path.ends_with(".json");
        match path.as_str() {
            "dossier.toml" => {}
            "actors.toml" | "actors.json" => actor_paths.push(path.clone()),
            p if p.starts_with("documents/") && is_data => doc_paths.push(path.clone()),
            p if p.starts_with("reports/") && p.ends_with(".sql") => report_paths.push(path.clone()),
            p if is_data => v.problem(
                p,
                None,
                "unexpected seed file".to_string(),
                Some(
                    "seed data goes in dossier.toml, actors.toml, documents/*.toml or reports/*.sql; \
                     move or rename the file",
                ),
            ),
            _ => {}
        }
    }

    let project = if files.files.contains_key("dossier.toml") {
        v.parse::<ProjectFile>("dossier.toml").map(|(_, p)| p)
    } else {
        v.problem(
            "dossier.toml",
            None,
            "the seed has no dossier.toml".to_string(),
            Some("create it with a line such as: title = \"My knowledge base\""),
        );
        None
    };

    // Actors from actors.toml, then documents' own actors.
    let mut actor_defs: Vec<(Rec, &ActorDef, Option<usize>)> = Vec::new();
    let shared: Vec<(usize, ActorsFile)> = actor_paths
        .iter()
        .filter_map(|p| v.parse::<ActorsFile>(p))
        .collect();
    let mut docs: Vec<(usize, DocumentFile)> = doc_paths
        .iter()
        .filter_map(|p| v.parse::<DocumentFile>(p))
        .collect();
    // Documents are taken in slug order, not file-name order, so that row ids follow from the facts alone and a
    // seed written back by `export --format seed` rebuilds the same file whatever its files are called.
    docs.sort_by(|a, b| a.1.document.slug.cmp(&b.1.document.slug));

    // Later checks would only repeat what a file that did not parse already says.
    if !v.problems.is_empty() {
        return Err(SeedErrors(v.problems));
    }

    // Documents and their bodies.
    let mut documents = Vec::new();
    let mut doc_registry = Registry::new("document");
    let mut doc_of_file: Vec<Option<usize>> = Vec::new();
    let mut seen = HashMap::<(usize, String), usize>::new();
    let mut rec = |file: usize, kind: &'static str, slug: &Slug| {
        let n = seen.entry((file, slug.to_string())).or_insert(0);
        let r = Rec {
            file,
            kind,
            slug: slug.to_string(),
            nth: *n,
        };
        *n += 1;
        r
    };
    for (file, df) in &docs {
        let d = &df.document;
        let r = rec(*file, "document", &d.slug);
        if !doc_registry.add(&mut v, &r) {
            doc_of_file.push(None);
            continue;
        }
        let seed_path = v.sources[*file].path.clone();
        let dir = seed_path.rsplit_once('/').map_or("", |(d, _)| d);
        let body_path = normalize(&format!("{dir}/{}", d.file));
        let Some(bytes) = files.files.get(&body_path) else {
            v.at(
                &r,
                Some("file"),
                Some(d.file.as_str()),
                format!("the body file {body_path} is not in the seed"),
                Some("the path is relative to the seed file; put the document's text beside it"),
            );
            doc_of_file.push(None);
            continue;
        };
        let Some(body) = v.text(&body_path, bytes) else {
            doc_of_file.push(None);
            continue;
        };
        doc_of_file.push(Some(documents.len()));
        documents.push(Document {
            slug: d.slug.to_string(),
            title: d.title.to_string(),
            author: d.author.as_ref().map(ToString::to_string),
            publisher: d.publisher.as_ref().map(ToString::to_string),
            published: d.published.clone(),
            url: d.url.as_ref().map(ToString::to_string),
            language: d.language.as_ref().map(ToString::to_string),
            length: body.chars().count(),
            sha256: sha256_hex(bytes),
            body,
        });
    }

    if !v.problems.is_empty() {
        return Err(SeedErrors(v.problems));
    }

    for (file, af) in &shared {
        for a in &af.actors {
            actor_defs.push((rec(*file, "actor", &a.slug), a, None));
        }
    }
    for ((file, df), doc) in docs.iter().zip(&doc_of_file) {
        for a in &df.actors {
            actor_defs.push((rec(*file, "actor", &a.slug), a, *doc));
        }
    }
    let mut actor_registry = Registry::new("actor");
    let mut actors = Vec::new();
    let mut actor_recs = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    for (r, a, doc) in &actor_defs {
        if !actor_registry.add(&mut v, r) {
            continue;
        }
        let idx = actors.len();
        let mut aliases: Vec<String> = Vec::new();
        for alias in &a.aliases {
            if aliases.contains(&alias.0) {
                v.at(
                    r,
                    Some("aliases"),
                    Some(alias.as_str()),
                    format!("alias \"{alias}\" is listed twice"),
                    Some("list each alias once"),
                );
            } else {
                aliases.push(alias.to_string());
            }
        }
        match doc {
            None if !a.evidence.is_empty() => v.at(
                r,
                Some("evidence"),
                None,
                "evidence in a shared actors file cannot say which document it is from".to_string(),
                Some("move it to a [[mentions]] entry (actor = \"slug\", evidence = [...]) in the document's seed file"),
            ),
            Some(d) => {
                for (i, q) in a.evidence.iter().enumerate() {
                    pending.push(Pending {
                        document: *d,
                        quote: q,
                        rec: r.clone(),
                        field: format!("evidence[{i}]"),
                        target: Target::Evidence(Fact::Actor(idx)),
                    });
                }
            }
            None => {}
        }
        actors.push(Actor {
            slug: a.slug.to_string(),
            name: a.name.to_string(),
            kind: a.kind,
            country: a.country.as_ref().map(ToString::to_string),
            description: a.description.as_ref().map(ToString::to_string),
            wikidata: a.wikidata.as_ref().map(ToString::to_string),
            parent: None,
            aliases,
        });
        actor_recs.push((r.clone(), *a));
    }
    for (idx, (r, a)) in actor_recs.iter().enumerate() {
        if let Some(p) = &a.parent {
            actors[idx].parent = actor_registry.resolve(&mut v, r, "parent", p);
        }
    }
    // A parent chain must end.
    for (idx, (r, _)) in actor_recs.iter().enumerate() {
        let mut seen = HashSet::from([idx]);
        let mut cur = actors[idx].parent;
        while let Some(p) = cur {
            if !seen.insert(p) {
                v.at(
                    r,
                    Some("parent"),
                    None,
                    "the parent chain loops back to this actor".to_string(),
                    Some("an actor cannot be part of itself; fix one of the parents"),
                );
                break;
            }
            cur = actors[p].parent;
        }
    }

    // Events, designations, quotes and mentions, from every document.
    let mut event_registry = Registry::new("event");
    let mut designation_registry = Registry::new("designation");
    let mut quote_registry = Registry::new("quote");
    let mut events = Vec::new();
    let mut designation_defs = Vec::new();
    let mut quotes = Vec::new();
    for ((file, df), doc) in docs.iter().zip(&doc_of_file) {
        for m in &df.mentions {
            let r = Rec {
                file: *file,
                kind: "mention of actor",
                slug: m.actor.to_string(),
                nth: 0,
            };
            let src = &v.sources[*file];
            let line = src.record_line("actor", m.actor.as_str(), 0);
            let Some(actor) = actor_registry.index.get(m.actor.as_str()).copied() else {
                let near = nearest(
                    m.actor.as_str(),
                    actor_registry.index.keys().map(String::as_str),
                );
                let path = src.path.clone();
                v.problems.push(Problem {
                    file: path,
                    line,
                    column: None,
                    record: Some(format!("mention of actor \"{}\"", m.actor)),
                    field: Some("actor".to_string()),
                    message: format!("unknown actor \"{}\"", m.actor),
                    hint: Some(if near.is_empty() {
                        "define the actor in actors.toml or in this file's [[actors]]".to_string()
                    } else {
                        format!("did you mean {}?", near.join(" or "))
                    }),
                });
                continue;
            };
            if m.evidence.is_empty() {
                v.at(
                    &r,
                    Some("evidence"),
                    None,
                    "a mention needs evidence".to_string(),
                    None,
                );
            }
            if let Some(d) = doc {
                for (i, q) in m.evidence.iter().enumerate() {
                    pending.push(Pending {
                        document: *d,
                        quote: q,
                        rec: r.clone(),
                        field: format!("evidence[{i}]"),
                        target: Target::Evidence(Fact::Actor(actor)),
                    });
                }
            }
        }
        for e in &df.events {
            let r = rec(*file, "event", &e.slug);
            if !event_registry.add(&mut v, &r) {
                continue;
            }
            let idx = events.len();
            let mut participants: Vec<(usize, &'static str)> = Vec::new();
            for (role, slugs) in [
                ("actor", &e.actor),
                ("recipient", &e.recipient),
                ("other", &e.other),
            ] {
                for s in slugs {
                    if let Some(a) = actor_registry.resolve(&mut v, &r, role, s) {
                        if participants.contains(&(a, role)) {
                            v.at(
                                &r,
                                Some(role),
                                Some(s.as_str()),
                                format!("\"{s}\" is listed twice"),
                                None,
                            );
                        } else {
                            participants.push((a, role));
                        }
                    }
                }
            }
            if e.actor.is_empty() && e.recipient.is_empty() && e.other.is_empty() {
                v.at(
                    &r,
                    None,
                    None,
                    "the event has no participants".to_string(),
                    Some(
                        "list them by role: actor = [\"…\"], recipient = [\"…\"], other = [\"…\"]",
                    ),
                );
            }
            need_evidence(&mut v, &r, &e.evidence);
            if let Some(d) = doc {
                for (i, q) in e.evidence.iter().enumerate() {
                    pending.push(Pending {
                        document: *d,
                        quote: q,
                        rec: r.clone(),
                        field: format!("evidence[{i}]"),
                        target: Target::Evidence(Fact::Event(idx)),
                    });
                }
            }
            events.push(Event {
                slug: e.slug.to_string(),
                date: e.date.clone(),
                kind: e.kind,
                cameo: e.cameo.as_ref().map(ToString::to_string),
                summary: e.summary.to_string(),
                participants,
            });
        }
        for g in &df.designations {
            let r = rec(*file, "designation", &g.slug);
            if designation_registry.add(&mut v, &r) {
                designation_defs.push((r, g, *doc));
            }
        }
        for q in &df.quotes {
            let r = rec(*file, "quote", &q.slug);
            if !quote_registry.add(&mut v, &r) {
                continue;
            }
            let speaker = actor_registry.resolve(&mut v, &r, "speaker", &q.speaker);
            let addressee = q
                .addressee
                .as_ref()
                .and_then(|a| actor_registry.resolve(&mut v, &r, "addressee", a));
            need_evidence(&mut v, &r, &q.evidence);
            let (Some(speaker), Some(d)) = (speaker, doc) else {
                continue;
            };
            let idx = quotes.len();
            pending.push(Pending {
                document: *d,
                quote: &q.text,
                rec: r.clone(),
                field: "text".to_string(),
                target: Target::QuoteText(idx),
            });
            for (i, e) in q.evidence.iter().enumerate() {
                pending.push(Pending {
                    document: *d,
                    quote: e,
                    rec: r.clone(),
                    field: format!("evidence[{i}]"),
                    target: Target::Evidence(Fact::Quote(idx)),
                });
            }
            quotes.push(QuoteRow {
                slug: q.slug.to_string(),
                speaker,
                document: *d,
                text: q.text.exact.clone(),
                kind: q.kind,
                span: Span { start: 0, end: 0 },
                addressee,
            });
        }
    }

    let mut designations = Vec::new();
    for (r, g, doc) in &designation_defs {
        let idx = designations.len();
        let authority = actor_registry.resolve(&mut v, r, "authority", &g.authority);
        let subject = actor_registry.resolve(&mut v, r, "subject", &g.subject);
        let imposed_by = g
            .imposed_by
            .as_ref()
            .and_then(|e| event_registry.resolve(&mut v, r, "imposed_by", e));
        let ended_by = g
            .ended_by
            .as_ref()
            .and_then(|e| event_registry.resolve(&mut v, r, "ended_by", e));
        if g.status == DesignationStatus::InForce && (g.end.is_some() || g.ended_by.is_some()) {
            let field = if g.end.is_some() { "end" } else { "ended_by" };
            v.at(
                r,
                Some(field),
                None,
                format!("status is \"in_force\" but `{field}` is set"),
                Some("set status = \"ended\", or remove the end"),
            );
        }
        if let (Some(s), Some(e)) = (&g.start, &g.end)
            && let (Some(first), Some(last)) = (s.earliest(), e.latest())
            && first > last
        {
            v.at(
                r,
                Some("end"),
                None,
                format!("the designation ends ({e}) before it starts ({s})"),
                Some("swap start and end, or correct one of them"),
            );
        }
        need_evidence(&mut v, r, &g.evidence);
        if let Some(d) = doc {
            for (i, q) in g.evidence.iter().enumerate() {
                pending.push(Pending {
                    document: *d,
                    quote: q,
                    rec: r.clone(),
                    field: format!("evidence[{i}]"),
                    target: Target::Evidence(Fact::Designation(idx)),
                });
            }
        }
        designations.push(Designation {
            slug: g.slug.to_string(),
            authority: authority.unwrap_or(0),
            subject: subject.unwrap_or(0),
            kind: g.kind,
            status: g.status,
            start: g.start.clone(),
            end: g.end.clone(),
            imposed_by,
            ended_by,
            note: g.note.as_ref().map(ToString::to_string),
        });
    }

    // Locate all evidence, one pass per document.
    let mut evidence = Vec::new();
    let mut by_doc: BTreeMap<usize, Vec<&Pending>> = BTreeMap::new();
    for p in &pending {
        by_doc.entry(p.document).or_default().push(p);
    }
    for (d, items) in &by_doc {
        let qs: Vec<&Quote> = items.iter().map(|p| p.quote).collect();
        let found = locate_all(&documents[*d].body, &qs);
        for (p, result) in items.iter().zip(found) {
            match result {
                Ok(span) => match p.target {
                    Target::Evidence(fact) => {
                        evidence.push(Evidence {
                            document: *d,
                            span,
                            exact: p.quote.exact.clone(),
                            fact,
                        });
                    }
                    Target::QuoteText(q) => {
                        quotes[q].span = span;
                        evidence.push(Evidence {
                            document: *d,
                            span,
                            exact: p.quote.exact.clone(),
                            fact: Fact::Quote(q),
                        });
                    }
                },
                Err(e) => {
                    // The quote's first words, as they would stand in the seed file after an opening quote mark.
                    let first_words: String = p
                        .quote
                        .exact
                        .chars()
                        .take_while(|c| !matches!(c, '"' | '\\' | '\n'))
                        .take(24)
                        .collect();
                    let needle = format!("\"{first_words}");
                    let shown: String = p.quote.exact.chars().take(60).collect();
                    let ellipsis = if shown.len() < p.quote.exact.len() {
                        "…"
                    } else {
                        ""
                    };
                    v.at_needle(
                        &p.rec,
                        Some(&p.field),
                        Some(&needle)
                            .filter(|_| !first_words.is_empty())
                            .map(|w| w.as_str()),
                        format!(
                            "{e}: \"{shown}{ellipsis}\" in document \"{}\"",
                            documents[*d].slug
                        ),
                        Some(e.hint()),
                    );
                }
            }
        }
    }
    let mut has_evidence = vec![false; actors.len()];
    // An actor whose evidence failed to locate has been reported already.
    for p in &pending {
        if let Target::Evidence(Fact::Actor(a)) = p.target {
            has_evidence[a] = true;
        }
    }
    for (idx, (r, _)) in actor_recs.iter().enumerate() {
        if !has_evidence[idx] {
            v.at(
                r,
                None,
                None,
                "the actor has no evidence".to_string(),
                Some("add evidence = [\"…\"] to the actor, or a [[mentions]] entry in a document's seed file"),
            );
        }
    }

    let reports = report_paths
        .iter()
        .filter_map(|p| parse_report(&mut v, p, &actors))
        .collect();

    if !v.problems.is_empty() {
        return Err(SeedErrors(v.problems));
    }
    let project = project.expect("no problems, so the project file parsed");
    Ok(Seed {
        title: project.title.to_string(),
        description: project.description.as_ref().map(ToString::to_string),
        documents,
        actors,
        events,
        designations,
        quotes,
        evidence,
        reports,
    })
}

fn need_evidence(v: &mut Validator, r: &Rec, evidence: &[Quote]) {
    if evidence.is_empty() {
        v.at(
            r,
            None,
            None,
            format!("the {} has no evidence", r.kind),
            Some("add evidence = [\"the exact words from the document\"]"),
        );
    }
}

/// Resolves `.` and `..` in a seed-relative path.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Reads a report file: a TOML header in the leading `--` comment lines, then the SQL.
fn parse_report(v: &mut Validator, path: &str, actors: &[Actor]) -> Option<Report> {
    let text = v.text(path, &v.files.files[path])?;
    let name = path
        .trim_start_matches("reports/")
        .trim_end_matches(".sql")
        .to_string();
    if let Err(e) = Slug::parse(&name) {
        v.problem(
            path,
            None,
            format!("bad report name: {e}"),
            Some("rename the file"),
        );
        return None;
    }
    let header_lines = text.lines().take_while(|l| l.starts_with("--")).count();
    let header: String = text
        .lines()
        .take(header_lines)
        .map(|l| {
            let l = l.trim_start_matches("--");
            format!("{}\n", l.strip_prefix(' ').unwrap_or(l))
        })
        .collect();
    let sql: String = text
        .lines()
        .skip(header_lines)
        .collect::<Vec<_>>()
        .join("\n");
    let sql = sql.trim().to_string();
    let header: ReportHeader = match toml::from_str(&header) {
        Ok(h) => h,
        Err(e) => {
            let line = e
                .span()
                .map(|s| header[..s.start].matches('\n').count() + 1);
            v.problem(
                path,
                line,
                format!("report header: {}", e.message().trim()),
                Some(
                    "the header is TOML in `-- ` comment lines: title, description and [[params]]",
                ),
            );
            return None;
        }
    };
    if sql.is_empty() {
        v.problem(
            path,
            None,
            "the report has no SQL after its header".to_string(),
            None,
        );
        return None;
    }
    let sql_line = header_lines
        + 1
        + text
            .lines()
            .skip(header_lines)
            .take_while(|l| l.trim().is_empty())
            .count();
    let mut params: Vec<Param> = Vec::new();
    let param_line = |name: &str| {
        text.lines()
            .position(|l| l.contains(&format!("\"{name}\"")))
            .map(|i| i + 1)
    };
    let problems_before = v.problems.len();
    for p in &header.params {
        let line = param_line(&p.name);
        let bad = |v: &mut Validator, msg: String, hint: &str| {
            v.problems.push(Problem {
                file: path.to_string(),
                line,
                column: None,
                record: Some(format!("report \"{name}\" parameter \"{}\"", p.name)),
                field: None,
                message: msg,
                hint: Some(hint.to_string()),
            })
        };
        let name_ok = p.name.starts_with(|c: char| c.is_ascii_lowercase())
            && p.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            bad(
                v,
                "bad parameter name".into(),
                "use lower-case letters, digits and underscores",
            );
        }
        if params.iter().any(|q| q.name == p.name) {
            bad(
                v,
                "the parameter is declared twice".into(),
                "declare each parameter once",
            );
        }
        if p.required && p.default.is_some() {
            bad(
                v,
                "a required parameter cannot have a default".into(),
                "remove `required` or the default",
            );
        }
        if let Some(d) = &p.default
            && let Err(e) = check_value(p.kind, d, actors)
        {
            bad(v, format!("bad default: {e}"), "fix the default value");
        }
        params.push(Param {
            name: p.name.clone(),
            kind: p.kind,
            required: p.required,
            default: p.default.clone(),
            description: p.description.to_string(),
        });
    }
    if v.problems.len() > problems_before {
        return None;
    }
    Some(Report {
        name,
        title: header.title.to_string(),
        description: header.description.to_string(),
        sql,
        params,
        file: path.to_string(),
        sql_line,
    })
}

/// Checks a parameter value against its type. Actor values may be a slug or an alias, in any case.
pub fn check_value(kind: ParamType, value: &str, actors: &[Actor]) -> Result<(), String> {
    match kind {
        ParamType::Text => Ok(()),
        ParamType::Integer => value
            .parse::<i64>()
            .map(|_| ())
            .map_err(|_| format!("{value:?} is not an integer")),
        ParamType::Date if value == "today" => Ok(()),
        ParamType::Date => Edtf::parse_plain(value)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        ParamType::Actor => {
            let known = actors.iter().any(|a| {
                a.slug.eq_ignore_ascii_case(value)
                    || a.aliases
                        .iter()
                        .any(|x| x.to_lowercase() == value.to_lowercase())
            });
            if known {
                Ok(())
            } else {
                Err(format!("no actor has the slug or alias {value:?}"))
            }
        }
    }
}
