//! The rows of a dossier: schema.sql, and one insert per kind of row, used by the pipeline as it validates each
//! document; and the digest of the content.

use anyhow::Context;
use rusqlite::{Connection, Statement, params};

use super::locate::Span;
use super::model::{ActorDef, DesignationDef, DocumentDef, EventDef, NonEmpty, QuoteDef};
use super::validate::Report;
use crate::schema;

const INSERT_META: &str = "INSERT INTO meta (key, value) VALUES (?1, ?2)";
const INSERT_DOCUMENT: &str = "INSERT INTO documents (id, slug, title, author, publisher, published, \
     published_earliest, published_latest, url, language, body, length, sha256) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
const INSERT_ACTOR: &str = "INSERT INTO actors (id, slug, name, kind, country, description, wikidata, parent) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const INSERT_ALIAS: &str = "INSERT INTO actor_aliases (actor, alias) VALUES (?1, ?2)";
const INSERT_EVENT: &str = "INSERT INTO events (id, slug, date, date_earliest, date_latest, kind, cameo, summary) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const INSERT_PARTICIPANT: &str =
    "INSERT INTO event_actors (event, actor, role) VALUES (?1, ?2, ?3)";
const INSERT_DESIGNATION: &str = "INSERT INTO designations (id, slug, authority, subject, kind, status, \
     start, start_earliest, start_latest, end, end_earliest, end_latest, imposed_by, ended_by, note) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
const INSERT_QUOTE: &str = "INSERT INTO quotes (id, slug, speaker, document, text, kind, start, end, addressee) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
const INSERT_EVIDENCE: &str = "INSERT INTO evidence_spans (document, start, end, head, exact, actor, event, designation, \
     quote) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
const INSERT_REPORT: &str =
    "INSERT INTO reports (id, name, title, description, sql) VALUES (?1, ?2, ?3, ?4, ?5)";
const INSERT_PARAM: &str = "INSERT INTO report_params (report, position, name, type, required, default_value, \
     description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Statements used from more than one place.
pub struct Sql;

impl Sql {
    pub const SET_PARENT: &'static str = "UPDATE actors SET parent = ?2 WHERE id = ?1";
}

/// Applies a part of schema.sql (see `schema::schema_without_indexes`).
pub fn apply_schema(conn: &Connection, part: &str) -> anyhow::Result<()> {
    conn.execute_batch(part).context("cannot apply schema.sql")
}

/// The fact an evidence row supports, by row id.
#[derive(Clone, Copy, Debug)]
pub enum Fact {
    Actor(i64),
    Event(i64),
    Designation(i64),
    Quote(i64),
}

/// The statements that insert a document's rows, prepared once for the whole load: looking each one up in the
/// connection's cache, row after row, cost more than binding it.
pub struct Inserts<'c> {
    document: Statement<'c>,
    event: Statement<'c>,
    participant: Statement<'c>,
    designation: Statement<'c>,
    quote: Statement<'c>,
    evidence: Statement<'c>,
}

impl<'c> Inserts<'c> {
    pub fn new(conn: &'c Connection) -> rusqlite::Result<Inserts<'c>> {
        Ok(Inserts {
            document: conn.prepare(INSERT_DOCUMENT)?,
            event: conn.prepare(INSERT_EVENT)?,
            participant: conn.prepare(INSERT_PARTICIPANT)?,
            designation: conn.prepare(INSERT_DESIGNATION)?,
            quote: conn.prepare(INSERT_QUOTE)?,
            evidence: conn.prepare(INSERT_EVIDENCE)?,
        })
    }
}

/// A day as `YYYY-MM-DD`, written without an allocation.
struct DayText([u8; 10]);

impl DayText {
    fn of(day: Option<crate::edtf::Day>) -> Option<DayText> {
        day.map(|d| {
            let mut b = *b"0000-00-00";
            let digits = |out: &mut [u8], mut n: u32| {
                for c in out.iter_mut().rev() {
                    *c = b'0' + (n % 10) as u8;
                    n /= 10;
                }
            };
            digits(&mut b[0..4], u32::from(d.year));
            digits(&mut b[5..7], u32::from(d.month));
            digits(&mut b[8..10], u32::from(d.day));
            DayText(b)
        })
    }
}

impl rusqlite::ToSql for DayText {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        // ASCII digits and hyphens only.
        let text = std::str::from_utf8(&self.0).expect("ASCII");
        Ok(rusqlite::types::ToSqlOutput::Borrowed(text.into()))
    }
}

