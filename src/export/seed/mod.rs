//! A seed written back from a database, from which `dossier build` rebuilds the same file byte for byte.
//!
//! Row ids follow from the order in which the build meets the facts, so the seed is laid out to be met in id
//! order: every actor in actors.toml, and each document's file listing its actors' evidence (as mentions, in
//! evidence order), then its events, quotes and designations. Evidence is written as its exact words, with the
//! shortest prefix (or suffix) that picks out the occurrence when the words occur more than once.
//!
//! The files are the model types of `seed::model`, filled from the rows and written by serde, so the export
//! writes every field the build reads. Each value is checked by the model's own rules on the way out (a file
//! written with `PRAGMA ignore_check_constraints` may hold anything), so what is exported builds again.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use rusqlite::{Connection, Row};

use crate::export::Writer;
use crate::seed::model::{
    ActorDef, ActorsFile, DesignationDef, DocumentDef, DocumentFile, EventDef, MentionDef,
    NonEmpty, ParamDef, ProjectFile, QuoteDef, ReportHeader, Slug,
};

mod column;
mod evidence;

use column::{checked, component, get, get_opt, rows};
use evidence::{Doc, Docs, Evidence, body, doc, selector, selectors};

/// The slugs of the actors and events, by row id.
struct Names {
    actors: BTreeMap<i64, Slug>,
    events: BTreeMap<i64, Slug>,
}

impl Names {
    fn read(conn: &Connection) -> anyhow::Result<Names> {
        let pairs = |sql| -> anyhow::Result<BTreeMap<i64, Slug>> {
            Ok(rows(conn, sql, [], |r| Ok((r.get(0)?, get(r, 1)?)))?
                .into_iter()
                .collect())
        };
        Ok(Names {
            actors: pairs("SELECT id, slug FROM actors")?,
            events: pairs("SELECT id, slug FROM events")?,
        })
    }

    fn actor(&self, id: i64) -> anyhow::Result<Slug> {
        self.actors
            .get(&id)
            .cloned()
            .context("dangling actor reference")
    }
}

/// Writes a TOML file, with `preamble` before it.
fn write_toml(
    w: &mut Writer,
    rel: &str,
    preamble: &str,
    value: &impl serde::Serialize,
) -> anyhow::Result<()> {
    let text = format!("{preamble}{}", toml::to_string(value)?);
    w.write(rel, text.as_bytes())
}

pub fn write(conn: &Connection, w: &mut Writer) -> anyhow::Result<()> {
    write_toml(w, "dossier.toml", "", &project(conn)?)?;
    let names = Names::read(conn)?;
    write_toml(w, "actors.toml", "", &actors(conn, &names)?)?;
    let mut docs = documents(conn, w)?;
    let evidence = Evidence::read(conn)?;
    for (actor, d, evs) in &evidence.mentions {
        let evidence = selectors(&docs, evs)?;
        doc(&mut docs, *d)?.mentions.push(MentionDef {
            actor: names.actor(*actor)?,
            evidence,
        });
    }
    events(conn, &names, &evidence, &mut docs)?;
    quotes(conn, &names, &evidence, &mut docs)?;
    designations(conn, &names, &evidence, &mut docs)?;
    for doc in docs.into_values() {
        let rel = format!("documents/{}.toml", doc.file.document.slug);
        let preamble = "# Written by `dossier export --format seed`. Evidence quotes the body word for word; \
                        `dossier build` finds it.\n";
        write_toml(w, &rel, preamble, &doc.file)?;
    }
    reports(conn, w)
}

