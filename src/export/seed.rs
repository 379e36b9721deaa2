//! A seed written back from a database, from which `dossier build` rebuilds the same file byte for byte.
//!
//! Row ids follow from the order in which the build meets the facts, so the seed is laid out to be met in id
//! order: every actor in actors.toml, and each document's file listing its actors' evidence (as mentions, in
//! evidence order), then its events, quotes and designations. Evidence is written as its exact words, with the
//! shortest prefix (or suffix) that picks out the occurrence when the words occur more than once.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use rusqlite::Connection;
use toml::Value;
use toml::value::{Array, Table};

use crate::export::Writer;
use crate::seed::locate::{Span, locate_all};
use crate::seed::model::Quote;

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

/// Puts `key = value` into `t` when the value is not NULL.
fn put(t: &mut Table, key: &str, v: Option<String>) {
    if let Some(v) = v {
        t.insert(key.into(), s(v));
    }
}

struct Doc {
    slug: String,
    body: String,
    chars: Vec<char>,
    table: Table,
    /// Sections in build order, each an array of tables.
    mentions: Array,
    events: Array,
    quotes: Array,
    designations: Array,
}

/// One evidence row: where, what, and which fact.
struct Ev {
    document: i64,
    start: usize,
    end: usize,
    exact: String,
    fact: (&'static str, i64),
}

/// The evidence item for a span: the plain words when they occur once, else with the shortest context that
/// finds exactly this occurrence.
fn selector(doc: &Doc, ev: &Ev) -> anyhow::Result<Value> {
    if ev.start > ev.end || ev.end > doc.chars.len() {
        bail!(
            "evidence {:?} at {}..{} lies outside document \"{}\" ({} code points); the file is damaged: run \
             `dossier verify`",
            ev.exact,
            ev.start,
            ev.end,
            doc.slug,
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
    if locate_all(&doc.body, &[&plain]).first() == Some(&Ok(want)) {
        return Ok(s(ev.exact.clone()));
    }
    let mut n = 4;
    loop {
        let before: String = doc.chars[ev.start.saturating_sub(n)..ev.start]
            .iter()
            .collect();
        let after: String = doc.chars[ev.end..(ev.end + n).min(doc.chars.len())]
            .iter()
            .collect();
        for (key, context) in [("prefix", before), ("suffix", after)] {
            if context.is_empty() {
                continue;
            }
            let mut q = plain.clone();
            if key == "prefix" {
                q.prefix = Some(context.clone());
            } else {
                q.suffix = Some(context.clone());
            }
            if locate_all(&doc.body, &[&q]).first() == Some(&Ok(want)) {
                let mut t = Table::new();
                t.insert("exact".into(), s(ev.exact.clone()));
                t.insert(key.into(), s(context));
                return Ok(Value::Table(t));
            }
        }
        if n > doc.chars.len() {
            bail!(
                "evidence {:?} at {}..{} in \"{}\" cannot be told apart from its other occurrences",
                ev.exact,
                ev.start,
                ev.end,
                doc.slug
            );
        }
        n *= 2;
    }
}

/// A slug or report name that becomes part of a file name: what the schema allows, checked again here because a
/// file written with `PRAGMA ignore_check_constraints` may hold anything.
fn component(what: &str, name: &str) -> anyhow::Result<()> {
    if name.is_empty()
        || name.len() > 200
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        bail!(
            "{what} {:?} cannot be a file name (a slug is lowercase letters, digits and '-'); the file breaks its \
             own schema: run `dossier verify`",
            name
        );
    }
    Ok(())
}

fn rows<T>(
    conn: &Connection,
    sql: &str,
    f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let out = stmt
        .query_map([], f)?
        .collect::<rusqlite::Result<Vec<T>>>()?;
    Ok(out)
}

pub fn write(conn: &Connection, w: &mut Writer) -> anyhow::Result<()> {
    // dossier.toml
    let meta: BTreeMap<String, String> = rows(conn, "SELECT key, value FROM meta", |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .into_iter()
    .collect();
    let mut project = Table::new();
    project.insert(
        "title".into(),
        s(meta.get("title").cloned().context("meta has no title")?),
    );
    put(
        &mut project,
        "description",
        meta.get("description").cloned(),
    );
    w.write("dossier.toml", toml::to_string(&project)?.as_bytes())?;

    // Actors, all in actors.toml, in id order.
    let slug_of: BTreeMap<i64, String> = rows(conn, "SELECT id, slug FROM actors", |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .into_iter()
    .collect();
    let actor_slug = |id: i64| {
        slug_of
            .get(&id)
            .cloned()
            .context("dangling actor reference")
    };
    let mut aliases: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (actor, alias) in rows(
        conn,
        "SELECT actor, alias FROM actor_aliases ORDER BY id",
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
    )? {
        aliases.entry(actor).or_default().push(alias);
    }
    type ActorRow = (
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let actors: Vec<ActorRow> = rows(
        conn,
        "SELECT id, slug, name, kind, country, description, wikidata, parent FROM actors ORDER BY id",
        |r| ActorRow::try_from(r),
    )?;
    let mut list = Array::new();
    for (id, slug, name, kind, country, description, wikidata, parent) in actors {
        let mut t = Table::new();
        t.insert("slug".into(), s(slug));
        t.insert("name".into(), s(name));
        t.insert("kind".into(), s(kind));
        put(&mut t, "country", country);
        put(&mut t, "description", description);
        put(&mut t, "wikidata", wikidata);
        put(&mut t, "parent", parent.map(&actor_slug).transpose()?);
        if let Some(a) = aliases.remove(&id) {
            t.insert(
                "aliases".into(),
                Value::Array(a.into_iter().map(s).collect()),
            );
        }
        list.push(Value::Table(t));
    }
    let mut actors_file = Table::new();
    actors_file.insert("actors".into(), Value::Array(list));
    w.write("actors.toml", toml::to_string(&actors_file)?.as_bytes())?;

    // Documents.
    type DocRow = (
        i64,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    );
    let doc_rows: Vec<DocRow> = rows(
        conn,
        "SELECT id, slug, title, author, publisher, published, url, language, body FROM documents ORDER BY id",
        |r| DocRow::try_from(r),
    )?;
    let mut docs: BTreeMap<i64, Doc> = BTreeMap::new();
    for (id, slug, title, author, publisher, published, url, language, body) in doc_rows {
        component("document", &slug)?;
        let mut t = Table::new();
        t.insert("slug".into(), s(slug.clone()));
        t.insert("file".into(), s(format!("{slug}.txt")));
        t.insert("title".into(), s(title));
        put(&mut t, "author", author);
        put(&mut t, "publisher", publisher);
        put(&mut t, "published", published);
        put(&mut t, "url", url);
        put(&mut t, "language", language);
        w.write(&format!("documents/{slug}.txt"), body.as_bytes())?;
        docs.insert(
            id,
            Doc {
                slug,
                chars: body.chars().collect(),
                body,
                table: t,
                mentions: Array::new(),
                events: Array::new(),
                quotes: Array::new(),
                designations: Array::new(),
            },
        );
    }

    // Evidence, grouped by fact, in id order.
    let evidence: Vec<Ev> = rows(
        conn,
        "SELECT document, start, end, exact, actor, event, designation, quote FROM evidence ORDER BY id",
        |r| {
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
            Ok(Ev {
                document: r.get(0)?,
                start: r.get::<_, i64>(1)? as usize,
                end: r.get::<_, i64>(2)? as usize,
                exact: r.get(3)?,
                fact,
            })
        },
    )?;
    let mut by_fact: BTreeMap<(&'static str, i64), Vec<&Ev>> = BTreeMap::new();
    for e in &evidence {
        by_fact.entry(e.fact).or_default().push(e);
    }
    // The one document that holds a fact's evidence: the seed format ties each fact to its document.
    let home = |kind: &'static str, id: i64, slug: &str| -> anyhow::Result<i64> {
        let evs = by_fact
            .get(&(kind, id))
            .with_context(|| format!("{kind} \"{slug}\" has no evidence"))?;
        let d = evs[0].document;
        if evs.iter().any(|e| e.document != d) {
            bail!(
                "{kind} \"{slug}\" has evidence in more than one document, which a seed cannot express"
            );
        }
        Ok(d)
    };
    let selectors = |docs: &BTreeMap<i64, Doc>, evs: &[&Ev]| -> anyhow::Result<Value> {
        let items = evs
            .iter()
            .map(|e| selector(&docs[&e.document], e))
            .collect::<anyhow::Result<Array>>()?;
        Ok(Value::Array(items))
    };

    // Actor evidence becomes mentions, one per run of the same actor, in evidence order.
    let mut run: Option<(i64, i64, Vec<&Ev>)> = None;
    let flush = |run: &mut Option<(i64, i64, Vec<&Ev>)>,
                 docs: &mut BTreeMap<i64, Doc>|
     -> anyhow::Result<()> {
        if let Some((actor, doc, evs)) = run.take() {
            let mut t = Table::new();
            t.insert("actor".into(), s(actor_slug(actor)?));
            t.insert("evidence".into(), selectors(docs, &evs)?);
            docs.get_mut(&doc)
                .context("evidence in a missing document")?
                .mentions
                .push(Value::Table(t));
        }
        Ok(())
    };
    for e in evidence.iter().filter(|e| e.fact.0 == "actor") {
        match &mut run {
            Some((a, d, evs)) if *a == e.fact.1 && *d == e.document => evs.push(e),
            _ => {
                flush(&mut run, &mut docs)?;
                run = Some((e.fact.1, e.document, vec![e]));
            }
        }
    }
    flush(&mut run, &mut docs)?;

    // Events, with their participants by role.
    let mut roles: BTreeMap<i64, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (event, actor, role) in rows(
        conn,
        "SELECT event, actor, role FROM event_actors ORDER BY id",
        |r| <(i64, i64, String)>::try_from(r),
    )? {
        roles
            .entry(event)
            .or_default()
            .entry(role)
            .or_default()
            .push(actor_slug(actor)?);
    }
    let event_slug: BTreeMap<i64, String> = rows(conn, "SELECT id, slug FROM events", |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .into_iter()
    .collect();
    for (id, slug, date, kind, cameo, summary) in rows(
        conn,
        "SELECT id, slug, date, kind, cameo, summary FROM events ORDER BY id",
        |r| <(i64, String, String, String, Option<String>, String)>::try_from(r),
    )? {
        let d = home("event", id, &slug)?;
        let mut t = Table::new();
        t.insert("slug".into(), s(slug));
        t.insert("date".into(), s(date));
        t.insert("kind".into(), s(kind));
        put(&mut t, "cameo", cameo);
        t.insert("summary".into(), s(summary));
        if let Some(by_role) = roles.remove(&id) {
            for role in ["actor", "recipient", "other"] {
                if let Some(list) = by_role.get(role) {
                    t.insert(
                        role.into(),
                        Value::Array(list.iter().cloned().map(s).collect()),
                    );
                }
            }
        }
        t.insert(
            "evidence".into(),
            selectors(&docs, &by_fact[&("event", id)])?,
        );
        docs.get_mut(&d)
            .context("missing document")?
            .events
            .push(Value::Table(t));
    }

    // Quotes: the text is the quote's first evidence row; the rest is its attribution.
    for (id, slug, speaker, document, kind, addressee) in rows(
        conn,
        "SELECT id, slug, speaker, document, kind, addressee FROM quotes ORDER BY id",
        |r| <(i64, String, i64, i64, String, Option<i64>)>::try_from(r),
    )? {
        let d = home("quote", id, &slug)?;
        if d != document {
            bail!("quote \"{slug}\" has its evidence in another document than its text");
        }
        let evs = &by_fact[&("quote", id)];
        let mut t = Table::new();
        t.insert("slug".into(), s(slug));
        t.insert("speaker".into(), s(actor_slug(speaker)?));
        t.insert("kind".into(), s(kind));
        t.insert("text".into(), selector(&docs[&d], evs[0])?);
        put(&mut t, "addressee", addressee.map(&actor_slug).transpose()?);
        t.insert("evidence".into(), selectors(&docs, &evs[1..])?);
        docs.get_mut(&d)
            .context("missing document")?
            .quotes
            .push(Value::Table(t));
    }

    // Designations.
    type DesRow = (
        i64,
        String,
        i64,
        i64,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<String>,
    );
    let designations: Vec<DesRow> = rows(
        conn,
        "SELECT id, slug, authority, subject, kind, status, start, end, imposed_by, ended_by, note FROM designations ORDER BY id",
        |r| DesRow::try_from(r),
    )?;
    for (id, slug, authority, subject, kind, status, start, end, imposed_by, ended_by, note) in
        designations
    {
        let d = home("designation", id, &slug)?;
        let mut t = Table::new();
        t.insert("slug".into(), s(slug));
        t.insert("authority".into(), s(actor_slug(authority)?));
        t.insert("subject".into(), s(actor_slug(subject)?));
        t.insert("kind".into(), s(kind));
        t.insert("status".into(), s(status));
        put(&mut t, "start", start);
        put(&mut t, "end", end);
        put(
            &mut t,
            "imposed_by",
            imposed_by.and_then(|e| event_slug.get(&e).cloned()),
        );
        put(
            &mut t,
            "ended_by",
            ended_by.and_then(|e| event_slug.get(&e).cloned()),
        );
        put(&mut t, "note", note);
        t.insert(
            "evidence".into(),
            selectors(&docs, &by_fact[&("designation", id)])?,
        );
        docs.get_mut(&d)
            .context("missing document")?
            .designations
            .push(Value::Table(t));
    }

    for doc in docs.into_values() {
        let mut file = Table::new();
        file.insert("document".into(), Value::Table(doc.table));
        for (key, items) in [
            ("mentions", doc.mentions),
            ("events", doc.events),
            ("quotes", doc.quotes),
            ("designations", doc.designations),
        ] {
            if !items.is_empty() {
                file.insert(key.into(), Value::Array(items));
            }
        }
        let text = format!(
            "# Written by `dossier export --format seed`. Evidence quotes the body word for word; `dossier build` finds it.\n{}",
            toml::to_string(&file)?
        );
        w.write(&format!("documents/{}.toml", doc.slug), text.as_bytes())?;
    }

    // Reports: the header as TOML in comments, then the SQL.
    for (id, name, title, description, sql) in rows(
        conn,
        "SELECT id, name, title, description, sql FROM reports ORDER BY name",
        |r| <(i64, String, String, String, String)>::try_from(r),
    )? {
        let mut header = Table::new();
        header.insert("title".into(), s(title));
        header.insert("description".into(), s(description));
        let mut stmt = conn.prepare("SELECT name, type, required, default_value, description FROM report_params WHERE report = ?1 ORDER BY position")?;
        let params = stmt
            .query_map([id], |r| {
                let mut p = Table::new();
                p.insert("name".into(), s(r.get::<_, String>(0)?));
                p.insert("type".into(), s(r.get::<_, String>(1)?));
                if r.get::<_, bool>(2)? {
                    p.insert("required".into(), Value::Boolean(true));
                }
                if let Some(d) = r.get::<_, Option<String>>(3)? {
                    p.insert("default".into(), s(d));
                }
                p.insert("description".into(), s(r.get::<_, String>(4)?));
                Ok(Value::Table(p))
            })?
            .collect::<rusqlite::Result<Array>>()?;
        if !params.is_empty() {
            header.insert("params".into(), Value::Array(params));
        }
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