/// An actor (parent set later, as it may come later) with its aliases.
pub fn insert_actor(
    conn: &Connection,
    id: i64,
    a: &ActorDef,
    aliases: &[String],
) -> anyhow::Result<()> {
    let text = |o: &Option<NonEmpty>| o.as_ref().map(ToString::to_string);
    conn.prepare_cached(INSERT_ACTOR)?
        .execute(params![
            id,
            a.slug.as_str(),
            a.name.as_str(),
            a.kind.as_str(),
            a.country.as_ref().map(ToString::to_string),
            text(&a.description),
            a.wikidata.as_ref().map(ToString::to_string),
            Option::<i64>::None,
        ])
        .with_context(|| format!("cannot insert actor \"{}\"", a.slug))?;
    let mut alias = conn.prepare_cached(INSERT_ALIAS)?;
    for x in aliases {
        alias.execute(params![id, x])?;
    }
    Ok(())
}

pub fn insert_document(
    s: &mut Inserts,
    id: i64,
    d: &DocumentDef,
    body: &str,
    sha256: &str,
) -> anyhow::Result<()> {
    fn text(o: &Option<NonEmpty>) -> Option<&str> {
        o.as_ref().map(NonEmpty::as_str)
    }
    let published = d.published.as_ref();
    s.document
        .execute(params![
            id,
            d.slug.as_str(),
            d.title.as_str(),
            text(&d.author),
            text(&d.publisher),
            published.map(|p| p.as_str()),
            DayText::of(published.and_then(|p| p.earliest())),
            DayText::of(published.and_then(|p| p.latest())),
            text(&d.url),
            d.language.as_ref().map(|l| l.as_str()),
            body,
            body.chars().count() as i64,
            sha256,
        ])
        .with_context(|| format!("cannot insert document \"{}\"", d.slug))?;
    Ok(())
}

