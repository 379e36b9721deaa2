//! Escaping a string from the file for the text format it lands in: a terminal, HTML and XML (one function serves
//! both), a Graphviz DOT quoted string, and a Mermaid label. Every string that comes from a dossier file goes through one
//! of these, because the file may come from anyone.
//!
//! Control characters have no place in any of these formats (XML 1.0 forbids most of them outright, even as
//! character references), so each function shows them as the matching Unicode control picture (U+2400 + c),
//! which keeps them visible without letting them act. Tab, line feed and carriage return are whitespace in
//! HTML and XML and pass through there.

use std::fmt::Write;

/// A character XML 1.0 does not allow, shown instead as a visible stand-in; `None` for an allowed one.
fn stand_in(c: char) -> Option<char> {
    match c {
        '\t' | '\n' | '\r' => None,
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32),
        '\x7f' => Some('\u{2421}'),
        // C1 controls and the two noncharacters XML excludes.
        '\u{80}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => Some('\u{fffd}'),
        _ => None,
    }
}

/// Text safe in HTML and XML, both as element content and inside a double- or single-quoted attribute.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    html_into(&mut out, s);
    out
}

/// [`html`], appended to `out` (the page is built in one buffer).
pub fn html_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(stand_in(c).unwrap_or(c)),
        }
    }
}

/// The inside of a DOT double-quoted string (without the quotes). In a label, `\` starts an escape
/// (`\n`, `\l`, `\N`…), so a backslash is doubled; a line break becomes `\n`, which DOT draws as one.
pub fn dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push(' '),
            c => out.push(stand_in(c).unwrap_or(c)),
        }
    }
    out
}

/// A Mermaid label. Mermaid decodes `#NNN;` entity codes in every diagram type before it parses, so every
/// character outside a plain set (letters, digits, space and `.,-()/'`) is written that way: quotes, brackets,
/// `:`, `;`, `#`, `%`, `<` and backticks all mean something in one diagram or another. The first character is
/// always encoded, so a label can never begin like a keyword (`click`, `section`, `title`…).
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        let c = match c {
            '\n' | '\r' | '\t' => ' ',
            c => stand_in(c).unwrap_or(c),
        };
        let plain =
            c.is_alphanumeric() || matches!(c, ' ' | '.' | ',' | '-' | '(' | ')' | '/' | '\'');
        if plain && i > 0 {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", c as u32);
        }
    }
    out
}

/// Text made safe to show on a terminal. Control characters (C0 but tab and newline, DEL, C1) and the bidi
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069), which a terminal would obey rather than show (a changed
/// window title, a clipboard write, text that reads backwards), become visible escapes such as `\u{1b}`.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if !s.contains(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[&str] = &[
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' onmouseover='x",
        "Tom & Jerry &amp; &#60;",
        "a\u{0}b\u{1b}[31mc\u{7f}d\u{85}e",
        "]]><!--",
    ];

    #[test]
    fn html_leaves_no_markup_and_no_control_character() {
        assert_eq!(
            html("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(
            html("a\u{0}b\u{1b}c\u{7f}\u{85}"),
            "a\u{2400}b\u{241b}c\u{2421}\u{fffd}"
        );
        assert_eq!(html("line\nnext\ttab"), "line\nnext\ttab");
        assert_eq!(
            html("Kabul’s chargé d’affaires"),
            "Kabul’s chargé d’affaires"
        );
        for s in HOSTILE {
            let e = html(s);
            assert!(!e.contains(['<', '>', '"', '\'']), "{e}");
            assert!(
                !e.chars().any(|c| c.is_control() && !"\t\n\r".contains(c)),
                "{e:?}"
            );
            // Every & starts one of the five references written above.
            for (i, _) in e.match_indices('&') {
                let rest = &e[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                        .iter()
                        .any(|r| rest.starts_with(r)),
                    "{e}"
                );
            }
        }
    }

    #[test]
    fn dot_strings_cannot_be_closed_from_inside() {
        assert_eq!(dot(r#"a "b" \ c"#), r#"a \"b\" \\ c"#);
        assert_eq!(dot("one\ntwo"), "one\\ntwo");
        assert_eq!(
            dot("x\\"),
            "x\\\\",
            "a trailing backslash must not escape the closing quote"
        );
        for s in HOSTILE {
            let e = dot(s);
            // Every quote is preceded by an odd run of backslashes: it is escaped.
            let b = e.as_bytes();
            for (i, _) in e.match_indices('"') {
                let run = b[..i].iter().rev().take_while(|&&c| c == b'\\').count();
                assert_eq!(run % 2, 1, "{e}");
            }
            assert!(!e.chars().any(char::is_control), "{e:?}");
        }
    }

    #[test]
    fn mermaid_labels_hold_only_plain_characters_and_entity_codes() {
        assert_eq!(mermaid("Moscow"), "#77;oscow");
        assert_eq!(mermaid("a:b;c\"d"), "#97;#58;b#59;c#34;d");
        assert_eq!(mermaid("click x"), "#99;lick x");
        assert_eq!(mermaid("Kabul’s"), "#75;abul#8217;s");
        for s in HOSTILE {
            let e = mermaid(s);
            assert!(
                !e.contains(['<', '>', '"', '[', ']', '{', '}', '|', ':', '`', '%', '\n']),
                "{e}"
            );
        }
    }
}
