//! Pass 1 of the build, the phases before any document's rows: classify the seed's files, parse the documents
//! and register their slugs (checking each body), then resolve the actors (with the cycle check). What it leaves is
//! `Front`, which pass 2 (`pipeline`) reads; `draft` and `locate` use it for the names a seed defines.

use std::collections::{HashMap, HashSet};

use super::ahead;
use super::model::*;
use super::registers::{Actors, DocInfo, Docs, Registries};
use super::registry::{RECORD_KINDS, Registry, Spill};
use super::validate::{Rec, Validator, normalize, read};
use super::{Problem, SeedFiles};

/// Whether a seed path is a document's seed file (its body is a `.txt` beside it).
pub fn is_document_seed(path: &str) -> bool {
    path.starts_with("documents/") && (path.ends_with(".toml") || path.ends_with(".json"))
}

/// The seed's files by role, apart from the documents, which are many: they are read from the seed's listing.
pub(super) struct Layout {
    pub(super) reports: Vec<String>,
    actors: Vec<String>,
}

/// Phase 1: which file is which. A data file in no known place is a problem.
fn classify(v: &mut Validator, files: &SeedFiles) -> anyhow::Result<Layout> {
    let mut layout = Layout {
        reports: Vec::new(),
        actors: Vec::new(),
    };
    for path in files.paths() {
        let path = path?;
        let is_data = path.ends_with(".toml") || path.ends_with(".json");
        match path.as_str() {
            "dossier.toml" => {}
            "actors.toml" | "actors.json" => layout.actors.push(path.clone()),
            p if is_document_seed(p) => {}
            p if p.starts_with("reports/") && p.ends_with(".sql") => layout.reports.push(path.clone()),
            p if is_data => v.problem(
                "unexpected-file",
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
    Ok(layout)
}

pub(super) fn parse_project(v: &mut Validator, files: &SeedFiles) -> Option<ProjectFile> {
    if files.contains("dossier.toml") {
        v.parse::<ProjectFile>("dossier.toml").map(|(_, p)| p)
    } else {
        v.problem(
            "missing-file",
            "dossier.toml",
            None,
            "the seed has no dossier.toml".to_string(),
            Some("create it with a line such as: title = \"My knowledge base\""),
        );
        None
    }
}

/// The actors of the document files that define some, by file number: pass 1 keeps them until it resolves them.
type LocalActors = HashMap<usize, Vec<ActorDef>>;

/// Pass 1: parses every document file, in the order of their paths; its slug, paths and the slugs its records
/// define go to `spill`, and its actors, if any, are kept.
fn parse_documents(v: &mut Validator, spill: &Spill, ahead: usize) -> anyhow::Result<LocalActors> {
    let mut actors: LocalActors = HashMap::new();
    spill.begin()?;
    let files = v.files;
    let paths = files
        .paths()
        .filter(|p| p.as_ref().map_or(true, |p| is_document_seed(p)));
    let parse = |path: &anyhow::Result<String>| {
        path.as_ref()
            .ok()
            .map(|path| read::<DocumentFile>(files, path))
    };
    let mut seq = 0;
    ahead::in_order(paths, ahead, parse, |_, path, read| {
        let (path, Some(read)) = (path?, read) else {
            return Ok(());
        };
        let Some((file, df)) = v.take(&path, read) else {
            return Ok(());
        };
        spill.put(
            file,
            [
                df.events.iter().map(|e| e.slug.as_str()).collect(),
                df.designations.iter().map(|g| g.slug.as_str()).collect(),
                df.quotes.iter().map(|q| q.slug.as_str()).collect(),
            ],
        )?;
        // Documents are taken in slug order, not file-name order, so that row ids follow from the facts alone and
        // a seed written back by `export --format seed` rebuilds the same file whatever its files are called.
        spill.put_document(
            seq,
            file,
            &path,
            df.document.slug.as_str(),
            &df.document.file.0,
        )?;
        seq += 1;
        if !df.actors.is_empty() {
            actors.insert(file, df.actors);
        }
        Ok(())
    })?;
    v.take_error()?;
    Ok(actors)
}

/// Each document's own actors, by document number, in document order.
type DocActors = Vec<(usize, Vec<(Rec, ActorDef)>)>;

/// Phase 2: registers the documents' slugs, in slug order, and checks that each body exists and is UTF-8 without
/// NUL. The documents and the slugs of documents, events, designations and quotes are kept on disk (see
/// `Registry::on_disk`), so that this phase and pass 2 hold no more than one document's records in memory.
fn register(
    v: &mut Validator,
    (mut local, spill): (LocalActors, Spill),
) -> anyhow::Result<(Docs, DocActors, Registries)> {
    let mut doc_registry = Registry::on_disk("document")?;
    let mut docs = Docs::new()?;
    let mut doc_actors: DocActors = Vec::new();
    let mut reg = Registries {
        events: Registry::on_disk("event")?,
        designations: Registry::on_disk("designation")?,
        quotes: Registry::on_disk("quote")?,
    };
    spill.documents(|file, seed_path, slug, body| {
        let r = v.rec(file, "document", &Slug(slug));
        let first = doc_registry.add(v, &r);
        let dir = seed_path.rsplit_once('/').map_or("", |(d, _)| d);
        let body_path = normalize(&format!("{dir}/{body}"));
        // Registration order within a file decides which line a repeated slug points at: actors, events,
        // designations, quotes, as the file lists them. Pass 2 numbers the records again in the same order
        // (`document::records`).
        let actors: Vec<(Rec, ActorDef)> = local
            .remove(&file)
            .unwrap_or_default()
            .into_iter()
            .map(|a| (v.rec(file, "actor", &a.slug), a))
            .collect();
        let lists = spill.take(file)?;
        let registries = [&mut reg.events, &mut reg.designations, &mut reg.quotes];
        for ((registry, kind), slugs) in registries.into_iter().zip(RECORD_KINDS).zip(lists) {
            for s in slugs {
                let r = v.rec(file, kind, &Slug(s));
                registry.add(v, &r);
            }
        }
        if !actors.is_empty() {
            doc_actors.push((docs.len(), actors));
        }
        docs.push(&DocInfo {
            file,
            path: seed_path,
            slug: r.slug,
            body_path,
            first,
        })?;
        Ok(())
    })?;
    for registry in [
        &mut doc_registry,
        &mut reg.events,
        &mut reg.designations,
        &mut reg.quotes,
    ] {
        if let Some(e) = registry.take_error() {
            return Err(
                anyhow::Error::new(e).context("cannot keep the seed's slugs in a temporary file")
            );
        }
    }
    Ok((docs, doc_actors, reg))
}

/// A document's body must be in the seed, UTF-8, and free of NUL: the problems of `bytes`, read from `body_path`
/// (None when it is not in the seed), where document `r` names it `body`. Pass 2 reads each body once, so it makes
/// this check, for the first document with each slug.
pub(super) fn check_body(
    v: &mut Validator,
    r: &Rec,
    body: &str,
    body_path: &str,
    bytes: Option<&[u8]>,
) {
    match bytes {
        None => {
            v.at(
                "body-missing",
                r,
                Some("file"),
                Some(body),
                format!("the body file {body_path} is not in the seed"),
                Some("the path is relative to the seed file; put the document's text beside it"),
            );
        }
        Some(bytes) => {
            // SQLite's text functions stop at a NUL character, so offsets past one would not hold.
            if v.text(body_path, bytes).is_some()
                && let Some(at) = bytes.iter().position(|&b| b == 0)
            {
                let before = &bytes[..at];
                let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                let last = before.rsplit(|&b| b == b'\n').next().unwrap_or(before);
                v.problems.push(Problem {
code: "nul-character",
                    file: body_path.to_string(),
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
..Problem::default()
});
            }
        }
    }
}

/// Phase 3: registers the shared actors, then each document's own, in document order; resolves parents and checks
/// that every parent chain ends; checks aliases and where evidence may stand.
fn resolve_actors(v: &mut Validator, shared: Vec<(usize, ActorsFile)>, local: DocActors) -> Actors {
    let mut registry = Registry::new("actor");
    let mut list: Vec<(Rec, ActorDef, Option<usize>)> = Vec::new();
    for (file, af) in shared {
        for a in af.actors {
            let r = v.rec(file, "actor", &a.slug);
            if registry.add(v, &r) {
                list.push((r, a, None));
            }
        }
    }
    for (d, actors) in local {
        for (r, a) in actors {
            if registry.add(v, &r) {
                list.push((r, a, Some(d)));
            }
        }
    }
    let mut parents: Vec<Option<usize>> = vec![None; list.len()];
    for (i, (r, a, _)) in list.iter().enumerate() {
        if let Some(p) = &a.parent {
            parents[i] = registry.resolve(v, r, "parent", p);
        }
    }
    // A parent chain must end.
    for (i, (r, _, _)) in list.iter().enumerate() {
        let mut seen = HashSet::from([i]);
        let mut cur = parents[i];
        while let Some(p) = cur {
            if !seen.insert(p) {
                v.at(
                    "parent-cycle",
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
    let aliases = list
        .iter()
        .map(|(r, a, home)| check_actor(v, r, a, *home))
        .collect();
    let mut by_doc: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, (_, _, home)) in list.iter().enumerate() {
        if let Some(d) = home {
            by_doc.entry(*d).or_default().push(i);
        }
    }
    Actors {
        list,
        registry,
        parents,
        aliases,
        by_doc,
    }
}

/// An actor's aliases, each once; evidence only where a document can say where it is from.
fn check_actor(v: &mut Validator, r: &Rec, a: &ActorDef, home: Option<usize>) -> Vec<String> {
    let mut aliases: Vec<String> = Vec::new();
    for alias in &a.aliases {
        if aliases.contains(&alias.0) {
            v.at(
                "duplicate-alias",
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
    if home.is_none() && !a.evidence.is_empty() {
        v.at(
            "evidence-in-shared-file",
            r,
            Some("evidence"),
            None,
            "evidence in a shared actors file cannot say which document it is from".to_string(),
            Some("move it to a [[mentions]] entry (actor = \"slug\", evidence = [...]) in the document's seed file"),
        );
    }
    aliases
}

/// What a seed already defines, as far as its files parse, for `draft` and `locate`: each actor's slug, name and
/// aliases, and each document's slug and the seed path of its body.
pub struct Known {
    pub actors: Vec<(String, String, Vec<String>)>,
    pub documents: Vec<(String, String)>,
}

/// Runs the phases up to the actors, ignoring problems (`check` reports them).
pub fn known(files: &SeedFiles) -> anyhow::Result<Known> {
    let mut v = Validator::new(files)?;
    let front = front(&mut v, files, 2)?;
    Ok(Known {
        actors: front.actors.names(),
        documents: front
            .docs
            .iter()
            .map(|d| d.map(|d| (d.slug, d.body_path)))
            .collect::<rusqlite::Result<_>>()?,
    })
}

/// What the phases before pass 2 leave.
pub(super) struct Front {
    pub(super) layout: Layout,
    pub(super) docs: Docs,
    pub(super) registries: Registries,
    pub(super) actors: Actors,
}

/// Phases 1 to 3: classify the files, parse and register the documents, resolve the actors; no body is read (pass 2
/// checks them). `ahead` threads read and parse the document files, ahead of this one.
pub(super) fn front(v: &mut Validator, files: &SeedFiles, ahead: usize) -> anyhow::Result<Front> {
    let layout = classify(v, files)?;
    let shared: Vec<(usize, ActorsFile)> = layout
        .actors
        .iter()
        .filter_map(|p| v.parse::<ActorsFile>(p))
        .collect();
    let spill = Spill::new()?;
    let local = parse_documents(v, &spill, ahead)?;
    let (docs, doc_actors, registries) = register(v, (local, spill))?;
    let actors = resolve_actors(v, shared, doc_actors);
    v.take_error()?;
    Ok(Front {
        layout,
        docs,
        registries,
        actors,
    })
}