/// An event with its participants, given as (actor id, role).
pub fn insert_event(
    s: &mut Inserts,
    id: i64,
    e: &EventDef,
    participants: impl Iterator<Item = (i64, &'static str)>,
) -> anyhow::Result<()> {
    s.event
        .execute(params![
            id,
            e.slug.as_str(),
            e.date.as_str(),
            DayText::of(e.date.earliest()),
            DayText::of(e.date.latest()),
            e.kind.as_str(),
            e.cameo.as_ref().map(|c| c.as_str()),
            e.summary.as_str(),
        ])
        .with_context(|| format!("cannot insert event \"{}\"", e.slug))?;
    for (actor, role) in participants {
        s.participant.execute(params![id, actor, role])?;
    }
    Ok(())
}

pub fn insert_designation(
    s: &mut Inserts,
    id: i64,
    g: &DesignationDef,
    authority: i64,
    subject: i64,
    imposed_by: Option<i64>,
    ended_by: Option<i64>,
) -> anyhow::Result<()> {
    let (start, end) = (g.start.as_ref(), g.end.as_ref());
    s.designation
        .execute(params![
            id,
            g.slug.as_str(),
            authority,
            subject,
            g.kind.as_str(),
            g.status.as_str(),
            start.map(|d| d.as_str()),
            DayText::of(start.and_then(|d| d.earliest())),
            DayText::of(start.and_then(|d| d.latest())),
            end.map(|d| d.as_str()),
            DayText::of(end.and_then(|d| d.earliest())),
            DayText::of(end.and_then(|d| d.latest())),
            imposed_by,
            ended_by,
            g.note.as_ref().map(NonEmpty::as_str),
        ])
        .with_context(|| format!("cannot insert designation \"{}\"", g.slug))?;
    Ok(())
}

pub fn insert_quote(
    s: &mut Inserts,
    id: i64,
    q: &QuoteDef,
    speaker: i64,
    document: i64,
    span: Span,
    addressee: Option<i64>,
) -> anyhow::Result<()> {
    s.quote
        .execute(params![
            id,
            q.slug.as_str(),
            speaker,
            document,
            q.text.exact,
            q.kind.as_str(),
            span.start as i64,
            span.end as i64,
            addressee,
        ])
        .with_context(|| format!("cannot insert quote \"{}\"", q.slug))?;
    Ok(())
}

/// An evidence row: its span with the witness of its words, and the words themselves only in a long document
/// (`long`, see `schema::is_long`).
pub fn insert_evidence(
    s: &mut Inserts,
    document: i64,
    long: bool,
    span: Span,
    exact: &str,
    fact: Fact,
) -> anyhow::Result<()> {
    let (mut a, mut ev, mut g, mut q) = (None, None, None, None);
    match fact {
        Fact::Actor(i) => a = Some(i),
        Fact::Event(i) => ev = Some(i),
        Fact::Designation(i) => g = Some(i),
        Fact::Quote(i) => q = Some(i),
    }
    s.evidence.execute(params![
        document,
        span.start as i64,
        span.end as i64,
        schema::head(exact),
        long.then_some(exact),
        a,
        ev,
        g,
        q
    ])?;
    Ok(())
}

pub fn insert_report(conn: &Connection, id: i64, r: &Report) -> anyhow::Result<()> {
    conn.prepare_cached(INSERT_REPORT)?.execute(params![
        id,
        r.name,
        r.title,
        r.description,
        r.sql
    ])?;
    let mut param = conn.prepare_cached(INSERT_PARAM)?;
    for (pos, p) in r.params.iter().enumerate() {
        param.execute(params![
            id,
            pos as i64 + 1,
            p.name,
            p.kind.as_str(),
            p.required,
            p.default,
            p.description
        ])?;
    }
    Ok(())
}

/// The `meta` rows but the seed digest, which covers every row loaded and is stored after them by
/// [`insert_digest`].
pub fn insert_meta(
    conn: &Connection,
    title: &str,
    description: Option<&str>,
) -> anyhow::Result<()> {
    let mut meta = conn.prepare_cached(INSERT_META)?;
    let schema_version = schema::SCHEMA_VERSION.to_string();
    let generator = format!("dossier {}", env!("CARGO_PKG_VERSION"));
    let mut pairs: Vec<(&str, &str)> = vec![
        ("format", "dossier"),
        ("schema_version", &schema_version),
        ("title", title),
        ("generator", &generator),
    ];
    if let Some(d) = description {
        pairs.push(("description", d));
    }
    for (k, v) in pairs {
        meta.execute(params![k, v])?;
    }
    Ok(())
}

/// Stores the seed digest (from [`content_digest`]) in `meta`, as its last row.
pub fn insert_digest(conn: &Connection, digest: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(INSERT_META)?
        .execute(params!["seed_sha256", digest])?;
    Ok(())
}

pub use crate::schema::CONTENT_TABLES;

/// sha256 over every row of the content tables, in id order: the seed's digest, stored in `meta`. It depends on the
/// facts alone, not on how the seed files are laid out or commented, so a seed written back by `export` has the
/// same digest as the one it came from. Evidence is read as stored (`evidence_spans`): its words follow from the
/// bodies and the spans, which the digest covers, and reading them through the view would read a body per row.
pub fn content_digest(conn: &Connection) -> rusqlite::Result<String> {
    use rusqlite::types::ValueRef;
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    // The bytes of many rows are gathered and hashed at once: hashing each value's few bytes on its own cost more
    // than reading them. The digest is of the same bytes either way.
    const GATHER: usize = 1 << 16;
    let mut buf: Vec<u8> = Vec::with_capacity(2 * GATHER);
    for table in CONTENT_TABLES {
        buf.extend_from_slice(table.as_bytes());
        buf.push(0);
        // Table names come from the fixed list above.
        let mut stmt = conn.prepare(&format!(
            "SELECT * FROM {} ORDER BY id",
            schema::stored(table)
        ))?;
        let n = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            for i in 0..n {
                match row.get_ref(i)? {
                    ValueRef::Null => buf.push(0),
                    ValueRef::Integer(v) => {
                        buf.push(1);
                        buf.extend_from_slice(&v.to_le_bytes());
                    }
                    ValueRef::Real(v) => {
                        buf.push(2);
                        buf.extend_from_slice(&v.to_le_bytes());
                    }
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        buf.push(3);
                        buf.extend_from_slice(&(t.len() as u64).to_le_bytes());
                        // A long value (a body) is hashed where it stands, not copied.
                        if t.len() >= GATHER {
                            h.update(&buf);
                            buf.clear();
                            h.update(t);
                        } else {
                            buf.extend_from_slice(t);
                        }
                    }
                }
            }
            if buf.len() >= GATHER {
                h.update(&buf);
                buf.clear();
            }
        }
    }
    h.update(&buf);
    Ok(super::hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;
    use rusqlite::types::ValueRef;
    use sha2::{Digest, Sha256};

    /// The digest as its comment defines it, each value hashed on its own: the reference for the gathered one.
    fn one_value_at_a_time(conn: &Connection) -> String {
        let mut h = Sha256::new();
        for table in super::CONTENT_TABLES {
            h.update(table.as_bytes());
            h.update([0]);
            let sql = format!("SELECT * FROM {} ORDER BY id", crate::schema::stored(table));
            let mut stmt = conn.prepare(&sql).unwrap();
            let n = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                for i in 0..n {
                    match row.get_ref(i).unwrap() {
                        ValueRef::Null => h.update([0]),
                        ValueRef::Integer(v) => {
                            h.update([1]);
                            h.update(v.to_le_bytes());
                        }
                        ValueRef::Real(v) => {
                            h.update([2]);
                            h.update(v.to_le_bytes());
                        }
                        ValueRef::Text(t) | ValueRef::Blob(t) => {
                            h.update([3]);
                            h.update((t.len() as u64).to_le_bytes());
                            h.update(t);
                        }
                    }
                }
            }
        }
        super::super::hex(&h.finalize())
    }

    /// Gathering the bytes changes nothing: not with bodies longer than a block, hashed where they stand, nor with
    /// short rows that fill several blocks.
    #[test]
    fn the_gathered_digest_is_the_digest_of_each_value() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::schema::SCHEMA).unwrap();
        let long = "é".repeat(100_000);
        for (id, body) in [(1, "short"), (2, long.as_str()), (3, "after the long one")] {
            conn.execute(
                "INSERT INTO documents (id, slug, title, body, length, sha256) VALUES (?1, ?2, 't', ?3, ?4, ?5)",
                rusqlite::params![
                    id,
                    format!("d{id}"),
                    body,
                    body.chars().count() as i64,
                    crate::digest::sha256_hex(body.as_bytes())
                ],
            )
            .unwrap();
        }
        for id in 1..=5000 {
            conn.execute(
                "INSERT INTO actors (id, slug, name, kind) VALUES (?1, ?2, 'a name of some length', 'state')",
                rusqlite::params![id, format!("a{id}")],
            )
            .unwrap();
        }
        assert_eq!(
            super::content_digest(&conn).unwrap(),
            one_value_at_a_time(&conn)
        );
    }
}
