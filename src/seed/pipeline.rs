//! Validating a seed and loading it into a database, one document at a time, so that memory stays bounded by the
//! largest document rather than the whole corpus.
//!
//! Pass 1 parses every file and keeps only what other documents may refer to: slugs, and the actors (which are
//! few). Pass 2 parses each document again, validates its records against those registries, locates its
//! evidence, inserts its rows, and drops it. Row ids follow the order in which pass 1 met the records, so they
//! depend on the facts alone. Every problem is collected with its file, line, record and field; once there is
//! one, nothing more is inserted, and the caller discards the database.

use std::collections::HashSet;

use rusqlite::{Connection, params};

use super::load::{self, Sql};
use super::locate::{Span, locate_all};
use super::model::*;
use super::validate::{Rec, Registry, Validator, nearest, need_evidence, normalize, parse_report};
use super::{Problem, SeedErrors, SeedFiles, sha256_hex};

/// What a load wrote, for the build's summary.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub documents: usize,
    pub actors: usize,
    pub events: usize,
    pub participants: usize,
    pub designations: usize,
    pub quotes: usize,
    pub evidence: usize,
    /// (report name, file, first line of its SQL), to name the file of a report whose SQL fails.
    pub reports: Vec<(String, String, usize)>,
}

/// One document as pass 1 leaves it: where it is, and what it defines.
struct DocInfo {
    file: usize,
    path: String,
    slug: String,
    body_path: String,
    actors: Vec<(Rec, ActorDef)>,
    /// Each record as pass 1 met it, and whether its slug was free.
    events: Vec<(Rec, bool)>,
    designations: Vec<(Rec, bool)>,
    quotes: Vec<(Rec, bool)>,
}

/// Whether a seed path is a document's seed file (its body is a `.txt` beside it).
pub fn is_document_seed(path: &str) -> bool {
    path.starts_with("documents/") && (path.ends_with(".toml") || path.ends_with(".json"))
}

/// Numbers ids in the order records are registered: row id = index + 1.
fn id(index: usize) -> i64 {
    index as i64 + 1
}

