//! `export --format html`: one self-contained, offline `index.html` for colleagues who do not write SQL: the
//! timeline, designations over time and who acted on whom (the SVG of `dossier chart`), the events and
//! designations with links to their words, an index of actors, and every document with each evidence span
//! marked, the words linking back to their fact.
//!
//! The page loads nothing: its CSS is inline, it has no script, and a Content-Security-Policy forbids every
//! load, so a string that slipped through escaping still could not run or call home. Every string from the
//! file goes through [`escape::html`](crate::escape::html). A large file gets a page that still opens quickly:
//! each section is capped, and the page says what it left out and how to see the rest.

use std::collections::HashSet;
use std::fmt::Write;

use anyhow::Context;
use rusqlite::{Connection, params};

use crate::chart::svg::{Target, anchor};
use crate::chart::{self, Filter};
use crate::escape::{html as esc, html_into};
use crate::export::Writer;

mod actors;
mod documents;
mod facts;

use actors::{actor_rows, actors_index};
use documents::{document_rows, documents_section};
use facts::{designations_list, events_list};

/// Events drawn and listed; the first ones in date order.
pub const EVENT_CAP: usize = 1_000;
/// Designations drawn and listed.
pub const DESIGNATION_CAP: usize = 300;
/// Actor pairs in the network, the busiest first.
pub const PAIR_CAP: usize = 200;
/// Actors in the index, by name.
pub const ACTOR_CAP: usize = 200;
/// Events, designations and quotes listed under each actor.
pub const PER_ACTOR_CAP: usize = 8;
/// Evidence passages listed under each fact.
pub const EVIDENCE_CAP: usize = 6;
/// Code points of document text in the page; documents beyond it are listed by title.
pub const TEXT_BUDGET: usize = 300_000;
/// Documents listed by title once the text budget is spent.
pub const TITLE_CAP: usize = 1_000;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE: &str = "
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 1240px; padding: 0 16px 64px; color: #1d1d1d; }
header { border-bottom: 1px solid #ccc; margin-bottom: 8px; }
h1 { margin: 16px 0 4px; } h2 { margin-top: 40px; border-bottom: 1px solid #ddd; } h3 { margin-bottom: 4px; }
nav a { margin-right: 14px; }
table.meta { border-collapse: collapse; font-size: 12px; line-height: 1.3; margin: 6px 0; }
table.meta td { padding: 0 10px 0 0; vertical-align: top; } table.meta td:first-child { color: #666; }
code, .slug { font-family: ui-monospace, monospace; font-size: 13px; }
.figure { overflow-x: auto; border: 1px solid #e4e4e4; }
.cap { background: #fff6d6; border-left: 4px solid #e0b000; padding: 6px 10px; }
ul.facts { padding-left: 18px; } ul.facts li { margin: 4px 0; }
.date { font-family: ui-monospace, monospace; font-size: 13px; color: #444; margin-right: 6px; }
.kind { font-size: 12px; color: #555; background: #eee; border-radius: 3px; padding: 0 4px; margin-right: 6px; }
a.ev-link { color: #5a3e00; }
.off { color: #777; }
.doc-body { white-space: pre-wrap; font: 15px/1.7 Georgia, serif; background: #fcfcfc; border: 1px solid #eee; padding: 12px 16px; }
mark { background: #fff0a0; border-bottom: 2px solid #e0b000; padding: 0; }
mark mark { background: #ffe060; }
mark.k-actor { background: #dceeff; border-color: #5b9bd5; }
mark.k-quote { background: #ffe2ef; border-color: #d4649a; }
mark.k-designation { background: #dff5df; border-color: #4caf50; }
a.back { text-decoration: none; font-size: 11px; vertical-align: super; }
a.back::after { content: '\\21A9'; }
:target { outline: 3px solid #e05000; outline-offset: 1px; }
section.actor { border-top: 1px solid #eee; }
@media print { .figure { overflow: visible; } }
";

/// The ids the page holds, so that a link is written only where its target exists.
#[derive(Default)]
struct Anchors {
    events: HashSet<String>,
    designations: HashSet<String>,
    actors: HashSet<String>,
    quotes: HashSet<String>,
    documents: HashSet<i64>,
}

impl Anchors {
    fn has(&self, what: &str, slug: &str) -> bool {
        match what {
            "event" => self.events.contains(slug),
            "designation" => self.designations.contains(slug),
            "actor" => self.actors.contains(slug),
            "quote" => self.quotes.contains(slug),
            _ => false,
        }
    }
}

/// `n` with thousands separators, as the page writes counts.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn write(conn: &Connection, w: &mut Writer) -> anyhow::Result<()> {
    let page = page(conn).context("cannot read the file for the page")?;
    w.write("index.html", page.as_bytes())
}

/// The page's head and header: the title, the description, the file's identity and counts, and the navigation.
/// Returns the counts of documents, actors, events, designations, quotes and evidence.
fn header(conn: &Connection, out: &mut String) -> anyhow::Result<Vec<(&'static str, usize)>> {
    let meta: Vec<(String, String)> = conn
        .prepare("SELECT key, value FROM meta ORDER BY key")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let get = |k: &str| {
        meta.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let title = get("title").unwrap_or("dossier");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        esc(title),
        esc(title)
    );
    if let Some(d) = get("description") {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", esc(d));
    }
    let totals: Vec<(&'static str, usize)> = [
        ("documents", "SELECT count(*) FROM documents"),
        ("actors", "SELECT count(*) FROM actors"),
        ("events", "SELECT count(*) FROM events"),
        ("designations", "SELECT count(*) FROM designations"),
        ("quotes", "SELECT count(*) FROM quotes"),
        ("evidence", "SELECT count(*) FROM evidence_spans"),
    ]
    .into_iter()
    .map(|(name, sql)| {
        Ok((
            name,
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as usize,
        ))
    })
    .collect::<rusqlite::Result<_>>()?;
    out.push_str("<table class=\"meta\" id=\"identity\">\n");
    for (k, v) in &meta {
        if k != "title" && k != "description" {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td></tr>",
                esc(k),
                esc(v)
            );
        }
    }
    let summary: Vec<String> = totals
        .iter()
        .map(|(n, c)| match (*c, n.strip_suffix('s')) {
            (1, Some(one)) => format!("1 {one}"),
            _ => format!("{} {n}", thousands(*c)),
        })
        .collect();
    let _ = writeln!(
        out,
        "<tr><td>contents</td><td>{}</td></tr>\n</table>",
        summary.join(", ")
    );
    out.push_str(
        "<nav><a href=\"#timeline\">Timeline</a><a href=\"#designations\">Designations</a>\
         <a href=\"#network\">Who acted on whom</a><a href=\"#events\">Events</a><a href=\"#actors\">Actors</a>\
         <a href=\"#documents\">Documents</a></nav>\n</header>\n<main>\n",
    );
    Ok(totals)
}

/// The whole page as one string.
pub fn page(conn: &Connection) -> anyhow::Result<String> {
    let mut out = String::with_capacity(1 << 20);
    let totals = header(conn, &mut out)?;
    let all = Filter::default();
    let timeline = chart::timeline(conn, &all, Some(EVENT_CAP))?;
    let designations = chart::designations(conn, &all, Some(DESIGNATION_CAP))?;
    let network = chart::network(conn, &all, Some(PAIR_CAP))?;
    let actors = actor_rows(conn)?;
    let documents = document_rows(conn)?;
    let mut anchors = Anchors {
        events: timeline.events.iter().map(|e| e.slug.clone()).collect(),
        designations: designations.bars.iter().map(|b| b.slug.clone()).collect(),
        actors: actors.iter().map(|a| a.slug.clone()).collect(),
        documents: documents.iter().filter(|d| d.shown).map(|d| d.id).collect(),
        ..Anchors::default()
    };

    figures(&mut out, &timeline, &designations, &network);

    // Quotes are listed under their speaker, so their anchors are known only once the actors are written; the
    // facts lists link to quotes nowhere, so the actors can come after them.
    let mut facts = String::new();
    events_list(conn, &mut facts, &timeline, &anchors)?;
    designations_list(conn, &mut facts, &designations, &anchors)?;
    let mut index = String::new();
    actors_index(conn, &mut index, &actors, totals[1].1, &mut anchors)?;
    out.push_str(&facts);
    out.push_str(&index);
    documents_section(conn, &mut out, &documents, totals[0].1, &anchors)?;
    out.push_str("</main>\n</body>\n</html>\n");
    Ok(out)
}

/// The three pictures, each with a note of what it leaves out.
fn figures(
    out: &mut String,
    timeline: &chart::Timeline,
    designations: &chart::Designations,
    network: &chart::Network,
) {
    let figures = [
        (
            "timeline",
            "Timeline",
            timeline.shown,
            "events",
            "the first ones in date order",
            "dossier chart timeline -p from=YYYY -p to=YYYY",
            chart::svg::timeline(timeline, Target::Page),
        ),
        (
            "designations",
            "Designations over time",
            designations.shown,
            "designations",
            "the earliest ones",
            "dossier chart designations -p actor=NAME",
            chart::svg::designations(designations, Target::Page),
        ),
        (
            "network",
            "Who acted on whom",
            network.shown,
            "pairs of actors",
            "the pairs with the most events",
            "dossier chart network -p actor=NAME",
            chart::svg::network(network, Target::Page),
        ),
    ];
    for (id, heading, shown, what, which, command, svg) in figures {
        let _ = writeln!(out, "<section id=\"{id}\">\n<h2>{heading}</h2>");
        cap_note(out, shown, what, which, command);
        let _ = write!(out, "<div class=\"figure\">{svg}</div>\n</section>\n");
    }
}

fn cap_note(out: &mut String, shown: chart::Shown, what: &str, which: &str, command: &str) {
    if shown.capped() {
        let _ = writeln!(
            out,
            "<p class=\"cap\">This page shows {} of {} {what}: {which}, so that it opens quickly. \
             <code>{}</code> draws any part of them.</p>",
            thousands(shown.shown),
            thousands(shown.total),
            esc(command)
        );
    }
}

/// Up to [`PER_ACTOR_CAP`] rows for one actor from a statement bound as (?1 actor, ?2 limit) whose column
/// `total` counts the rows before the LIMIT; and that count.
fn capped<T>(
    stmt: &mut rusqlite::Statement,
    actor: i64,
    total: usize,
    mut row: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> rusqlite::Result<(Vec<T>, usize)> {
    let mut count = 0;
    let rows = stmt
        .query_map(params![actor, PER_ACTOR_CAP as i64], |r| {
            count = r.get::<_, i64>(total)? as usize;
            row(r)
        })?
        .collect::<rusqlite::Result<Vec<T>>>()?;
    Ok((rows, count))
}

/// A list of facts under an actor, each its date then its text, linked to the fact where the page holds it.
fn dated_list(
    out: &mut String,
    heading: &str,
    what: &str,
    rows: &[(String, String, String, Option<String>)],
    total: usize,
    anchors: &Anchors,
) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h4>{heading}</h4>\n<ul class=\"facts\">");
    for (slug, date, text, role) in rows {
        let _ = write!(out, "<li><span class=\"date\">{}</span>", esc(date));
        fact_link(out, anchors, what, slug, text);
        if let Some(role) = role {
            let _ = write!(out, " <span class=\"kind\">{}</span>", esc(role));
        }
        out.push_str("</li>\n");
    }
    more(out, rows.len(), total, &heading.to_lowercase());
}

/// `text` as a link to the fact's entry where the page holds one, else as plain text.
fn fact_link(out: &mut String, anchors: &Anchors, what: &str, slug: &str, text: &str) {
    if anchors.has(what, slug) {
        let _ = write!(
            out,
            "<a href=\"#{}\">{}</a>",
            esc(&anchor(what, slug)),
            esc(text)
        );
    } else {
        html_into(out, text);
    }
}

/// Closes a list of `shown` items, saying how many more there are.
fn more(out: &mut String, shown: usize, total: usize, what: &str) {
    if shown == 0 {
        return;
    }
    close_list(
        out,
        total.saturating_sub(shown),
        &format!(" {what} (<code>dossier report actor</code> lists them all)"),
    );
}

/// Ends a list, with a last item saying how many more (`left`) it leaves out; `what` is trusted HTML.
fn close_list(out: &mut String, left: usize, what: &str) {
    if left > 0 {
        let _ = writeln!(
            out,
            "<li class=\"off\">and {} more{what}</li>",
            thousands(left)
        );
    }
    out.push_str("</ul>\n");
}

#[cfg(test)]
mod tests {
    use super::documents::{Span, marked};
    use super::*;

    fn span(id: i64, start: i64, end: i64) -> Span {
        Span {
            id,
            start,
            end,
            table: "event".into(),
            slug: format!("e{id}"),
        }
    }

    fn mark(body: &str, spans: &[Span]) -> String {
        let mut anchors = Anchors::default();
        anchors.events.insert("e1".into());
        let mut out = String::new();
        marked(&mut out, body, spans, &anchors);
        out
    }

    #[test]
    fn nested_and_equal_spans_nest_and_keep_their_words() {
        // "Moscow" inside a sentence, and the same words supporting two facts.
        let body = "Then Moscow’s envoy <came>.";
        let out = mark(body, &[span(1, 5, 19), span(2, 5, 11), span(3, 5, 11)]);
        assert_eq!(
            out,
            "Then <mark id=\"ev-1\" class=\"ev k-event\"><mark id=\"ev-2\" class=\"ev k-event\">\
             <mark id=\"ev-3\" class=\"ev k-event\">Moscow</mark></mark>’s envoy</mark>\
             <a class=\"back\" href=\"#event-e1\" title=\"event e1\"></a> &lt;came&gt;."
        );
    }

    #[test]
    fn crossing_and_out_of_range_spans_neither_panic_nor_break_the_markup() {
        let body = "abcdef";
        let out = mark(
            body,
            &[span(1, 0, 3), span(2, 2, 5), span(3, 4, 99), span(4, -1, 2)],
        );
        assert_eq!(
            out,
            "<mark id=\"ev-1\" class=\"ev k-event\">ab<mark id=\"ev-2\" class=\"ev k-event\">c</mark></mark>\
             <a class=\"back\" href=\"#event-e1\" title=\"event e1\"></a>def"
        );
        assert_eq!(mark("", &[span(1, 0, 1)]), "");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(140_000), "140,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
