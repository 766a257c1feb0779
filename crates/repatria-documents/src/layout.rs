//! Text into lines that fit a width (wrapped at spaces and hyphens, long words cut,
//! too many lines truncated with an ellipsis), and a table's columns into a page's width.

use crate::fonts::{combining, Fonts};

const ELLIPSIS: char = '…';

/// A text's lines at `size` within `width` points: wrapped after spaces, hyphens and
/// slashes, a word wider than the width cut between characters, at most `max_lines`
/// lines (the last of them then ends with an ellipsis). Always at least one line.
pub(crate) fn wrap(
    fonts: &mut Fonts,
    text: &str,
    width: f32,
    size: f32,
    bold: bool,
    max_lines: usize,
) -> Vec<String> {
    wrap_counted(fonts, text, width, size, bold, max_lines).0
}

/// [`wrap`], and whether the text was cut (its last line then ends with an ellipsis).
pub(crate) fn wrap_counted(
    fonts: &mut Fonts,
    text: &str,
    width: f32,
    size: f32,
    bold: bool,
    max_lines: usize,
) -> (Vec<String>, bool) {
    let max_lines = max_lines.max(1);
    let mut lines = Vec::new();
    let mut truncated = false;
    'paragraphs: for paragraph in fonts.printable(text).split('\n') {
        if lines.len() == max_lines {
            // The paragraphs before filled every line.
            truncated = true;
            break;
        }
        let mut line = String::new();
        let mut line_width = 0.0;
        // Where the line may be broken: the byte after a space or hyphen, and the
        // width up to it.
        let mut opportunity: Option<usize> = None;
        for c in paragraph.chars() {
            let advance = fonts.glyph(c, bold).1 * size;
            let fits = line_width + advance <= width;
            if !fits && !line.is_empty() && c != ' ' && !combining(c) {
                if lines.len() + 1 == max_lines {
                    lines.push(line);
                    truncated = true;
                    break 'paragraphs;
                }
                let rest = match opportunity {
                    Some(at) if at < line.len() => line.split_off(at),
                    Some(_) => String::new(),
                    None => String::new(),
                };
                lines.push(line.trim_end().to_string());
                line = rest.trim_start().to_string();
                line_width = fonts.width(&line, size, bold);
                opportunity = None;
            }
            if line.is_empty() && c == ' ' && !lines.is_empty() && opportunity.is_none() {
                // A wrapped line does not start with the space it was wrapped at.
                continue;
            }
            line.push(c);
            line_width += advance;
            if matches!(c, ' ' | '-' | '/' | '\u{2010}' | '\u{2013}') {
                opportunity = Some(line.len());
            }
        }
        if lines.len() == max_lines {
            truncated = true;
            break;
        }
        lines.push(line.trim_end().to_string());
    }
    if truncated {
        if let Some(last) = lines.last_mut() {
            end_with_ellipsis(fonts, last, width, size, bold);
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    (lines, truncated)
}

/// A text fitted into a box: its lines and the size they are printed at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    pub(crate) lines: Vec<String>,
    pub(crate) size: f32,
    /// Whether the text was cut with an ellipsis to fit.
    pub(crate) cut: bool,
}

/// How a text is fitted into a box: the size wanted, the smallest it may shrink to
/// (by half points), the line height in ems and the weight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fit {
    pub(crate) size: f32,
    pub(crate) min_size: f32,
    pub(crate) leading: f32,
    pub(crate) bold: bool,
}

/// The most characters of one text that [`fit`] reads: more never fit in a box of a
/// page, and the rest is cut with an ellipsis without being measured.
const MAX_FITTED_CHARS: usize = 4_000;

/// `text` in a box `width` × `height` points: at the largest size from `fit.size` down
/// to `fit.min_size` at which it wraps into as many lines as the box holds, else at
/// `fit.min_size` cut with an ellipsis. At least one line, even in a box lower than a
/// line of the smallest size.
pub(crate) fn fit(fonts: &mut Fonts, text: &str, width: f32, height: f32, fit: Fit) -> Fitted {
    // A text longer than any box holds is cut before it is measured, and ends with an
    // ellipsis even if what is left happened to fit.
    let (text, long) = match text.char_indices().nth(MAX_FITTED_CHARS) {
        Some((at, _)) => (&text[..at], true),
        None => (text, false),
    };
    let mut size = fit.size.max(fit.min_size);
    loop {
        let smallest = size - 0.5 < fit.min_size;
        let room = (height / (size * fit.leading)).floor() as usize;
        if room == 0 && !smallest {
            // Not one line of this size fits.
            size -= 0.5;
            continue;
        }
        let (mut lines, cut) = wrap_counted(fonts, text, width, size, fit.bold, room.max(1));
        if !cut && !long {
            return Fitted {
                lines,
                size,
                cut: false,
            };
        }
        if smallest {
            if !cut {
                if let Some(last) = lines.last_mut() {
                    end_with_ellipsis(fonts, last, width, size, fit.bold);
                }
            }
            return Fitted {
                lines,
                size,
                cut: true,
            };
        }
        size -= 0.5;
    }
}

