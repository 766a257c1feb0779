//! HTML forms → the API's JSON bodies.
//!
//! A form's inputs are named by the JSON path of the API field they fill
//! (`identity_claims[1].family_name`, `capture.place`), so that the API's field errors,
//! which name the same path, are shown next to the input. A type after a colon converts
//! the text: `confidence:number`, `interpreter_required:bool` (a checkbox; unchecked is left out, as the API's flags
//! default to false),
//! `capture.captured_at:datetime` (a `datetime-local` input, read as UTC), `languages:list`
//! (words separated by commas or spaces). `name[]` appends (checkbox groups). Empty inputs
//! are left out, and so are objects and trailing array items left entirely empty (the
//! second identity claim nobody filled in). Inputs starting with `_` (`_csrf`) are the
//! page's own.

use serde_json::{Map, Value};

/// One part of a path: an object key or an array index (`None`: append).
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(Option<usize>),
}

fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() {
            return None;
        }
        steps.push(Step::Key(name.to_string()));
        while let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']')?;
            let index = &inner[..end];
            steps.push(Step::Index(if index.is_empty() {
                None
            } else {
                Some(index.parse().ok().filter(|i| *i < 100)?)
            }));
            rest = &inner[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(steps)
}

/// The value of one input, converted by its type; `None` when it is left out.
fn convert(kind: &str, text: &str) -> Result<Option<Value>, String> {
    let text = text.trim();
    if text.is_empty() {
        // An empty list input means an empty list; other empty inputs are left out.
        return Ok((kind == "list").then(|| Value::Array(Vec::new())));
    }
    match kind {
        "" => Ok(Some(Value::String(text.to_string()))),
        "number" => text
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(|n| Some(Value::Number(n)))
            .ok_or_else(|| "must be a number".to_string()),
        "int" => text
            .parse::<i64>()
            .map(|n| Some(Value::from(n)))
            .map_err(|_| "must be a whole number".to_string()),
        // An unchecked box is left out: the API's flags default to false.
        "bool" => Ok(matches!(text, "on" | "true" | "yes" | "1").then_some(Value::Bool(true))),
        "datetime" => {
            // `datetime-local` gives `2026-11-27T10:30` (or with seconds): read as UTC.
            let iso = match text.len() {
                16 => format!("{text}:00Z"),
                19 => format!("{text}Z"),
                _ => text.to_string(),
            };
            Ok(Some(Value::String(iso)))
        }
        "list" => Ok(Some(Value::Array(
            text.split([',', ' ', ';'])
                .filter(|w| !w.is_empty())
                .map(|w| Value::String(w.to_string()))
                .collect(),
        ))),
        other => Err(format!("unknown input type {other:?}")),
    }
}

/// The JSON body for a form's fields, or the inputs that could not be read (by path).
pub fn to_json(pairs: &[(String, String)]) -> Result<Value, Vec<(String, String)>> {
    let mut root = Value::Object(Map::new());
    let mut errors = Vec::new();
    for (name, text) in pairs {
        if name.starts_with('_') || name.is_empty() {
            continue;
        }
        let (path, kind) = name.split_once(':').unwrap_or((name.as_str(), ""));
        let Some(steps) = parse_path(path) else {
            errors.push((path.to_string(), "is not a field of this form".to_string()));
            continue;
        };
        match convert(kind, text) {
            Ok(Some(value)) => set(&mut root, &steps, Some(value)),
            // The containers are made all the same, so that indices stay where the form
            // put them; the empty input itself is left out.
            Ok(None) => set(&mut root, &steps[..steps.len() - 1], None),
            Err(reason) => errors.push((path.to_string(), reason)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    prune(&mut root);
    Ok(root)
}

/// Puts `value` at the path, making the containers on the way; `None` only makes them
/// (and leaves a value already there).
fn set(node: &mut Value, steps: &[Step], value: Option<Value>) {
    let Some((first, rest)) = steps.split_first() else {
        if let Some(value) = value {
            *node = value;
        }
        return;
    };
    let child = match first {
        Step::Key(key) => {
            if !node.is_object() {
                *node = Value::Object(Map::new());
            }
            node.as_object_mut()
                .expect("made an object")
                .entry(key.clone())
                .or_insert(Value::Null)
        }
        Step::Index(index) => {
            if !node.is_array() {
                *node = Value::Array(Vec::new());
            }
            let items = node.as_array_mut().expect("made an array");
            let index = index.unwrap_or(items.len());
            while items.len() <= index {
                items.push(Value::Null);
            }
            &mut items[index]
        }
    };
    set(child, rest, value);
}

/// Leaves out nulls, empty objects, and trailing empty items of arrays.
fn prune(node: &mut Value) -> bool {
    match node {
        Value::Null => false,
        Value::Object(map) => {
            map.retain(|_, v| prune(v));
            !map.is_empty()
        }
        Value::Array(items) => {
            let keep: Vec<bool> = items.iter_mut().map(prune).collect();
            let len = keep.iter().rposition(|k| *k).map_or(0, |last| last + 1);
            items.truncate(len);
            // An empty item in the middle stays (as an empty object), so that the indices
            // of the API's errors still match the form's.
            for item in items.iter_mut() {
                if item.is_null() {
                    *item = Value::Object(Map::new());
                }
            }
            // An array is kept even when empty: `languages: []` clears a list.
            true
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_captive_form_becomes_the_api_body() {
        let body = to_json(&pairs(&[
            ("_csrf", "secret"),
            ("power_of_origin", "RU"),
            ("capture.captured_at:datetime", "2026-11-20T06:40"),
            ("capture.place", " Vovchansk "),
            ("identity_claims[0].source", "document_found"),
            ("identity_claims[0].family_name", "Шевченко"),
            ("identity_claims[0].confidence:number", "0,8"),
            ("identity_claims[0].document.kind", ""),
            ("identity_claims[1].source", ""),
            ("identity_claims[1].family_name", ""),
            ("languages:list", "ru, uk"),
            ("interpreter_required:bool", "false"),
            ("interpreter_required:bool", "on"),
            ("identity_claims[0].refused_fields[]", "rank"),
            ("identity_claims[0].refused_fields[]", "unit"),
        ]))
        .unwrap();
        assert_eq!(
            body,
            json!({
                "power_of_origin": "RU",
                "capture": {"captured_at": "2026-11-20T06:40:00Z", "place": "Vovchansk"},
                "identity_claims": [{
                    "source": "document_found", "family_name": "Шевченко", "confidence": 0.8,
                    "refused_fields": ["rank", "unit"]
                }],
                "languages": ["ru", "uk"],
                "interpreter_required": true
            })
        );
    }

    #[test]
    fn an_empty_item_between_filled_ones_keeps_the_indices() {
        let body = to_json(&pairs(&[("claims[0].a", ""), ("claims[1].a", "x")])).unwrap();
        assert_eq!(body, json!({"claims": [{}, {"a": "x"}]}));
    }

    #[test]
    fn unreadable_inputs_are_named() {
        let errors = to_json(&pairs(&[
            ("confidence:number", "high"),
            ("a..b", "x"),
            ("claims[x].a", "x"),
            ("n:int", "1.5"),
            ("ok:weird", "x"),
        ]))
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["confidence", "a..b", "claims[x].a", "n", "ok"]);
        assert_eq!(errors[0].1, "must be a number");
    }

    #[test]
    fn absurd_indices_are_refused_rather_than_allocated() {
        assert!(to_json(&pairs(&[("a[99999999]", "x")])).is_err());
    }
}
