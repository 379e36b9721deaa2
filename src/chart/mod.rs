//! The three pictures of a dossier (the timeline of events, designations over time, and who acted on whom),
//! read from the file once into plain values and then drawn as SVG, Mermaid or DOT. `dossier chart` prints one;
//! `export --format html` puts the SVG of all three in its page.

use std::collections::BTreeMap;

use rusqlite::{Connection, named_params};

pub mod dot;
pub mod mermaid;
pub mod svg;

/// What `chart` draws a picture as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Picture {
    Svg,
    Mermaid,
    Dot,
}

/// What to keep, as the reports filter: an actor's slug (already resolved from any alias) and a window of days.
/// A fact is kept when any day it can mean falls in the window; an open end reaches to the edge of time.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: Option<String>,
    /// The first day of the window, YYYY-MM-DD.
    pub from: Option<String>,
    /// The last day of the window, YYYY-MM-DD.
    pub to: Option<String>,
}

/// One event on the timeline.
#[derive(Clone, Debug)]
pub struct Event {
    pub slug: String,
    pub date: String,
    /// The first and last day the date can mean; `None` for an open or unknown end.
    pub earliest: Option<String>,
    pub latest: Option<String>,
    pub kind: String,
    pub summary: String,
}

/// An event that imposed or ended a designation.
#[derive(Clone, Debug)]
pub struct Marker {
    pub slug: String,
    pub earliest: Option<String>,
    pub latest: Option<String>,
}

/// One designation as a bar over time.
#[derive(Clone, Debug)]
pub struct Bar {
    pub slug: String,
    pub authority: String,
    pub subject: String,
    pub kind: String,
    /// `in_force` or `ended`.
    pub status: String,
    pub start: Option<String>,
    pub start_earliest: Option<String>,
    pub start_latest: Option<String>,
    pub end: Option<String>,
    pub end_earliest: Option<String>,
    pub end_latest: Option<String>,
    pub imposed_by: Option<Marker>,
    pub ended_by: Option<Marker>,
}

impl Bar {
    /// In force as of the latest source: the bar runs on past the last date drawn.
    pub fn open_end(&self) -> bool {
        self.status == "in_force" && self.end_earliest.is_none()
    }
    /// Ended, but the sources do not say when.
    pub fn unknown_end(&self) -> bool {
        self.status != "in_force" && self.end_latest.is_none()
    }
}

/// An actor in the network.
#[derive(Clone, Debug)]
pub struct Node {
    pub slug: String,
    pub name: String,
    pub kind: String,
}

/// `from` acted on `to` (as actor and recipient of the same event) in `events` events.
#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub events: usize,
}

/// What was drawn out of how many: a cap keeps a page that opens quickly, and the page says what it left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    pub shown: usize,
    pub total: usize,
}

impl Shown {
    pub fn capped(self) -> bool {
        self.shown < self.total
    }
}

pub struct Timeline {
    pub events: Vec<Event>,
    pub shown: Shown,
}

pub struct Designations {
    pub bars: Vec<Bar>,
    pub shown: Shown,
}

pub struct Network {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub shown: Shown,
}

/// The events kept by a [`Filter`] (bound as :actor, :from, :to), the same rule as the `timeline` report.
macro_rules! kept_events {
    () => {
        "(:actor IS NULL OR e.id IN (SELECT ea.event FROM event_actors ea JOIN actors a ON a.id = ea.actor \
                                     WHERE a.slug = :actor)) \
         AND (:from IS NULL OR coalesce(e.date_latest, '9999-12-31') >= :from) \
         AND (:to IS NULL OR coalesce(e.date_earliest, '0000-01-01') <= :to)"
    };
}

// Each query carries the number of rows before the LIMIT (`count(*) OVER ()`), so a capped picture knows what
// it left out without a second query.
const TIMELINE: &str = concat!(
    "SELECT e.slug, e.date, e.date_earliest, e.date_latest, e.kind, e.summary, count(*) OVER () \
       FROM events e WHERE ",
    kept_events!(),
    " ORDER BY e.date_earliest IS NULL, e.date_earliest, e.date_latest, e.slug LIMIT :limit"
);

