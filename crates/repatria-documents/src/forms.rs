//! What the forms of GC III Annex IV share: the [`Language`]s they are printed in, a
//! field's [`Entry`] (given, refused or unknown), labels in two languages, and values
//! fitted into their boxes.
//!
//! The forms themselves: the capture card (`capture_card.rs`) and the death certificate
//! (`death_certificate.rs`); their wording: `labels.rs`.

use krilla::paint::Stroke;

use crate::fonts::Fonts;
use crate::labels::{labels, Labels};
use crate::layout::{fit, Fit, Fitted};
use crate::paint::{gray, Painter};

repatria_core::words! {
    /// A language the forms are printed in. The word is the ISO 639-1 code (`en`, `ko`,
    /// `ru`, `uk`); `parse` takes the ISO 639-2 code (`eng`, `kor`, `rus`, `ukr`) and
    /// either in capitals too.
    pub enum Language {
        English = "en" | "en" | "eng",
        Korean = "ko" | "ko" | "kor",
        Russian = "ru" | "ru" | "rus",
        Ukrainian = "uk" | "uk" | "ukr",
    }
}

/// The languages of a form: the Detaining Power's, then one the captive understands
/// (Art. 17, Art. 41). `None`, or the same language twice, prints one language.
pub type Languages = (Language, Option<Language>);

/// The value of one field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Entry {
    /// The value, printed in its own script (Hangul, Cyrillic and Latin may be mixed).
    /// Line breaks are kept; a blank text prints as [`Entry::Unknown`].
    Given(String),
    /// The prisoner refused to give it, as is his right (Art. 17): printed as "refused
    /// (Art. 17)" in the form's languages, in bold and framed.
    Refused,
    /// Not known: an empty line, to be completed by hand.
    #[default]
    Unknown,
}

impl Entry {
    /// A given value.
    pub fn given(text: impl Into<String>) -> Entry {
        Entry::Given(text.into())
    }
}

impl From<Option<String>> for Entry {
    /// `None` is unknown.
    fn from(value: Option<String>) -> Entry {
        value.map_or(Entry::Unknown, Entry::Given)
    }
}

/// Separates a label's two languages.
pub(crate) const BETWEEN_LANGUAGES: &str = " / ";

/// The wording of a form's one or two languages, the Detaining Power's first.
pub(crate) fn wordings(languages: Languages) -> Vec<&'static Labels> {
    let (first, second) = languages;
    match second {
        Some(second) if second != first => vec![labels(first), labels(second)],
        _ => vec![labels(first)],
    }
}

/// One text in each language, joined: "Name / 성", or "Name" alone.
pub(crate) fn both(wordings: &[&'static Labels], text: impl Fn(&Labels) -> &'static str) -> String {
    let texts: Vec<&str> = wordings.iter().map(|w| text(w)).collect();
    texts.join(BETWEEN_LANGUAGES)
}

/// What a field prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shown {
    Text(String),
    /// "refused (Art. 17)" in the form's languages.
    Refused(String),
    Blank,
}

impl Shown {
    pub(crate) fn of(entry: &Entry, wordings: &[&'static Labels]) -> Shown {
        match entry {
            Entry::Given(text) if !text.trim().is_empty() => Shown::Text(text.clone()),
            Entry::Given(_) | Entry::Unknown => Shown::Blank,
            Entry::Refused => Shown::Refused(both(wordings, |w| w.refused)),
        }
    }
}

/// A box on a page: left, top, right, bottom, in points from the top left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Area {
    pub(crate) left: f32,
    pub(crate) top: f32,
    pub(crate) right: f32,
    pub(crate) bottom: f32,
}

impl Area {
    pub(crate) fn width(&self) -> f32 {
        self.right - self.left
    }

    pub(crate) fn height(&self) -> f32 {
        self.bottom - self.top
    }

    /// The box with `x` points off each side and `y` off the top and bottom.
    pub(crate) fn inset(&self, x: f32, y: f32) -> Area {
        Area {
            left: self.left + x,
            top: self.top + y,
            right: (self.right - x).max(self.left + x),
            bottom: (self.bottom - y).max(self.top + y),
        }
    }

    pub(crate) fn ltrb(&self) -> (f32, f32, f32, f32) {
        (self.left, self.top, self.right, self.bottom)
    }
}

/// A line's baseline below the top of its line box, in ems: text sits a little above
/// the box's bottom, so that descenders stay inside it.
const BASELINE: f32 = 0.93;

/// Draws fitted lines from `left`, the first line's box starting at `top`; returns
/// the widest line's width.
pub(crate) fn draw_lines(
    painter: &mut Painter,
    fitted: &Fitted,
    left: f32,
    top: f32,
    leading: f32,
    bold: bool,
) -> f32 {
    let mut widest: f32 = 0.0;
    for (n, line) in fitted.lines.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        let baseline = top + fitted.size * (BASELINE + n as f32 * leading);
        widest = widest.max(painter.text(left, baseline, line, fitted.size, bold));
    }
    widest
}

/// The height of fitted lines.
pub(crate) fn lines_height(fitted: &Fitted, leading: f32) -> f32 {
    fitted.lines.len() as f32 * fitted.size * leading
}

/// Fits a text into a box (see [`fit`]).
pub(crate) fn fitted(fonts: &mut Fonts, text: &str, area: Area, style: Fit) -> Fitted {
    fit(fonts, text, area.width(), area.height(), style)
}

