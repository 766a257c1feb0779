//! The fonts compiled into the PDF writer (`fonts/`, SIL Open Font License; how they
//! were made: `fonts/README.md`), which one draws each character, and how wide text is.

use std::collections::HashMap;
use std::sync::OnceLock;

use foldhash::fast::FixedState;
use harfrust::{Direction, Script, ShapePlan, Shaper, ShaperData, UnicodeBuffer};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

static LATIN: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");
static LATIN_BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");
static HANGUL: &[u8] = include_bytes!("../fonts/NotoSansCJKkr-Hangul-Regular.otf");

/// One of the compiled-in fonts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Face {
    /// Noto Sans: Latin, Greek, Cyrillic, punctuation.
    Latin,
    LatinBold,
    /// Noto Sans CJK KR reduced to Hangul (no bold: bold Hangul is drawn with a stroke).
    Hangul,
}

impl Face {
    const ALL: [Face; 3] = [Face::Latin, Face::LatinBold, Face::Hangul];

    fn data(self) -> &'static [u8] {
        match self {
            Face::Latin => LATIN,
            Face::LatinBold => LATIN_BOLD,
            Face::Hangul => HANGUL,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A compiled-in font read for shaping and measuring: its tables, the shaper's data
/// (made once per process: they are the same for every document) and its size of em.
struct Parsed {
    font: FontRef<'static>,
    data: ShaperData,
    units_per_em: f32,
}

/// The three fonts as [`Parsed`], or why one cannot be read.
fn parsed() -> Result<&'static [Parsed], String> {
    static PARSED: OnceLock<Result<Vec<Parsed>, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            Face::ALL
                .iter()
                .map(|face| {
                    let font = FontRef::new(face.data())
                        .map_err(|_| format!("the compiled-in font {face:?} cannot be read"))?;
                    let units_per_em = font
                        .metrics(Size::unscaled(), LocationRef::default())
                        .units_per_em as f32;
                    let data = ShaperData::new(&font);
                    Ok(Parsed {
                        font,
                        data,
                        units_per_em,
                    })
                })
                .collect()
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// The fonts, parsed once per document for drawing (krilla) and read once per process
/// for measuring and shaping (harfrust, skrifa), with the advances looked up and the
/// shaping plans made so far.
pub(crate) struct Fonts {
    drawing: Vec<Font>,
    shaping: Vec<Shaper<'static>>,
    parsed: &'static [Parsed],
    /// (character, bold) → the face that draws it, its advance in ems, and whether the
    /// face has it. (A fixed hasher: fast, and no random seed in a pure library.)
    advances: HashMap<(char, bool), (Face, f32, bool), FixedState>,
    plans: HashMap<(Face, Script), ShapePlan, FixedState>,
}

impl Fonts {
    pub(crate) fn new() -> Result<Self, String> {
        let parsed = parsed()?;
        let mut drawing = Vec::new();
        for face in Face::ALL {
            let unreadable = || format!("the compiled-in font {face:?} cannot be read");
            drawing.push(Font::new(face.data().into(), 0).ok_or_else(unreadable)?);
        }
        let shaping = parsed
            .iter()
            .map(|p| p.data.shaper(&p.font).build())
            .collect();
        Ok(Fonts {
            drawing,
            shaping,
            parsed,
            advances: HashMap::default(),
            plans: HashMap::default(),
        })
    }

    pub(crate) fn font(&self, face: Face) -> Font {
        self.drawing[face.index()].clone()
    }

    /// A run of text shaped with `face`, left to right, as krilla's glyphs (advances
    /// and offsets in ems, each glyph with the range of the text it stands for).
    pub(crate) fn shape(&mut self, face: Face, text: &str) -> Vec<KrillaGlyph> {
        let shaper = &self.shaping[face.index()];
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(Direction::LeftToRight);
        buffer.guess_segment_properties();
        let script = buffer.script();
        let plan = self.plans.entry((face, script)).or_insert_with(|| {
            ShapePlan::new(shaper, Direction::LeftToRight, Some(script), None, &[])
        });
        let output = shaper.shape_with_plan(plan, buffer, &[]);
        let em = self.parsed[face.index()].units_per_em;
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        // A cluster's text runs to the next cluster's start (clusters only grow left to
        // right): found from the end, so that a long cluster costs no more than a short.
        let mut ends = vec![text.len(); infos.len()];
        for i in (0..infos.len().saturating_sub(1)).rev() {
            ends[i] = if infos[i + 1].cluster == infos[i].cluster {
                ends[i + 1]
            } else {
                infos[i + 1].cluster as usize
            };
        }
        infos
            .iter()
            .zip(positions)
            .zip(ends)
            .map(|((info, position), end)| {
                KrillaGlyph::new(
                    GlyphId::new(info.glyph_id),
                    position.x_advance as f32 / em,
                    position.x_offset as f32 / em,
                    position.y_offset as f32 / em,
                    position.y_advance as f32 / em,
                    info.cluster as usize..end,
                    None,
                )
            })
            .collect()
    }

    /// The face that draws `c` and its advance in ems: the Latin face (regular or bold)
    /// when it has the character, else the Hangul face when it has it, else the Latin
    /// face's empty box (which [`Fonts::printable`] text never asks for).
    pub(crate) fn glyph(&mut self, c: char, bold: bool) -> (Face, f32) {
        let (face, advance, _) = self.lookup(c, bold);
        (face, advance)
    }

    fn lookup(&mut self, c: char, bold: bool) -> (Face, f32, bool) {
        if let Some(found) = self.advances.get(&(c, bold)) {
            return *found;
        }
        let primary = if bold { Face::LatinBold } else { Face::Latin };
        let found = [primary, Face::Hangul]
            .into_iter()
            .find(|face| self.parsed[face.index()].font.charmap().map(c).is_some());
        let face = found.unwrap_or(primary);
        let parsed = &self.parsed[face.index()];
        let glyph = parsed
            .font
            .charmap()
            .map(c)
            .unwrap_or(skrifa::GlyphId::NOTDEF);
        let advance = parsed
            .font
            .glyph_metrics(Size::unscaled(), LocationRef::default())
            .advance_width(glyph)
            .map_or(0.0, |a| a / parsed.units_per_em);
        let entry = (face, advance, found.is_some());
        self.advances.insert((c, bold), entry);
        entry
    }

    /// What the PDF prints of a text: line breaks as `\n`, other control characters as
    /// spaces, invisible formatting characters (bidi controls, zero-width characters,
    /// variation selectors, ...) left out, and a character no font has as U+FFFD `�`.
    ///
    /// The last two keep the text layer true: the PDF maps each glyph to one text, and
    /// a shaper draws an invisible character with the space glyph and a missing one
    /// with the empty box, so that the first such character would otherwise become the
    /// text of every later space or box.
    pub(crate) fn printable(&mut self, text: &str) -> String {
        let mut printed = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    chars.next_if_eq(&'\n');
                    printed.push('\n');
                }
                '\n' | '\u{2028}' | '\u{2029}' => printed.push('\n'),
                c if c.is_control() => printed.push(' '),
                c if ignorable(c) => {}
                c if self.lookup(c, false).2 => printed.push(c),
                _ => printed.push(REPLACEMENT),
            }
        }
        printed
    }

    /// The width of a line of text in points.
    pub(crate) fn width(&mut self, text: &str, size: f32, bold: bool) -> f32 {
        text.chars().map(|c| self.glyph(c, bold).1).sum::<f32>() * size
    }

    /// A line cut into runs each drawn by one face, with each run's width in points. A
    /// combining mark stays in the run of the character it sits on.
    pub(crate) fn runs<'t>(
        &mut self,
        text: &'t str,
        size: f32,
        bold: bool,
    ) -> Vec<(Face, &'t str, f32)> {
        let mut runs: Vec<(Face, &'t str, f32)> = Vec::new();
        let mut start = 0;
        let mut current: Option<(Face, f32)> = None;
        for (i, c) in text.char_indices() {
            let (mut face, advance) = self.glyph(c, bold);
            if let Some((run_face, width)) = current {
                if combining(c) {
                    face = run_face;
                }
                if face != run_face {
                    runs.push((run_face, &text[start..i], width * size));
                    start = i;
                    current = Some((face, advance));
                    continue;
                }
                current = Some((run_face, width + advance));
            } else {
                current = Some((face, advance));
            }
        }
        if let Some((face, width)) = current {
            runs.push((face, &text[start..], width * size));
        }
        runs
    }
}

