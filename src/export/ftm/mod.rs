//! FollowTheMoney entities: the file's facts in the data model of Aleph, OpenSanctions and the `ftm` tool, one
//! JSON entity per line in `entities.ftm.json`.
//!
//! The mapping, with the reasons for each choice, is the table in the README ("Into FtM, Aleph and Gephi"). In
//! short: documents are `Article`s; actors are `Person`, `Organization`, `PublicBody` or `LegalEntity`, and an
//! actor's parent is a `Membership` (or an `UnknownLink` where the parent is no organisation); events are
//! `Event`s; listings and sanctions are `Sanction`s and the other designations `UnknownLink`s; a quote is an
//! `Event` whose organizer is the speaker; every evidence row is a `Documentation` carrying the exact words and
//! offsets, and every fact has `proof` links to the articles that support it. Property names were checked
//! against the schema YAML files of followthemoney 4.11.
//!
//! Ids are `dossier.<kind>.<slug>`: slugs hold no `.`, so the parts never run together. What FtM has no property
//! for (an uncertain or open date's EDTF, a code FtM does not know, the roles beside `organizer`) is kept as a
//! `label: value` line in `description`, the one text property every schema used here has.

mod codes;
mod when;

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use rusqlite::{Connection, Row};
use serde::Serialize;

use crate::export::Writer;
use when::{dates_of, set_dates};

pub const FILE: &str = "entities.ftm.json";

/// FtM refuses longer ids (`ENTITY_ID_LEN` in followthemoney).
const MAX_ID: usize = 200;

#[derive(Serialize)]
struct Entity {
    id: String,
    schema: &'static str,
    properties: BTreeMap<&'static str, Vec<String>>,
}

impl Entity {
    fn new(schema: &'static str, id: String) -> Entity {
        Entity {
            id,
            schema,
            properties: BTreeMap::new(),
        }
    }

    /// Adds a value; empty values are left out, as FtM would drop them.
    fn add(&mut self, prop: &'static str, value: impl Into<String>) {
        let value = value.into();
        if value.is_empty() {
            return;
        }
        let values = self.properties.entry(prop).or_default();
        if !values.contains(&value) {
            values.push(value);
        }
    }

    fn add_opt(&mut self, prop: &'static str, value: Option<impl Into<String>>) {
        if let Some(v) = value {
            self.add(prop, v);
        }
    }

    fn note(&mut self, label: &str, value: impl std::fmt::Display) {
        self.add("description", format!("{label}: {value}"));
    }

    /// Each article in a JSON array of document slugs becomes a `proof` link.
    fn proofs(&mut self, json: &str) -> anyhow::Result<()> {
        for slug in slugs(json)? {
            self.add("proof", id("document", &slug));
        }
        Ok(())
    }
}

/// The entity id for one slug (or key) of one kind. Slugs give readable ids; a key FtM would refuse (too long,
/// or not starting and ending with a letter or digit) is replaced by its digest, so every id is valid.
fn id(kind: &str, key: &str) -> String {
    let readable = format!("dossier.{kind}.{key}");
    let ok = readable.len() <= MAX_ID
        && key.starts_with(|c: char| c.is_ascii_alphanumeric())
        && key.ends_with(|c: char| c.is_ascii_alphanumeric())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if ok {
        readable
    } else {
        format!(
            "dossier.{kind}.{}",
            &crate::seed::sha256_hex(key.as_bytes())[..40]
        )
    }
}

fn slugs(json: &str) -> anyhow::Result<Vec<String>> {
    serde_json::from_str(json).context("a list of slugs from SQLite's json_group_array")
}

/// The FtM schema for each kind of actor. `Event:involved` and `organizer` take a `LegalEntity`, so every actor
/// maps to one: a state acts through its government, so it is a `PublicBody` (FtM's `Territory` is reference
/// geography, not a party); a group with no legal form is the generic `LegalEntity`.
pub fn actor_schema(kind: &str) -> &'static str {
    match kind {
        "person" => "Person",
        "state" | "government_body" | "diplomatic_mission" => "PublicBody",
        "organization" | "armed_group" => "Organization",
        _ => "LegalEntity",
    }
}

/// Designations that are restrictive measures become `Sanction`s; the others are not sanctions, and calling
/// them so would flag their subject in every screening tool that reads FtM.
fn is_sanction(kind: &str) -> bool {
    matches!(kind, "terrorist_listing" | "sanction")
}