const DESIGNATIONS: &str = "\
SELECT g.slug, au.name, su.name, g.kind, g.status, g.start, g.start_earliest, g.start_latest,
       g.end, g.end_earliest, g.end_latest,
       ie.slug, ie.date_earliest, ie.date_latest, ee.slug, ee.date_earliest, ee.date_latest,
       count(*) OVER ()
  FROM designations g
  JOIN actors au ON au.id = g.authority
  JOIN actors su ON su.id = g.subject
  LEFT JOIN events ie ON ie.id = g.imposed_by
  LEFT JOIN events ee ON ee.id = g.ended_by
 WHERE (:actor IS NULL OR au.slug = :actor OR su.slug = :actor)
   AND (:from IS NULL OR coalesce(g.end_latest, '9999-12-31') >= :from)
   AND (:to IS NULL OR coalesce(g.start_earliest, '0000-01-01') <= :to)
 ORDER BY coalesce(g.start_earliest, g.end_earliest, '9999-12-31'), g.slug
 LIMIT :limit";

const NETWORK: &str = concat!(
    "SELECT fa.slug, fa.name, fa.kind, ta.slug, ta.name, ta.kind, count(*) AS n, count(*) OVER () \
       FROM events e \
       JOIN event_actors f ON f.event = e.id AND f.role = 'actor' \
       JOIN event_actors t ON t.event = e.id AND t.role = 'recipient' \
       JOIN actors fa ON fa.id = f.actor \
       JOIN actors ta ON ta.id = t.actor \
      WHERE ",
    kept_events!(),
    " GROUP BY f.actor, t.actor ORDER BY n DESC, fa.slug, ta.slug LIMIT :limit"
);

/// SQLite reads a negative LIMIT as no limit.
fn limit(cap: Option<usize>) -> i64 {
    cap.map_or(-1, |c| c as i64)
}

fn shown(rows: usize, total: Option<usize>) -> Shown {
    Shown {
        shown: rows,
        total: total.unwrap_or(rows),
    }
}

