//! Extractors that turn unreadable requests into [`ApiError`]s naming the field, where
//! axum's own would answer in plain text.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body. Syntax errors are 400; a body of the wrong shape is 422 with the path of
/// the offending field (`identity_claims[0].confidence`).
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(format!(
                    "the request body is larger than this route takes ({} bytes)",
                    crate::JSON_BODY_BYTES
                ))
            } else {
                ApiError::BadRequest(format!("cannot read the request body: {e}"))
            }
        })?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses JSON, reporting the path of a field of the wrong shape.
///
/// A number written with a fraction of zero (`162.0`) is the integer it equals, as in
/// JSON Schema (and JavaScript): it is read as such wherever an integer is expected.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    integral_numbers_as_integers(&mut value);
    match serde_path_to_error::deserialize(value) {
        Ok(value) => Ok(value),
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            match inner.classify() {
                serde_json::error::Category::Syntax
                | serde_json::error::Category::Eof
                | serde_json::error::Category::Io => Err(ApiError::BadRequest(format!(
                    "the body is not valid JSON: {inner}"
                ))),
                serde_json::error::Category::Data => {
                    let field = if path == "." { String::new() } else { path };
                    // serde's message ends with "at line 1 column 20", which says nothing to an API user.
                    let message = inner.to_string();
                    let reason = message
                        .split(" at line ")
                        .next()
                        .unwrap_or(&message)
                        .to_string();
                    Err(ApiError::invalid(field, reason))
                }
            }
        }
    }
}

/// Turns every number of `value` that is a whole number written with a fraction
/// (`3.0`) into that integer, where it fits an `i64`.
fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // 2^63 is exactly representable; every whole f64 below it in magnitude fits.
            if f.fract() == 0.0 && f.abs() < 9_223_372_036_854_775_808.0 {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

/// The body of a route that takes a file, read only after the handler has checked the
/// permission (so that an account that may not upload cannot make the server read
/// `limit` bytes): 413 beyond `limit`.
pub async fn body_bytes(body: axum::body::Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::PayloadTooLarge(format!(
                "the request body is larger than this route takes ({limit} bytes)"
            ))
        } else {
            ApiError::BadRequest(format!("cannot read the request body: {e}"))
        }
    })
}

/// Query parameters, with a 400 in the API's error shape when they cannot be read.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| ApiError::BadRequest(e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Body {
        days: i64,
        inner: Vec<Inner>,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Inner {
        count: u32,
        share: f64,
    }

    /// `162.0` is the integer 162 wherever one is expected, as JSON Schema reads it; a
    /// real fraction is refused naming its field; floats stay floats.
    #[test]
    fn whole_numbers_written_with_a_fraction_are_integers() {
        let body: Body =
            parse_json(br#"{"days": 162.0, "inner": [{"count": 3.0, "share": 2}]}"#).unwrap();
        assert_eq!(
            body,
            Body {
                days: 162,
                inner: vec![Inner {
                    count: 3,
                    share: 2.0
                }]
            }
        );
        let Err(ApiError::Invalid(errors)) = parse_json::<Body>(br#"{"days": 1.5, "inner": []}"#)
        else {
            panic!("a fraction is not an integer");
        };
        assert_eq!(errors[0].field, "days");
        let Err(ApiError::Invalid(errors)) =
            parse_json::<Body>(br#"{"days": 1, "inner": [{"count": -1.0, "share": 0.5}]}"#)
        else {
            panic!("a negative count is refused");
        };
        assert_eq!(errors[0].field, "inner[0].count");
        assert!(matches!(
            parse_json::<Body>(b"{\"days\": 1,"),
            Err(ApiError::BadRequest(_))
        ));
    }
}