pub fn country(code: &str) -> Option<&'static str> {
    codes::COUNTRIES
        .iter()
        .find(|(a3, _)| *a3 == code)
        .map(|(_, c)| *c)
}

/// FtM's code for a BCP 47 tag: the primary subtag's, where FtM lists the language.
pub fn language(tag: &str) -> Option<&'static str> {
    let primary = tag.split('-').next().unwrap_or(tag);
    codes::LANGUAGES
        .iter()
        .find(|(two, _)| *two == primary)
        .map(|(_, c)| *c)
}

fn add_country(e: &mut Entity, prop: &'static str, code: Option<String>) {
    if let Some(code) = code {
        match country(&code) {
            Some(c) => e.add(prop, c),
            None => e.note("country (ISO 3166-1 alpha-3, unknown to FtM)", code),
        }
    }
}

/// What was written, by schema.
pub type Counts = BTreeMap<&'static str, usize>;

struct Out<W: Write> {
    out: W,
    counts: Counts,
}

impl<W: Write> Out<W> {
    fn emit(&mut self, e: &Entity) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.out, e)?;
        self.out.write_all(b"\n")?;
        *self.counts.entry(e.schema).or_default() += 1;
        Ok(())
    }
}

// One query per table. Lists (aliases, participants, the articles of a fact's evidence) come as JSON arrays
// from json_group_array, so each entity is written as its row arrives and memory stays flat.
const DOCUMENTS: &str = "\
SELECT slug, title, author, publisher, published, url, language, body, sha256 FROM documents ORDER BY id";

const ACTORS: &str = "\
SELECT a.slug, a.name, a.kind, a.country, a.description, a.wikidata, p.slug, p.kind,
       (SELECT json_group_array(alias) FROM (SELECT alias FROM actor_aliases WHERE actor = a.id ORDER BY alias)),
       (SELECT json_group_array(slug) FROM (SELECT DISTINCT d.slug FROM evidence ev
          JOIN documents d ON d.id = ev.document WHERE ev.actor = a.id ORDER BY d.slug))
  FROM actors a LEFT JOIN actors p ON p.id = a.parent
 ORDER BY a.id";

const EVENTS: &str = "\
SELECT e.slug, e.date, e.kind, e.cameo, e.summary,
       (SELECT json_group_array(json(x.p)) FROM (SELECT json_array(a.slug, a.name, ea.role) AS p
          FROM event_actors ea JOIN actors a ON a.id = ea.actor WHERE ea.event = e.id ORDER BY ea.id) x),
       (SELECT json_group_array(slug) FROM (SELECT DISTINCT d.slug FROM evidence ev
          JOIN documents d ON d.id = ev.document WHERE ev.event = e.id ORDER BY d.slug))
  FROM events e
 ORDER BY e.id";

const DESIGNATIONS: &str = "\
SELECT g.slug, g.kind, g.status, g.start, g.end, g.note,
       au.slug, au.name, au.country, su.slug, ie.slug, ee.slug,
       (SELECT json_group_array(slug) FROM (SELECT DISTINCT d.slug FROM evidence ev
          JOIN documents d ON d.id = ev.document WHERE ev.designation = g.id ORDER BY d.slug))
  FROM designations g
  JOIN actors au ON au.id = g.authority
  JOIN actors su ON su.id = g.subject
  LEFT JOIN events ie ON ie.id = g.imposed_by
  LEFT JOIN events ee ON ee.id = g.ended_by
 ORDER BY g.id";

const QUOTES: &str = "\
SELECT q.slug, q.kind, q.text, q.start, q.end, sp.slug, sp.name, ad.slug, ad.name, d.slug,
       (SELECT json_group_array(slug) FROM (SELECT d2.slug FROM documents d2 WHERE d2.id = q.document
          UNION SELECT d3.slug FROM evidence ev JOIN documents d3 ON d3.id = ev.document WHERE ev.quote = q.id
          ORDER BY 1))
  FROM quotes q
  JOIN actors sp ON sp.id = q.speaker
  LEFT JOIN actors ad ON ad.id = q.addressee
  JOIN documents d ON d.id = q.document
 ORDER BY q.id";

