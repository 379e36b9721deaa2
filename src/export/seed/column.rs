//! Rows read as the seed's model types: each text column checked by the rule the build reads it with, and each
//! error naming the table, the row and the column.

use anyhow::{anyhow, bail};
use rusqlite::{Connection, Row};

use crate::edtf::Edtf;
use crate::seed::model::{
    ActorKind, Cameo, Country, DesignationKind, DesignationStatus, EventKind, Language, NonEmpty,
    ParamType, QuoteKind, Slug, Wikidata,
};

/// A model type read from a text column, by the rule the seed's reader applies to it.
pub(super) trait Column: Sized {
    fn read(text: &str) -> Result<Self, String>;
}

macro_rules! column {
    ($($t:ty),+) => {
        $(impl Column for $t {
            fn read(text: &str) -> Result<Self, String> {
                <$t>::parse(text)
            }
        })+
    };
}

column!(
    Slug,
    NonEmpty,
    Country,
    Wikidata,
    Cameo,
    Language,
    ActorKind,
    EventKind,
    DesignationKind,
    DesignationStatus,
    QuoteKind,
    ParamType
);

impl Column for Edtf {
    fn read(text: &str) -> Result<Self, String> {
        text.parse::<Edtf>().map_err(|e| e.to_string())
    }
}

/// `text`, which the database holds as `what`, as the model type the seed holds.
pub(super) fn checked<T: Column>(what: &str, text: &str) -> anyhow::Result<T> {
    T::read(text).map_err(|e| {
        anyhow!("{what}: {e}; the file breaks its own schema, so no seed can hold it: run `dossier verify`")
    })
}

/// Column `i` of the row, which must not be NULL, as the model type `T`.
pub(super) fn get<T: Column>(r: &Row<'_>, i: usize) -> anyhow::Result<T> {
    let text: String = r.get(i)?;
    checked(r.as_ref().column_name(i)?, &text)
}

/// Column `i` of the row, NULL as `None`.
pub(super) fn get_opt<T: Column>(r: &Row<'_>, i: usize) -> anyhow::Result<Option<T>> {
    match r.get::<_, Option<String>>(i)? {
        Some(text) => checked(r.as_ref().column_name(i)?, &text).map(Some),
        None => Ok(None),
    }
}

/// Every row of `sql`, each made by `f`; an error names the table and the row's id (or place).
pub(super) fn rows<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    mut f: impl FnMut(&Row<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let table = sql
        .split(" FROM ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap_or("");
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let item = f(r).map_err(|e| {
            let at = match (r.as_ref().column_name(0), r.get::<_, i64>(0)) {
                (Ok("id"), Ok(id)) => format!("id {id}"),
                _ => format!("row {}", out.len() + 1),
            };
            anyhow!("{table} {at}: {e:#}")
        })?;
        out.push(item);
    }
    Ok(out)
}

/// A slug or report name that becomes part of a file name: a slug, by the rule the build reads it with, of at
/// most 200 bytes so that it makes a file name on any file system. Checked again here because a file written
/// with `PRAGMA ignore_check_constraints` may hold anything.
pub(super) fn component(what: &str, name: &str) -> anyhow::Result<()> {
    if name.len() > 200 || Slug::parse(name).is_err() {
        bail!(
            "{what} {name:?} cannot be a file name (a slug is lowercase letters, digits and inner '-'); the file \
             breaks its own schema: run `dossier verify`"
        );
    }
    Ok(())
}
