//! The documents section: each document's text with every evidence span marked and linked to its fact, as
//! many as the text budget allows, then the rest by title.

use std::fmt::Write;

use rusqlite::{Connection, OptionalExtension};

use super::{Anchors, TEXT_BUDGET, TITLE_CAP, cap_note, close_list};
use crate::chart;
use crate::chart::svg::anchor;
use crate::escape::{html as esc, html_into};

pub(super) struct Document {
    pub(super) id: i64,
    slug: String,
    title: String,
    byline: Vec<String>,
    pub(super) shown: bool,
}

/// Every document, in order of publication, marked shown until the text budget is spent (the first always).
pub(super) fn document_rows(conn: &Connection) -> rusqlite::Result<Vec<Document>> {
    let mut stmt = conn.prepare(
        "SELECT id, slug, title, author, publisher, published, url, length FROM documents \
          ORDER BY coalesce(published_earliest, '9999'), slug LIMIT ?1",
    )?;
    let mut spent = 0usize;
    let mut docs = Vec::new();
    let mut rows = stmt.query([(TITLE_CAP * 4) as i64])?;
    while let Some(r) = rows.next()? {
        let length = r.get::<_, i64>(7)?.max(0) as usize;
        let shown = docs.is_empty() || spent + length <= TEXT_BUDGET;
        if shown {
            spent += length;
        }
        let byline: Vec<String> = (3..7)
            .filter_map(|i| r.get::<_, Option<String>>(i).ok().flatten())
            .collect();
        docs.push(Document {
            id: r.get(0)?,
            slug: r.get(1)?,
            title: r.get(2)?,
            byline,
            shown,
        });
    }
    Ok(docs)
}

pub(super) fn documents_section(
    conn: &Connection,
    out: &mut String,
    docs: &[Document],
    total: usize,
    anchors: &Anchors,
) -> rusqlite::Result<()> {
    out.push_str("<section id=\"documents\">\n<h2>Documents</h2>\n");
    let shown = docs.iter().filter(|d| d.shown).count();
    cap_note(
        out,
        chart::Shown { shown, total },
        "documents in full",
        "the earliest published, up to 300,000 characters of text; the others are listed by title",
        "dossier evidence SLUG",
    );
    let mut body = conn.prepare_cached("SELECT body FROM documents WHERE id = ?1")?;
    let mut spans = conn.prepare_cached(
        "SELECT ev.id, ev.start, ev.end, \
                CASE WHEN ev.actor IS NOT NULL THEN 'actor' WHEN ev.event IS NOT NULL THEN 'event' \
                     WHEN ev.designation IS NOT NULL THEN 'designation' ELSE 'quote' END, \
                coalesce(a.slug, e.slug, g.slug, q.slug, '') \
           FROM evidence ev \
           LEFT JOIN actors a ON a.id = ev.actor LEFT JOIN events e ON e.id = ev.event \
           LEFT JOIN designations g ON g.id = ev.designation LEFT JOIN quotes q ON q.id = ev.quote \
          WHERE ev.document = ?1 ORDER BY ev.start, ev.end DESC, ev.id",
    )?;
    for d in docs.iter().filter(|d| d.shown) {
        let _ = write!(
            out,
            "<article id=\"{}\">\n<h3>{}</h3>\n<p class=\"off\">{}</p>\n<div class=\"doc-body\">",
            esc(&anchor("document", &d.slug)),
            esc(&d.title),
            esc(&d.byline.join(" · "))
        );
        let text: Option<String> = body.query_row([d.id], |r| r.get(0)).optional()?;
        let marks: Vec<Span> = spans
            .query_map([d.id], |r| {
                Ok(Span {
                    id: r.get(0)?,
                    start: r.get(1)?,
                    end: r.get(2)?,
                    table: r.get(3)?,
                    slug: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        marked(out, text.as_deref().unwrap_or(""), &marks, anchors);
        out.push_str("</div>\n</article>\n");
    }
    let rest: Vec<&Document> = docs.iter().filter(|d| !d.shown).collect();
    if !rest.is_empty() {
        out.push_str("<h3>Not shown in full</h3>\n<ul class=\"facts\">\n");
        for d in rest.iter().take(TITLE_CAP) {
            let _ = writeln!(
                out,
                "<li><span class=\"slug\">{}</span> {}</li>",
                esc(&d.slug),
                esc(&d.title)
            );
        }
        let listed = shown + rest.len().min(TITLE_CAP);
        close_list(out, total.saturating_sub(listed), "");
    }
    out.push_str("</section>\n");
    Ok(())
}

/// One evidence span in a document: code-point offsets, and the fact it supports.
pub(super) struct Span {
    pub(super) id: i64,
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) table: String,
    pub(super) slug: String,
}

/// A body with each span as `<mark id="ev-ID">`, followed by an empty link back to its fact (its arrow comes
/// from CSS, so a mark's text stays exactly the evidence's words). Spans arrive sorted by start, longest
/// first; a span inside another nests in it. A span that crosses the end of one it started inside cannot
/// nest, so it is cut where the outer one ends. Offsets outside the body are ignored rather than trusted.
pub(super) fn marked(out: &mut String, body: &str, spans: &[Span], anchors: &Anchors) {
    // Byte offset of every code point, and of the end.
    let bytes: Vec<usize> = body
        .char_indices()
        .map(|(i, _)| i)
        .chain([body.len()])
        .collect();
    let len = bytes.len() as i64 - 1;
    let at = |cp: i64| bytes[cp.clamp(0, len) as usize];
    let mut cursor = 0i64;
    let mut open: Vec<(i64, &Span)> = Vec::new();
    let close = |out: &mut String, s: &Span| {
        out.push_str("</mark>");
        if anchors.has(&s.table, &s.slug) {
            let _ = write!(
                out,
                "<a class=\"back\" href=\"#{}\" title=\"{} {}\"></a>",
                esc(&anchor(&s.table, &s.slug)),
                esc(&s.table),
                esc(&s.slug)
            );
        }
    };
    for s in spans {
        if s.start < cursor.max(0) || s.end <= s.start || s.end > len {
            continue;
        }
        while let Some(&(end, top)) = open.last() {
            if end > s.start {
                break;
            }
            html_into(out, &body[at(cursor)..at(end)]);
            cursor = end;
            close(out, top);
            open.pop();
        }
        html_into(out, &body[at(cursor)..at(s.start)]);
        cursor = s.start;
        let end = open.last().map_or(s.end, |&(outer, _)| s.end.min(outer));
        let _ = write!(
            out,
            "<mark id=\"ev-{}\" class=\"ev k-{}\">",
            s.id,
            esc(&s.table)
        );
        open.push((end, s));
    }
    while let Some((end, top)) = open.pop() {
        html_into(out, &body[at(cursor)..at(end)]);
        cursor = end;
        close(out, top);
    }
    html_into(out, &body[at(cursor)..]);
}
