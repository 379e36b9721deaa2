//! EDTF dates (the level-0 forms and the qualifiers and intervals of level 1), with the earliest and latest day
//! each one can mean.
//!
//! Supported: `2025`, `2025-07`, `2025-07-03`, a trailing qualifier `?` (uncertain), `~` (approximate) or `%`
//! (both), and intervals `A/B` whose ends are dates, `..` (open) or empty (unknown). Qualifiers do not widen the
//! earliest/latest days: they record doubt about the date the source gives, not a different range.

use std::fmt;

/// A calendar day, valid by construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One EDTF date or interval, kept as written, with its bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edtf {
    text: String,
    earliest: Option<Day>,
    latest: Option<Day>,
    interval: bool,
}

impl Edtf {
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// The first day the date can mean; `None` for an open or unknown start.
    pub fn earliest(&self) -> Option<Day> {
        self.earliest
    }
    /// The last day the date can mean; `None` for an open or unknown end.
    pub fn latest(&self) -> Option<Day> {
        self.latest
    }

    /// Parses a single date with no qualifier and no interval: a year, a month or a day. Report parameters use
    /// this form.
    pub fn parse_plain(text: &str) -> Result<Edtf, EdtfError> {
        let edtf = text.parse::<Edtf>()?;
        if edtf.interval || text.ends_with(['?', '~', '%']) {
            return Err(EdtfError::new(
                text,
                "expected a plain date: YYYY, YYYY-MM or YYYY-MM-DD",
            ));
        }
        Ok(edtf)
    }
}

impl fmt::Display for Edtf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdtfError {
    pub text: String,
    pub reason: String,
}

impl fmt::Display for EdtfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid date {:?}: {}", self.text, self.reason)
    }
}

impl std::error::Error for EdtfError {}

impl EdtfError {
    fn new(text: &str, reason: impl Into<String>) -> Self {
        EdtfError {
            text: text.to_string(),
            reason: reason.into(),
        }
    }
}

const FORMS: &str = "use YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ?, ~ or %, \
                     or an interval START/END where an end may be '..' (open) or empty (unknown)";

impl std::str::FromStr for Edtf {
    type Err = EdtfError;

    fn from_str(text: &str) -> Result<Edtf, EdtfError> {
        if text.is_empty() {
            return Err(EdtfError::new(text, format!("empty; {FORMS}")));
        }
        match text.split_once('/') {
            None => {
                let (first, last) = parse_date(text, text)?;
                Ok(Edtf {
                    text: text.to_string(),
                    earliest: Some(first),
                    latest: Some(last),
                    interval: false,
                })
            }
            Some((start, end)) => {
                if end.contains('/') {
                    return Err(EdtfError::new(text, "an interval has exactly one '/'"));
                }
                let start = parse_bound(text, start)?;
                let end = parse_bound(text, end)?;
                if start.is_none() && end.is_none() {
                    return Err(EdtfError::new(
                        text,
                        "an interval needs at least one known end",
                    ));
                }
                if let (Some((first, _)), Some((_, last))) = (start, end)
                    && first > last
                {
                    return Err(EdtfError::new(
                        text,
                        format!(
                            "the interval ends ({last}) before it starts ({first}); swap the two ends"
                        ),
                    ));
                }
                Ok(Edtf {
                    text: text.to_string(),
                    earliest: start.map(|(first, _)| first),
                    latest: end.map(|(_, last)| last),
                    interval: true,
                })
            }
        }
    }
}

/// One end of an interval: `..` or empty give no bound.
fn parse_bound(whole: &str, part: &str) -> Result<Option<(Day, Day)>, EdtfError> {
    match part {
        "" | ".." => Ok(None),
        _ => parse_date(whole, part).map(Some),
    }
}

/// A single date with an optional trailing qualifier, as its first and last day.
fn parse_date(whole: &str, part: &str) -> Result<(Day, Day), EdtfError> {
    let bare = part.strip_suffix(['?', '~', '%']).unwrap_or(part);
    let fields: Vec<&str> = bare.split('-').collect();
    let number = |s: &str, width: usize, what: &str| -> Result<u32, EdtfError> {
        if s.len() != width || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EdtfError::new(
                whole,
                format!("{what} {s:?} must be {width} digits; {FORMS}"),
            ));
        }
        Ok(s.parse().expect("digits"))
    };
    if fields.len() > 3 {
        return Err(EdtfError::new(whole, format!("too many parts; {FORMS}")));
    }
    let year = number(fields[0], 4, "year")? as u16;
    let month = fields.get(1).map(|m| number(m, 2, "month")).transpose()?;
    let day = fields.get(2).map(|d| number(d, 2, "day")).transpose()?;
    let first_month = match month {
        None => 1,
        Some(m @ 1..=12) => m as u8,
        Some(m) => {
            return Err(EdtfError::new(
                whole,
                format!("month {m:02} does not exist (01 to 12)"),
            ));
        }
    };
    let last_month = if month.is_some() { first_month } else { 12 };
    let days = days_in_month(year, first_month);
    let (first_day, last_day) = match day {
        None => (1, days_in_month(year, last_month)),
        Some(d) if (1..=u32::from(days)).contains(&d) => (d as u8, d as u8),
        Some(d) => {
            return Err(EdtfError::new(
                whole,
                format!(
                    "day {d:02} does not exist: {} {year} has {days} days",
                    MONTHS[usize::from(first_month) - 1]
                ),
            ));
        }
    };
    Ok((
        Day {
            year,
            month: first_month,
            day: first_day,
        },
        Day {
            year,
            month: last_month,
            day: last_day,
        },
    ))
}

