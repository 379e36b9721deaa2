//! The three pictures as SVG: plain attributes and no external reference, so the same drawing works as a file,
//! inside Markdown, and inline in the offline page (where each mark also links to its fact).
//!
//! Every mark is one element with a class a reader (or a test) can count: `event-mark` per event, `bar` per
//! designation, `node` per actor and `edge` per pair who acted on one another.

use std::fmt::Write;

use super::{EVENT_KINDS, Event, Timeline, colour, day_number, truncate, year_of};
use crate::escape::html as esc;

mod bars;
mod network;

pub use bars::designations;
pub use network::network;

/// Where the drawing goes: a standalone file (with its namespace), or inline in the page (marks link to facts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    File,
    Page,
}

/// The id of a fact's entry in the page: `event-SLUG`, `designation-SLUG`, `actor-SLUG`.
pub fn anchor(what: &str, slug: &str) -> String {
    format!("{what}-{slug}")
}

const WIDTH: f64 = 1200.0;
const LABELLED: usize = 60;

struct Scale {
    d0: i64,
    d1: i64,
    x0: f64,
    x1: f64,
}

impl Scale {
    /// A scale over the given days, padded a little; a month around 1970 when there are none.
    fn over(days: impl Iterator<Item = i64>, x0: f64, x1: f64) -> Scale {
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for d in days {
            lo = lo.min(d);
            hi = hi.max(d + 1);
        }
        if lo > hi {
            (lo, hi) = (0, 30);
        }
        let pad = ((hi - lo) / 30).max(15);
        Scale {
            d0: lo - pad,
            d1: hi + pad,
            x0,
            x1,
        }
    }
    fn x(&self, day: i64) -> f64 {
        self.x0 + (day - self.d0) as f64 * (self.x1 - self.x0) / (self.d1 - self.d0) as f64
    }
}

fn day(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(day_number)
}

fn open(out: &mut String, target: Target, class: &str, label: &str, width: f64, height: f64) {
    let ns = match target {
        Target::File => " xmlns=\"http://www.w3.org/2000/svg\"",
        Target::Page => "",
    };
    let _ = write!(
        out,
        "<svg{ns} class=\"{class}\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" \
         role=\"img\" font-family=\"sans-serif\" font-size=\"12\"><title>{}</title>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
        esc(label)
    );
}

/// Opens a link to the fact's entry in the page; returns what closes it.
fn link(out: &mut String, target: Target, what: &str, slug: &str) -> &'static str {
    if target == Target::Page {
        let _ = write!(out, "<a href=\"#{}\">", esc(&anchor(what, slug)));
        "</a>"
    } else {
        ""
    }
}

/// Year lines (or month lines over a short span) with their labels along the top.
fn axis(out: &mut String, s: &Scale, top: f64, bottom: f64) {
    let (y0, y1) = (year_of(s.d0), year_of(s.d1));
    let mut ticks: Vec<(i64, String)> = Vec::new();
    if y1 - y0 >= 2 {
        let step = [1, 2, 5, 10, 20, 50, 100]
            .into_iter()
            .find(|st| (y1 - y0) / st <= 14)
            .unwrap_or(200);
        let mut y = y0 + 1;
        y += (step - y.rem_euclid(step)) % step;
        while y <= y1 {
            if let Some(d) = day_number(&format!("{y:04}-01-01")) {
                ticks.push((d, y.to_string()));
            }
            y += step;
        }
    } else {
        let months = (s.d1 - s.d0) / 30;
        let step = [1, 2, 3, 6]
            .into_iter()
            .find(|st| months / st <= 12)
            .unwrap_or(12);
        for y in y0..=y1 {
            for m in (1..=12).step_by(step as usize) {
                let label = format!("{y:04}-{m:02}");
                if let Some(d) = day_number(&format!("{label}-01"))
                    && d > s.d0
                    && d < s.d1
                {
                    ticks.push((d, label));
                }
            }
        }
    }
    out.push_str("<g class=\"axis\" fill=\"#444444\">\n");
    for (d, label) in ticks {
        let x = s.x(d);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#dddddd\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            top - 6.0
        );
    }
    out.push_str("</g>\n");
}

