//! The index of actors: each with its description, aliases and evidence, and its events, designations and
//! quotes (capped per actor).

use std::fmt::Write;

use rusqlite::Connection;

use super::facts::evidence_links;
use super::{ACTOR_CAP, Anchors, cap_note, capped, dated_list, more};
use crate::chart;
use crate::chart::svg::anchor;
use crate::escape::{html as esc, html_into};

pub(super) struct Actor {
    pub(super) id: i64,
    pub(super) slug: String,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) country: Option<String>,
    pub(super) description: Option<String>,
    pub(super) wikidata: Option<String>,
}

pub(super) fn actor_rows(conn: &Connection) -> rusqlite::Result<Vec<Actor>> {
    conn.prepare(
        "SELECT id, slug, name, kind, country, description, wikidata FROM actors ORDER BY name, slug LIMIT ?1",
    )?
    .query_map([ACTOR_CAP as i64], |r| {
        Ok(Actor {
            id: r.get(0)?,
            slug: r.get(1)?,
            name: r.get(2)?,
            kind: r.get(3)?,
            country: r.get(4)?,
            description: r.get(5)?,
            wikidata: r.get(6)?,
        })
    })?
    .collect()
}

pub(super) fn actors_index(
    conn: &Connection,
    out: &mut String,
    actors: &[Actor],
    total: usize,
    anchors: &mut Anchors,
) -> rusqlite::Result<()> {
    out.push_str("<section id=\"actors\">\n<h2>Actors</h2>\n");
    cap_note(
        out,
        chart::Shown {
            shown: actors.len(),
            total,
        },
        "actors",
        "the first ones by name",
        "dossier report actor -p actor=NAME",
    );
    let mut aliases =
        conn.prepare_cached("SELECT alias FROM actor_aliases WHERE actor = ?1 ORDER BY alias")?;
    let mut events = conn.prepare_cached(
        "SELECT e.slug, e.date, e.summary, ea.role, count(*) OVER () FROM event_actors ea \
           JOIN events e ON e.id = ea.event WHERE ea.actor = ?1 ORDER BY e.date_earliest, e.slug LIMIT ?2",
    )?;
    let mut designations = conn.prepare_cached(
        "SELECT g.slug, coalesce(g.start, '?') || ' to ' || coalesce(g.end, iif(g.status = 'in_force', 'now', '?')), \
                au.name || ' → ' || su.name || ': ' || g.kind || ', ' || g.status, count(*) OVER () \
           FROM designations g JOIN actors au ON au.id = g.authority JOIN actors su ON su.id = g.subject \
          WHERE g.authority = ?1 OR g.subject = ?1 \
          ORDER BY coalesce(g.start_earliest, g.end_earliest), g.slug LIMIT ?2",
    )?;
    let mut quotes = conn.prepare_cached(
        "SELECT q.slug, q.kind, q.text, ad.name, count(*) OVER () FROM quotes q \
           LEFT JOIN actors ad ON ad.id = q.addressee WHERE q.speaker = ?1 ORDER BY q.document, q.start LIMIT ?2",
    )?;
    // Every actor's quotes are read first: a quote's anchor exists once it is listed, and the evidence links
    // of the actors listed before its speaker need to know that.
    let mut listed_quotes = Vec::new();
    for a in actors {
        let (rows, total) = capped(&mut quotes, a.id, 4, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        anchors.quotes.extend(rows.iter().map(|q| q.0.clone()));
        listed_quotes.push((rows, total));
    }
    for (a, (qs, quote_total)) in actors.iter().zip(&listed_quotes) {
        actor_head(conn, out, a, &mut aliases, anchors)?;

        // Events and designations: (slug, date, text, role or nothing).
        let (evs, total) = capped(&mut events, a.id, 4, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, Some(r.get(3)?)))
        })?;
        dated_list(out, "Events", "event", &evs, total, anchors);
        let (gs, total) = capped(&mut designations, a.id, 3, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, None))
        })?;
        dated_list(out, "Designations", "designation", &gs, total, anchors);

        quote_list(conn, out, qs, *quote_total, anchors)?;
        out.push_str("</section>\n");
    }
    out.push_str("</section>\n");
    Ok(())
}

/// An actor's heading and first paragraph: kind, codes, description, aliases and evidence.
fn actor_head(
    conn: &Connection,
    out: &mut String,
    a: &Actor,
    aliases: &mut rusqlite::CachedStatement<'_>,
    anchors: &Anchors,
) -> rusqlite::Result<()> {
    let _ = write!(
        out,
        "<section class=\"actor\" id=\"{}\">\n<h3>{}</h3>\n<p><span class=\"kind\">{}</span>",
        esc(&anchor("actor", &a.slug)),
        esc(&a.name),
        esc(&a.kind)
    );
    for v in [&a.country, &a.wikidata].into_iter().flatten() {
        let _ = write!(out, "<code>{}</code> ", esc(v));
    }
    if let Some(d) = &a.description {
        html_into(out, d);
    }
    let names: Vec<String> = aliases
        .query_map([a.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !names.is_empty() {
        let _ = write!(out, " Also called: {}.", esc(&names.join(", ")));
    }
    evidence_links(conn, out, "actor", &a.slug, anchors)?;
    out.push_str("</p>\n");
    Ok(())
}

/// The quotes an actor spoke: (slug, kind, text, addressee), of `total`.
fn quote_list(
    conn: &Connection,
    out: &mut String,
    qs: &[(String, String, String, Option<String>)],
    total: usize,
    anchors: &Anchors,
) -> rusqlite::Result<()> {
    if !qs.is_empty() {
        out.push_str("<h4>Quotes</h4>\n<ul class=\"facts\">\n");
    }
    for (slug, kind, text, addressee) in qs {
        let _ = write!(
            out,
            "<li id=\"{}\"><span class=\"kind\">{}</span>“{}”",
            esc(&anchor("quote", slug)),
            esc(kind),
            esc(text)
        );
        if let Some(ad) = addressee {
            let _ = write!(out, " (to {})", esc(ad));
        }
        evidence_links(conn, out, "quote", slug, anchors)?;
        out.push_str("</li>\n");
    }
    more(out, qs.len(), total, "quotes");
    Ok(())
}