/// Draws a field's value in its box: the text fitted (shrunk, wrapped, at last cut with
/// an ellipsis), a refusal in bold within a frame, nothing for a blank. Returns how
/// far down the box the value reaches.
pub(crate) fn draw_value(painter: &mut Painter, shown: &Shown, area: Area, style: Fit) -> f32 {
    match shown {
        Shown::Blank => area.top,
        Shown::Text(text) => {
            let lines = fitted(painter.fonts, text, area, style);
            draw_lines(
                painter,
                &lines,
                area.left,
                area.top,
                style.leading,
                style.bold,
            );
            area.top + lines_height(&lines, style.leading)
        }
        Shown::Refused(text) => {
            // Inside the frame, with room for it.
            const PAD: f32 = 1.5;
            let inner = area.inset(PAD, 0.5);
            let bold = Fit {
                bold: true,
                size: style.size.min(8.0),
                ..style
            };
            let lines = fitted(painter.fonts, text, inner, bold);
            let width = draw_lines(painter, &lines, inner.left, inner.top, bold.leading, true);
            let bottom = inner.top + lines_height(&lines, bold.leading);
            let frame = Stroke {
                width: 0.6,
                ..Stroke::default()
            };
            painter.rects(
                &[(
                    area.left,
                    area.top,
                    (inner.left + width + PAD).min(area.right),
                    (bottom + 0.5).min(area.bottom),
                )],
                None,
                Some(frame),
            );
            bottom + 0.5
        }
    }
}

/// Fits and draws `text` in `area`; returns the bottom of what was drawn.
pub(crate) fn block(painter: &mut Painter, text: &str, area: Area, style: Fit) -> f32 {
    let lines = fitted(painter.fonts, text, area, style);
    draw_lines(
        painter,
        &lines,
        area.left,
        area.top,
        style.leading,
        style.bold,
    );
    area.top + lines_height(&lines, style.leading)
}

/// Fits `text` in `area` and draws each line centred in its width; returns the bottom
/// of what was drawn.
pub(crate) fn centred(painter: &mut Painter, text: &str, area: Area, style: Fit) -> f32 {
    let lines = fitted(painter.fonts, text, area, style);
    for (n, line) in lines.lines.iter().enumerate() {
        let width = painter.fonts.width(line, lines.size, style.bold);
        let x = area.left + ((area.width() - width) / 2.0).max(0.0);
        let baseline = area.top + lines.size * (BASELINE + n as f32 * style.leading);
        painter.text(x, baseline, line, lines.size, style.bold);
    }
    area.top + lines_height(&lines, style.leading)
}

/// One paragraph of a [`flow`]: its text, size, weight and the space after it.
pub(crate) struct Piece<'t> {
    pub(crate) text: &'t str,
    pub(crate) size: f32,
    pub(crate) bold: bool,
    pub(crate) gap: f32,
}

/// Paragraphs one under the other in `area`, all scaled down alike (to half their size
/// at most) until they fit; at the smallest scale the last ones are cut. Returns the
/// bottom of what was drawn.
pub(crate) fn flow(painter: &mut Painter, pieces: &[Piece], area: Area, leading: f32) -> f32 {
    const SMALLEST: f32 = 0.5;
    let mut scale = 1.0_f32;
    while scale - 0.05 >= SMALLEST {
        let height: f32 = pieces
            .iter()
            .map(|p| {
                let size = p.size * scale;
                let lines = crate::layout::wrap(
                    painter.fonts,
                    p.text,
                    area.width(),
                    size,
                    p.bold,
                    usize::MAX,
                );
                lines.len() as f32 * size * leading + p.gap * scale
            })
            .sum();
        if height <= area.height() {
            break;
        }
        scale -= 0.05;
    }
    let mut top = area.top;
    for p in pieces {
        let size = p.size * scale;
        let style = Fit {
            size,
            min_size: size,
            leading,
            bold: p.bold,
        };
        top = block(painter, p.text, Area { top, ..area }, style) + p.gap * scale;
    }
    top
}

/// The fill of printed text.
pub(crate) fn ink() -> krilla::paint::Fill {
    gray(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_their_codes() {
        assert_eq!(Language::parse("ko"), Ok(Language::Korean));
        assert_eq!(Language::parse("UK"), Ok(Language::Ukrainian));
        assert_eq!(Language::parse("rus"), Ok(Language::Russian));
        assert_eq!(Language::English.as_str(), "en");
        let error = Language::parse("fr").unwrap_err();
        assert_eq!(error.reason, r#"expected en, ko, ru or uk, got "fr""#);
    }

    #[test]
    fn one_language_or_two_and_a_refusal_in_both() {
        let two = wordings((Language::Korean, Some(Language::English)));
        assert_eq!(both(&two, |w| w.card.family_name), "성 / Name");
        let one = wordings((Language::Russian, Some(Language::Russian)));
        assert_eq!(both(&one, |w| w.card.family_name), "Фамилия");
        assert_eq!(wordings((Language::Russian, None)).len(), 1);
        assert_eq!(
            Shown::of(&Entry::Refused, &two),
            Shown::Refused("진술 거부 (제17조) / refused (Art. 17)".into())
        );
        assert_eq!(Shown::of(&Entry::given("  "), &two), Shown::Blank);
        assert_eq!(Shown::of(&Entry::from(None), &two), Shown::Blank);
        assert_eq!(
            Shown::of(&Entry::from(Some("김민준".to_string())), &two),
            Shown::Text("김민준".into())
        );
    }
}
