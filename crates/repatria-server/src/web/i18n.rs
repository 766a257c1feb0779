//! Interface text in English and Ukrainian.
//!
//! The catalogs are `web/i18n/*.tsv`, one message a line: `key<TAB>English<TAB>Ukrainian`
//! (lines starting with `#` are comments). Templates say `{{ t("captive.list.title") }}`;
//! a test checks that every key a template or handler uses is in a catalog in both
//! languages. Names, places and other recorded data are never translated.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::assets;

/// The interface's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Uk,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Uk => "uk",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "uk" => Some(Lang::Uk),
            _ => None,
        }
    }

    /// The first of the browser's `Accept-Language` preferences that we speak.
    pub fn from_accept_language(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|tag| tag.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase())
            .find_map(|tag| match tag.split('-').next() {
                Some("uk") => Some(Lang::Uk),
                Some("en") => Some(Lang::En),
                _ => None,
            })
            .unwrap_or(Lang::En)
    }
}

/// key → (English, Ukrainian).
pub fn catalog() -> &'static HashMap<String, (String, String)> {
    static CATALOG: OnceLock<HashMap<String, (String, String)>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut map = HashMap::new();
        for (path, bytes) in assets::FILES {
            if !(path.starts_with("i18n/") && path.ends_with(".tsv")) {
                continue;
            }
            let text = std::str::from_utf8(bytes).expect("catalogs are UTF-8");
            for line in text.lines() {
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let mut parts = line.split('\t');
                let (Some(key), Some(en), Some(uk)) = (parts.next(), parts.next(), parts.next())
                else {
                    panic!("{path}: a message needs key, English and Ukrainian: {line:?}");
                };
                map.insert(key.to_string(), (en.to_string(), uk.to_string()));
            }
        }
        map
    })
}

/// The text of `key` in `lang`; the key itself if it is missing (which a test forbids).
pub fn tr(lang: Lang, key: &str) -> String {
    match catalog().get(key) {
        Some((en, uk)) => match lang {
            Lang::En => en.clone(),
            Lang::Uk if uk.is_empty() => en.clone(),
            Lang::Uk => uk.clone(),
        },
        None => key.to_string(),
    }
}

/// `t(key)` in templates, in the language of the page being rendered.
pub fn template_t(state: &minijinja::State, key: &str) -> String {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or(Lang::En);
    tr(lang, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t("key")` in a template and every `tr(…, "key")` in a page handler.
    fn used_keys() -> Vec<(String, String)> {
        let mut used = Vec::new();
        for (path, bytes) in assets::FILES {
            if path.starts_with("templates/") {
                let text = std::str::from_utf8(bytes).unwrap();
                for quote in ['"', '\''] {
                    let open = format!("t({quote}");
                    for (at, _) in text.match_indices(open.as_str()) {
                        // `t(` itself, not the end of `input(` or `select(`.
                        let before = text[..at].chars().next_back();
                        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                            continue;
                        }
                        let piece = &text[at + open.len()..];
                        if let Some(end) = piece.find(quote) {
                            used.push((path.to_string(), piece[..end].to_string()));
                        }
                    }
                }
            }
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let mut pieces = text.split("tr(");
            let mut before = pieces.next().unwrap_or_default();
            for piece in pieces {
                let standalone = !before
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                before = piece;
                // tr(lang, "key") or tr(ui.lang, "key")
                let Some(start) = piece.find(", \"").filter(|s| standalone && *s <= 20) else {
                    continue;
                };
                let rest = &piece[start + 3..];
                if let Some(end) = rest.find('"').filter(|end| *end > 0) {
                    used.push((path.display().to_string(), rest[..end].to_string()));
                }
            }
        }
        used
    }

    #[test]
    fn every_message_used_is_in_both_languages() {
        let catalog = catalog();
        let used = used_keys();
        assert!(used.len() > 20, "the scan found too few messages: {used:?}");
        let mut missing = Vec::new();
        for (file, key) in &used {
            if key == "key" || key.is_empty() {
                continue;
            }
            if key.ends_with('.') {
                // `t("status." ~ word)`: the words are checked where they are listed.
                if !catalog.keys().any(|k| k.starts_with(key.as_str())) {
                    missing.push(format!("{file}: {key}…"));
                }
                continue;
            }
            match catalog.get(key) {
                Some((en, uk)) if !en.is_empty() && !uk.is_empty() => {}
                _ => missing.push(format!("{file}: {key}")),
            }
        }
        assert!(
            missing.is_empty(),
            "messages missing a language: {missing:#?}"
        );
    }

    #[test]
    fn languages_come_from_the_cookie_or_the_browser() {
        assert_eq!(
            Lang::from_accept_language("uk-UA,uk;q=0.9,en;q=0.8"),
            Lang::Uk
        );
        assert_eq!(Lang::from_accept_language("de-DE, en;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr"), Lang::En);
        assert_eq!(Lang::parse("uk"), Some(Lang::Uk));
        assert_eq!(Lang::parse("ru"), None);
        assert_eq!(tr(Lang::Uk, "nav.captives"), "Полонені");
        assert_eq!(tr(Lang::En, "nav.captives"), "Captives");
    }
}
