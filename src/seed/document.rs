//! Pass 2 of the pipeline for one document: validate its records into rows (no database), then insert them.

use super::hints;
use super::load;
use super::locate::{Span, locate_all};
use super::model::*;
use super::registers::{Actors, DocInfo, Registries, id};
use super::validate::{Rec, Validator, nearest, need_evidence};
use super::{Problem, sha256_hex};

/// Row numbers handed out so far, across documents.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) events: usize,
    pub(super) designations: usize,
    pub(super) quotes: usize,
    pub(super) evidence: usize,
}

/// What a document's records may refer to.
#[derive(Clone, Copy)]
pub(super) struct Context<'a> {
    pub(super) actors: &'a Actors,
    pub(super) registries: &'a Registries,
}

/// The fact a located passage supports, by row index.
#[derive(Clone, Copy)]
enum Target {
    Actor(usize),
    Event(usize),
    Designation(usize),
    /// A quote's own words: its row needs their span.
    QuoteText(usize),
    Quote(usize),
}

/// The field of a record that holds words to locate, named only when they are not found.
#[derive(Clone, Copy)]
enum Field {
    Text,
    Evidence(usize),
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Text => f.write_str("text"),
            Field::Evidence(k) => write!(f, "evidence[{k}]"),
        }
    }
}

/// A quote's row, short of the span of its text. `def` is its index in the document file's quotes.
struct QuoteRow {
    row: usize,
    def: usize,
    speaker: Option<usize>,
    addressee: Option<usize>,
}

/// A designation's row with its references resolved (None where a reference is unknown, which is a problem).
struct DesignationRow {
    row: usize,
    def: usize,
    authority: Option<usize>,
    subject: Option<usize>,
    imposed_by: Option<usize>,
    ended_by: Option<usize>,
}

/// An event's row index, its index in the document file's events, and its participants as (actor index, role).
type EventRow = (usize, usize, Vec<(usize, &'static str)>);

/// One document's rows, ready to insert once the seed has no problems. They own what they hold, or point into
/// the document file by index, so that they can be handed to the thread that inserts them.
pub(super) struct Rows {
    index: usize,
    events: Vec<EventRow>,
    designations: Vec<DesignationRow>,
    quotes: Vec<(QuoteRow, Option<Span>)>,
    /// Each located passage: its words, its span (None when not found) and the fact it supports.
    evidence: Vec<(String, Option<Span>, Target)>,
}

impl Rows {
    pub(super) fn participants(&self) -> usize {
        self.events.iter().map(|(_, _, p)| p.len()).sum()
    }
}

/// A document's events, designations and quotes as pass 1 registered them: each record, and whether it was the
/// first with its slug. Pass 1 numbered the records of a file in this order: the document, its actors, events,
/// designations and quotes; the same order here gives each its occurrence `nth`.
struct Records {
    events: Vec<(Rec, bool)>,
    designations: Vec<(Rec, bool)>,
    quotes: Vec<(Rec, bool)>,
}

fn records<'d>(cx: Context, doc: &DocInfo, df: &'d DocumentFile) -> Records {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut next = |slug: &'d str| {
        let n = seen.entry(slug).or_insert(0);
        *n += 1;
        *n - 1
    };
    next(df.document.slug.as_str());
    for a in &df.actors {
        next(a.slug.as_str());
    }
    let mut kind =
        |kind: &'static str, slugs: Vec<&'d Slug>, registry: &super::registry::Registry| {
            slugs
                .into_iter()
                .map(|s| {
                    let rec = Rec {
                        file: doc.file,
                        kind,
                        slug: s.to_string(),
                        nth: next(s.as_str()),
                    };
                    let first = registry.is_first(&rec);
                    (rec, first)
                })
                .collect::<Vec<_>>()
        };
    let r = cx.registries;
    Records {
        events: kind(
            "event",
            df.events.iter().map(|e| &e.slug).collect(),
            &r.events,
        ),
        designations: kind(
            "designation",
            df.designations.iter().map(|g| &g.slug).collect(),
            &r.designations,
        ),
        quotes: kind(
            "quote",
            df.quotes.iter().map(|q| &q.slug).collect(),
            &r.quotes,
        ),
    }
}

