//! A person's sex as lists, requests and the registry record it.

use crate::words;

words! {
    /// A person's sex. The word is `m` or `f` (the command-line CSV contract and what is
    /// stored); lists write it in many ways, and `parse` reads them all: `m`, `f`,
    /// `male`, `female`, `man`, `woman`, and the Ukrainian and Russian abbreviations and
    /// words (`ч`/`чол`/`чоловіча`, `ж`/`жін`/`жіноча`, `м`/`муж`/`мужской`,
    /// `жен`/`женский`), in any case, with or without a final full stop.
    pub enum Sex {
        Male = "m" | "m" | "male" | "man" | "ч" | "чол" | "чоловіча" | "чоловік" | "м" | "муж"
            | "мужской" | "мужчина",
        Female = "f" | "f" | "female" | "woman" | "ж" | "жін" | "жіноча" | "жінка" | "жен"
            | "женский" | "женщина",
    }
}

impl Sex {
    /// The usual ways lists write a sex, for the messages that refuse one.
    pub const USUAL_SPELLINGS: &'static str = "m, f, male, female, ч, ж, м";
}

#[cfg(test)]
mod tests {
    use super::Sex;

    #[test]
    fn every_way_lists_write_it() {
        for text in [
            "m",
            "M",
            "male",
            "Male",
            "ч",
            "чол.",
            "Чоловіча",
            "м",
            "муж",
            "мужской",
        ] {
            assert_eq!(Sex::parse(text), Ok(Sex::Male), "{text}");
        }
        for text in ["f", "F", "female", "ж", "жін.", "жіноча", "жен", "Женский"]
        {
            assert_eq!(Sex::parse(text), Ok(Sex::Female), "{text}");
        }
        for text in ["", "x", "mf", "unknown"] {
            let error = Sex::parse(text).unwrap_err();
            assert!(error.reason.starts_with("expected m or f, got"), "{error}");
        }
        assert_eq!(Sex::Male.as_str(), "m");
        assert_eq!(Sex::Female.to_string(), "f");
    }
}