/// Validates `files` and loads them into `conn`, which must be empty. `progress` is called once per document.
/// Seed problems come back as `SeedErrors` inside the error.
pub fn load(
    conn: &mut Connection,
    files: &SeedFiles,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<Summary> {
    let mut v = Validator::new(files);
    let mut summary = Summary::default();

    // Which file is which.
    let mut doc_paths = Vec::new();
    let mut report_paths = Vec::new();
    let mut actor_paths = Vec::new();
    for path in files.names() {
        let is_data = path.ends_with(".toml") || path.ends_with(".json");
        match path.as_str() {
            "dossier.toml" => {}
            "actors.toml" | "actors.json" => actor_paths.push(path.clone()),
            p if is_document_seed(p) => doc_paths.push(path.clone()),
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
    let project = if files.contains("dossier.toml") {
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
    let shared: Vec<(usize, ActorsFile)> = actor_paths
        .iter()
        .filter_map(|p| v.parse::<ActorsFile>(p))
        .collect();

    // Pass 1: parse every document, keep its slug, its actors and the slugs it defines.
    struct Parsed {
        file: usize,
        slug: Slug,
        body: String,
        actors: Vec<ActorDef>,
        events: Vec<Slug>,
        designations: Vec<Slug>,
        quotes: Vec<Slug>,
    }
    let mut parsed: Vec<Parsed> = Vec::new();
    for path in &doc_paths {
        if let Some((file, df)) = v.parse::<DocumentFile>(path) {
            parsed.push(Parsed {
                file,
                slug: df.document.slug,
                body: df.document.file.0,
                actors: df.actors,
                events: df.events.into_iter().map(|e| e.slug).collect(),
                designations: df.designations.into_iter().map(|g| g.slug).collect(),
                quotes: df.quotes.into_iter().map(|q| q.slug).collect(),
            });
        }
    }
    // Documents are taken in slug order, not file-name order, so that row ids follow from the facts alone and a
    // seed written back by `export --format seed` rebuilds the same file whatever its files are called.
    parsed.sort_by(|a, b| a.slug.cmp(&b.slug));
    // Later checks would only repeat what a file that did not parse already says.
    if !v.problems.is_empty() {
        return Err(SeedErrors(v.problems).into());
    }

    // Documents: unique slugs, and bodies that exist and are UTF-8.
    let mut doc_registry = Registry::new("document");
    let mut docs: Vec<DocInfo> = Vec::new();
    let mut event_registry = Registry::new("event");
    let mut designation_registry = Registry::new("designation");
    let mut quote_registry = Registry::new("quote");
    for p in parsed {
        let r = v.rec(p.file, "document", &p.slug);
        let registered = doc_registry.add(&mut v, &r);
        let seed_path = v.path(p.file).to_string();
        let dir = seed_path.rsplit_once('/').map_or("", |(d, _)| d);
        let body_path = normalize(&format!("{dir}/{}", p.body));
        if registered {
            match files.read(&body_path) {
                None => {
                    v.at(
                        &r,
                        Some("file"),
                        Some(&p.body),
                        format!("the body file {body_path} is not in the seed"),
                        Some("the path is relative to the seed file; put the document's text beside it"),
                    );
                }
                Some(bytes) => {
                    // SQLite's text functions stop at a NUL character, so offsets past one would not hold.
                    if v.text(&body_path, &bytes).is_some()
                        && let Some(at) = bytes.iter().position(|&b| b == 0)
                    {
                        let before = &bytes[..at];
                        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                        let last = before.rsplit(|&b| b == b'\n').next().unwrap_or(before);
                        v.problems.push(Problem {
                            file: body_path.clone(),
                            line: Some(line),
                            column: Some(String::from_utf8_lossy(last).chars().count() + 1),
                            record: None,
                            field: None,
                            message: format!("the text holds a NUL character (at byte offset {at})"),
                            hint: Some(
                                "remove it: SQLite's substr() and length() stop at NUL, so offsets past it would not \
                                 hold in other clients"
                                    .to_string(),
                            ),
                        });
                    }
                }
            }
        }
        // Registration order within a file decides which line a repeated slug points at: actors, events,
        // designations, quotes, as the file lists them.
        let actors: Vec<(Rec, ActorDef)> = p
            .actors
            .into_iter()
            .map(|a| (v.rec(p.file, "actor", &a.slug), a))
            .collect();
        let register =
            |v: &mut Validator, registry: &mut Registry, kind: &'static str, slugs: &[Slug]| {
                slugs
                    .iter()
                    .map(|s| {
                        let r = v.rec(p.file, kind, s);
                        let free = registry.add(v, &r);
                        (r, free)
                    })
                    .collect::<Vec<_>>()
            };
        let events = register(&mut v, &mut event_registry, "event", &p.events);
        let designations = register(
            &mut v,
            &mut designation_registry,
            "designation",
            &p.designations,
        );
        let quotes = register(&mut v, &mut quote_registry, "quote", &p.quotes);
        docs.push(DocInfo {
            file: p.file,
            path: seed_path,
            slug: p.slug.0,
            body_path,
            actors,
            events,
            designations,
            quotes,
        });
    }
    if !v.problems.is_empty() {
        return Err(SeedErrors(v.problems).into());
    }

    // Actors: the shared ones, then each document's own, in document order.
    let mut actor_registry = Registry::new("actor");
    let mut actors: Vec<(Rec, ActorDef, Option<usize>)> = Vec::new();
    for (file, af) in shared {
        for a in af.actors {
            let r = v.rec(file, "actor", &a.slug);
            if actor_registry.add(&mut v, &r) {
                actors.push((r, a, None));
            }
        }
    }
    for (d, doc) in docs.iter_mut().enumerate() {
        for (r, a) in std::mem::take(&mut doc.actors) {
            if actor_registry.add(&mut v, &r) {
                actors.push((r, a, Some(d)));
            }
        }
    }
    let mut parents: Vec<Option<usize>> = vec![None; actors.len()];
    for (i, (r, a, _)) in actors.iter().enumerate() {
        if let Some(p) = &a.parent {
            parents[i] = actor_registry.resolve(&mut v, r, "parent", p);
        }
    }
    // A parent chain must end.
    for (i, (r, _, _)) in actors.iter().enumerate() {
        let mut seen = HashSet::from([i]);
        let mut cur = parents[i];
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
            cur = parents[p];
        }
    }

    load::apply_schema(conn)?;
    let tx = conn.transaction()?;
    // Designations may name events of later documents, which are inserted later: check at commit.
    tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;

    // Actor rows, and the evidence checks that only actors defined in a document may carry.
    let mut alias_lists: Vec<Vec<String>> = Vec::new();
    for (r, a, doc) in &actors {
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
        if doc.is_none() && !a.evidence.is_empty() {
            v.at(
                r,
                Some("evidence"),
                None,
                "evidence in a shared actors file cannot say which document it is from".to_string(),
                Some("move it to a [[mentions]] entry (actor = \"slug\", evidence = [...]) in the document's seed file"),
            );
        }
        alias_lists.push(aliases);
    }
    if v.problems.is_empty() {
        for (i, ((_, a, _), aliases)) in actors.iter().zip(&alias_lists).enumerate() {
            load::insert_actor(&tx, id(i), a, aliases)?;
        }
        for (i, p) in parents.iter().enumerate() {
            if let Some(p) = p {
                tx.prepare_cached(Sql::SET_PARENT)?
                    .execute(params![id(i), id(*p)])?;
            }
        }
    }
    summary.actors = actors.len();

    // Pass 2: each document in turn.
    let mut has_evidence = vec![false; actors.len()];
    // The actors each document defines, so that each one's evidence is found in its own document.
    let mut local_by_doc: Vec<Vec<usize>> = vec![Vec::new(); docs.len()];
    for (i, (_, _, home)) in actors.iter().enumerate() {
        if let Some(d) = home {
            local_by_doc[*d].push(i);
        }
    }
    let mut event_rows = 0usize;
    let mut designation_rows = 0usize;
    let mut quote_rows = 0usize;
    let mut evidence_rows = 0usize;
    for (d, doc) in docs.iter().enumerate() {
        progress(1);
        let Some((_, df)) = v.parse::<DocumentFile>(&doc.path) else {
            continue;
        };
        let body = files
            .read(&doc.body_path)
            .and_then(|b| String::from_utf8(b.into_owned()).ok())
            .expect("pass 1 read the body");
        let insert = v.problems.is_empty();
        if insert {
            load::insert_document(
                &tx,
                id(d),
                &df.document,
                &body,
                &sha256_hex(body.as_bytes()),
            )?;
        }
        summary.documents += 1;

        // What to find in this body, in the order evidence rows are numbered.
        enum Target<'q> {
            Actor(usize),
            Event(usize),
            Designation(usize),
            /// A quote's own words: the row is inserted once they are located.
            QuoteText {
                row: usize,
                def: &'q QuoteDef,
                speaker: Option<usize>,
                addressee: Option<usize>,
            },
            Quote(usize),
        }
        let mut pending: Vec<(&Quote, Rec, String, Target)> = Vec::new();
        for &i in &local_by_doc[d] {
            let (r, a, _) = &actors[i];
            for (k, q) in a.evidence.iter().enumerate() {
                pending.push((q, r.clone(), format!("evidence[{k}]"), Target::Actor(i)));
            }
        }
        for m in &df.mentions {
            let r = Rec {
                file: doc.file,
                kind: "mention of actor",
                slug: m.actor.to_string(),
                nth: 0,
            };
            let Some(actor) = actor_registry.get(m.actor.as_str()) else {
                let near = nearest(m.actor.as_str(), actor_registry.slugs());
                let line = v.source(doc.file).record_line("actor", m.actor.as_str(), 0);
                v.problems.push(Problem {
                    file: v.path(doc.file).to_string(),
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
            for (k, q) in m.evidence.iter().enumerate() {
                pending.push((q, r.clone(), format!("evidence[{k}]"), Target::Actor(actor)));
            }
        }

        // Events, with their participants.
        for (e, (r, free)) in df.events.iter().zip(&doc.events) {
            if !free {
                continue;
            }
            let r = r.clone();
            let idx = event_rows;
            event_rows += 1;
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
            for (k, q) in e.evidence.iter().enumerate() {
                pending.push((q, r.clone(), format!("evidence[{k}]"), Target::Event(idx)));
            }
            if v.problems.is_empty() {
                load::insert_event(
                    &tx,
                    id(idx),
                    e,
                    &participants
                        .iter()
                        .map(|(a, role)| (id(*a), *role))
                        .collect::<Vec<_>>(),
                )?;
            }
            summary.participants += participants.len();
        }

        // Quotes: their text is located like evidence, and is evidence itself.
        for (q, (r, free)) in df.quotes.iter().zip(&doc.quotes) {
            if !free {
                continue;
            }
            let r = r.clone();
            let idx = quote_rows;
            quote_rows += 1;
            let speaker = actor_registry.resolve(&mut v, &r, "speaker", &q.speaker);
            let addressee = q
                .addressee
                .as_ref()
                .and_then(|a| actor_registry.resolve(&mut v, &r, "addressee", a));
            need_evidence(&mut v, &r, &q.evidence);
            pending.push((
                &q.text,
                r.clone(),
                "text".to_string(),
                Target::QuoteText {
                    row: idx,
                    def: q,
                    speaker,
                    addressee,
                },
            ));
            for (k, e) in q.evidence.iter().enumerate() {
                pending.push((e, r.clone(), format!("evidence[{k}]"), Target::Quote(idx)));
            }
        }

        // Designations.
        for (g, (r, free)) in df.designations.iter().zip(&doc.designations) {
            if !free {
                continue;
            }
            let r = r.clone();
            let idx = designation_rows;
            designation_rows += 1;
            let authority = actor_registry.resolve(&mut v, &r, "authority", &g.authority);
            let subject = actor_registry.resolve(&mut v, &r, "subject", &g.subject);
            let imposed_by = g
                .imposed_by
                .as_ref()
                .and_then(|e| event_registry.resolve(&mut v, &r, "imposed_by", e));
            let ended_by = g
                .ended_by
                .as_ref()
                .and_then(|e| event_registry.resolve(&mut v, &r, "ended_by", e));
            if g.status == DesignationStatus::InForce && (g.end.is_some() || g.ended_by.is_some()) {
                let field = if g.end.is_some() { "end" } else { "ended_by" };
                v.at(
                    &r,
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
                    &r,
                    Some("end"),
                    None,
                    format!("the designation ends ({e}) before it starts ({s})"),
                    Some("swap start and end, or correct one of them"),
                );
            }
            need_evidence(&mut v, &r, &g.evidence);
            for (k, q) in g.evidence.iter().enumerate() {
                pending.push((
                    q,
                    r.clone(),
                    format!("evidence[{k}]"),
                    Target::Designation(idx),
                ));
            }
            if v.problems.is_empty() {
                let (Some(authority), Some(subject)) = (authority, subject) else {
                    unreachable!("resolved")
                };
                load::insert_designation(
                    &tx,
                    id(idx),
                    g,
                    id(authority),
                    id(subject),
                    imposed_by.map(id),
                    ended_by.map(id),
                )?;
            }
        }

        // Locate everything at once, then insert the quotes (which need their spans) and the evidence.
        let quotes_found: Vec<&Quote> = pending.iter().map(|p| p.0).collect();
        let found = locate_all(&body, &quotes_found);
        let mut spans: Vec<Option<Span>> = Vec::with_capacity(found.len());
        for ((q, r, field, target), result) in pending.iter().zip(found) {
            if let Target::Actor(a) = target {
                has_evidence[*a] = true;
            }
            match result {
                Ok(span) => spans.push(Some(span)),
                Err(e) => {
                    spans.push(None);
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
                    v.at_needle(
                        r,
                        Some(field),
                        Some(&needle)
                            .filter(|_| !first_words.is_empty())
                            .map(|w| w.as_str()),
                        format!("{e}: \"{shown}{ellipsis}\" in document \"{}\"", doc.slug),
                        Some(e.hint()),
                    );
                }
            }
        }
        if v.problems.is_empty() {
            for ((_, _, _, target), span) in pending.iter().zip(&spans) {
                if let Target::QuoteText {
                    row,
                    def,
                    speaker,
                    addressee,
                } = target
                {
                    let speaker = speaker.expect("no problems, so the speaker resolved");
                    load::insert_quote(
                        &tx,
                        id(*row),
                        def,
                        id(speaker),
                        id(d),
                        span.expect("located"),
                        addressee.map(id),
                        actors[speaker].1.name.as_str(),
                    )?;
                }
            }
            for ((q, _, _, target), span) in pending.iter().zip(&spans) {
                let fact = match target {
                    Target::Actor(i) => load::Fact::Actor(id(*i)),
                    Target::Event(i) => load::Fact::Event(id(*i)),
                    Target::Designation(i) => load::Fact::Designation(id(*i)),
                    Target::QuoteText { row: i, .. } | Target::Quote(i) => {
                        load::Fact::Quote(id(*i))
                    }
                };
                evidence_rows += 1;
                load::insert_evidence(&tx, id(d), span.expect("located"), &q.exact, fact)?;
            }
        }
    }
    summary.events = event_rows;
    summary.designations = designation_rows;
    summary.quotes = quote_rows;
    summary.evidence = evidence_rows;

    for (i, (r, _, _)) in actors.iter().enumerate() {
        if !has_evidence[i] {
            v.at(
                r,
                None,
                None,
                "the actor has no evidence".to_string(),
                Some("add evidence = [\"…\"] to the actor, or a [[mentions]] entry in a document's seed file"),
            );
        }
    }

    let names: Vec<(String, String, Vec<String>)> = actors
        .iter()
        .zip(&alias_lists)
        .map(|((_, a, _), aliases)| (a.slug.to_string(), a.name.to_string(), aliases.clone()))
        .collect();
    let reports: Vec<_> = report_paths
        .iter()
        .filter_map(|p| parse_report(&mut v, p, &names))
        .collect();
    if !v.problems.is_empty() {
        return Err(SeedErrors(v.problems).into());
    }
    for (i, r) in reports.iter().enumerate() {
        load::insert_report(&tx, id(i), r)?;
        summary
            .reports
            .push((r.name.clone(), r.file.clone(), r.sql_line));
    }
    let project = project.expect("no problems, so the project file parsed");
    load::insert_meta(
        &tx,
        &project.title.0,
        project.description.as_ref().map(|d| d.0.as_str()),
    )?;
    tx.commit()?;
    Ok(summary)
}