const EVIDENCE: &str = "\
SELECT d.slug, ev.start, ev.end, ev.exact,
       CASE WHEN ev.actor IS NOT NULL THEN 'actor' WHEN ev.event IS NOT NULL THEN 'event'
            WHEN ev.designation IS NOT NULL THEN 'designation' ELSE 'quote' END,
       coalesce((SELECT slug FROM actors WHERE id = ev.actor), (SELECT slug FROM events WHERE id = ev.event),
                (SELECT slug FROM designations WHERE id = ev.designation),
                (SELECT slug FROM quotes WHERE id = ev.quote))
  FROM evidence ev JOIN documents d ON d.id = ev.document
 ORDER BY ev.id";

/// Writes `entities.ftm.json`; returns how many entities of each schema it holds.
pub fn write(conn: &Connection, w: &mut Writer) -> anyhow::Result<Counts> {
    let mut out = Out {
        out: w.create(FILE)?,
        counts: Counts::new(),
    };
    each(conn, DOCUMENTS, |r| out.emit(&document(r)?))?;
    each(conn, ACTORS, |r| {
        let (actor, part_of) = actor(r)?;
        out.emit(&actor)?;
        part_of.map_or(Ok(()), |p| out.emit(&p))
    })?;
    each(conn, EVENTS, |r| out.emit(&event(r)?))?;
    each(conn, DESIGNATIONS, |r| out.emit(&designation(r)?))?;
    each(conn, QUOTES, |r| out.emit(&quote(r)?))?;
    each(conn, EVIDENCE, |r| out.emit(&evidence(r)?))?;
    out.out
        .flush()
        .with_context(|| format!("cannot write {FILE}"))?;
    Ok(out.counts)
}

fn each(
    conn: &Connection,
    sql: &str,
    mut f: impl FnMut(&Row) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        f(r)?;
    }
    Ok(())
}

fn document(r: &Row) -> anyhow::Result<Entity> {
    let slug: String = r.get(0)?;
    let title: String = r.get(1)?;
    let mut e = Entity::new("Article", id("document", &slug));
    e.add("name", title.clone());
    e.add("title", title);
    e.add_opt("author", r.get::<_, Option<String>>(2)?);
    e.add_opt("publisher", r.get::<_, Option<String>>(3)?);
    if let Some(published) = r.get::<_, Option<String>>(4)? {
        let d = dates_of("documents", &slug, "published", &published)?;
        // An article has one publication date; an interval gives its earliest known end.
        e.add_opt("publishedAt", d.start.clone().or(d.end.clone()));
        if !d.exact || d.interval {
            e.note("published (EDTF)", &published);
        }
    }
    e.add_opt("sourceUrl", r.get::<_, Option<String>>(5)?);
    if let Some(tag) = r.get::<_, Option<String>>(6)? {
        match language(&tag) {
            Some(code) => e.add("language", code),
            None => e.note("language (BCP 47, unknown to FtM)", tag),
        }
    }
    e.add("bodyText", r.get::<_, String>(7)?);
    e.note("sha256 of the UTF-8 text", r.get::<_, String>(8)?);
    e.note("dossier slug", &slug);
    Ok(e)
}

fn actor(r: &Row) -> anyhow::Result<(Entity, Option<Entity>)> {
    let slug: String = r.get(0)?;
    let kind: String = r.get(2)?;
    let mut e = Entity::new(actor_schema(&kind), id("actor", &slug));
    e.add("name", r.get::<_, String>(1)?);
    for alias in slugs(&r.get::<_, String>(8)?)? {
        e.add("alias", alias);
    }
    add_country(&mut e, "country", r.get(3)?);
    e.add_opt("description", r.get::<_, Option<String>>(4)?);
    e.add_opt("wikidataId", r.get::<_, Option<String>>(5)?);
    e.add("keywords", kind);
    e.proofs(&r.get::<_, String>(9)?)?;
    e.note("dossier slug", &slug);
    // The parent ("part of"): a membership of an organisation, else a link of unknown nature.
    let part_of = match (
        r.get::<_, Option<String>>(6)?,
        r.get::<_, Option<String>>(7)?,
    ) {
        (Some(parent), Some(parent_kind)) => {
            let org = matches!(actor_schema(&parent_kind), "Organization" | "PublicBody");
            let mut p = Entity::new(
                if org { "Membership" } else { "UnknownLink" },
                id("part-of", &slug),
            );
            let (member, organization) = if org {
                ("member", "organization")
            } else {
                ("subject", "object")
            };
            p.add(member, id("actor", &slug));
            p.add(organization, id("actor", &parent));
            p.add("role", "part of");
            Some(p)
        }
        _ => None,
    };
    Ok((e, part_of))
}

