//! What an evidence problem adds that a person can paste: every place repeated words occur, with the selector that
//! picks each, or the nearest passage to words that are not there.

use super::Problem;
use super::locate::LocateError;
use super::model::Quote;
use super::passage;

/// Adds to an evidence problem what can be pasted: every place repeated words occur with the selector that picks
/// it, or the nearest passage to words that are not there.
pub(super) fn explain(
    problem: &mut Problem,
    body_path: &str,
    body: &str,
    q: &Quote,
    e: &LocateError,
) {
    const SHOWN: usize = 20;
    if let LocateError::NotFound { .. } = e {
        if let Some(n) = passage::nearest(body, &q.exact) {
            let (line, column) = passage::line_column(body, n.bytes.0);
            let words = &body[n.bytes.0..n.bytes.1];
            problem.notes.push(format!(
                "nearest passage: {body_path}:{line}:{column}: {}",
                passage::context(body, n.bytes, 100)
            ));
            if n.same_words {
                let fix = passage::toml_string(words);
                problem.notes.push(format!("paste: {fix}"));
                problem.replacement = Some(fix);
            } else {
                problem.notes.push(format!(
                    "only these words of it occur: {}",
                    passage::toml_string(words)
                ));
            }
        }
        return;
    }
    let found = passage::occurrences(body, &q.exact);
    for o in found.iter().take(SHOWN) {
        problem.notes.push(format!(
            "{body_path}:{}:{}: {}",
            o.line,
            o.column,
            passage::context(body, o.bytes, 80)
        ));
        problem.notes.push(format!("    paste: {}", o.selector));
    }
    if found.len() > SHOWN {
        problem.notes.push(format!(
            "… and {} more (dossier locate lists them all)",
            found.len() - SHOWN
        ));
    }
}