/// A row of coloured swatches, then notes on how to read the marks; returns the height used.
fn legend(out: &mut String, y: f64, kinds: &[(&str, &str)], notes: &[&str]) -> f64 {
    out.push_str("<g class=\"legend\">\n");
    let (mut x, mut row) = (20.0, 0.0);
    for (kind, colour) in kinds {
        let w = 30.0 + 7.0 * kind.chars().count() as f64;
        if x + w > WIDTH - 20.0 {
            x = 20.0;
            row += 18.0;
        }
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            y + row,
            x + 16.0,
            y + row + 10.0,
            esc(kind)
        );
        x += w;
    }
    for note in notes {
        row += 18.0;
        let _ = writeln!(
            out,
            "<text x=\"20\" y=\"{:.1}\" fill=\"#444444\">{}</text>",
            y + row + 10.0,
            esc(note)
        );
    }
    out.push_str("</g>\n");
    row + 24.0
}

/// The kinds used, in the fixed order, then any kind the file has that dossier does not know (drawn grey).
fn kinds_used<'a>(
    known: &[(&'a str, &'static str)],
    used: impl Iterator<Item = &'a str>,
) -> Vec<(&'a str, &'static str)> {
    let used: std::collections::BTreeSet<&str> = used.collect();
    let mut out: Vec<(&str, &str)> = known
        .iter()
        .filter(|(k, _)| used.contains(k))
        .copied()
        .collect();
    for k in used {
        if !known.iter().any(|(kk, _)| *kk == k) {
            out.push((k, "#999999"));
        }
    }
    out
}

/// For each mark, the first lane free at its start (a lane is free once the mark before in it has ended).
fn lanes(extents: &[(f64, f64)]) -> Vec<usize> {
    let mut lanes: Vec<f64> = Vec::new();
    extents
        .iter()
        .map(
            |&(xa, xb)| match lanes.iter().position(|&end| end + 1.0 < xa) {
                Some(l) => {
                    lanes[l] = xb;
                    l
                }
                None => {
                    lanes.push(xb);
                    lanes.len() - 1
                }
            },
        )
        .collect()
}

/// An event's mark, `h` high at `y`: a dot for one known day, else a bar from `xa` to `xb`.
fn event_mark(out: &mut String, scale: &Scale, e: &Event, (xa, xb): (f64, f64), y: f64, h: f64) {
    let c = colour(EVENT_KINDS, &e.kind);
    // A date the source marks uncertain (?) or approximate (~) gets a hollow, dotted mark.
    let doubt = e.date.contains(['?', '~', '%']);
    match (day(&e.earliest), day(&e.latest)) {
        (Some(a), Some(b)) if a == b => {
            let style = if doubt {
                format!(
                    "fill=\"#ffffff\" stroke=\"{c}\" stroke-width=\"2\" stroke-dasharray=\"2 2\""
                )
            } else {
                format!("fill=\"{c}\"")
            };
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"{}\" {style}/>",
                scale.x(a),
                h / 2.0
            );
        }
        (a, b) => {
            // A known span is drawn see-through with a solid edge; an open or unknown end, dashed and faint.
            let (opacity, dash) = if a.is_some() && b.is_some() && !doubt {
                ("0.45", "")
            } else if a.is_some() && b.is_some() {
                ("0.3", " stroke-dasharray=\"2 2\"")
            } else {
                ("0.15", " stroke-dasharray=\"4 3\"")
            };
            let _ = write!(
                out,
                "<rect x=\"{xa:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h}\" rx=\"3\" fill=\"{c}\" \
                 fill-opacity=\"{opacity}\" stroke=\"{c}\"{dash}/>",
                y - h / 2.0,
                xb - xa
            );
        }
    }
}

