//! A deterministic synthetic corpus: a valid seed of N documents of realistic prose length, with shared actors,
//! aliases, events, designations and quotes whose evidence is found in the text, non-ASCII included. At
//! N = 10,000 it holds about a million facts, counting events, participants and evidence.
//!
//! The same N and seed always give the same bytes: the generator uses its own small PRNG (SplitMix64), not a
//! library whose sequence could change between versions.

use std::path::Path;

use anyhow::Context;
use toml::Value;
use toml::value::{Array, Table};

use crate::edtf::MONTHS;
use crate::seed::SeedFiles;

/// SplitMix64: tiny, fast, and stable forever.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const STATES: &[(&str, &str, &str)] = &[
    ("Zembla", "ZMB", "Onhava"),
    ("Ruritania", "RUR", "Strelsau"),
    ("Borduria", "BOR", "Szohôd"),
    ("Syldavia", "SYL", "Klow"),
    ("Latveria", "LAT", "Doomstadt"),
    ("Genovia", "GEN", "Pyrus"),
    ("Krakozhia", "KRK", "Krakozh"),
    ("Freedonia", "FRD", "Fredonia City"),
    ("Elbonia", "ELB", "Mudville"),
    ("Qurac", "QRC", "Qurac City"),
    ("Kasnia", "KAS", "Vrolsk"),
    ("Tomainia", "TOM", "Tomainburg"),
    ("Pottsylvania", "POT", "Pottsburg"),
    ("Sokovia", "SOK", "Novi Grad"),
    ("Wakanda", "WAK", "Birnin Zana"),
    ("Agrabah", "AGR", "Agrabah"),
    ("Costaguana", "CGU", "Sulaco"),
    ("Orsinia", "ORS", "Krasnoy"),
    ("Vulgaria", "VUL", "Vulgaria City"),
    ("San Lorenzo", "SLZ", "Bolívar"),
];

const GIVEN: &[&str] = &[
    "Zoë",
    "Ángel",
    "Đức",
    "Ахмед",
    "محمد",
    "Søren",
    "José",
    "Aïcha",
    "Łukasz",
    "Björn",
    "Çağrı",
    "Nikita",
    "Giorgio",
    "Fatima",
    "Ingrid",
    "Mariam",
    "Tenzin",
    "Yusuf",
    "Chloé",
    "Dmitri",
    "Hana",
    "Émile",
    "Olúwaseun",
    "Saanvi",
    "Jürgen",
    "Leïla",
    "Mateus",
    "Noor",
    "Pál",
    "Ravshan",
];

const FAMILY: &[&str] = &[
    "Ångström",
    "Nguyễn",
    "Karimi",
    "Østergaard",
    "Petrović",
    "Haddad",
    "Smagin",
    "Cafiero",
    "Okonkwo",
    "Yılmaz",
    "Dubois",
    "Kowalski",
    "Rahimi",
    "Tanaka",
    "Ibáñez",
    "Sørensen",
    "Novák",
    "Abebe",
    "Hosseini",
    "Lindqvist",
    "Moreau",
    "Dvořák",
    "Wójcik",
    "Ferreira",
    "Gharwal",
    "Baptiste",
    "Mirzaei",
    "Quispe",
    "Zhang",
    "Müller",
];

const ROLES: &[&str] = &[
    "a senior diplomat",
    "an independent analyst of regional security",
    "the deputy foreign minister",
    "a spokesperson for the ministry",
    "an envoy with a long record in mediation",
    "a researcher on sanctions policy",
];

/// (verb phrase, event kind, CAMEO code)
const ACTS: &[(&str, &str, &str)] = &[
    ("formally recognised", "diplomatic_recognition", "054"),
    ("met officials of", "meeting", "040"),
    ("signed an agreement with", "agreement", "057"),
    ("criticised", "criticism", "111"),
    ("eased sanctions on", "designation_revoked", "081"),
    ("accredited an envoy of", "accreditation", "050"),
    ("issued a statement on", "statement", "010"),
];

const PLACES: &[&str] = &[
    "Genève",
    "São Paulo",
    "Kraków",
    "Zürich",
    "Reykjavík",
    "Doha",
    "Tashkent",
    "Astana",
    "Nairobi",
    "Montréal",
    "Ljubljana",
    "Tromsø",
    "Marrakech",
    "Bogotá",
    "Hà Nội",
];

