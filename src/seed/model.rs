//! The shape of seed files, as serde types: the one description of a seed, read by the build and written by the
//! seed export and the synthetic generator. Each field is checked as it is read, so a malformed value is reported
//! by the TOML or JSON parser with its line and column. Empty lists and absent values are left out when written,
//! as the reader takes them to mean the same.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

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
                // Checked in place and kept, not copied: a seed holds about a million of these.
                let check: fn(&str) -> Result<(), String> = $check;
                check(&s).map(|()| $name(s)).map_err(de::Error::custom)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
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
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
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
            /// The value written as `text`, as deserialisation reads it.
            pub fn parse(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!("{text:?} is not one of {}", $name::ALL.join(", "))),
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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    pub title: NonEmpty,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<NonEmpty>,
}

/// `seed/actors.toml`: actors who recur across documents. Their evidence lives in the documents' `mentions`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActorsFile {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<ActorDef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActorDef {
    pub slug: Slug,
    pub name: NonEmpty,
    pub kind: ActorKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<NonEmpty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wikidata: Option<Wikidata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<Slug>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<NonEmpty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Quote>,
}

/// `seed/documents/NAME.toml` (or `.json`): one document and the facts found in it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentFile {
    pub document: DocumentDef,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<ActorDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<MentionDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<QuoteDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub designations: Vec<DesignationDef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentDef {
    pub slug: Slug,
    /// The body, a UTF-8 text file beside the seed file.
    pub file: NonEmpty,
    pub title: NonEmpty,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<NonEmpty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<NonEmpty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Edtf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<NonEmpty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

/// Evidence, in this document, for an actor defined elsewhere (usually in actors.toml).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MentionDef {
    pub actor: Slug,
    pub evidence: Vec<Quote>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventDef {
    pub slug: Slug,
    pub date: Edtf,
    pub kind: EventKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cameo: Option<Cameo>,
    pub summary: NonEmpty,
    /// Participants who act.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actor: Vec<Slug>,
    /// Participants acted upon.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipient: Vec<Slug>,
    /// Participants in another role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<Slug>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Quote>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DesignationDef {
    pub slug: Slug,
    pub authority: Slug,
    pub subject: Slug,
    pub kind: DesignationKind,
    pub status: DesignationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Edtf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Edtf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imposed_by: Option<Slug>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<Slug>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<NonEmpty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Quote>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteDef {
    pub slug: Slug,
    pub speaker: Slug,
    pub kind: QuoteKind,
    /// The quoted or paraphrased words, located in the document like evidence.
    pub text: Quote,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addressee: Option<Slug>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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

            fn visit_string<E: de::Error>(self, v: String) -> Result<Quote, E> {
                Quote::new(v, None, None).map_err(E::custom)
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Quote, A::Error> {
                let t = QuoteTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Quote::new(t.exact, t.prefix, t.suffix).map_err(de::Error::custom)
            }
        }

        d.deserialize_any(QuoteVisitor)
    }
}

/// Written back the way it is read: the plain words when nothing else is needed, else a table.
impl Serialize for Quote {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.prefix.is_none() && self.suffix.is_none() {
            return s.serialize_str(&self.exact);
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("exact", &self.exact)?;
        if let Some(prefix) = &self.prefix {
            map.serialize_entry("prefix", prefix)?;
        }
        if let Some(suffix) = &self.suffix {
            map.serialize_entry("suffix", suffix)?;
        }
        map.end()
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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportHeader {
    pub title: NonEmpty,
    pub description: NonEmpty,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ParamDef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ParamType,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
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

    /// model → TOML (and JSON) → model gives the same values, for every field of every seed file, with values
    /// the seed's rules accept.
    mod round_trip {
        use super::super::*;
        use proptest::collection::vec;
        use proptest::option;
        use proptest::prelude::*;
        use serde::de::DeserializeOwned;

        /// Any text, TOML's escapes included, that is not blank.
        fn text() -> impl Strategy<Value = String> {
            (any::<String>(), r#"[a-zé“\\"'#\[]"#).prop_map(|(s, c)| format!("{c}{s}"))
        }

        fn non_empty() -> impl Strategy<Value = NonEmpty> {
            text().prop_map(NonEmpty)
        }

        fn slug() -> impl Strategy<Value = Slug> {
            "[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?".prop_map(Slug)
        }

        fn slugs() -> impl Strategy<Value = Vec<Slug>> {
            vec(slug(), 0..3)
        }

        fn pick<T: Clone + fmt::Debug + 'static>(
            all: &'static [&'static str],
            parse: fn(&str) -> Result<T, String>,
        ) -> impl Strategy<Value = T> {
            proptest::sample::select(all).prop_map(move |t| parse(t).expect("a listed value"))
        }

        /// Dates, qualified dates and intervals, open or unknown at one end.
        fn edtf() -> impl Strategy<Value = Edtf> {
            let date = (1000u16..2999, option::of((1u8..=12, option::of(1u8..=28)))).prop_map(
                |(y, md)| match md {
                    None => format!("{y}"),
                    Some((m, None)) => format!("{y}-{m:02}"),
                    Some((m, Some(d))) => format!("{y}-{m:02}-{d:02}"),
                },
            );
            let qualifier = proptest::sample::select(&["", "?", "~", "%"][..]);
            let bound = prop_oneof![date.clone(), Just("..".to_string()), Just(String::new())];
            prop_oneof![
                (date, qualifier).prop_map(|(d, q)| format!("{d}{q}")),
                (bound.clone(), bound).prop_map(|(a, b)| format!("{a}/{b}")),
            ]
            .prop_filter_map("a valid EDTF date", |t| t.parse::<Edtf>().ok())
        }

        fn quote() -> impl Strategy<Value = Quote> {
            (any::<String>(), option::of(text()), option::of(text())).prop_map(
                |(exact, prefix, suffix)| Quote {
                    exact: format!("w{exact}"),
                    prefix,
                    suffix,
                },
            )
        }

        fn quotes() -> impl Strategy<Value = Vec<Quote>> {
            vec(quote(), 0..3)
        }

        fn actor() -> impl Strategy<Value = ActorDef> {
            (
                (slug(), non_empty(), pick(ActorKind::ALL, ActorKind::parse)),
                option::of("[A-Z]{3}".prop_map(Country)),
                option::of(non_empty()),
                option::of("Q[1-9][0-9]{0,6}".prop_map(Wikidata)),
                option::of(slug()),
                vec(non_empty(), 0..3),
                quotes(),
            )
                .prop_map(
                    |(
                        (slug, name, kind),
                        country,
                        description,
                        wikidata,
                        parent,
                        aliases,
                        evidence,
                    )| {
                        ActorDef {
                            slug,
                            name,
                            kind,
                            country,
                            description,
                            wikidata,
                            parent,
                            aliases,
                            evidence,
                        }
                    },
                )
        }

        fn document() -> impl Strategy<Value = DocumentDef> {
            (
                (slug(), non_empty(), non_empty()),
                option::of(non_empty()),
                option::of(non_empty()),
                option::of(edtf()),
                option::of(non_empty()),
                option::of(
                    prop_oneof![
                        "[a-z]{2,3}",
                        "[a-z]{2}-[A-Z]{2}",
                        "[a-z]{2}-[a-zA-Z0-9]{1,8}"
                    ]
                    .prop_map(Language),
                ),
            )
                .prop_map(
                    |((slug, file, title), author, publisher, published, url, language)| {
                        DocumentDef {
                            slug,
                            file,
                            title,
                            author,
                            publisher,
                            published,
                            url,
                            language,
                        }
                    },
                )
        }

        fn event() -> impl Strategy<Value = EventDef> {
            (
                (slug(), edtf(), pick(EventKind::ALL, EventKind::parse)),
                option::of("[0-9]{2,4}".prop_map(Cameo)),
                non_empty(),
                (slugs(), slugs(), slugs()),
                quotes(),
            )
                .prop_map(
                    |((slug, date, kind), cameo, summary, (actor, recipient, other), evidence)| {
                        EventDef {
                            slug,
                            date,
                            kind,
                            cameo,
                            summary,
                            actor,
                            recipient,
                            other,
                            evidence,
                        }
                    },
                )
        }

        fn designation() -> impl Strategy<Value = DesignationDef> {
            (
                (slug(), slug(), slug()),
                (
                    pick(DesignationKind::ALL, DesignationKind::parse),
                    pick(DesignationStatus::ALL, DesignationStatus::parse),
                ),
                (option::of(edtf()), option::of(edtf())),
                (
                    option::of(slug()),
                    option::of(slug()),
                    option::of(non_empty()),
                ),
                quotes(),
            )
                .prop_map(
                    |(
                        (slug, authority, subject),
                        (kind, status),
                        (start, end),
                        (imposed_by, ended_by, note),
                        evidence,
                    )| {
                        DesignationDef {
                            slug,
                            authority,
                            subject,
                            kind,
                            status,
                            start,
                            end,
                            imposed_by,
                            ended_by,
                            note,
                            evidence,
                        }
                    },
                )
        }

        fn quote_def() -> impl Strategy<Value = QuoteDef> {
            (
                slug(),
                slug(),
                pick(QuoteKind::ALL, QuoteKind::parse),
                quote(),
                option::of(slug()),
                quotes(),
            )
                .prop_map(|(slug, speaker, kind, text, addressee, evidence)| {
                    QuoteDef {
                        slug,
                        speaker,
                        kind,
                        text,
                        addressee,
                        evidence,
                    }
                })
        }

        fn document_file() -> impl Strategy<Value = DocumentFile> {
            (
                document(),
                vec(actor(), 0..2),
                vec(
                    (slug(), quotes()).prop_map(|(actor, evidence)| MentionDef { actor, evidence }),
                    0..3,
                ),
                vec(event(), 0..3),
                vec(quote_def(), 0..3),
                vec(designation(), 0..3),
            )
                .prop_map(
                    |(document, actors, mentions, events, quotes, designations)| DocumentFile {
                        document,
                        actors,
                        mentions,
                        events,
                        quotes,
                        designations,
                    },
                )
        }

        fn report_header() -> impl Strategy<Value = ReportHeader> {
            let param = (
                any::<String>(),
                pick(ParamType::ALL, ParamType::parse),
                any::<bool>(),
                option::of(any::<String>()),
                non_empty(),
            )
                .prop_map(|(name, kind, required, default, description)| ParamDef {
                    name,
                    kind,
                    required,
                    default,
                    description,
                });
            (non_empty(), non_empty(), vec(param, 0..3)).prop_map(|(title, description, params)| {
                ReportHeader {
                    title,
                    description,
                    params,
                }
            })
        }

        /// Writes `value` as TOML and JSON and reads each back.
        fn both_ways<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(
            value: &T,
        ) -> Result<(), TestCaseError> {
            let toml_text =
                toml::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: T = toml::from_str(&toml_text)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{toml_text}")))?;
            prop_assert_eq!(&back, value, "through TOML:\n{}", toml_text);
            let json =
                serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: T = serde_json::from_str(&json)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{json}")))?;
            prop_assert_eq!(&back, value, "through JSON:\n{}", json);
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn a_document_file_round_trips(file in document_file()) {
                both_ways(&file)?;
            }

            #[test]
            fn an_actors_file_round_trips(actors in vec(actor(), 0..4)) {
                both_ways(&ActorsFile { actors })?;
            }

            #[test]
            fn a_project_file_round_trips(title in non_empty(), description in option::of(non_empty())) {
                both_ways(&ProjectFile { title, description })?;
            }

            #[test]
            fn a_report_header_round_trips(header in report_header()) {
                both_ways(&header)?;
            }
        }

        /// Empty lists, absent values and a `required` that is false are left out, not written empty.
        #[test]
        fn what_is_absent_is_not_written() {
            let header = ReportHeader {
                title: NonEmpty("t".into()),
                description: NonEmpty("d".into()),
                params: vec![ParamDef {
                    name: "n".into(),
                    kind: ParamType::Text,
                    required: false,
                    default: None,
                    description: NonEmpty("p".into()),
                }],
            };
            let text = toml::to_string(&header).unwrap();
            assert_eq!(
                text,
                "title = \"t\"\ndescription = \"d\"\n\n[[params]]\nname = \"n\"\ntype = \"text\"\ndescription = \"p\"\n"
            );
            let quote = Quote {
                exact: "w".into(),
                prefix: None,
                suffix: Some("s".into()),
            };
            assert_eq!(
                serde_json::to_string(&quote).unwrap(),
                r#"{"exact":"w","suffix":"s"}"#
            );
            assert_eq!(
                serde_json::to_string(&Quote {
                    suffix: None,
                    ..quote
                })
                .unwrap(),
                r#""w""#
            );
        }
    }
}
