//! The designations picture: one bar per designation over time.

use std::fmt::Write;

use super::{Scale, Target, WIDTH, axis, day, esc, kinds_used, legend, link, open};
use crate::chart::{Bar, DESIGNATION_KINDS, Designations, colour, truncate};

/// One bar per designation from its start to its end, coloured by kind. The uncertain part of a date is lighter,
/// an unknown start or end is faded and dashed, an open end (in force) runs out past the last date with an
/// arrow, and the events that imposed (◆) and ended (✕) it are marked.
pub fn designations(d: &Designations, target: Target) -> String {
    let (top, row, label_w) = (34.0, 26.0, 360.0);
    let scale = Scale::over(
        d.bars
            .iter()
            .flat_map(|b| {
                let m = |m: &Option<crate::chart::Marker>| {
                    m.as_ref()
                        .map_or([None, None], |m| [day(&m.earliest), day(&m.latest)])
                };
                [
                    day(&b.start_earliest),
                    day(&b.start_latest),
                    day(&b.end_earliest),
                    day(&b.end_latest),
                ]
                .into_iter()
                .chain(m(&b.imposed_by))
                .chain(m(&b.ended_by))
            })
            .flatten(),
        label_w,
        WIDTH - 40.0,
    );
    let bottom = top + d.bars.len() as f64 * row + 10.0;
    let kinds = kinds_used(DESIGNATION_KINDS, d.bars.iter().map(|b| b.kind.as_str()));
    let mut out = String::new();
    open(
        &mut out,
        target,
        "designations",
        &format!("Designations over time: {}", d.bars.len()),
        WIDTH,
        bottom + 70.0,
    );
    axis(&mut out, &scale, top, bottom);
    for (i, b) in d.bars.iter().enumerate() {
        let y = top + i as f64 * row + 7.0;
        bar(&mut out, &scale, b, y, target);
    }
    legend(
        &mut out,
        bottom + 8.0,
        &kinds,
        &[
            "Solid: in force. Lighter: the span an uncertain start or end can mean. Faded and dashed: the \
             sources do not say when it started or ended.",
            "▶ open end: in force as of the latest source.  ◆ the event that imposed it.  ✕ the event that ended it.",
        ],
    );
    out.push_str("</svg>\n");
    out
}

fn bar(out: &mut String, s: &Scale, b: &Bar, y: f64, target: Target) {
    let c = colour(DESIGNATION_KINDS, &b.kind);
    let h = 12.0;
    let close = link(out, target, "designation", &b.slug);
    let _ = write!(
        out,
        "<g class=\"bar\" data-slug=\"{}\"><title>{} → {} · {} · {} · {} to {}</title>",
        esc(&b.slug),
        esc(&b.authority),
        esc(&b.subject),
        esc(&b.kind),
        esc(&b.status),
        esc(b.start.as_deref().unwrap_or("unknown start")),
        esc(b
            .end
            .as_deref()
            .unwrap_or(if b.open_end() { "now" } else { "unknown end" }))
    );
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        s.x0 - 10.0,
        y + 10.0,
        esc(&truncate(
            &format!("{} → {} ({})", b.authority, b.subject, b.kind),
            58
        ))
    );
    let rect = |out: &mut String, xa: f64, xb: f64, style: &str| {
        if xb > xa {
            let _ = write!(
                out,
                "<rect x=\"{xa:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h}\" fill=\"{c}\" {style}/>",
                xb - xa
            );
        }
    };
    let faded =
        "fill-opacity=\"0.18\" stroke=\"#888888\" stroke-dasharray=\"3 3\" class=\"unknown\"";
    let lighter = "fill-opacity=\"0.45\" class=\"uncertain\"";
    // Where the certain, solid part begins and ends.
    let solid_a = match (day(&b.start_earliest), day(&b.start_latest)) {
        (Some(a), Some(l)) => {
            rect(out, s.x(a), s.x(l + 1), lighter);
            s.x(l + 1)
        }
        (Some(a), None) => s.x(a),
        (None, _) => s.x0,
    };
    let known_start = day(&b.start_earliest).is_some();
    if b.open_end() {
        let xb = s.x1;
        if known_start {
            rect(out, solid_a, xb, "class=\"solid\"");
        } else {
            rect(out, solid_a, xb, faded);
        }
        let _ = write!(
            out,
            "<polygon class=\"open-end\" points=\"{xb:.1},{:.1} {:.1},{:.1} {xb:.1},{:.1}\" fill=\"{c}\"/>",
            y - 3.0,
            xb + 12.0,
            y + h / 2.0,
            y + h + 3.0
        );
    } else if let (Some(ea), Some(el)) = (day(&b.end_earliest), day(&b.end_latest)) {
        let (xe, xl) = (s.x(ea), s.x(el + 1));
        rect(
            out,
            solid_a,
            xe,
            if known_start {
                "class=\"solid\""
            } else {
                faded
            },
        );
        rect(out, xe.max(solid_a), xl, lighter);
        let _ = write!(
            out,
            "<line x1=\"{xl:.1}\" y1=\"{:.1}\" x2=\"{xl:.1}\" y2=\"{:.1}\" stroke=\"{c}\" stroke-width=\"2\"/>",
            y - 2.0,
            y + h + 2.0
        );
    } else {
        // Ended, but when is unknown: faded from the start to the edge.
        rect(out, solid_a, s.x1, faded);
    }
    bar_events(out, s, b, y + h - 1.0);
    out.push_str("</g>");
    out.push_str(close);
    out.push('\n');
}

/// The events that imposed (◆) and ended (✕) a designation, at their dates on its bar, their baseline at `y`.
fn bar_events(out: &mut String, s: &Scale, b: &Bar, y: f64) {
    for (m, symbol, class) in [(&b.imposed_by, "◆", "imposed"), (&b.ended_by, "✕", "ended")] {
        let Some(m) = m else { continue };
        let (a, l) = (day(&m.earliest), day(&m.latest));
        let Some(x) = (match (a, l) {
            (Some(a), Some(l)) => Some((s.x(a) + s.x(l + 1)) / 2.0),
            (Some(a), None) | (None, Some(a)) => Some(s.x(a)),
            (None, None) => None,
        }) else {
            continue;
        };
        let _ = write!(
            out,
            "<text class=\"{class}\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"14\" \
             fill=\"#222222\"><title>{class} by {}</title>{symbol}</text>",
            y,
            esc(&m.slug)
        );
    }
}
