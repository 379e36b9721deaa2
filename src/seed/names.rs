//! Names and paths in a seed: the known names nearest a misspelt one, and a seed-relative path resolved.

/// Up to three known names closest to `wanted` by edit distance, quoted, best first.
pub fn nearest<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = known
        .map(|k| (strsim::levenshtein(wanted, k), k))
        .filter(|(d, k)| {
            *d <= wanted.len().max(k.len()) / 2 || k.contains(wanted) || wanted.contains(k)
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, k)| format!("\"{k}\""))
        .collect()
}

/// Resolves `.` and `..` in a seed-relative path.
pub(super) fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}
