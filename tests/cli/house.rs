//! The house's rule: imports run one way. No source file reaches (through `crate::` or `super::` paths) a file that
//! reaches it back, directly or through others. Read from the text of `src/`, so it stays true as the code grows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::repo;

/// Every `.rs` file under `src/` but `main.rs` (the binary, which only calls in).
fn sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![repo().join("src")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("src/main.rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The module path of a file: src/cmd/build.rs is [cmd, build], src/cmd/mod.rs is [cmd], src/lib.rs is [].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(repo().join("src")).unwrap();
    let mut segs: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if segs.last().is_some_and(|s| s == "mod" || s == "lib") {
        segs.pop();
    }
    segs
}

/// The file that holds the longest prefix of `path` that is a module.
fn file_of(path: &[String]) -> Option<PathBuf> {
    let src = repo().join("src");
    for n in (0..=path.len()).rev() {
        let prefix = &path[..n];
        let candidates = if prefix.is_empty() {
            vec![src.join("lib.rs")]
        } else {
            let joined: PathBuf = prefix.iter().collect();
            vec![
                src.join(&joined).with_extension("rs"),
                src.join(&joined).join("mod.rs"),
            ]
        };
        if let Some(f) = candidates.into_iter().find(|c| c.is_file()) {
            return Some(f);
        }
    }
    None
}

/// The paths named after `crate::` or `super::` in `text`, with `{a, b::c}` groups expanded; comments skipped.
fn paths(text: &str, own: &[String], is_mod_file: bool) -> Vec<Vec<String>> {
    let code: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    for (root, base) in [
        ("crate::", Vec::new()),
        ("super::", {
            // `super` of src/cmd/build.rs is [cmd]; of src/cmd/mod.rs it is [] (the parent of the module cmd).
            let mut b = own.to_vec();
            if !is_mod_file || !b.is_empty() {
                b.pop();
            }
            b
        }),
    ] {
        let mut at = 0;
        while let Some(i) = code[at..].find(root) {
            let start = at + i;
            at = start + root.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut found = Vec::new();
            parse(&code[at..], &base, &mut found);
            out.extend(found);
        }
    }
    out
}

/// Reads `a::b::{c, d::e}` (and `a::b`) at the start of `s` into full paths under `prefix`.
fn parse(s: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            let inner = &group[..end];
            let mut depth = 0;
            let mut from = 0;
            for (i, c) in inner.char_indices().chain([(inner.len(), ',')]) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let part = inner[from..i].trim();
                        if part == "self" {
                            out.push(path.clone());
                        } else if !part.is_empty() {
                            parse(part, &path, out);
                        }
                        from = i + 1;
                    }
                    _ => {}
                }
            }
            return;
        }
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            break;
        }
        path.push(ident.clone());
        rest = &rest[ident.len()..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    out.push(path);
}

/// Paths reached through a module brought in by name (`use crate::export;` then `export::html::write`): each
/// `NAME::a::b` in the text, where NAME is the last segment of an imported path that is itself a module.
fn through_aliases(text: &str, imported: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for path in imported {
        let Some(name) = path.last() else { continue };
        let is_module = file_of(path).is_some_and(|f| {
            let m = module_of(&f);
            m == *path
        });
        if !is_module {
            continue;
        }
        let needle = format!("{name}::");
        let mut at = 0;
        while let Some(i) = text[at..].find(&needle) {
            let start = at + i;
            at = start + needle.len();
            let before = text[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut found = Vec::new();
            parse(&text[at..], path, &mut found);
            out.extend(found);
        }
    }
    out
}

/// file -> the files it reaches, without itself.
fn graph() -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut g = BTreeMap::new();
    for f in sources() {
        let text = std::fs::read_to_string(&f).unwrap();
        // A file's unit tests are a module of their own, whose `super` is the file itself: leave them out.
        let text = match text.find("#[cfg(test)]\nmod tests") {
            Some(i) => &text[..i],
            None => &text[..],
        };
        let own = module_of(&f);
        let is_mod = f.ends_with("mod.rs") || f.ends_with("lib.rs");
        let mut found = paths(text, &own, is_mod);
        found.extend(through_aliases(text, &found));
        let targets: BTreeSet<PathBuf> = found
            .iter()
            .filter_map(|p| file_of(p))
            .filter(|t| *t != f)
            .collect();
        g.insert(f, targets);
    }
    g
}

/// The files that lie on a cycle with `start`, as a path back to it, if any.
fn cycle_through(
    g: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    start: &PathBuf,
) -> Option<Vec<PathBuf>> {
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((at, trail)) = stack.pop() {
        for next in g.get(&at).into_iter().flatten() {
            if next == start {
                return Some(trail.clone());
            }
            if seen.insert(next.clone()) {
                let mut t = trail.clone();
                t.push(next.clone());
                stack.push((next.clone(), t));
            }
        }
    }
    None
}