pub fn timeline(conn: &Connection, f: &Filter, cap: Option<usize>) -> rusqlite::Result<Timeline> {
    let mut stmt = conn.prepare(TIMELINE)?;
    let mut total = None;
    let events = stmt
        .query_map(
            named_params! {":actor": f.actor, ":from": f.from, ":to": f.to, ":limit": limit(cap)},
            |r| {
                total = Some(r.get::<_, i64>(6)? as usize);
                Ok(Event {
                    slug: r.get(0)?,
                    date: r.get(1)?,
                    earliest: r.get(2)?,
                    latest: r.get(3)?,
                    kind: r.get(4)?,
                    summary: r.get(5)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Timeline {
        shown: shown(events.len(), total),
        events,
    })
}

pub fn designations(
    conn: &Connection,
    f: &Filter,
    cap: Option<usize>,
) -> rusqlite::Result<Designations> {
    let mut stmt = conn.prepare(DESIGNATIONS)?;
    let mut total = None;
    let marker = |r: &rusqlite::Row, i: usize| -> rusqlite::Result<Option<Marker>> {
        Ok(r.get::<_, Option<String>>(i)?.map(|slug| Marker {
            slug,
            earliest: r.get(i + 1).ok().flatten(),
            latest: r.get(i + 2).ok().flatten(),
        }))
    };
    let bars = stmt
        .query_map(
            named_params! {":actor": f.actor, ":from": f.from, ":to": f.to, ":limit": limit(cap)},
            |r| {
                total = Some(r.get::<_, i64>(17)? as usize);
                Ok(Bar {
                    slug: r.get(0)?,
                    authority: r.get(1)?,
                    subject: r.get(2)?,
                    kind: r.get(3)?,
                    status: r.get(4)?,
                    start: r.get(5)?,
                    start_earliest: r.get(6)?,
                    start_latest: r.get(7)?,
                    end: r.get(8)?,
                    end_earliest: r.get(9)?,
                    end_latest: r.get(10)?,
                    imposed_by: marker(r, 11)?,
                    ended_by: marker(r, 14)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Designations {
        shown: shown(bars.len(), total),
        bars,
    })
}

pub fn network(conn: &Connection, f: &Filter, cap: Option<usize>) -> rusqlite::Result<Network> {
    let mut stmt = conn.prepare(NETWORK)?;
    let mut total = None;
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut node = |slug: String, name: String, kind: String| -> usize {
        *index.entry(slug.clone()).or_insert_with(|| {
            nodes.push(Node { slug, name, kind });
            nodes.len() - 1
        })
    };
    let mut edges = Vec::new();
    let mut rows = stmt.query(
        named_params! {":actor": f.actor, ":from": f.from, ":to": f.to, ":limit": limit(cap)},
    )?;
    while let Some(r) = rows.next()? {
        let from = node(r.get(0)?, r.get(1)?, r.get(2)?);
        let to = node(r.get(3)?, r.get(4)?, r.get(5)?);
        edges.push(Edge {
            from,
            to,
            events: r.get::<_, i64>(6)? as usize,
        });
        total = Some(r.get::<_, i64>(7)? as usize);
    }
    Ok(Network {
        shown: shown(edges.len(), total),
        nodes,
        edges,
    })
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` day (Howard Hinnant's days_from_civil); `None` for anything else.
pub fn day_number(day: &str) -> Option<i64> {
    let b = day.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = day.get(0..4)?.parse().ok()?;
    let m: i64 = day.get(5..7)?.parse().ok()?;
    let d: i64 = day.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The year, month and day of a day number (Howard Hinnant's civil_from_days).
pub fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The year of a day number.
pub fn year_of(days: i64) -> i64 {
    civil(days).0
}

/// A day number as `YYYY-MM-DD`.
pub fn day_text(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The first and the day after the last day a fact can mean, as day numbers; an open or unknown end takes
/// the given edge.
pub fn span(earliest: &Option<String>, latest: &Option<String>, edges: (i64, i64)) -> (i64, i64) {
    let a = earliest.as_deref().and_then(day_number).unwrap_or(edges.0);
    let b = latest
        .as_deref()
        .and_then(day_number)
        .map_or(edges.1, |d| d + 1);
    (a, b.max(a))
}

/// The earliest and the day after the latest known day among `days`, or a month in 1970 when none is known.
pub fn extent(days: impl Iterator<Item = Option<String>>) -> (i64, i64) {
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for d in days.flatten().filter_map(|d| day_number(&d)) {
        lo = lo.min(d);
        hi = hi.max(d + 1);
    }
    if lo > hi { (0, 30) } else { (lo, hi) }
}

/// `s` cut to `max` characters, an ellipsis marking the cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max.saturating_sub(1)).chain(['…']).collect()
    }
}

/// The distinct values in order of first appearance (the sections of a chart).
pub fn first_seen<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}

/// Kinds of event and designation in a fixed order, each with its colour; anything else is grey.
pub const EVENT_KINDS: &[(&str, &str)] = &[
    ("change_of_power", "#8c564b"),
    ("military_withdrawal", "#7f7f7f"),
    ("accreditation", "#1f77b4"),
    ("assumption_of_control", "#9467bd"),
    ("designation", "#d62728"),
    ("designation_revoked", "#ff7f0e"),
    ("diplomatic_recognition", "#2ca02c"),
    ("criticism", "#e377c2"),
    ("statement", "#17becf"),
    ("meeting", "#bcbd22"),
    ("agreement", "#393b79"),
    ("other", "#555555"),
];

pub const DESIGNATION_KINDS: &[(&str, &str)] = &[
    ("terrorist_listing", "#d62728"),
    ("diplomatic_recognition", "#2ca02c"),
    ("accreditation", "#1f77b4"),
    ("sanction", "#ff7f0e"),
    ("other", "#555555"),
];

pub const ACTOR_KINDS: &[(&str, &str)] = &[
    ("state", "#1f77b4"),
    ("government_body", "#17becf"),
    ("organization", "#9467bd"),
    ("armed_group", "#d62728"),
    ("diplomatic_mission", "#2ca02c"),
    ("person", "#ff7f0e"),
    ("group", "#8c564b"),
];

pub fn colour(kinds: &[(&str, &'static str)], kind: &str) -> &'static str {
    kinds
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("#999999", |(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_through_years() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(
            day_number("2025-07-03").unwrap() - day_number("2025-07-01").unwrap(),
            2
        );
        assert_eq!(
            day_number("2024-03-01").unwrap() - day_number("2024-02-28").unwrap(),
            2
        );
        assert_eq!(year_of(day_number("2025-12-31").unwrap()), 2025);
        assert_eq!(year_of(day_number("2026-01-01").unwrap()), 2026);
        assert_eq!(year_of(day_number("0001-01-01").unwrap()), 1);
        for d in [
            "2024-02-29",
            "1999-12-31",
            "2025-07-03",
            "0001-01-01",
            "9999-12-31",
        ] {
            assert_eq!(day_text(day_number(d).unwrap()), d);
        }
        assert_eq!(day_number("2025-7-3"), None);
        assert_eq!(day_number("<script>"), None);
    }

    #[test]
    fn the_kind_lists_match_the_schema() {
        let schema = crate::db::SCHEMA;
        for (kind, _) in EVENT_KINDS
            .iter()
            .chain(DESIGNATION_KINDS)
            .chain(ACTOR_KINDS)
        {
            assert!(
                schema.contains(&format!("'{kind}'")),
                "{kind} is not in schema.sql"
            );
        }
        assert_eq!(EVENT_KINDS.len(), 12);
        assert_eq!(DESIGNATION_KINDS.len(), 5);
        assert_eq!(ACTOR_KINDS.len(), 7);
    }
}