/// What is printed for a character no font has.
pub(crate) const REPLACEMENT: char = '\u{FFFD}';

/// Unicode's default-ignorable code points (DerivedCoreProperties.txt): nothing is
/// printed for them.
fn ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// Characters that belong to the one before them: combining marks, joiners, variation
/// selectors, Hangul medial and final jamo.
pub(crate) fn combining(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1160..=0x11FF | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
        | 0x200C..=0x200D | 0x20D0..=0x20FF | 0xD7B0..=0xD7FF | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_script_is_drawn_by_the_font_that_has_it() {
        let mut fonts = Fonts::new().unwrap();
        for c in ['A', 'é', 'Ж', 'Ґ', 'ї', '№', '—'] {
            assert_eq!(fonts.glyph(c, false).0, Face::Latin, "{c}");
            assert_eq!(fonts.glyph(c, true).0, Face::LatinBold, "{c}");
        }
        for c in ['김', '한', 'ᄀ', 'ㄱ'] {
            assert_eq!(fonts.glyph(c, false).0, Face::Hangul, "{c}");
            assert_eq!(fonts.glyph(c, true).0, Face::Hangul, "{c}");
        }
        // Neither font has Han characters: the Latin face's box, still with a width.
        let (face, advance) = fonts.glyph('漢', false);
        assert_eq!(face, Face::Latin);
        assert!(advance > 0.0);
    }

    #[test]
    fn shaped_runs_cover_their_text_and_advance_as_measured() {
        let mut fonts = Fonts::new().unwrap();
        for (face, text) in [(Face::Latin, "Ґудзь Євгенія"), (Face::Hangul, "김민준")]
        {
            let glyphs = fonts.shape(face, text);
            assert_eq!(glyphs.len(), text.chars().count());
            assert_eq!(glyphs[0].text_range.start, 0);
            assert_eq!(glyphs.last().unwrap().text_range.end, text.len());
            for pair in glyphs.windows(2) {
                assert_eq!(pair[0].text_range.end, pair[1].text_range.start);
            }
            let shaped: f32 = glyphs.iter().map(|g| g.x_advance).sum();
            let measured = fonts.width(text, 1.0, false);
            // Kerning may narrow a run a little; never widen it past the measure.
            assert!(
                shaped <= measured + 1e-3 && shaped > measured * 0.95,
                "{text}"
            );
        }
        // A mark without a base is one cluster with a dotted circle.
        let glyphs = fonts.shape(Face::Latin, "\u{301}\u{301}a");
        assert!(glyphs.len() >= 3);
        assert_eq!(glyphs.last().unwrap().text_range, 4..5);
    }

    #[test]
    fn printable_text_has_no_invisible_or_missing_characters() {
        let mut fonts = Fonts::new().unwrap();
        assert_eq!(
            fonts.printable("\u{202E}Kim\u{200B} 김\u{FEFF}민준\tЖ\r\nx\ry\u{0}漢🙂\u{FE0F}"),
            "Kim 김민준 Ж\nx\ny \u{FFFD}\u{FFFD}"
        );
        // Combining marks the font has stay.
        assert_eq!(fonts.printable("и\u{306}"), "и\u{306}");
        assert!(fonts.glyph(REPLACEMENT, false).1 > 0.0);
    }

    #[test]
    fn a_line_is_cut_into_runs_by_font() {
        let mut fonts = Fonts::new().unwrap();
        let runs = fonts.runs("Kim 김민준 (Ким)", 10.0, false);
        let faces: Vec<_> = runs.iter().map(|(f, t, _)| (*f, *t)).collect();
        assert_eq!(
            faces,
            [
                (Face::Latin, "Kim "),
                (Face::Hangul, "김민준"),
                (Face::Latin, " (Ким)")
            ]
        );
        let total: f32 = runs.iter().map(|r| r.2).sum();
        assert!((total - fonts.width("Kim 김민준 (Ким)", 10.0, false)).abs() < 0.01);
        // Hangul syllables are nearly full-width (0.92 em in this font), far wider than
        // the box a missing glyph would have been.
        assert!((26.0..=30.0).contains(&runs[1].2), "{}", runs[1].2);
    }
}
