//! The web interface: pages rendered on the server from the JSON API's own answers.
//!
//! Every page handler calls the API in process ([`Ui::get`], [`Ui::send`]) with the
//! visitor's session, and renders what it answers. Access control, validation and audit
//! are therefore exactly the API's: a page can show nothing the API would not give the
//! same user, and a form's errors are the API's field errors, shown next to the field
//! whose input has the same name as the API's field path (`form.rs`).
//!
//! Templates (minijinja), interface text in English and Ukrainian (`web/i18n/*.tsv`) and
//! static files (htmx, style) are compiled into the binary by `build.rs`.

mod assets;
mod audit;
mod captives;
mod dashboard;
mod exchange;
mod exchanges;
pub(crate) mod form;
mod handover;
pub(crate) mod i18n;
mod imports;
mod media;
mod notifications;
mod session;
mod tokens;
mod totp;
mod tracing;
mod users;

use std::sync::Arc;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

pub use session::{Failure, Ui};

use crate::AppState;

/// What the pages share: the API they call in process and the compiled templates.
pub struct Web {
    api: Router,
    templates: minijinja::Environment<'static>,
}

impl Web {
    fn new(state: &AppState) -> Web {
        let api = crate::routes::api(state.clone()).with_state(state.clone());
        Web {
            api,
            templates: templates(),
        }
    }
}

/// The compiled templates, with the interface's filters and the `t` function.
fn templates() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    for (path, bytes) in assets::FILES {
        if let Some(name) = path.strip_prefix("templates/") {
            let source = std::str::from_utf8(bytes).expect("templates are UTF-8");
            env.add_template_owned(name.to_string(), source.to_string())
                .unwrap_or_else(|e| panic!("template {name} does not compile: {e}"));
        }
    }
    env.add_function("t", i18n::template_t);
    env.add_filter("date", filters::date);
    env.add_filter("datetime", filters::datetime);
    env.add_filter("word", filters::word);
    env.add_filter("number", filters::number);
    env
}

/// The pages, the static files, the language switch, and the answer to unknown addresses.
pub fn router(state: &AppState) -> Router<AppState> {
    let web = Arc::new(Web::new(state));
    Router::new()
        .route("/static/{*file}", get(static_file))
        .merge(session::routes())
        .merge(dashboard::routes())
        .merge(captives::routes())
        .merge(tracing::routes())
        .merge(imports::routes())
        .merge(exchange::routes())
        .merge(exchanges::routes())
        .merge(media::routes())
        .merge(notifications::routes())
        .merge(audit::routes())
        .merge(users::routes())
        .merge(tokens::routes())
        .merge(totp::routes())
        .fallback(not_found)
        .layer(Extension(web))
}

/// An unknown address: the API's JSON error under `/api`, a page elsewhere.
pub async fn not_found(uri: axum::http::Uri, visitor: session::Visitor) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        return crate::ApiError::NotFound("no such endpoint".into()).into_response();
    }
    let mut response = visitor.render("not_found.html", minijinja::context! {});
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

async fn static_file(Path(file): Path<String>) -> Response {
    let Some((_, bytes)) = assets::FILES
        .iter()
        .find(|(path, _)| path.strip_prefix("static/") == Some(file.as_str()))
    else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let content_type = match file.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    let mut response = bytes.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Filters the templates use to show the API's values.
mod filters {
    use minijinja::value::Value;

    /// `2026-11-27T10:30:00Z` → `2026-11-27`; anything else unchanged.
    pub fn date(value: Value) -> String {
        let s = value.to_string();
        if value.is_none() || value.is_undefined() {
            return String::new();
        }
        s.get(..10).map(String::from).unwrap_or(s)
    }

    /// `2026-11-27T10:30:00.123Z` → `2026-11-27 10:30 UTC`.
    pub fn datetime(value: Value) -> String {
        if value.is_none() || value.is_undefined() {
            return String::new();
        }
        let s = value.to_string();
        match chrono::DateTime::parse_from_rfc3339(&s) {
            Ok(t) => t
                .with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
            Err(_) => s,
        }
    }

    /// `seriously_wounded` → `seriously wounded`.
    pub fn word(value: Value) -> String {
        if value.is_none() || value.is_undefined() {
            return String::new();
        }
        value.to_string().replace('_', " ")
    }

    /// 12345 → `12,345`; 0.87 → `0.87`.
    pub fn number(value: Value) -> String {
        if let Ok(n) = i64::try_from(value.clone()) {
            let digits = n.unsigned_abs().to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            return if n < 0 { format!("-{out}") } else { out };
        }
        if let Ok(f) = f64::try_from(value.clone()) {
            return format!("{f:.2}");
        }
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_the_static_files_are_embedded() {
        let env = templates();
        let names: Vec<&str> = assets::FILES
            .iter()
            .filter_map(|(p, _)| p.strip_prefix("templates/"))
            .collect();
        assert!(names.contains(&"layout.html"), "{names:?}");
        for name in names {
            env.get_template(name).unwrap();
        }
        assert!(assets::FILES
            .iter()
            .any(|(p, b)| *p == "static/htmx.min.js" && b.len() > 10_000));
    }

    #[test]
    fn numbers_and_dates_read_well() {
        assert_eq!(filters::number(Value::from(1234567)), "1,234,567");
        assert_eq!(filters::number(Value::from(-1000)), "-1,000");
        assert_eq!(filters::number(Value::from(12)), "12");
        assert_eq!(
            filters::datetime(Value::from("2026-11-27T10:30:05.5Z")),
            "2026-11-27 10:30 UTC"
        );
        assert_eq!(
            filters::date(Value::from("2026-11-27T10:30:05Z")),
            "2026-11-27"
        );
        assert_eq!(
            filters::word(Value::from("seriously_wounded")),
            "seriously wounded"
        );
    }

    use minijinja::value::Value;
}
