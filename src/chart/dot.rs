//! The three pictures as Graphviz DOT, for Graphviz and Gephi: the timeline as a chain of events in date
//! order, the designations as labelled arrows from authority to subject, the network as arrows from actor to
//! recipient. Ids are generated (`e1`, `n1`); every label goes through [`escape::dot`](crate::escape::dot).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{ACTOR_KINDS, DESIGNATION_KINDS, Designations, EVENT_KINDS, Network, Timeline, colour};
use crate::escape::dot as esc;

pub fn timeline(t: &Timeline) -> String {
    let mut out = String::from(
        "digraph timeline {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\"];\n",
    );
    for (i, e) in t.events.iter().enumerate() {
        let _ = writeln!(
            out,
            "  e{} [label=\"{}\\n{}\", tooltip=\"{}\", fillcolor=\"{}40\", color=\"{}\"];",
            i + 1,
            esc(&e.date),
            esc(&e.summary),
            esc(&e.kind),
            colour(EVENT_KINDS, &e.kind),
            colour(EVENT_KINDS, &e.kind)
        );
    }
    for i in 1..t.events.len() {
        let _ = writeln!(out, "  e{i} -> e{};", i + 1);
    }
    out.push_str("}\n");
    out
}

/// Actors get one node each, keyed by name (the only name the designation rows carry).
fn node_ids<'a>(
    out: &mut String,
    names: impl Iterator<Item = &'a str>,
) -> BTreeMap<&'a str, usize> {
    let mut ids = BTreeMap::new();
    for name in names {
        if !ids.contains_key(name) {
            let id = ids.len() + 1;
            ids.insert(name, id);
            let _ = writeln!(out, "  n{id} [label=\"{}\"];", esc(name));
        }
    }
    ids
}

pub fn designations(d: &Designations) -> String {
    let mut out = String::from(
        "digraph designations {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n",
    );
    let ids = node_ids(
        &mut out,
        d.bars
            .iter()
            .flat_map(|b| [b.authority.as_str(), b.subject.as_str()]),
    );
    for b in &d.bars {
        let start = b.start.as_deref().unwrap_or("?");
        let end = match &b.end {
            Some(e) => e.as_str(),
            None if b.open_end() => "now",
            None => "?",
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\\n{} to {}\", color=\"{}\", style={}];",
            ids[b.authority.as_str()],
            ids[b.subject.as_str()],
            esc(&b.kind),
            esc(start),
            esc(end),
            colour(DESIGNATION_KINDS, &b.kind),
            if b.status == "in_force" {
                "solid"
            } else {
                "dashed"
            }
        );
    }
    out.push_str("}\n");
    out
}

pub fn network(n: &Network) -> String {
    let mut out = String::from(
        "digraph network {\n  node [shape=ellipse, style=filled, fontname=\"sans-serif\"];\n",
    );
    for (i, v) in n.nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{} [label=\"{}\", fillcolor=\"{}60\"];",
            i + 1,
            esc(&v.name),
            colour(ACTOR_KINDS, &v.kind)
        );
    }
    for e in &n.edges {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\", penwidth={:.1}];",
            e.from + 1,
            e.to + 1,
            e.events,
            1.0 + (e.events as f64).ln()
        );
    }
    out.push_str("}\n");
    out
}
