//! The shape of seed files, as serde types. Each field is checked as it is read, so a malformed value is reported
//! by the TOML or JSON parser with its line and column.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use crate::edtf::Edtf;

/// Declares a string newtype whose values are checked when deserialised.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub String);

        impl $name {
            #[allow(dead_code)]
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// Checks a value the way deserialisation does.
            pub fn parse(s: &str) -> Result<Self, String> {
                let check: fn(&str) -> Result<(), String> = $check;
                check(s).map(|()| $name(s.to_string()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(de::Error::custom)
            }
        }
    };
}

checked_string!(
    /// A stable human identifier: lower-case ASCII letters, digits and hyphens.
    Slug,
    |s| {
        let ok = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(())
        } else {
            Err(format!(
                "invalid slug {s:?}: use lower-case letters, digits and inner hyphens, e.g. \"russia-foreign-ministry\""
            ))
        }
    }
);

checked_string!(
    /// Text that must not be empty or only whitespace.
    NonEmpty,
    |s| {
        if s.trim().is_empty() {
            Err("must not be empty".to_string())
        } else {
            Ok(())
        }
    }
);

checked_string!(
    /// An ISO 3166-1 alpha-3 country code.
    Country,
    |s| {
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(())
        } else {
            Err(format!(
                "invalid country {s:?}: use an ISO 3166-1 alpha-3 code in capitals, e.g. \"RUS\", \"AFG\", \"USA\""
            ))
        }
    }
);

checked_string!(
    /// A Wikidata item id.
    Wikidata,
    |s| {
        let digits = s.strip_prefix('Q').unwrap_or("");
        if !digits.is_empty() && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(format!("invalid Wikidata id {s:?}: use a Q-id such as \"Q159\""))
        }
    }
);

checked_string!(
    /// A CAMEO event code, written as a string so that leading zeros survive.
    Cameo,
    |s| {
        if (2..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(format!(
                "invalid CAMEO code {s:?}: use 2 to 4 digits as a string, e.g. \"054\""
            ))
        }
    }
);

checked_string!(
    /// A BCP 47 language tag such as "en" or "fa-AF".
    Language,
    |s| {
        let mut parts = s.split('-');
        let primary = parts.next().unwrap_or("");
        let primary_ok = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
        let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if primary_ok && rest_ok {
            Ok(())
        } else {
            Err(format!("invalid language tag {s:?}: use a BCP 47 tag such as \"en\" or \"fa-AF\""))
        }
    }
);

/// Declares an enumeration stored as text, with the list of its values (kept equal to schema.sql's CHECK
/// constraints by a test).
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order; a test keeps schema.sql's CHECK lists equal to these.
            #[allow(dead_code)]
            pub const ALL: &'static [&'static str] = &[$($text),+];
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }
    };
}

text_enum!(
    ActorKind {
        State = "state",
        GovernmentBody = "government_body",
        Organization = "organization",
        ArmedGroup = "armed_group",
        DiplomaticMission = "diplomatic_mission",
        Person = "person",
        Group = "group",
    }
);

text_enum!(
    EventKind {
        ChangeOfPower = "change_of_power",
        MilitaryWithdrawal = "military_withdrawal",
        Accreditation = "accreditation",
        AssumptionOfControl = "assumption_of_control",
        Designation = "designation",
        DesignationRevoked = "designation_revoked",
        DiplomaticRecognition = "diplomatic_recognition",
        Criticism = "criticism",
        Statement = "statement",
        Meeting = "meeting",
        Agreement = "agreement",
        Other = "other",
    }
);

text_enum!(
    DesignationKind {
        TerroristListing = "terrorist_listing",
        DiplomaticRecognition = "diplomatic_recognition",
        Accreditation = "accreditation",
        Sanction = "sanction",
        Other = "other",
    }
);

text_enum!(
    DesignationStatus {
        InForce = "in_force",
        Ended = "ended",
    }
);

text_enum!(
    QuoteKind {
        Direct = "direct",
        Paraphrase = "paraphrase",
    }
);

text_enum!(
    ParamType {
        Text = "text",
        Integer = "integer",
        Date = "date",
        Actor = "actor",
    }
);

/// `seed/dossier.toml`: what the knowledge base is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    pub title: NonEmpty,
    pub description: Option<NonEmpty>,
}

/// `seed/actors.toml`: actors who recur across documents. Their evidence lives in the documents' `mentions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorsFile {
    #[serde(default)]
    pub actors: Vec<ActorDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorDef {
    pub slug: Slug,
    pub name: NonEmpty,
    pub kind: ActorKind,
    pub country: Option<Country>,
    pub description: Option<NonEmpty>,
    pub wikidata: Option<Wikidata>,
    pub parent: Option<Slug>,
    #[serde(default)]
    pub aliases: Vec<NonEmpty>,
    #[serde(default)]
    pub evidence: Vec<Quote>,
}