const WORDS: &[&str] = &[
    "the",
    "talks",
    "will",
    "continue",
    "because",
    "stability",
    "matters",
    "more",
    "than",
    "pride",
    "our",
    "region",
    "needs",
    "trade",
    "and",
    "trust",
    "café",
    "naïve",
    "façade",
    "über",
    "fiancée",
    "rôle",
    "coöperation",
    "détente",
    "people",
    "expect",
    "results",
    "not",
    "promises",
    "we",
    "remain",
    "open",
    "to",
    "dialogue",
    "with",
    "everyone",
    "who",
    "respects",
    "sovereignty",
    "today",
    "tomorrow",
    "history",
    "judges",
    "every",
    "decision",
    "carefully",
];

/// What one generation wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub documents: usize,
    pub actors: usize,
    pub events: usize,
    pub participants: usize,
    pub designations: usize,
    pub quotes: usize,
    pub evidence: usize,
    pub bytes: usize,
}

impl Stats {
    /// Events, participants and evidence: the facts the scale target counts.
    pub fn facts(&self) -> usize {
        self.events + self.participants + self.evidence
    }
}

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

struct Actor {
    slug: String,
    name: String,
}

/// Generates the seed files in memory, for tests and the fuzz and property harnesses.
pub fn generate(documents: usize, seed: u64) -> anyhow::Result<(SeedFiles, Stats)> {
    let mut files = SeedFiles::default();
    let stats = generate_each(documents, seed, &mut |path, bytes| {
        files.files.insert(path, bytes);
        Ok(())
    })?;
    Ok((files, stats))
}

/// Generates the seed and writes each file under `out` as soon as it is made, so that memory holds one document
/// at a time (plus the shared actors), not the corpus.
pub fn generate_to(documents: usize, seed: u64, out: &Path) -> anyhow::Result<Stats> {
    generate_each(documents, seed, &mut |rel, bytes| {
        let path = out.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    })
}