/// Validates document `d` against the registries and locates its evidence in `body`, returning its rows. Every
/// problem goes to `v`; `has_evidence` marks the actors this document gives evidence for.
#[allow(clippy::too_many_arguments)]
pub(super) fn validate<'d>(
    v: &mut Validator,
    cx: Context<'d>,
    d: usize,
    doc: &DocInfo,
    df: &'d DocumentFile,
    body: &'d str,
    counters: &mut Counters,
    has_evidence: &mut [bool],
) -> Rows {
    let actors = cx.actors;
    let mut rows = Rows {
        index: d,
        events: Vec::new(),
        designations: Vec::new(),
        quotes: Vec::new(),
        evidence: Vec::new(),
    };
    // What to find in this body, in the order evidence rows are numbered.
    let mut pending: Vec<(&'d Quote, Rec, Field, Target)> = Vec::new();
    for &i in actors.of_doc(d) {
        let (r, a, _) = &actors.list[i];
        for (k, q) in a.evidence.iter().enumerate() {
            pending.push((q, r.clone(), Field::Evidence(k), Target::Actor(i)));
        }
    }
    mentions(v, cx, doc, df, &mut pending);
    let recs = records(cx, doc, df);
    events(v, cx, &recs, df, counters, &mut rows, &mut pending);
    quotes(v, cx, &recs, df, counters, &mut rows, &mut pending);
    designations(v, cx, &recs, df, counters, &mut rows, &mut pending);

    // Locate everything at once, then pair the quotes with their spans.
    let quotes_found: Vec<&Quote> = pending.iter().map(|p| p.0).collect();
    let found = locate_all(body, &quotes_found);
    for ((q, r, field, target), result) in pending.iter().zip(found) {
        if let Target::Actor(a) = target {
            has_evidence[*a] = true;
        }
        let span = match result {
            Ok(span) => Some(span),
            Err(e) => {
                // The quote's first words, as they would stand in the seed file after an opening quote mark.
                let first_words: String = q
                    .exact
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '\\' | '\n'))
                    .take(24)
                    .collect();
                let needle = format!("\"{first_words}");
                let shown: String = q.exact.chars().take(60).collect();
                let ellipsis = if shown.len() < q.exact.len() {
                    "…"
                } else {
                    ""
                };
                let field = field.to_string();
                let problem = v.at_needle(
                    e.code(),
                    r,
                    Some(&field),
                    Some(&needle)
                        .filter(|_| !first_words.is_empty())
                        .map(|w| w.as_str()),
                    format!("{e}: \"{shown}{ellipsis}\" in document \"{}\"", doc.slug),
                    Some(e.hint()),
                );
                hints::explain(problem, &doc.body_path, body, q, &e);
                None
            }
        };
        if let Target::QuoteText(i) = target {
            rows.quotes[*i].1 = span;
        }
        rows.evidence.push((q.exact.clone(), span, *target));
    }
    counters.evidence += rows.evidence.len();
    rows
}

fn mentions<'d>(
    v: &mut Validator,
    cx: Context<'d>,
    doc: &DocInfo,
    df: &'d DocumentFile,
    pending: &mut Vec<(&'d Quote, Rec, Field, Target)>,
) {
    for m in &df.mentions {
        let r = Rec {
            file: doc.file,
            kind: "mention of actor",
            slug: m.actor.to_string(),
            nth: 0,
        };
        let Some(actor) = cx.actors.registry.get(m.actor.as_str()) else {
            if v.dropped.contains(m.actor.as_str()) || v.unparsed {
                continue;
            }
            let known = cx.actors.registry.slugs();
            let near = nearest(m.actor.as_str(), known.iter().map(String::as_str));
            let line = v.source(doc.file).record_line("actor", m.actor.as_str(), 0);
            v.problems.push(Problem {
                code: "unknown-reference",
                file: v.path(doc.file),
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
                ..Problem::default()
            });
            continue;
        };
        if m.evidence.is_empty() {
            v.at(
                "no-evidence",
                &r,
                Some("evidence"),
                None,
                "a mention needs evidence".to_string(),
                None,
            );
        }
        for (k, q) in m.evidence.iter().enumerate() {
            pending.push((q, r.clone(), Field::Evidence(k), Target::Actor(actor)));
        }
    }
}

