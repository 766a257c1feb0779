//! Closed sets of words: roles, statuses, states, kinds, formats. Each is one enum
//! declared with [`words!`](crate::words!), so that the enum, its words, the parser and
//! the error naming the accepted words cannot disagree.
//!
//! ```
//! repatria_core::words! {
//!     /// How a parcel travels.
//!     pub enum Carrier {
//!         Post = "post",
//!         /// Aliases are compared folded (case, a final full stop, `-` for `_`).
//!         Courier = "courier" | "courier" | "messenger",
//!     }
//! }
//!
//! assert_eq!(Carrier::Post.as_str(), "post");
//! assert_eq!(Carrier::parse(" post "), Ok(Carrier::Post));
//! assert_eq!("Messenger.".parse::<Carrier>(), Ok(Carrier::Courier));
//! assert_eq!(Carrier::ALL, &[Carrier::Post, Carrier::Courier]);
//! assert_eq!(Carrier::Courier.to_string(), "courier");
//! assert_eq!(
//!     Carrier::parse("pigeon").unwrap_err().reason,
//!     r#"expected post or courier, got "pigeon""#
//! );
//! ```

use crate::error::FieldError;

/// Declares a closed set of words as an enum:
///
/// - `as_str` (the word, stable: it is what is stored and sent), `ALL` in declaration
///   order, `expected()` (`a, b or c`, for messages), `Display` as the word;
/// - `parse` and `FromStr`: the word itself (surrounding blanks ignored), or an alias
///   written after it with `|`, compared folded (lower case, a final full stop dropped,
///   `-` read as `_`); anything else is a [`FieldError`] naming every accepted word;
/// - with the core's feature `serde`, `Serialize` and `Deserialize` as the word.
///
/// Attributes before `enum` (documentation, more derives) are kept; the enum always
/// derives `Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord`, its order being
/// the order declared.
#[macro_export]
macro_rules! words {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $word:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// Other spellings accepted by `parse`, compared folded.
            const ALIASES: &'static [(&'static str, $name)] = &[$($(($alias, $name::$variant),)*)+];

            /// The word: what is stored, sent and shown to machines.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            /// All the words, for messages: `a, b or c`.
            pub fn expected() -> ::std::string::String {
                $crate::words::expected(&[$($word,)+])
            }

            /// The value of a word (or of an alias); the error names every word.
            pub fn parse(text: &str) -> ::core::result::Result<$name, $crate::FieldError> {
                let trimmed = text.trim();
                if let Some(value) = $name::ALL.iter().find(|v| v.as_str() == trimmed) {
                    return Ok(*value);
                }
                let folded = $crate::words::fold(trimmed);
                match $name::ALIASES.iter().find(|(alias, _)| *alias == folded) {
                    Some((_, value)) => Ok(*value),
                    None => Err($crate::words::unknown(trimmed, &$name::expected())),
                }
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::FieldError;
            fn from_str(text: &str) -> ::core::result::Result<$name, $crate::FieldError> {
                $name::parse(text)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::__words_serde!($name);
    };
}

/// Serde as the word (the core's feature `serde`).
#[cfg(feature = "serde")]
#[doc(hidden)]
#[macro_export]
macro_rules! __words_serde {
    ($name:ident) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<$name, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                let text: ::std::string::String =
                    $crate::__private::serde::Deserialize::deserialize(deserializer)?;
                $name::parse(&text).map_err(|e| {
                    <D::Error as $crate::__private::serde::de::Error>::custom(e.reason)
                })
            }
        }
    };
}

/// Without the feature `serde`, no serde.
#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __words_serde {
    ($name:ident) => {};
}

/// `a, b or c`.
#[doc(hidden)]
pub fn expected(words: &[&str]) -> String {
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.join(""),
    }
}

/// How aliases are compared: lower case, a final full stop dropped, `-` read as `_`.
#[doc(hidden)]
pub fn fold(text: &str) -> String {
    text.trim_end_matches('.').to_lowercase().replace('-', "_")
}

/// The one error of an unknown word.
#[doc(hidden)]
pub fn unknown(text: &str, expected: &str) -> FieldError {
    FieldError::new("", format!("expected {expected}, got {text:?}"))
}

#[cfg(test)]
mod tests {
    crate::words! {
        /// A test set.
        enum Colour {
            Red = "red",
            DarkBlue = "dark_blue" | "dark_blue" | "navy",
        }
    }

    #[test]
    fn words_parse_exactly_and_aliases_folded() {
        assert_eq!(Colour::ALL, &[Colour::Red, Colour::DarkBlue]);
        assert_eq!(Colour::DarkBlue.as_str(), "dark_blue");
        assert_eq!(Colour::parse(" red\t"), Ok(Colour::Red));
        // The word itself is exact unless it is also an alias.
        assert!(Colour::parse("RED").is_err());
        assert_eq!(Colour::parse("Dark-Blue."), Ok(Colour::DarkBlue));
        assert_eq!(Colour::parse("NAVY"), Ok(Colour::DarkBlue));
        let error = Colour::parse(" green ").unwrap_err();
        assert_eq!(error.field, "");
        assert_eq!(error.reason, r#"expected red or dark_blue, got "green""#);
        assert_eq!(format!("{}", Colour::Red), "red");
        assert!(Colour::Red < Colour::DarkBlue);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_is_the_word() {
        let text = serde_json::to_string(&Colour::DarkBlue).unwrap();
        assert_eq!(text, r#""dark_blue""#);
        let back: Colour = serde_json::from_str(&text).unwrap();
        assert_eq!(back, Colour::DarkBlue);
        let error = serde_json::from_str::<Colour>(r#""green""#).unwrap_err();
        assert!(
            error.to_string().contains("expected red or dark_blue"),
            "{error}"
        );
    }
}
