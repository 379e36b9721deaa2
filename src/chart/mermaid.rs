//! The three pictures as Mermaid, which GitHub and GitLab draw inside Markdown: the timeline and the designations
//! as `gantt` charts, the network as a flowchart (`graph LR`). Every label from the file goes through
//! [`escape::mermaid`](crate::escape::mermaid); ids are generated (`e1`, `n1`), never taken from the file.

use std::fmt::Write;

use super::{Designations, Network, Timeline, day_text, extent, first_seen, span};
use crate::escape::mermaid as esc;

fn gantt(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "gantt\n    title {title}\n    dateFormat YYYY-MM-DD\n    axisFormat %Y-%m\n"
    );
}

/// One section per kind, in order of first appearance; each event a task over the days it can mean, or a
/// milestone on its one day. An open end runs to the edge of the chart.
pub fn timeline(t: &Timeline) -> String {
    let edges = extent(
        t.events
            .iter()
            .flat_map(|e| [e.earliest.clone(), e.latest.clone()]),
    );
    let mut out = String::new();
    gantt(&mut out, "Timeline");
    for kind in first_seen(t.events.iter().map(|e| e.kind.as_str())) {
        let _ = writeln!(out, "    section {}", esc(kind));
        for (i, e) in t.events.iter().enumerate().filter(|(_, e)| e.kind == kind) {
            let label = esc(&format!("{} {}", e.date, e.summary));
            let (a, b) = span(&e.earliest, &e.latest, edges);
            if b - a <= 1 {
                let _ = writeln!(
                    out,
                    "    {label} :milestone, e{}, {}, 0d",
                    i + 1,
                    day_text(a)
                );
            } else {
                let _ = writeln!(
                    out,
                    "    {label} :e{}, {}, {}",
                    i + 1,
                    day_text(a),
                    day_text(b)
                );
            }
        }
    }
    out
}

/// One section per kind; each designation a task from its start to its end (`active` while in force, `done`
/// once ended), with the events that imposed and ended it as milestones.
pub fn designations(d: &Designations) -> String {
    let edges = extent(d.bars.iter().flat_map(|b| {
        [
            b.start_earliest.clone(),
            b.start_latest.clone(),
            b.end_earliest.clone(),
            b.end_latest.clone(),
        ]
    }));
    let mut out = String::new();
    gantt(&mut out, "Designations over time");
    for kind in first_seen(d.bars.iter().map(|b| b.kind.as_str())) {
        let _ = writeln!(out, "    section {}", esc(kind));
        for (i, b) in d.bars.iter().enumerate().filter(|(_, b)| b.kind == kind) {
            let (a, _) = span(&b.start_earliest, &b.start_latest, edges);
            let (_, z) = span(&b.end_earliest, &b.end_latest, edges);
            let tag = if b.status == "in_force" {
                "active"
            } else {
                "done"
            };
            let when = match (&b.start, &b.end) {
                (Some(s), Some(e)) => format!("{s} to {e}"),
                (Some(s), None) if b.open_end() => format!("{s} to now"),
                (Some(s), None) => format!("{s} to an unknown end"),
                (None, Some(e)) => format!("unknown start to {e}"),
                (None, None) => "dates unknown".to_string(),
            };
            let label = esc(&format!("{} → {}, {when}", b.authority, b.subject));
            let _ = writeln!(
                out,
                "    {label} :{tag}, d{}, {}, {}",
                i + 1,
                day_text(a),
                day_text(z.max(a + 1))
            );
            for (m, what, suffix) in [
                (&b.imposed_by, "imposed by", "i"),
                (&b.ended_by, "ended by", "e"),
            ] {
                if let Some(m) = m {
                    let (ma, _) = span(&m.earliest, &m.latest, edges);
                    let _ = writeln!(
                        out,
                        "    {} :milestone, d{}{suffix}, {}, 0d",
                        esc(&format!("{what} {}", m.slug)),
                        i + 1,
                        day_text(ma)
                    );
                }
            }
        }
    }
    out
}

/// A flowchart: one node per actor, an arrow from actor to recipient labelled with the number of events.
pub fn network(n: &Network) -> String {
    let mut out = String::from("graph LR\n");
    for (i, v) in n.nodes.iter().enumerate() {
        let _ = writeln!(out, "    n{}[\"{}\"]", i + 1, esc(&v.name));
    }
    for e in &n.edges {
        let label = format!("{} event{}", e.events, if e.events == 1 { "" } else { "s" });
        let _ = writeln!(
            out,
            "    n{} -->|\"{}\"| n{}",
            e.from + 1,
            esc(&label),
            e.to + 1
        );
    }
    out
}
