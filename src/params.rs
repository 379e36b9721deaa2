//! Report parameters, described once: the type, how a given value becomes its typed SQL value, how a parameter is
//! described to a person, and how a name written with its sigil (`:name`, `@name`, `$name`) becomes its key. The
//! seed's validation (a default), `report`, the shell and the Datasette export all use these.

use rusqlite::types::Value;

use crate::edtf::Edtf;
pub use crate::seed::model::ParamType;

/// A report's parameter, as the seed declares it and `report_params` stores it.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub kind: ParamType,
    pub required: bool,
    pub default: Option<String>,
    pub description: String,
}

impl Param {
    /// `name (type, default X | required | optional)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({}, {})",
            self.name,
            self.kind.as_str(),
            self.need("optional")
        )
    }

    /// Whether a value is needed: `default X`, `required`, or `optional` in the caller's words.
    pub fn need(&self, optional: &str) -> String {
        match (&self.default, self.required) {
            (Some(d), _) => format!("default {d}"),
            (None, true) => "required".to_string(),
            (None, false) => optional.to_string(),
        }
    }
}

/// The parameters of the stored report `report` (its id), in their order.
pub fn params_of(conn: &rusqlite::Connection, report: i64) -> anyhow::Result<Vec<Param>> {
    let mut stmt = conn.prepare(
        "SELECT name, type, required, default_value, description FROM report_params \
          WHERE report = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([report], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (name, kind, required, default, description) = row?;
        let kind = kind_of(&kind).map_err(|e| anyhow::anyhow!("parameter \"{name}\": {e}"))?;
        out.push(Param {
            name,
            kind,
            required,
            default,
            description,
        });
    }
    Ok(out)
}

/// The type named in `report_params.type`, or an error that names it (a file from others may hold anything).
pub fn kind_of(name: &str) -> Result<ParamType, String> {
    [
        ParamType::Text,
        ParamType::Integer,
        ParamType::Date,
        ParamType::Actor,
    ]
    .into_iter()
    .find(|k| k.as_str() == name)
    .ok_or_else(|| format!("unknown parameter type {name:?}"))
}

/// A parameter's key: its name without the sigil SQL writes before it.
pub fn key(name: &str) -> &str {
    name.trim_start_matches([':', '@', '$'])
}

/// Where an actor parameter's value is looked up: the seed's actors while it is validated, the file's after.
pub trait Actors {
    /// The slug of the one actor whose slug, name or alias equals `wanted`, compared with Unicode case folding,
    /// or an error that says what is wrong.
    fn resolve(&self, wanted: &str) -> Result<String, String>;
}

/// A given value as its parameter's typed SQL value. Every type but text is trimmed of surrounding whitespace.
/// An integer is an i64; a date is an EDTF day, month or year, or `today` (through `today`); an actor is resolved
/// to its slug; text is taken as it is.
pub fn coerce(
    kind: ParamType,
    value: &str,
    actors: &dyn Actors,
    today: &dyn Fn() -> Result<String, String>,
) -> Result<Value, String> {
    let trimmed = value.trim();
    match kind {
        ParamType::Text => Ok(Value::Text(value.to_string())),
        ParamType::Integer => trimmed
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| format!("{value:?} is not an integer")),
        ParamType::Date if trimmed.eq_ignore_ascii_case("today") => today().map(Value::Text),
        ParamType::Date => Edtf::parse_plain(trimmed)
            .map(|d| Value::Text(d.as_str().to_string()))
            .map_err(|e| format!("{e}; use YYYY, YYYY-MM or YYYY-MM-DD")),
        ParamType::Actor => actors.resolve(trimmed).map(Value::Text),
    }
}

/// Actors given as (slug, name, aliases), as the seed's validation has them.
pub struct ActorList<'a>(pub &'a [(String, String, Vec<String>)]);

impl Actors for ActorList<'_> {
    fn resolve(&self, wanted: &str) -> Result<String, String> {
        let folded = wanted.to_lowercase();
        let mut found: Vec<&str> = self
            .0
            .iter()
            .filter(|(slug, name, aliases)| {
                slug.to_lowercase() == folded
                    || name.to_lowercase() == folded
                    || aliases.iter().any(|a| a.to_lowercase() == folded)
            })
            .map(|(slug, _, _)| slug.as_str())
            .collect();
        found.sort_unstable();
        found.dedup();
        match found.as_slice() {
            [one] => Ok(one.to_string()),
            [] => Err(format!("no actor has the slug, name or alias {wanted:?}")),
            many => Err(format!(
                "{wanted:?} names more than one actor: {}; use a slug",
                many.join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<(String, String, Vec<String>)> {
        vec![(
            "russia".into(),
            "Russia".into(),
            vec!["Moscow".into(), "Москва".into()],
        )]
    }

    #[test]
    fn values_are_trimmed_and_typed_the_same_way_everywhere() {
        let l = list();
        let actors = ActorList(&l);
        let today = || Ok("2026-01-01".to_string());
        let c = |k, v: &str| coerce(k, v, &actors, &today);
        assert_eq!(c(ParamType::Integer, " 42 "), Ok(Value::Integer(42)));
        assert_eq!(
            c(ParamType::Date, " 2025-07 "),
            Ok(Value::Text("2025-07".into()))
        );
        assert_eq!(
            c(ParamType::Date, "Today"),
            Ok(Value::Text("2026-01-01".into()))
        );
        assert_eq!(
            c(ParamType::Actor, " moscow "),
            Ok(Value::Text("russia".into()))
        );
        assert_eq!(
            c(ParamType::Actor, "МОСКВА"),
            Ok(Value::Text("russia".into()))
        );
        assert_eq!(
            c(ParamType::Text, " as is "),
            Ok(Value::Text(" as is ".into()))
        );
        assert!(c(ParamType::Integer, "4x").is_err());
        assert!(c(ParamType::Date, "September 2024").is_err());
        assert!(c(ParamType::Actor, "Kabul").is_err());
    }

    #[test]
    fn keys_lose_their_sigil_and_types_their_names() {
        assert_eq!(key(":from"), "from");
        assert_eq!(key("@actor"), "actor");
        assert_eq!(key("$x"), "x");
        assert_eq!(kind_of("date"), Ok(ParamType::Date));
        assert!(kind_of("dat").is_err());
    }
}