/// Cuts characters off the end of `line` until it fits with an ellipsis after it.
fn end_with_ellipsis(fonts: &mut Fonts, line: &mut String, width: f32, size: f32, bold: bool) {
    let ellipsis = fonts.glyph(ELLIPSIS, bold).1 * size;
    while !line.is_empty() && fonts.width(line, size, bold) + ellipsis > width {
        line.pop();
    }
    let kept = line.trim_end().len();
    line.truncate(kept);
    line.push(ELLIPSIS);
}

/// The widest paragraph of a text, in points.
pub(crate) fn natural_width(fonts: &mut Fonts, text: &str, size: f32, bold: bool) -> f32 {
    fonts
        .printable(text)
        .split('\n')
        .map(|p| fonts.width(p, size, bold))
        .fold(0.0, f32::max)
}

/// Column widths that fill `available` points: every column its natural width when all
/// fit (then widened in proportion); otherwise the narrow ones their natural width and
/// the space left shared equally among the wide ones, none below an equal share of what
/// is left to them.
pub(crate) fn column_widths(natural: &[f32], available: f32) -> Vec<f32> {
    if natural.is_empty() {
        return Vec::new();
    }
    let total: f32 = natural.iter().sum();
    if total <= available {
        if total <= 0.0 {
            return vec![available / natural.len() as f32; natural.len()];
        }
        return natural.iter().map(|w| w * available / total).collect();
    }
    let mut widths: Vec<Option<f32>> = vec![None; natural.len()];
    let mut remaining = available;
    loop {
        let open = widths.iter().filter(|w| w.is_none()).count();
        if open == 0 {
            break;
        }
        let share = remaining / open as f32;
        let mut fixed = false;
        for (width, &wanted) in widths.iter_mut().zip(natural) {
            if width.is_none() && wanted <= share {
                *width = Some(wanted);
                remaining -= wanted;
                fixed = true;
            }
        }
        if !fixed {
            for width in widths.iter_mut().filter(|w| w.is_none()) {
                *width = Some(share);
            }
            break;
        }
    }
    widths.into_iter().map(|w| w.unwrap_or(0.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::new().unwrap()
    }

    #[test]
    fn words_wrap_at_spaces_and_every_line_fits() {
        let mut f = fonts();
        let text = "Шевченко Тарас Григорович, народжений у Моринцях";
        let lines = wrap(&mut f, text, 80.0, 9.0, false, 20);
        assert!(lines.len() > 2, "{lines:?}");
        for line in &lines {
            assert!(f.width(line, 9.0, false) <= 80.0, "{line}");
            assert_eq!(line.trim(), line, "no space at either end: {line:?}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_word_wider_than_the_column_is_cut_between_characters() {
        let mut f = fonts();
        let lines = wrap(&mut f, &"Ж".repeat(50), 40.0, 9.0, false, 20);
        assert!(lines.len() > 3, "{lines:?}");
        assert_eq!(lines.concat(), "Ж".repeat(50));
        for line in &lines {
            assert!(f.width(line, 9.0, false) <= 40.0);
        }
    }

    #[test]
    fn too_many_lines_end_in_an_ellipsis_that_fits() {
        let mut f = fonts();
        let text = "김민준 ".repeat(2000);
        let lines = wrap(&mut f, &text, 60.0, 9.0, false, 5);
        assert_eq!(lines.len(), 5);
        assert!(lines[4].ends_with('…'), "{:?}", lines[4]);
        assert!(f.width(&lines[4], 9.0, false) <= 60.0);
        assert!(lines[0].starts_with("김민준"));
    }

    #[test]
    fn line_breaks_are_kept_and_control_characters_printed_as_spaces() {
        let mut f = fonts();
        let lines = wrap(&mut f, "a\tb\r\nc\u{0}d\n\ne", 500.0, 9.0, false, 20);
        assert_eq!(lines, ["a b", "c d", "", "e"]);
        assert_eq!(wrap(&mut f, "", 50.0, 9.0, false, 3), [""]);
        // Lines beyond the limit from line breaks alone are truncated too.
        let lines = wrap(&mut f, "1\n2\n3\n4", 500.0, 9.0, false, 2);
        assert_eq!(lines, ["1", "2…"]);
        // And a paragraph that wraps after others filled every line.
        let text = "one two three\nfour five six seven eight nine";
        let (lines, cut) = wrap_counted(&mut f, text, 40.0, 9.0, false, 2);
        assert_eq!(lines, ["one two", "three…"]);
        assert!(cut);
    }

    #[test]
    fn a_combining_mark_stays_with_its_letter() {
        let mut f = fonts();
        // "й" written as и + combining breve, in a column one letter wide.
        let lines = wrap(&mut f, "и\u{306}и\u{306}", 6.0, 9.0, false, 20);
        assert_eq!(lines, ["и\u{306}", "и\u{306}"]);
    }

    #[test]
    fn narrow_columns_keep_their_width_and_wide_ones_share_the_rest() {
        assert_eq!(column_widths(&[10.0, 30.0], 80.0), [20.0, 60.0]);
        let widths = column_widths(&[10.0, 500.0, 300.0, 20.0], 400.0);
        assert_eq!(widths[0], 10.0);
        assert_eq!(widths[3], 20.0);
        assert_eq!(widths[1], 185.0);
        assert_eq!(widths[2], 185.0);
        assert_eq!(column_widths(&[0.0, 0.0], 10.0), [5.0, 5.0]);
        assert!(column_widths(&[], 10.0).is_empty());
    }
}
