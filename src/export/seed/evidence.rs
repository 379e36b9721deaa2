//! The evidence rows, and the words that find each again in its document: the plain words, or with the shortest
//! prefix or suffix that tells the occurrence apart.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use rusqlite::Connection;

use super::column::rows;
use crate::seed::locate::{Span, locate_all};
use crate::seed::model::{DocumentFile, Quote, Slug};

/// One document: its body, for finding evidence, and the file being filled.
pub(super) struct Doc {
    pub(super) body: String,
    pub(super) chars: Vec<char>,
    pub(super) file: DocumentFile,
}

pub(super) type Docs = BTreeMap<i64, Doc>;

pub(super) fn body(docs: &Docs, id: i64) -> anyhow::Result<&Doc> {
    docs.get(&id).context("evidence in a missing document")
}

pub(super) fn doc(docs: &mut Docs, id: i64) -> anyhow::Result<&mut DocumentFile> {
    Ok(&mut docs
        .get_mut(&id)
        .context("evidence in a missing document")?
        .file)
}

/// One evidence row: where, and what.
pub(super) struct Ev {
    document: i64,
    start: usize,
    end: usize,
    exact: String,
}

/// The evidence rows in id order: the actors' as runs of one actor in one document (each run a mention), the
/// other facts' grouped by fact.
pub(super) struct Evidence {
    pub(super) mentions: Vec<(i64, i64, Vec<Ev>)>,
    pub(super) by_fact: BTreeMap<(&'static str, i64), Vec<Ev>>,
}

impl Evidence {
    pub(super) fn read(conn: &Connection) -> anyhow::Result<Evidence> {
        let mut out = Evidence {
            mentions: Vec::new(),
            by_fact: BTreeMap::new(),
        };
        let sql = "SELECT document, start, end, exact, actor, event, designation, quote FROM evidence ORDER BY id";
        for (fact, ev) in rows(conn, sql, [], |r| {
            let fact = match (
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<i64>>(7)?,
            ) {
                (Some(a), _, _, _) => ("actor", a),
                (_, Some(e), _, _) => ("event", e),
                (_, _, Some(g), _) => ("designation", g),
                (_, _, _, Some(q)) => ("quote", q),
                _ => ("none", 0),
            };
            let ev = Ev {
                document: r.get(0)?,
                start: r.get::<_, i64>(1)? as usize,
                end: r.get::<_, i64>(2)? as usize,
                exact: r.get(3)?,
            };
            Ok((fact, ev))
        })? {
            match (fact, out.mentions.last_mut()) {
                (("actor", a), Some((actor, d, evs))) if *actor == a && *d == ev.document => {
                    evs.push(ev)
                }
                (("actor", a), _) => out.mentions.push((a, ev.document, vec![ev])),
                _ => out.by_fact.entry(fact).or_default().push(ev),
            }
        }
        Ok(out)
    }

    /// The evidence of a fact other than an actor, and the one document that holds it: the seed format ties
    /// each fact to its document.
    pub(super) fn of(
        &self,
        kind: &'static str,
        id: i64,
        slug: &Slug,
    ) -> anyhow::Result<(i64, &[Ev])> {
        let evs = self
            .by_fact
            .get(&(kind, id))
            .with_context(|| format!("{kind} \"{slug}\" has no evidence"))?;
        let d = evs[0].document;
        if evs.iter().any(|e| e.document != d) {
            bail!(
                "{kind} \"{slug}\" has evidence in more than one document, which a seed cannot express"
            );
        }
        Ok((d, evs))
    }
}

/// The evidence item for a span: the plain words when they occur once, else with the shortest context that
/// finds exactly this occurrence.
pub(super) fn selector(doc: &Doc, ev: &Ev) -> anyhow::Result<Quote> {
    let slug = &doc.file.document.slug;
    if ev.start > ev.end || ev.end > doc.chars.len() {
        bail!(
            "evidence {:?} at {}..{} lies outside document \"{slug}\" ({} code points); the file is damaged: run \
             `dossier verify`",
            ev.exact,
            ev.start,
            ev.end,
            doc.chars.len()
        );
    }
    let want = Span {
        start: ev.start,
        end: ev.end,
    };
    let plain = Quote {
        exact: ev.exact.clone(),
        prefix: None,
        suffix: None,
    };
    let finds = |q: &Quote| locate_all(&doc.body, &[q]).first() == Some(&Ok(want));
    if finds(&plain) {
        return Ok(plain);
    }
    let mut n = 4;
    loop {
        let before: String = doc.chars[ev.start.saturating_sub(n)..ev.start]
            .iter()
            .collect();
        let after: String = doc.chars[ev.end..(ev.end + n).min(doc.chars.len())]
            .iter()
            .collect();
        let with_prefix = Quote {
            prefix: Some(before),
            ..plain.clone()
        };
        let with_suffix = Quote {
            suffix: Some(after),
            ..plain.clone()
        };
        for q in [with_prefix, with_suffix] {
            let empty = q.prefix.as_deref() == Some("") || q.suffix.as_deref() == Some("");
            if !empty && finds(&q) {
                return Ok(q);
            }
        }
        if n > doc.chars.len() {
            bail!(
                "evidence {:?} at {}..{} in \"{slug}\" cannot be told apart from its other occurrences",
                ev.exact,
                ev.start,
                ev.end
            );
        }
        n *= 2;
    }
}

pub(super) fn selectors(docs: &Docs, evs: &[Ev]) -> anyhow::Result<Vec<Quote>> {
    evs.iter()
        .map(|e| selector(body(docs, e.document)?, e))
        .collect()
}