/// dossier.toml, from the meta table.
fn project(conn: &Connection) -> anyhow::Result<ProjectFile> {
    let meta: BTreeMap<String, String> = rows(conn, "SELECT key, value FROM meta", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .into_iter()
    .collect();
    Ok(ProjectFile {
        title: checked("title", meta.get("title").context("meta has no title")?)?,
        description: meta
            .get("description")
            .map(|d| checked("description", d))
            .transpose()?,
    })
}

/// Every actor, in actors.toml, in id order.
fn actors(conn: &Connection, names: &Names) -> anyhow::Result<ActorsFile> {
    let mut aliases: BTreeMap<i64, Vec<NonEmpty>> = BTreeMap::new();
    for (actor, alias) in rows(
        conn,
        "SELECT actor, alias FROM actor_aliases ORDER BY id",
        [],
        |r| Ok((r.get::<_, i64>(0)?, get(r, 1)?)),
    )? {
        aliases.entry(actor).or_default().push(alias);
    }
    let sql = "SELECT id, slug, name, kind, country, description, wikidata, parent FROM actors ORDER BY id";
    let actors = rows(conn, sql, [], |r| {
        let id: i64 = r.get(0)?;
        Ok(ActorDef {
            slug: get(r, 1)?,
            name: get(r, 2)?,
            kind: get(r, 3)?,
            country: get_opt(r, 4)?,
            description: get_opt(r, 5)?,
            wikidata: get_opt(r, 6)?,
            parent: r
                .get::<_, Option<i64>>(7)?
                .map(|p| names.actor(p))
                .transpose()?,
            aliases: aliases.remove(&id).unwrap_or_default(),
            evidence: Vec::new(),
        })
    })?;
    Ok(ActorsFile { actors })
}

/// Each document's body, written beside its file, and the file's `[document]` table.
fn documents(conn: &Connection, w: &mut Writer) -> anyhow::Result<Docs> {
    let sql = "SELECT id, slug, title, author, publisher, published, url, language, body FROM documents ORDER BY id";
    let mut docs = Docs::new();
    for (id, document, body) in rows(conn, sql, [], |r| {
        let slug: String = r.get(1)?;
        component("document", &slug)?;
        let document = DocumentDef {
            slug: get(r, 1)?,
            file: NonEmpty(format!("{slug}.txt")),
            title: get(r, 2)?,
            author: get_opt(r, 3)?,
            publisher: get_opt(r, 4)?,
            published: get_opt(r, 5)?,
            url: get_opt(r, 6)?,
            language: get_opt(r, 7)?,
        };
        Ok((r.get::<_, i64>(0)?, document, r.get::<_, String>(8)?))
    })? {
        w.write(&format!("documents/{}.txt", document.slug), body.as_bytes())?;
        let file = DocumentFile {
            document,
            actors: Vec::new(),
            mentions: Vec::new(),
            events: Vec::new(),
            quotes: Vec::new(),
            designations: Vec::new(),
        };
        let chars = body.chars().collect();
        docs.insert(id, Doc { body, chars, file });
    }
    Ok(docs)
}

/// Events, with their participants by role.
fn events(
    conn: &Connection,
    names: &Names,
    evidence: &Evidence,
    docs: &mut Docs,
) -> anyhow::Result<()> {
    let mut roles: BTreeMap<i64, [Vec<Slug>; 3]> = BTreeMap::new();
    for (event, actor, role) in rows(
        conn,
        "SELECT event, actor, role FROM event_actors ORDER BY id",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )? {
        let at = match role.as_str() {
            "actor" => 0,
            "recipient" => 1,
            "other" => 2,
            _ => continue,
        };
        roles.entry(event).or_default()[at].push(names.actor(actor)?);
    }
    let sql = "SELECT id, slug, date, kind, cameo, summary FROM events ORDER BY id";
    for (id, slug, date, kind, cameo, summary) in rows(conn, sql, [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            get(r, 1)?,
            get(r, 2)?,
            get(r, 3)?,
            get_opt(r, 4)?,
            get(r, 5)?,
        ))
    })? {
        let (d, evs) = evidence.of("event", id, &slug)?;
        let [actor, recipient, other] = roles.remove(&id).unwrap_or_default();
        let event = EventDef {
            slug,
            date,
            kind,
            cameo,
            summary,
            actor,
            recipient,
            other,
            evidence: selectors(docs, evs)?,
        };
        doc(docs, d)?.events.push(event);
    }
    Ok(())
}