/// Generates the seed, handing each file, as (path, bytes), to `emit` in turn.
fn generate_each(
    documents: usize,
    seed: u64,
    emit: &mut dyn FnMut(String, Vec<u8>) -> anyhow::Result<()>,
) -> anyhow::Result<Stats> {
    let mut rng = Rng::new(seed);
    let mut stats = Stats {
        documents,
        ..Stats::default()
    };
    let mut put = |stats: &mut Stats, path: String, bytes: Vec<u8>| -> anyhow::Result<()> {
        stats.bytes += bytes.len();
        emit(path, bytes)
    };

    let mut project = Table::new();
    project.insert(
        "title".into(),
        s(format!(
            "Synthetic corpus: {documents} documents, seed {seed}"
        )),
    );
    project.insert(
        "description".into(),
        s("Generated by `dossier synth` for tests and benchmarks. Every name and event is invented."),
    );
    put(
        &mut stats,
        "dossier.toml".into(),
        toml::to_string(&project)?.into_bytes(),
    )?;

    // Shared actors: the states, three ministries each, and people.
    let mut actors: Vec<Actor> = Vec::new();
    let mut defs = Array::new();
    let people = (documents / 4).clamp(40, 4000);
    for (name, code, capital) in STATES {
        let slug = slugify(name);
        let mut t = Table::new();
        t.insert("slug".into(), s(slug.clone()));
        t.insert("name".into(), s(*name));
        t.insert("kind".into(), s("state"));
        t.insert("country".into(), s(*code));
        t.insert("aliases".into(), Value::Array(vec![s(*capital)]));
        defs.push(Value::Table(t));
        actors.push(Actor {
            slug: slug.clone(),
            name: name.to_string(),
        });
        for body in ["Foreign Ministry", "Interior Ministry", "Trade Ministry"] {
            let mname = format!("{name}’s {body}");
            let mslug = format!("{slug}-{}", slugify(body));
            let mut t = Table::new();
            t.insert("slug".into(), s(mslug.clone()));
            t.insert("name".into(), s(mname.clone()));
            t.insert("kind".into(), s("government_body"));
            t.insert("country".into(), s(*code));
            t.insert("parent".into(), s(slug.clone()));
            defs.push(Value::Table(t));
            actors.push(Actor {
                slug: mslug,
                name: mname,
            });
        }
    }
    for i in 0..people {
        // Every person's name is different: given name, initial and family name all follow from the number.
        let initial = char::from(b'A' + (i / (GIVEN.len() * FAMILY.len()) % 26) as u8);
        let name = format!(
            "{} {initial}. {}",
            GIVEN[i % GIVEN.len()],
            FAMILY[i / GIVEN.len() % FAMILY.len()]
        );
        let slug = format!("person-{i:05}");
        let mut t = Table::new();
        t.insert("slug".into(), s(slug.clone()));
        t.insert("name".into(), s(name.clone()));
        t.insert("kind".into(), s("person"));
        defs.push(Value::Table(t));
        actors.push(Actor { slug, name });
    }
    // Every actor must be mentioned somewhere: keep no more than the documents can mention (eight each).
    actors.truncate(documents * 8);
    defs.truncate(documents * 8);
    stats.actors = actors.len();
    let mut actors_file = Table::new();
    actors_file.insert("actors".into(), Value::Array(defs));
    put(
        &mut stats,
        "actors.toml".into(),
        toml::to_string(&actors_file)?.into_bytes(),
    )?;

    for d in 0..documents {
        let slug = format!("doc-{d:05}");
        let year = 2000 + rng.below(25);
        // Distinct days of the year for every dated sentence, so that each one is unique in the document.
        let mut days: Vec<usize> = (0..365).collect();
        for i in 0..24 {
            let j = i + rng.below(365 - i);
            days.swap(i, j);
        }
        let date = |day: usize| -> (String, String) {
            let (mut m, mut rest) = (0, day);
            let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            while rest >= lengths[m] {
                rest -= lengths[m];
                m += 1;
            }
            (
                format!("{} {} {year}", rest + 1, MONTHS[m]),
                format!("{year}-{:02}-{:02}", m + 1, rest + 1),
            )
        };
        // The first documents mention every actor in turn; the rest of each cast is drawn at random.
        let mut cast: Vec<usize> = (d * 8..d * 8 + 8).filter(|&i| i < actors.len()).collect();
        while cast.len() < 8 {
            let a = rng.below(actors.len());
            if !cast.contains(&a) {
                cast.push(a);
            }
        }
        let mut body =
            format!("Dispatch {d}: a week of diplomacy\n\nBy the synthetic desk, {year}\n\n");
        let mut mentions = Array::new();
        for &a in &cast {
            // The comma ends the name, so that "Zembla," is not found inside "Zembla’s Foreign Ministry,".
            let phrase = format!("Among those involved was {},", actors[a].name);
            let role = if actors[a].slug.starts_with("person-") {
                rng.pick(ROLES)
            } else {
                &"a party to the talks"
            };
            body.push_str(&format!("{phrase} {role}. "));
            let mut t = Table::new();
            t.insert("actor".into(), s(actors[a].slug.clone()));
            t.insert("evidence".into(), Value::Array(vec![s(phrase)]));
            mentions.push(Value::Table(t));
            stats.evidence += 1;
        }
        body.push_str("\n\n");
        let mut events = Array::new();
        for (e, &day) in days.iter().enumerate().take(14) {
            let (a, b) = (cast[rng.below(8)], cast[rng.below(8)]);
            let b = if a == b {
                cast[(cast.iter().position(|&x| x == a).unwrap_or(0) + 1) % 8]
            } else {
                b
            };
            let (verb, kind, cameo) = *rng.pick(ACTS);
            let (spoken, iso) = date(day);
            let when = format!("On {spoken}");
            let sentence = format!(
                "{when}, {} {verb} {} in {}",
                actors[a].name,
                actors[b].name,
                rng.pick(PLACES)
            );
            body.push_str(&sentence);
            body.push_str(if e % 3 == 2 { ".\n\n" } else { ". " });
            let mut t = Table::new();
            t.insert("slug".into(), s(format!("{slug}-event-{e:02}")));
            t.insert("date".into(), s(iso));
            t.insert("kind".into(), s(kind));
            t.insert("cameo".into(), s(cameo));
            t.insert(
                "summary".into(),
                s(format!("{} {verb} {}.", actors[a].name, actors[b].name)),
            );
            t.insert(
                "actor".into(),
                Value::Array(vec![s(actors[a].slug.clone())]),
            );
            t.insert(
                "recipient".into(),
                Value::Array(vec![s(actors[b].slug.clone())]),
            );
            t.insert("evidence".into(), Value::Array(vec![s(sentence), s(when)]));
            events.push(Value::Table(t));
            stats.events += 1;
            stats.participants += 2;
            stats.evidence += 2;
        }
        let mut designations = Array::new();
        for (g, (verb, kind)) in [
            ("listed", "terrorist_listing"),
            ("recognised", "diplomatic_recognition"),
            ("accredited", "accreditation"),
        ]
        .into_iter()
        .enumerate()
        {
            let (a, b) = (cast[g], cast[g + 4]);
            let (spoken, iso) = date(days[14 + g]);
            let sentence = format!(
                "{} {verb} {} with effect from {spoken}",
                actors[a].name, actors[b].name
            );
            body.push_str(&sentence);
            body.push_str(". ");
            let mut t = Table::new();
            t.insert("slug".into(), s(format!("{slug}-designation-{g}")));
            t.insert("authority".into(), s(actors[a].slug.clone()));
            t.insert("subject".into(), s(actors[b].slug.clone()));
            t.insert("kind".into(), s(kind));
            t.insert("status".into(), s("in_force"));
            t.insert("start".into(), s(iso));
            t.insert("evidence".into(), Value::Array(vec![s(sentence)]));
            designations.push(Value::Table(t));
            stats.designations += 1;
            stats.evidence += 1;
        }
        body.push_str("\n\n");
        let mut quotes = Array::new();
        for q in 0..3 {
            let speaker = cast[q + 1];
            let words: Vec<&str> = (0..14).map(|_| *rng.pick(WORDS)).collect();
            let text = format!("{} {}", capitalise(words[0]), words[1..].join(" "));
            let (spoken, _) = date(days[17 + q]);
            let attribution = format!("{} told reporters on {spoken}", actors[speaker].name);
            body.push_str(&format!("“{text},” {attribution}.\n\n"));
            let mut t = Table::new();
            t.insert("slug".into(), s(format!("{slug}-quote-{q}")));
            t.insert("speaker".into(), s(actors[speaker].slug.clone()));
            t.insert("kind".into(), s("direct"));
            t.insert("text".into(), s(text));
            t.insert("evidence".into(), Value::Array(vec![s(attribution)]));
            quotes.push(Value::Table(t));
            stats.quotes += 1;
            stats.evidence += 2;
        }
        body.push_str("No comments:");

        let mut doc = Table::new();
        doc.insert("slug".into(), s(slug.clone()));
        doc.insert("file".into(), s(format!("{slug}.txt")));
        doc.insert(
            "title".into(),
            s(format!("Dispatch {d}: a week of diplomacy")),
        );
        doc.insert("author".into(), s("The synthetic desk"));
        doc.insert("published".into(), s(format!("{year}-12-31")));
        doc.insert("language".into(), s("en"));
        let mut file = Table::new();
        file.insert("document".into(), Value::Table(doc));
        file.insert("mentions".into(), Value::Array(mentions));
        file.insert("events".into(), Value::Array(events));
        file.insert("designations".into(), Value::Array(designations));
        file.insert("quotes".into(), Value::Array(quotes));
        put(
            &mut stats,
            format!("documents/{slug}.txt"),
            body.into_bytes(),
        )?;
        put(
            &mut stats,
            format!("documents/{slug}.toml"),
            toml::to_string(&file)?.into_bytes(),
        )?;
    }

    // The real seed's reports, so that every report can be measured at scale.
    for (path, bytes) in SeedFiles::embedded().files {
        if path.starts_with("reports/") {
            put(&mut stats, path, bytes)?;
        }
    }
    Ok(stats)
}

fn slugify(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn capitalise(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::check;

    #[test]
    fn a_small_corpus_is_a_valid_seed() {
        let (files, stats) = generate(25, 7).unwrap();
        let seed = check(&files).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seed.documents, 25);
        assert_eq!(seed.events, stats.events);
        assert_eq!(seed.evidence, stats.evidence);
        assert_eq!(stats.facts(), 25 * (14 + 28 + 8 + 28 + 3 + 6));
        assert!(
            files
                .files
                .iter()
                .filter(|(p, _)| p.ends_with(".txt"))
                .all(|(_, b)| String::from_utf8_lossy(b).chars().count() != b.len()),
            "every document has non-ASCII text"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_corpus() {
        let (a, _) = generate(5, 42).unwrap();
        let (b, _) = generate(5, 42).unwrap();
        let (c, _) = generate(5, 43).unwrap();
        assert_eq!(a.files, b.files);
        assert_ne!(a.files, c.files);
    }
}
