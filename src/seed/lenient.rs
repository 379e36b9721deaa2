//! Reading a TOML seed file past its bad values, so that one run reports every problem in it.
//!
//! A syntax error stops the file. Otherwise the file is read into a tree that keeps each value's position, and
//! deserialised; when a value fails, the problem is kept with its span, the value is taken out of the tree (an
//! element of a list, a key of a table, or, when a required field is missing, the whole record) and the tree is
//! deserialised again. The rest of the record and the rest of the file are still checked.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// One value that failed: where, and why.
pub struct ValueError {
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// What a lenient read gives: the value (None if even the repaired tree fails), every value error, and the slugs
/// of records that had to be left out whole.
pub struct Lenient<T> {
    pub value: Option<T>,
    pub errors: Vec<ValueError>,
    pub dropped: Vec<String>,
}

/// Reads `text` as `T`, or returns the syntax error that stops the file.
pub fn parse_toml<T: DeserializeOwned>(text: &str) -> Result<Lenient<T>, ValueError> {
    let first = match toml::from_str::<T>(text) {
        Ok(value) => {
            return Ok(Lenient {
                value: Some(value),
                errors: Vec::new(),
                dropped: Vec::new(),
            });
        }
        Err(e) => e,
    };
    let mut tree = match DeTable::parse(text) {
        Ok(t) => t,
        Err(_) => {
            return Err(ValueError {
                span: first.span(),
                message: first.message().trim().to_string(),
            });
        }
    };
    tree.get_mut().make_owned();
    let mut out = Lenient {
        value: None,
        errors: Vec::new(),
        dropped: Vec::new(),
    };
    // Each round takes one value out, so the rounds are bounded by the number of values.
    loop {
        match T::deserialize(toml::de::Deserializer::from(tree.clone())) {
            Ok(value) => {
                out.value = Some(value);
                return Ok(out);
            }
            Err(e) => {
                let span = e.span();
                out.errors.push(ValueError {
                    span: span.clone(),
                    message: e.message().trim().to_string(),
                });
                let removed = span.is_some_and(|s| remove(tree.get_mut(), &s, &mut out.dropped));
                if !removed {
                    return Ok(out);
                }
            }
        }
    }
}

fn holds(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Takes out of `table` the deepest value whose span holds `at`; a record that is itself at fault (a required
/// field is missing) goes whole, its slug noted in `dropped`. False when nothing holds `at`.
fn remove(table: &mut DeTable<'_>, at: &Range<usize>, dropped: &mut Vec<String>) -> bool {
    let Some(key) = table
        .iter()
        .find(|(k, v)| holds(&k.span(), at) || holds(&v.span(), at))
        .map(|(k, _)| k.clone())
    else {
        return false;
    };
    let value = table.get_mut(&key).expect("key just found");
    let whole = value.span() == *at;
    let deeper = match value.get_mut() {
        DeValue::Table(inner) if !whole => remove(inner, at, dropped),
        DeValue::Array(items) => remove_item(items, at, dropped),
        _ => false,
    };
    if !deeper {
        if let Some(DeValue::Table(t)) = table.get(&key).map(Spanned::get_ref) {
            note_slug(t, dropped);
        }
        table.remove(&key);
    }
    true
}

/// Takes out of a list the element at fault, or the value at fault inside it.
fn remove_item(items: &mut DeArray<'_>, at: &Range<usize>, dropped: &mut Vec<String>) -> bool {
    let Some(i) = items.iter().position(|item| holds(&item.span(), at)) else {
        return false;
    };
    let whole = items[i].span() == *at;
    let deeper = match items.iter_mut().nth(i).expect("index found").get_mut() {
        DeValue::Table(t) if !whole => remove(t, at, dropped),
        _ => false,
    };
    if !deeper {
        if let DeValue::Table(t) = items[i].get_ref() {
            note_slug(t, dropped);
        }
        let mut kept = DeArray::new();
        for (j, item) in items.iter().enumerate() {
            if j != i {
                kept.push(item.clone());
            }
        }
        *items = kept;
    }
    true
}

fn note_slug(t: &DeTable<'_>, dropped: &mut Vec<String>) {
    if let Some(slug) = t
        .iter()
        .find(|(k, _)| k.get_ref() == "slug")
        .and_then(|(_, v)| v.get_ref().as_str())
    {
        dropped.push(slug.to_string());
    }
}