fn event(r: &Row) -> anyhow::Result<Entity> {
    let slug: String = r.get(0)?;
    let date: String = r.get(1)?;
    let summary: String = r.get(4)?;
    let mut e = Entity::new("Event", id("event", &slug));
    // An Event needs a name; a dossier event has none but its one-sentence summary.
    e.add("name", summary.clone());
    e.add("summary", summary);
    let d = dates_of("events", &slug, "date", &date)?;
    set_dates(&mut e, "date", "date", &d, &date);
    e.add("keywords", r.get::<_, String>(2)?);
    if let Some(cameo) = r.get::<_, Option<String>>(3)? {
        e.add("keywords", format!("CAMEO {cameo}"));
    }
    let parts: Vec<(String, String, String)> = serde_json::from_str(&r.get::<_, String>(5)?)
        .context("the participants from SQLite's json_group_array")?;
    for (actor, name, role) in parts {
        let aid = id("actor", &actor);
        if role == "actor" {
            e.add("organizer", aid.clone());
        } else {
            e.note(&role, name);
        }
        e.add("involved", aid);
    }
    e.proofs(&r.get::<_, String>(6)?)?;
    e.note("dossier slug", &slug);
    Ok(e)
}

fn designation(r: &Row) -> anyhow::Result<Entity> {
    let slug: String = r.get(0)?;
    let kind: String = r.get(1)?;
    let status: String = r.get(2)?;
    let authority: String = r.get(6)?;
    let authority_name: String = r.get(7)?;
    let subject: String = r.get(9)?;
    let mut e;
    if is_sanction(&kind) {
        e = Entity::new("Sanction", id("designation", &slug));
        e.add("entity", id("actor", &subject));
        // FtM's authority is a name, not an entity: the id goes into the description.
        e.add("authority", authority_name.clone());
        e.note("authority", id("actor", &authority));
        add_country(&mut e, "country", r.get(8)?);
        e.add("program", kind.replace('_', " "));
        e.add(
            "status",
            if status == "in_force" {
                "Active"
            } else {
                "Inactive"
            },
        );
    } else {
        e = Entity::new("UnknownLink", id("designation", &slug));
        e.add("subject", id("actor", &authority));
        e.add("object", id("actor", &subject));
        e.add("role", kind.replace('_', " "));
        e.add("status", status.clone());
    }
    for (col, label) in [(3, "start"), (4, "end")] {
        if let Some(text) = r.get::<_, Option<String>>(col)? {
            let d = dates_of("designations", &slug, label, &text)?;
            // A start or end known only as an interval keeps its outer end: the earliest start, the latest end.
            let (prop, value) = if label == "start" {
                ("startDate", d.start.clone().or(d.end.clone()))
            } else {
                ("endDate", d.end.clone().or(d.start.clone()))
            };
            e.add_opt(prop, value);
            if !d.exact || d.interval {
                e.note(&format!("{label} (EDTF)"), &text);
            }
        }
    }
    e.add_opt("description", r.get::<_, Option<String>>(5)?);
    if let Some(ev) = r.get::<_, Option<String>>(10)? {
        e.note("imposed by", id("event", &ev));
    }
    if let Some(ev) = r.get::<_, Option<String>>(11)? {
        e.note("ended by", id("event", &ev));
    }
    e.proofs(&r.get::<_, String>(12)?)?;
    e.note("dossier slug", &slug);
    Ok(e)
}

/// A quote is a speech act: an `Event` organised by the speaker, involving the addressee, whose summary is the
/// words and whose description says where they stand.
fn quote(r: &Row) -> anyhow::Result<Entity> {
    let slug: String = r.get(0)?;
    let kind: String = r.get(1)?;
    let speaker: String = r.get(5)?;
    let speaker_name: String = r.get(6)?;
    let mut e = Entity::new("Event", id("quote", &slug));
    let what = if kind == "direct" {
        "direct quote"
    } else {
        "paraphrase"
    };
    e.add("name", format!("{speaker_name} ({what})"));
    e.add("summary", r.get::<_, String>(2)?);
    e.add("keywords", "quote");
    e.add("keywords", what);
    e.add("organizer", id("actor", &speaker));
    e.add("involved", id("actor", &speaker));
    if let Some(addressee) = r.get::<_, Option<String>>(7)? {
        e.add("involved", id("actor", &addressee));
        e.note("addressee", r.get::<_, String>(8)?);
    }
    e.note(
        "offsets",
        format!(
            "{}-{} of {} (0-based, end-exclusive code points of its bodyText)",
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            id("document", &r.get::<_, String>(9)?)
        ),
    );
    e.proofs(&r.get::<_, String>(10)?)?;
    e.note("dossier slug", &slug);
    Ok(e)
}