/// `seed/documents/NAME.toml` (or `.json`): one document and the facts found in it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentFile {
    pub document: DocumentDef,
    #[serde(default)]
    pub actors: Vec<ActorDef>,
    #[serde(default)]
    pub mentions: Vec<MentionDef>,
    #[serde(default)]
    pub events: Vec<EventDef>,
    #[serde(default)]
    pub designations: Vec<DesignationDef>,
    #[serde(default)]
    pub quotes: Vec<QuoteDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentDef {
    pub slug: Slug,
    /// The body, a UTF-8 text file beside the seed file.
    pub file: NonEmpty,
    pub title: NonEmpty,
    pub author: Option<NonEmpty>,
    pub publisher: Option<NonEmpty>,
    pub published: Option<Edtf>,
    pub url: Option<NonEmpty>,
    pub language: Option<Language>,
}

/// Evidence, in this document, for an actor defined elsewhere (usually in actors.toml).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentionDef {
    pub actor: Slug,
    pub evidence: Vec<Quote>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDef {
    pub slug: Slug,
    pub date: Edtf,
    pub kind: EventKind,
    pub cameo: Option<Cameo>,
    pub summary: NonEmpty,
    /// Participants who act.
    #[serde(default)]
    pub actor: Vec<Slug>,
    /// Participants acted upon.
    #[serde(default)]
    pub recipient: Vec<Slug>,
    /// Participants in another role.
    #[serde(default)]
    pub other: Vec<Slug>,
    #[serde(default)]
    pub evidence: Vec<Quote>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignationDef {
    pub slug: Slug,
    pub authority: Slug,
    pub subject: Slug,
    pub kind: DesignationKind,
    pub status: DesignationStatus,
    pub start: Option<Edtf>,
    pub end: Option<Edtf>,
    pub imposed_by: Option<Slug>,
    pub ended_by: Option<Slug>,
    pub note: Option<NonEmpty>,
    #[serde(default)]
    pub evidence: Vec<Quote>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteDef {
    pub slug: Slug,
    pub speaker: Slug,
    pub kind: QuoteKind,
    /// The quoted or paraphrased words, located in the document like evidence.
    pub text: Quote,
    pub addressee: Option<Slug>,
    #[serde(default)]
    pub evidence: Vec<Quote>,
}

/// Words to find in a document (a W3C TextQuoteSelector): a plain string, or a table with `exact` and the
/// `prefix` or `suffix` that tells apart repeated words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    pub exact: String,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteTable {
    exact: String,
    prefix: Option<String>,
    suffix: Option<String>,
}

impl<'de> Deserialize<'de> for Quote {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct QuoteVisitor;

        impl<'de> de::Visitor<'de> for QuoteVisitor {
            type Value = Quote;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the exact words as a string, or a table with `exact` and optional `prefix`/`suffix`")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quote, E> {
                Quote::new(v.to_string(), None, None).map_err(E::custom)
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Quote, A::Error> {
                let t = QuoteTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Quote::new(t.exact, t.prefix, t.suffix).map_err(de::Error::custom)
            }
        }

        d.deserialize_any(QuoteVisitor)
    }
}

impl Quote {
    fn new(exact: String, prefix: Option<String>, suffix: Option<String>) -> Result<Quote, String> {
        if exact.is_empty() {
            return Err("the exact words must not be empty".to_string());
        }
        if prefix.as_deref() == Some("") || suffix.as_deref() == Some("") {
            return Err("an empty prefix or suffix tells nothing apart: leave it out".to_string());
        }
        Ok(Quote {
            exact,
            prefix,
            suffix,
        })
    }
}

/// The header of a report file: TOML in the leading `-- ` comment lines.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportHeader {
    pub title: NonEmpty,
    pub description: NonEmpty,
    #[serde(default)]
    pub params: Vec<ParamDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ParamType,
    #[serde(default)]
    pub required: bool,
    pub default: Option<String>,
    pub description: NonEmpty,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values schema.sql allows in `table.column`, read from its `CHECK (column IN (...))`.
    fn schema_values(table: &str, column: &str) -> Vec<String> {
        let schema = crate::schema::SCHEMA;
        let start = schema
            .find(&format!("CREATE TABLE {table} ("))
            .expect("table in schema.sql");
        let body = &schema[start..];
        let body = &body[..body.find(");").expect("end of table")];
        let marker = format!("CHECK ({column} IN (");
        let at = body
            .find(&marker)
            .unwrap_or_else(|| panic!("{table}.{column} has no IN list"))
            + marker.len();
        let list = &body[at..at + body[at..].find(')').expect("end of list")];
        list.split(',')
            .map(|v| v.trim().trim_matches('\'').to_string())
            .collect()
    }

    #[test]
    fn schema_check_lists_match_the_seed_enums() {
        let cases: [(&str, &str, &[&str]); 7] = [
            ("actors", "kind", ActorKind::ALL),
            ("events", "kind", EventKind::ALL),
            ("designations", "kind", DesignationKind::ALL),
            ("designations", "status", DesignationStatus::ALL),
            ("quotes", "kind", QuoteKind::ALL),
            ("report_params", "type", ParamType::ALL),
            ("event_actors", "role", &["actor", "recipient", "other"]),
        ];
        for (table, column, values) in cases {
            assert_eq!(schema_values(table, column), values, "{table}.{column}");
        }
    }
}
