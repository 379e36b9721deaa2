//! The network picture: who acted on whom.

use std::f64::consts::PI;
use std::fmt::Write;

use super::{Target, WIDTH, esc, kinds_used, legend, link, open};
use crate::chart::{ACTOR_KINDS, Edge, Network, colour, truncate};

/// Who acted on whom: actors on a circle, an arrow from actor to recipient, thicker for more events.
pub fn network(n: &Network, target: Target) -> String {
    let count = n.nodes.len().max(1) as f64;
    let radius = (count * 26.0 / (2.0 * PI)).clamp(120.0, 900.0);
    // Room for a label of 40 characters on either side.
    let width = (2.0 * radius + 640.0).max(WIDTH);
    let (cx, cy) = (width / 2.0, radius + 90.0);
    let pos: Vec<(f64, f64)> = (0..n.nodes.len())
        .map(|i| {
            let a = 2.0 * PI * i as f64 / count - PI / 2.0;
            (cx + radius * a.cos(), cy + radius * a.sin())
        })
        .collect();
    let kinds = kinds_used(ACTOR_KINDS, n.nodes.iter().map(|v| v.kind.as_str()));
    let bottom = cy + radius + 90.0;
    let mut out = String::new();
    open(
        &mut out,
        target,
        "network",
        &format!(
            "Who acted on whom: {} actors, {} pairs",
            n.nodes.len(),
            n.edges.len()
        ),
        width,
        bottom + 60.0,
    );
    // The arrow head; its id is the only one the drawings define, so the page can hold all three.
    out.push_str(
        "<defs><marker id=\"network-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555555\"/></marker></defs>\n",
    );
    for e in &n.edges {
        edge(&mut out, n, e, &pos, (cx, cy));
    }
    for (v, &(x, y)) in n.nodes.iter().zip(&pos) {
        let close = link(&mut out, target, "actor", &v.slug);
        let anchor = if x >= cx + 1.0 {
            "start"
        } else if x <= cx - 1.0 {
            "end"
        } else {
            "middle"
        };
        let (lx, ly) = (
            x + (x - cx) / radius * 14.0,
            y + (y - cy) / radius * 14.0 + 4.0,
        );
        let _ = write!(
            out,
            "<g class=\"node\" data-slug=\"{}\"><title>{} ({})</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"7\" \
             fill=\"{}\"/><text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"{anchor}\">{}</text></g>",
            esc(&v.slug),
            esc(&v.name),
            esc(&v.kind),
            colour(ACTOR_KINDS, &v.kind),
            esc(&truncate(&v.name, 40))
        );
        out.push_str(close);
        out.push('\n');
    }
    legend(
        &mut out,
        bottom,
        &kinds,
        &[
            "An arrow runs from the actor of an event to its recipient; a thicker arrow, more events.",
        ],
    );
    out.push_str("</svg>\n");
    out
}

/// One pair's arrow (a loop for an actor acting on itself), thicker for more events.
fn edge(out: &mut String, n: &Network, e: &Edge, pos: &[(f64, f64)], (cx, cy): (f64, f64)) {
    let ((x1, y1), (x2, y2)) = (pos[e.from], pos[e.to]);
    let (a, b) = (&n.nodes[e.from], &n.nodes[e.to]);
    let w = 1.0 + (e.events as f64).ln();
    let _ = write!(
        out,
        "<g class=\"edge\"><title>{} → {}: {} event{}</title>",
        esc(&a.name),
        esc(&b.name),
        e.events,
        if e.events == 1 { "" } else { "s" }
    );
    if e.from == e.to {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"12\" fill=\"none\" stroke=\"#555555\" stroke-width=\"{w:.1}\"/>",
            x1 + (x1 - cx).signum() * 12.0,
            y1 + (y1 - cy).signum() * 12.0
        );
    } else {
        // Stop short of both circles so the arrow head shows.
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let _ = write!(
            out,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#555555\" stroke-opacity=\"0.7\" \
             stroke-width=\"{w:.1}\" marker-end=\"url(#network-arrow)\"/>",
            x1 + ux * 9.0,
            y1 + uy * 9.0,
            x2 - ux * 9.0,
            y2 - uy * 9.0
        );
    }
    out.push_str("</g>\n");
}