/// Events, with their participants.
fn events<'d>(
    v: &mut Validator,
    cx: Context<'d>,
    recs: &Records,
    df: &'d DocumentFile,
    counters: &mut Counters,
    rows: &mut Rows,
    pending: &mut Vec<(&'d Quote, Rec, Field, Target)>,
) {
    for (k, (e, (r, free))) in df.events.iter().zip(&recs.events).enumerate() {
        if !free {
            continue;
        }
        let idx = counters.events;
        counters.events += 1;
        let mut participants: Vec<(usize, &'static str)> = Vec::new();
        for (role, slugs) in [
            ("actor", &e.actor),
            ("recipient", &e.recipient),
            ("other", &e.other),
        ] {
            for s in slugs {
                if let Some(a) = cx.actors.registry.resolve(v, r, role, s) {
                    if participants.contains(&(a, role)) {
                        v.at(
                            "duplicate-participant",
                            r,
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
                "no-participants",
                r,
                None,
                None,
                "the event has no participants".to_string(),
                Some("list them by role: actor = [\"…\"], recipient = [\"…\"], other = [\"…\"]"),
            );
        }
        need_evidence(v, r, &e.evidence);
        for (k, q) in e.evidence.iter().enumerate() {
            pending.push((q, r.clone(), Field::Evidence(k), Target::Event(idx)));
        }
        rows.events.push((idx, k, participants));
    }
}

/// Quotes: their text is located like evidence, and is evidence itself.
fn quotes<'d>(
    v: &mut Validator,
    cx: Context<'d>,
    recs: &Records,
    df: &'d DocumentFile,
    counters: &mut Counters,
    rows: &mut Rows,
    pending: &mut Vec<(&'d Quote, Rec, Field, Target)>,
) {
    for (k, (q, (r, free))) in df.quotes.iter().zip(&recs.quotes).enumerate() {
        if !free {
            continue;
        }
        let idx = counters.quotes;
        counters.quotes += 1;
        let speaker = cx.actors.registry.resolve(v, r, "speaker", &q.speaker);
        let addressee = q
            .addressee
            .as_ref()
            .and_then(|a| cx.actors.registry.resolve(v, r, "addressee", a));
        need_evidence(v, r, &q.evidence);
        pending.push((
            &q.text,
            r.clone(),
            Field::Text,
            Target::QuoteText(rows.quotes.len()),
        ));
        rows.quotes.push((
            QuoteRow {
                row: idx,
                def: k,
                speaker,
                addressee,
            },
            None,
        ));
        for (k, e) in q.evidence.iter().enumerate() {
            pending.push((e, r.clone(), Field::Evidence(k), Target::Quote(idx)));
        }
    }
}

fn designations<'d>(
    v: &mut Validator,
    cx: Context<'d>,
    recs: &Records,
    df: &'d DocumentFile,
    counters: &mut Counters,
    rows: &mut Rows,
    pending: &mut Vec<(&'d Quote, Rec, Field, Target)>,
) {
    let actors = &cx.actors.registry;
    let events = &cx.registries.events;
    for (k, (g, (r, free))) in df.designations.iter().zip(&recs.designations).enumerate() {
        if !free {
            continue;
        }
        let idx = counters.designations;
        counters.designations += 1;
        let authority = actors.resolve(v, r, "authority", &g.authority);
        let subject = actors.resolve(v, r, "subject", &g.subject);
        let imposed_by = g
            .imposed_by
            .as_ref()
            .and_then(|e| events.resolve(v, r, "imposed_by", e));
        let ended_by = g
            .ended_by
            .as_ref()
            .and_then(|e| events.resolve(v, r, "ended_by", e));
        if g.status == DesignationStatus::InForce && (g.end.is_some() || g.ended_by.is_some()) {
            let field = if g.end.is_some() { "end" } else { "ended_by" };
            v.at(
                "status-conflict",
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
                "ends-before-start",
                r,
                Some("end"),
                None,
                format!("the designation ends ({e}) before it starts ({s})"),
                Some("swap start and end, or correct one of them"),
            );
        }
        need_evidence(v, r, &g.evidence);
        for (k, q) in g.evidence.iter().enumerate() {
            pending.push((q, r.clone(), Field::Evidence(k), Target::Designation(idx)));
        }
        rows.designations.push(DesignationRow {
            row: idx,
            def: k,
            authority,
            subject,
            imposed_by,
            ended_by,
        });
    }
}

/// Inserts a document's rows: the document, its events, designations and quotes, then its evidence. Called only
/// when the seed has no problems, so every reference is resolved and every passage located.
pub(super) fn insert(
    tx: &mut load::Inserts,
    df: &DocumentFile,
    body: &str,
    rows: &Rows,
) -> anyhow::Result<()> {
    let d = rows.index;
    load::insert_document(tx, id(d), &df.document, body, &sha256_hex(body.as_bytes()))?;
    for (idx, e, participants) in &rows.events {
        let e = &df.events[*e];
        let participants = participants.iter().map(|(a, role)| (id(*a), *role));
        load::insert_event(tx, id(*idx), e, participants)?;
    }
    for g in &rows.designations {
        let def = &df.designations[g.def];
        let (Some(authority), Some(subject)) = (g.authority, g.subject) else {
            anyhow::bail!("designation \"{}\" has unresolved actors", def.slug);
        };
        load::insert_designation(
            tx,
            id(g.row),
            def,
            id(authority),
            id(subject),
            g.imposed_by.map(id),
            g.ended_by.map(id),
        )?;
    }
    for (q, span) in &rows.quotes {
        let def = &df.quotes[q.def];
        let (Some(speaker), Some(span)) = (q.speaker, span) else {
            anyhow::bail!("quote \"{}\" is not resolved", def.slug);
        };
        load::insert_quote(
            tx,
            id(q.row),
            def,
            id(speaker),
            id(d),
            *span,
            q.addressee.map(id),
        )?;
    }
    let long = crate::schema::is_long(body);
    for (exact, span, target) in &rows.evidence {
        let fact = match target {
            Target::Actor(i) => load::Fact::Actor(id(*i)),
            Target::Event(i) => load::Fact::Event(id(*i)),
            Target::Designation(i) => load::Fact::Designation(id(*i)),
            Target::QuoteText(i) => load::Fact::Quote(id(rows.quotes[*i].0.row)),
            Target::Quote(i) => load::Fact::Quote(id(*i)),
        };
        let Some(span) = span else {
            anyhow::bail!("evidence \"{exact}\" is not located");
        };
        load::insert_evidence(tx, id(d), long, *span, exact, fact)?;
    }
    Ok(())
}