#[test]
fn imports_run_one_way() {
    let g = graph();
    assert!(g.len() > 20, "read {} files", g.len());
    let src = repo().join("src");
    let mut cycles = Vec::new();
    for f in g.keys() {
        if let Some(c) = cycle_through(&g, f) {
            let names: Vec<String> = c
                .iter()
                .map(|p| p.strip_prefix(&src).unwrap().display().to_string())
                .collect();
            cycles.push(format!("{} -> back", names.join(" -> ")));
        }
    }
    assert!(
        cycles.is_empty(),
        "imports that come back:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_reader_expands_groups_and_resolves_super() {
    let own = vec!["cmd".to_string(), "build".to_string()];
    let p = paths(
        "use crate::{db, seed::{load::X, pipeline}};\nuse super::ctx::Ctx; // crate::ignored\nlet x = crate::render::visible(s);",
        &own,
        false,
    );
    let p: Vec<String> = p.iter().map(|x| x.join("::")).collect();
    for want in [
        "db",
        "seed::load::X",
        "seed::pipeline",
        "cmd::ctx::Ctx",
        "render::visible",
    ] {
        assert!(p.contains(&want.to_string()), "{want} in {p:?}");
    }
    assert!(!p.iter().any(|x| x.contains("ignored")), "{p:?}");
}

/// The house's size rule: no function over `MAX_FN` lines and no file over `MAX_FILE` lines, counting each file
/// up to its first `#[cfg(test)]` (tests aside). A file may be longer if its `//!` lines say why, in a line
/// that begins `//! Longer than`. The limits leave some slack above the 100 and 500 lines the house aims at.
const MAX_FN: usize = 120;
const MAX_FILE: usize = 550;

/// Files another change is splitting at the same time; each entry goes when that change lands.
const SIZE_ALLOWED: &[&str] = &[];

/// The code of a file before its tests.
fn code_of(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

/// Each function in `code`, as (name, first line, lines), found by the `fn` that starts a line and the braces
/// that follow (string and char literals and line comments are passed over).
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else { continue };
        let mut depth = 0i64;
        let mut opened = false;
        let mut end = None;
        'scan: for (j, l) in lines.iter().enumerate().skip(i) {
            for c in braces(l) {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ if !opened => break 'scan, // a `;` before any brace: a declaration.
                    _ => {}
                }
                if opened && depth == 0 {
                    end = Some(j);
                    break 'scan;
                }
            }
        }
        if let Some(end) = end {
            out.push((name, i + 1, end - i + 1));
        }
    }
    out
}

/// The name of the function a line declares, if it does.
fn fn_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().peekable();
    while let Some(w) = words.next() {
        match w {
            "fn" => {
                let rest = words.next()?;
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                return (!name.is_empty()).then_some(name);
            }
            w if w.starts_with("pub") || ["const", "async", "unsafe"].contains(&w) => continue,
            _ => return None,
        }
    }
    None
}

/// The braces and semicolons of a line, outside string and char literals and comments.
fn braces(line: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_str => {
                chars.next();
            }
            '"' => in_str = !in_str,
            '/' if !in_str && chars.peek() == Some(&'/') => break,
            '\'' if !in_str => {
                // A char literal ('{', '\n') is skipped; a lifetime ('a) is not a literal.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    for c in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                    }
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                }
            }
            '{' | '}' | ';' if !in_str => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn no_function_or_file_is_longer_than_the_house_allows() {
    let mut over = Vec::new();
    for file in sources() {
        let rel = file
            .strip_prefix(repo())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if SIZE_ALLOWED.contains(&rel.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = code_of(&text);
        let n = code.lines().count();
        let says_why = text.lines().any(|l| l.starts_with("//! Longer than"));
        if n > MAX_FILE && !says_why {
            over.push(format!("{rel}: {n} lines before its tests (at most {MAX_FILE}, or say why in a `//! Longer than` line)"));
        }
        for (name, line, len) in functions(code) {
            if len > MAX_FN {
                over.push(format!(
                    "{rel}:{line}: fn {name} is {len} lines (at most {MAX_FN})"
                ));
            }
        }
    }
    assert!(over.is_empty(), "too long:\n{}", over.join("\n"));
}

#[test]
fn the_size_rule_counts_what_it_should() {
    let code = "fn a() {\n    let s = \"}}}\";\n    let c = '{';\n}\n\npub(crate) fn b<'a>(x: &'a str) -> &'a str {\n    // }\n    x\n}\nfn decl();\n";
    assert_eq!(
        functions(code),
        vec![("a".to_string(), 1, 4), ("b".to_string(), 6, 4)]
    );
    assert_eq!(code_of("fn x() {}\n#[cfg(test)]\nmod t {}"), "fn x() {}\n");
}
