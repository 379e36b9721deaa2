//! The events and designations lists, and every fact's evidence as links to its words.

use std::fmt::Write;

use rusqlite::{Connection, params};

use super::{Anchors, EVIDENCE_CAP, fact_link, thousands};
use crate::chart::svg::anchor;
use crate::chart::{self, truncate};
use crate::escape::html as esc;

/// The evidence of one fact as links to its words, or as quoted text where its document is not on the page.
pub(super) fn evidence_links(
    conn: &Connection,
    out: &mut String,
    table: &str,
    slug: &str,
    anchors: &Anchors,
) -> rusqlite::Result<()> {
    // One statement per fact table, each through its partial index on evidence; the words in the documents
    // the page shows (the earliest published) come first.
    macro_rules! evidence_of {
        ($table:literal, $column:literal) => {
            concat!(
                "SELECT ev.id, ev.document, ev.exact, count(*) OVER () FROM evidence ev JOIN ",
                $table,
                " f ON f.id = ev.",
                $column,
                " JOIN documents d ON d.id = ev.document WHERE f.slug = ?1 \
                 ORDER BY coalesce(d.published_earliest, '9999'), d.slug, ev.start LIMIT ?2"
            )
        };
    }
    let sql = match table {
        "event" => evidence_of!("events", "event"),
        "designation" => evidence_of!("designations", "designation"),
        "actor" => evidence_of!("actors", "actor"),
        _ => evidence_of!("quotes", "quote"),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut total = 0;
    let rows = stmt
        .query_map(params![slug, EVIDENCE_CAP as i64], |r| {
            total = r.get::<_, i64>(3)? as usize;
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Links to the words on this page; where none is, the first passage quoted, so every fact shows words.
    out.push_str(" <span class=\"evidence\">");
    let mut listed = 0;
    for (id, _, exact) in rows.iter().filter(|r| anchors.documents.contains(&r.1)) {
        let _ = write!(
            out,
            " <a class=\"ev-link\" href=\"#ev-{id}\" data-evidence=\"{id}\">“{}”</a>",
            esc(&truncate(exact, 100))
        );
        listed += 1;
    }
    if let (0, Some((_, _, exact))) = (listed, rows.first()) {
        let _ = write!(
            out,
            " <q class=\"off\" title=\"its document is not on this page\">{}</q>",
            esc(&truncate(exact, 100))
        );
        listed = 1;
    }
    if total > listed {
        let _ = write!(
            out,
            " <span class=\"off\">and {} more (<code>dossier evidence {}</code>)</span>",
            thousands(total - listed),
            esc(slug)
        );
    }
    out.push_str("</span>");
    Ok(())
}

pub(super) fn events_list(
    conn: &Connection,
    out: &mut String,
    t: &chart::Timeline,
    anchors: &Anchors,
) -> rusqlite::Result<()> {
    out.push_str("<section id=\"events\">\n<h2>Events</h2>\n<ul class=\"facts\">\n");
    let mut participants = conn.prepare_cached(
        "SELECT a.slug, a.name, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor \
           JOIN events e ON e.id = ea.event WHERE e.slug = ?1 ORDER BY ea.id",
    )?;
    for e in &t.events {
        let _ = write!(
            out,
            "<li id=\"{}\"><span class=\"date\">{}</span><span class=\"kind\">{}</span>{}",
            esc(&anchor("event", &e.slug)),
            esc(&e.date),
            esc(&e.kind),
            esc(&e.summary)
        );
        let who: Vec<(String, String, String)> = participants
            .query_map([&e.slug], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if !who.is_empty() {
            out.push_str(" <span class=\"who\">(");
            for (i, (slug, name, role)) in who.iter().enumerate() {
                if i > 0 {
                    out.push_str("; ");
                }
                fact_link(out, anchors, "actor", slug, name);
                let _ = write!(out, " {}", esc(role));
            }
            out.push_str(")</span>");
        }
        evidence_links(conn, out, "event", &e.slug, anchors)?;
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</section>\n");
    Ok(())
}

pub(super) fn designations_list(
    conn: &Connection,
    out: &mut String,
    d: &chart::Designations,
    anchors: &Anchors,
) -> rusqlite::Result<()> {
    out.push_str(
        "<section id=\"designation-list\">\n<h2>Designations</h2>\n<ul class=\"facts\">\n",
    );
    for b in &d.bars {
        let when = format!(
            "{} to {}",
            b.start.as_deref().unwrap_or("unknown start"),
            b.end
                .as_deref()
                .unwrap_or(if b.open_end() { "now" } else { "unknown end" })
        );
        let _ = write!(
            out,
            "<li id=\"{}\"><span class=\"date\">{}</span><span class=\"kind\">{}</span>{} → {} ({})",
            esc(&anchor("designation", &b.slug)),
            esc(&when),
            esc(&b.kind),
            esc(&b.authority),
            esc(&b.subject),
            esc(&b.status)
        );
        for (m, what) in [(&b.imposed_by, "imposed by"), (&b.ended_by, "ended by")] {
            if let Some(m) = m {
                let _ = write!(out, "; {what} ");
                fact_link(out, anchors, "event", &m.slug, &m.slug);
            }
        }
        evidence_links(conn, out, "designation", &b.slug, anchors)?;
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</section>\n");
    Ok(())
}