/// Quotes: the text is the quote's first evidence row; the rest is its attribution.
fn quotes(
    conn: &Connection,
    names: &Names,
    evidence: &Evidence,
    docs: &mut Docs,
) -> anyhow::Result<()> {
    let sql = "SELECT id, slug, speaker, document, kind, addressee FROM quotes ORDER BY id";
    for (id, slug, speaker, document, kind, addressee) in rows(conn, sql, [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            get::<Slug>(r, 1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            get(r, 4)?,
            r.get::<_, Option<i64>>(5)?,
        ))
    })? {
        let (d, evs) = evidence.of("quote", id, &slug)?;
        if d != document {
            bail!("quote \"{slug}\" has its evidence in another document than its text");
        }
        let quote = QuoteDef {
            slug,
            speaker: names.actor(speaker)?,
            kind,
            text: selector(body(docs, d)?, &evs[0])?,
            addressee: addressee.map(|a| names.actor(a)).transpose()?,
            evidence: selectors(docs, &evs[1..])?,
        };
        doc(docs, d)?.quotes.push(quote);
    }
    Ok(())
}

fn designations(
    conn: &Connection,
    names: &Names,
    evidence: &Evidence,
    docs: &mut Docs,
) -> anyhow::Result<()> {
    let sql = "SELECT id, slug, authority, subject, kind, status, start, end, imposed_by, ended_by, note \
               FROM designations ORDER BY id";
    let event = |r: &Row<'_>, i| -> anyhow::Result<Option<Slug>> {
        Ok(r.get::<_, Option<i64>>(i)?
            .and_then(|e| names.events.get(&e).cloned()))
    };
    for (id, designation) in rows(conn, sql, [], |r| {
        let designation = DesignationDef {
            slug: get(r, 1)?,
            authority: names.actor(r.get(2)?)?,
            subject: names.actor(r.get(3)?)?,
            kind: get(r, 4)?,
            status: get(r, 5)?,
            start: get_opt(r, 6)?,
            end: get_opt(r, 7)?,
            imposed_by: event(r, 8)?,
            ended_by: event(r, 9)?,
            note: get_opt(r, 10)?,
            evidence: Vec::new(),
        };
        Ok((r.get::<_, i64>(0)?, designation))
    })? {
        let (d, evs) = evidence.of("designation", id, &designation.slug)?;
        let designation = DesignationDef {
            evidence: selectors(docs, evs)?,
            ..designation
        };
        doc(docs, d)?.designations.push(designation);
    }
    Ok(())
}

/// Reports: the header as TOML in comments, then the SQL.
fn reports(conn: &Connection, w: &mut Writer) -> anyhow::Result<()> {
    let sql = "SELECT id, name, title, description, sql FROM reports ORDER BY name";
    for (id, name, title, description, sql) in rows(conn, sql, [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            get(r, 2)?,
            get(r, 3)?,
            r.get::<_, String>(4)?,
        ))
    })? {
        let params = rows(
            conn,
            "SELECT name, type, required, default_value, description FROM report_params WHERE report = ?1 \
             ORDER BY position",
            [id],
            |r| {
                Ok(ParamDef {
                    name: r.get(0)?,
                    kind: get(r, 1)?,
                    required: r.get(2)?,
                    default: r.get(3)?,
                    description: get(r, 4)?,
                })
            },
        )?;
        let header = ReportHeader {
            title,
            description,
            params,
        };
        let mut text: String = toml::to_string(&header)?
            .lines()
            .map(|l| {
                if l.is_empty() {
                    "--\n".to_string()
                } else {
                    format!("-- {l}\n")
                }
            })
            .collect();
        text.push_str(&sql);
        text.push('\n');
        component("report", &name)?;
        w.write(&format!("reports/{name}.sql"), text.as_bytes())?;
    }
    Ok(())
}