/// One evidence row: the exact words and where they stand, tying the fact to its article.
fn evidence(r: &Row) -> anyhow::Result<Entity> {
    let doc: String = r.get(0)?;
    let (start, end): (i64, i64) = (r.get(1)?, r.get(2)?);
    let fact_kind: String = r.get(4)?;
    let fact: String = r.get(5)?;
    let mut e = Entity::new(
        "Documentation",
        id(
            "evidence",
            &format!("{fact_kind}.{fact}.{doc}.{start}.{end}"),
        ),
    );
    e.add("document", id("document", &doc));
    e.add("entity", id(&fact_kind, &fact));
    e.add("role", "evidence");
    e.add("summary", r.get::<_, String>(3)?);
    e.note(
        "offsets",
        format!(
            "{start}-{end} of {} (0-based, end-exclusive code points of its bodyText)",
            id("document", &doc)
        ),
    );
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::when::dates;
    use super::*;

    #[test]
    fn dates_take_the_prefix_form_and_say_when_they_lose_something() {
        let d = dates("2022-03").unwrap();
        assert_eq!(
            (d.start.as_deref(), d.interval, d.exact),
            (Some("2022-03"), false, true)
        );
        let d = dates("2025-07?").unwrap();
        assert_eq!((d.start.as_deref(), d.exact), (Some("2025-07"), false));
        let d = dates("2025-07-03/2025-07-25").unwrap();
        assert_eq!(
            (d.start.as_deref(), d.end.as_deref(), d.interval, d.exact),
            (Some("2025-07-03"), Some("2025-07-25"), true, true)
        );
        let d = dates("../2025-04").unwrap();
        assert_eq!(
            (d.start, d.end.as_deref(), d.exact),
            (None, Some("2025-04"), false)
        );
        let d = dates("2021~/").unwrap();
        assert_eq!(
            (d.start.as_deref(), d.end, d.exact),
            (Some("2021"), None, false)
        );
        assert!(dates("2025-02-30").is_err());
        assert!(dates("yesterday").is_err());
    }

    #[test]
    fn ids_are_readable_where_ftm_allows_and_digests_elsewhere() {
        assert_eq!(id("actor", "russia"), "dossier.actor.russia");
        let odd = id("actor", "trailing-");
        assert!(
            odd.starts_with("dossier.actor.") && odd.len() == "dossier.actor.".len() + 40,
            "{odd}"
        );
        let long = "a".repeat(300);
        assert_eq!(id("actor", &long).len(), "dossier.actor.".len() + 40);
        assert_ne!(id("actor", &long), id("actor", &"a".repeat(301)));
    }

    #[test]
    fn codes_turn_into_ftm_codes_or_nothing() {
        assert_eq!(country("RUS"), Some("ru"));
        assert_eq!(country("AFG"), Some("af"));
        assert_eq!(country("ZZZ"), None);
        assert_eq!(language("en"), Some("eng"));
        assert_eq!(language("en-GB"), Some("eng"));
        assert_eq!(language("ps"), Some("pus"));
        assert_eq!(language("xx"), None);
    }

    #[test]
    fn every_actor_kind_has_its_schema() {
        // A new kind of actor fails here until someone decides its schema. All are LegalEntity or its subtypes,
        // as Event:involved and organizer require.
        let table = [
            ("state", "PublicBody"),
            ("government_body", "PublicBody"),
            ("organization", "Organization"),
            ("armed_group", "Organization"),
            ("diplomatic_mission", "PublicBody"),
            ("person", "Person"),
            ("group", "LegalEntity"),
        ];
        let kinds: Vec<&str> = table.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, crate::seed::model::ActorKind::ALL);
        for (kind, schema) in table {
            assert_eq!(actor_schema(kind), schema, "{kind}");
        }
    }
}