/// English month names, January first.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl<'de> serde::Deserialize<'de> for Edtf {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Edtf {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(text: &str) -> (Option<String>, Option<String>) {
        let e: Edtf = text.parse().unwrap();
        (
            e.earliest().map(|d| d.to_string()),
            e.latest().map(|d| d.to_string()),
        )
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    #[test]
    fn precision_sets_bounds() {
        assert_eq!(bounds("2025"), (s("2025-01-01"), s("2025-12-31")));
        assert_eq!(bounds("2022-03"), (s("2022-03-01"), s("2022-03-31")));
        assert_eq!(bounds("2024-02"), (s("2024-02-01"), s("2024-02-29")));
        assert_eq!(bounds("2025-07-03"), (s("2025-07-03"), s("2025-07-03")));
        assert_eq!(bounds("2025-07?"), (s("2025-07-01"), s("2025-07-31")));
        assert_eq!(bounds("2021~"), (s("2021-01-01"), s("2021-12-31")));
        assert_eq!(bounds("2021-08%"), (s("2021-08-01"), s("2021-08-31")));
    }

    #[test]
    fn intervals_with_open_and_unknown_ends() {
        assert_eq!(
            bounds("2025-07-03/2025-07-25"),
            (s("2025-07-03"), s("2025-07-25"))
        );
        assert_eq!(bounds("../2025-04"), (None, s("2025-04-30")));
        assert_eq!(bounds("/2025-04"), (None, s("2025-04-30")));
        assert_eq!(bounds("2025-07-03/.."), (s("2025-07-03"), None));
        assert!("2025/2025".parse::<Edtf>().unwrap().interval);
    }

    #[test]
    fn impossible_dates_are_rejected_with_the_reason() {
        let e = "2025-02-30".parse::<Edtf>().unwrap_err();
        assert_eq!(e.reason, "day 30 does not exist: February 2025 has 28 days");
        assert!("2024-02-29".parse::<Edtf>().is_ok());
        assert!("1900-02-29".parse::<Edtf>().is_err());
        assert!("2000-02-29".parse::<Edtf>().is_ok());
        assert!(
            "2025-13"
                .parse::<Edtf>()
                .unwrap_err()
                .reason
                .contains("month 13")
        );
        for bad in [
            "",
            "25",
            "2025-7",
            "2025-07-3",
            "July 2025",
            "2025-07-03T10:00",
            "/",
            "../..",
            "2025//",
            "2025-07-03-01",
            "２０２５",
        ] {
            assert!(bad.parse::<Edtf>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn interval_out_of_order_is_rejected() {
        let e = "2025-07-25/2025-07-03".parse::<Edtf>().unwrap_err();
        assert!(
            e.reason
                .contains("ends (2025-07-03) before it starts (2025-07-25)")
        );
        // A month that contains the end day is not out of order.
        assert!("2025-07/2025-07-03".parse::<Edtf>().is_ok());
    }

    #[test]
    fn plain_dates_refuse_qualifiers_and_intervals() {
        assert!(Edtf::parse_plain("2025-07").is_ok());
        assert!(Edtf::parse_plain("2025-07?").is_err());
        assert!(Edtf::parse_plain("2025/2026").is_err());
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_parses_or_errs_without_panic(text in ".{0,40}") {
                if let Ok(e) = text.parse::<Edtf>() {
                    if let (Some(a), Some(b)) = (e.earliest(), e.latest()) {
                        prop_assert!(a <= b);
                    }
                    prop_assert_eq!(e.as_str(), text.as_str());
                }
            }

            #[test]
            fn date_like_text_parses_or_errs_without_panic(text in "[0-9./?~%-]{0,25}") {
                let _ = text.parse::<Edtf>();
                let _ = Edtf::parse_plain(&text);
            }

            #[test]
            fn every_real_day_parses_to_itself(y in 0u16..=9999, m in 1u8..=12, d in 1u8..=31) {
                let text = format!("{y:04}-{m:02}-{d:02}");
                let valid = d <= days_in_month(y, m);
                match text.parse::<Edtf>() {
                    Ok(e) => {
                        prop_assert!(valid);
                        let day = Day { year: y, month: m, day: d };
                        prop_assert_eq!((e.earliest(), e.latest()), (Some(day), Some(day)));
                    }
                    Err(err) => {
                        prop_assert!(!valid);
                        prop_assert!(err.reason.contains("does not exist"));
                    }
                }
            }

            #[test]
            fn intervals_are_ordered_or_refused(a in 1900u16..2100, b in 1900u16..2100, q in prop::sample::select(vec!["", "?", "~", "%"])) {
                let text = format!("{a}{q}/{b}");
                match text.parse::<Edtf>() {
                    Ok(e) => prop_assert!(a <= b && e.earliest() <= e.latest()),
                    Err(_) => prop_assert!(a > b),
                }
            }
        }
    }
}
