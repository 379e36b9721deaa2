//! Dates in FtM's form: the ISO prefixes of an EDTF value's ends, with the EDTF kept as a note where they say
//! less.

use anyhow::Context;

use super::Entity;
use crate::edtf::Edtf;

/// An EDTF value in FtM's date form: ISO prefixes (`2022`, `2022-03`, `2022-03-05`) for each end.
pub(super) struct Dates {
    pub(super) start: Option<String>,
    pub(super) end: Option<String>,
    pub(super) interval: bool,
    /// Whether the prefixes say all the EDTF says: no qualifier and no open or unknown end.
    pub(super) exact: bool,
}

pub(super) fn dates(text: &str) -> Result<Dates, crate::edtf::EdtfError> {
    text.parse::<Edtf>()?;
    let bare = |part: &str| -> (Option<String>, bool) {
        match part {
            "" | ".." => (None, false),
            _ => match part.strip_suffix(['?', '~', '%']) {
                Some(b) => (Some(b.to_string()), false),
                None => (Some(part.to_string()), true),
            },
        }
    };
    Ok(match text.split_once('/') {
        None => {
            let (d, exact) = bare(text);
            Dates {
                start: d.clone(),
                end: d,
                interval: false,
                exact,
            }
        }
        Some((a, b)) => {
            let (start, e1) = bare(a);
            let (end, e2) = bare(b);
            Dates {
                start,
                end,
                interval: true,
                exact: e1 && e2,
            }
        }
    })
}

/// Parses the date in `field` of a record, naming the record when it is not EDTF.
pub(super) fn dates_of(table: &str, slug: &str, field: &str, text: &str) -> anyhow::Result<Dates> {
    dates(text).with_context(|| {
        format!(
            "{table} \"{slug}\": {field}: not an EDTF date; fix it with `dossier sql --write` or rebuild the \
             file from its seed"
        )
    })
}

/// Sets a single date on `prop`, or the ends of an interval on `startDate`/`endDate`; notes the EDTF when the
/// FtM form says less.
pub(super) fn set_dates(e: &mut Entity, single: &'static str, label: &str, d: &Dates, text: &str) {
    if d.interval {
        e.add_opt("startDate", d.start.clone());
        e.add_opt("endDate", d.end.clone());
    } else {
        e.add_opt(single, d.start.clone());
    }
    if !d.exact {
        e.note(&format!("{label} (EDTF)"), text);
    }
}