/// One mark per event at its date; an interval or an uncertain date is the span from its earliest to its
/// latest day. Up to 60 events get a row and a label each; more are packed into lanes and labelled on hover.
pub fn timeline(t: &Timeline, target: Target) -> String {
    let labelled = t.events.len() <= LABELLED;
    let (top, row) = (34.0, if labelled { 24.0 } else { 9.0 });
    let scale = Scale::over(
        t.events
            .iter()
            .flat_map(|e| [day(&e.earliest), day(&e.latest)])
            .flatten(),
        20.0,
        WIDTH - 20.0,
    );
    // Pixel extent of each mark, then its row: its own when labelled, else the first lane free at its start.
    let extents: Vec<(f64, f64)> = t
        .events
        .iter()
        .map(|e| match (day(&e.earliest), day(&e.latest)) {
            (Some(a), Some(b)) if a == b => (scale.x(a) - 5.0, scale.x(a) + 5.0),
            (a, b) => {
                let xa = a.map_or(scale.x0, |d| scale.x(d));
                let xb = b.map_or(scale.x1, |d| scale.x(d + 1));
                (xa, xb.max(xa + 4.0))
            }
        })
        .collect();
    let rows = if labelled {
        (0..extents.len()).collect()
    } else {
        lanes(&extents)
    };
    let nrows = rows.iter().max().map_or(0, |m| m + 1);
    let bottom = top + nrows as f64 * row + 10.0;
    let kinds = kinds_used(EVENT_KINDS, t.events.iter().map(|e| e.kind.as_str()));
    let legend_h = 18.0 * (kinds.len() as f64 / 6.0).ceil() + 48.0;
    let mut out = String::new();
    open(
        &mut out,
        target,
        "timeline",
        &format!("Timeline: {} events", t.events.len()),
        WIDTH,
        bottom + legend_h,
    );
    axis(&mut out, &scale, top, bottom);
    for ((e, &(xa, xb)), &r) in t.events.iter().zip(&extents).zip(&rows) {
        let y = top + r as f64 * row + row / 2.0;
        let close = link(&mut out, target, "event", &e.slug);
        let _ = write!(
            out,
            "<g class=\"event-mark\" data-slug=\"{}\"><title>{} · {} · {}</title>",
            esc(&e.slug),
            esc(&e.date),
            esc(&e.kind),
            esc(&e.summary)
        );
        let h = if labelled { 12.0 } else { 6.0 };
        event_mark(&mut out, &scale, e, (xa, xb), y, h);
        if labelled {
            let text = esc(&truncate(&format!("{} · {}", e.date, e.summary), 80));
            if xb < WIDTH * 0.5 {
                let _ = write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\">{text}</text>",
                    xb + 6.0,
                    y + 4.0
                );
            } else {
                let _ = write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{text}</text>",
                    xa - 6.0,
                    y + 4.0
                );
            }
        }
        out.push_str("</g>");
        out.push_str(close);
        out.push('\n');
    }
    legend(
        &mut out,
        bottom + 8.0,
        &kinds,
        &[
            "A dot is one known day; a bar spans the earliest to the latest day an interval, a month, a year or an \
             uncertain date can mean.",
            "A dashed, faint bar has an open or unknown end; a dotted outline, a date the source marks uncertain (?) \
             or approximate (~).",
        ],
    );
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{Event, Shown};

    fn event(slug: &str, date: &str, earliest: Option<&str>, latest: Option<&str>) -> Event {
        Event {
            slug: slug.into(),
            date: date.into(),
            earliest: earliest.map(Into::into),
            latest: latest.map(Into::into),
            kind: "meeting".into(),
            summary: "<b>x</b>".into(),
        }
    }

    /// The markup of the one mark of `slug`.
    fn mark<'a>(svg: &'a str, slug: &str) -> &'a str {
        let at = svg
            .find(&format!("data-slug=\"{slug}\""))
            .expect("the mark");
        &svg[at..at + svg[at..].find("</g>").unwrap()]
    }

    #[test]
    fn a_day_is_a_dot_a_span_a_bar_and_doubt_or_an_open_end_is_dashed() {
        let t = Timeline {
            events: vec![
                event("day", "2025-07-03", Some("2025-07-03"), Some("2025-07-03")),
                event(
                    "doubt",
                    "2025-07-04?",
                    Some("2025-07-04"),
                    Some("2025-07-04"),
                ),
                event("month", "2025-06", Some("2025-06-01"), Some("2025-06-30")),
                event("open", "../2025-04", None, Some("2025-04-30")),
            ],
            shown: Shown { shown: 4, total: 4 },
        };
        let svg = timeline(&t, Target::File);
        assert!(mark(&svg, "day").contains("<circle") && !mark(&svg, "day").contains("dasharray"));
        assert!(
            mark(&svg, "doubt").contains("<circle")
                && mark(&svg, "doubt").contains("stroke-dasharray")
        );
        assert!(
            mark(&svg, "month").contains("<rect") && !mark(&svg, "month").contains("dasharray")
        );
        assert!(
            mark(&svg, "open").contains("<rect") && mark(&svg, "open").contains("stroke-dasharray")
        );
        // A month is drawn a month wide: wider than a day's dot.
        let width = |m: &str| -> f64 {
            let w = m.split("width=\"").nth(1).unwrap();
            w[..w.find('"').unwrap()].parse().unwrap()
        };
        assert!(width(mark(&svg, "month")) > 10.0);
        assert!(svg.contains("&lt;b&gt;x&lt;/b&gt;") && !svg.contains("<b>"));
        // In the page, each mark links to its event's entry.
        assert!(timeline(&t, Target::Page).contains("<a href=\"#event-month\">"));
        assert!(!timeline(&t, Target::Page).contains("xmlns"));
    }
}
