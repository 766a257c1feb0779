//! Whole numbers as JSON writes them: `5` or `5.0`. JSON has one kind of number, and a
//! JSON Schema `integer` is any number without a fraction, so a writer may send a count
//! as `5.0`; serde's integers refuse that. For `#[serde(deserialize_with = ...)]` on the
//! integer fields of documents read from JSON (the scenario's terms, the API's bodies).
//! At most 2^63 − 1, the `int64` the API's document gives them (no count comes near).

use std::collections::BTreeMap;

use serde::de::Error;
use serde::{Deserialize, Deserializer};

/// The number as a `u64`: an integer, or a float without a fraction, from 0 to 2^63 − 1.
fn whole(n: &serde_json::Number) -> Option<u64> {
    if let Some(n) = n.as_u64() {
        return (n <= i64::MAX as u64).then_some(n);
    }
    let f = n.as_f64()?;
    // 2^63 is the first float beyond i64::MAX.
    (f.fract() == 0.0 && (0.0..9_223_372_036_854_775_808.0).contains(&f)).then_some(f as u64)
}

fn read<'de, D: Deserializer<'de>, T: TryFrom<u64>>(n: serde_json::Number) -> Result<T, D::Error> {
    whole(&n)
        .and_then(|w| T::try_from(w).ok())
        .ok_or_else(|| D::Error::custom(format!("expected a whole number in range, got {n}")))
}

/// A whole number (`u64`, `u32`, …).
pub fn number<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<T, D::Error> {
    read::<D, T>(serde_json::Number::deserialize(d)?)
}

/// A whole number or null.
pub fn optional<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<Option<T>, D::Error> {
    match Option::<serde_json::Number>::deserialize(d)? {
        Some(n) => read::<D, T>(n).map(Some),
        None => Ok(None),
    }
}

/// A map of names to whole numbers.
pub fn map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, u64>, D::Error> {
    BTreeMap::<String, serde_json::Number>::deserialize(d)?
        .into_iter()
        .map(|(k, n)| read::<D, u64>(n).map(|v| (k, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Counts {
        #[serde(deserialize_with = "number")]
        n: u32,
        #[serde(default, deserialize_with = "optional")]
        cap: Option<u64>,
        #[serde(default, deserialize_with = "map")]
        values: BTreeMap<String, u64>,
    }

    fn read(json: &str) -> Result<Counts, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_read_as_integers_or_floats_and_nothing_else() {
        let c = read(r#"{"n": 5.0, "cap": 7, "values": {"major": 3.0}}"#).unwrap();
        assert_eq!((c.n, c.cap, c.values["major"]), (5, Some(7), 3));
        let c = read(r#"{"n": 4294967295, "cap": null}"#).unwrap();
        assert_eq!((c.n, c.cap), (u32::MAX, None));
        let c = read(r#"{"n": 0, "cap": 9223372036854775807}"#).unwrap();
        assert_eq!(c.cap, Some(i64::MAX as u64));
        // Read as the float nearest to it (serde_json's float_roundtrip), a large whole
        // number written with a zero fraction is that number.
        let c = read(r#"{"n": 0, "cap": 1882839180744075.0}"#).unwrap();
        assert_eq!(c.cap, Some(1_882_839_180_744_075));
        for bad in [
            r#"{"n": 5.5}"#,
            r#"{"n": -1}"#,
            r#"{"n": -1.0}"#,
            r#"{"n": 4294967296}"#,
            r#"{"n": "5"}"#,
            r#"{"n": 1, "cap": 1e20}"#,
            r#"{"n": 1, "cap": 9223372036854775808}"#,
            r#"{"n": 1, "cap": 9223372036854775808.0}"#,
            r#"{"n": 1, "values": {"major": 0.5}}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
