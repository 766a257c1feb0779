//! The capture card of GC III Annex IV B (Art. 70): 150 × 105 mm, two pages per card.
//! The front is the card as the post carries it (prisoner of war mail, postage free,
//! the Central Prisoners of War Agency's address, the notice to the prisoner); the back
//! holds fields 1 to 14, each label in the form's one or two languages.

use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::Document;
use repatria_core::HealthCategory;

use crate::fonts::Fonts;
use crate::forms::{
    block, both, centred, draw_lines, draw_value, fitted, flow, ink, lines_height, wordings, Area,
    Entry, Languages, Piece, Shown,
};
use crate::labels::{labels, CardLabels, Labels};
use crate::layout::Fit;
use crate::paint::{gray, rule, Painter};
use crate::{DocumentError, Language};

/// The most cards one document holds (two pages each).
pub const MAX_CARDS: usize = 20_000;

/// 150 × 105 mm in points (72 to the inch, 25.4 mm to the inch).
const CARD_WIDTH: f32 = 150.0 * 72.0 / 25.4;
const CARD_HEIGHT: f32 = 105.0 * 72.0 / 25.4;
const MARGIN: f32 = 12.0;

/// A field's label: small, at most two lines.
const LABEL: Fit = Fit {
    size: 6.0,
    min_size: 4.5,
    leading: 1.15,
    bold: false,
};
const LABEL_LINES: f32 = 2.0;
/// A label shrinks this far to stay on one line before it wraps.
const ONE_LINE_LABEL: Fit = Fit {
    min_size: 5.0,
    ..LABEL
};
/// A field's value.
const VALUE: Fit = Fit {
    size: 9.5,
    min_size: 5.0,
    leading: 1.15,
    bold: false,
};
const CELL_PADDING: f32 = 2.5;

/// What one capture card says. Each field is given, refused (Art. 17) or unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureCard {
    /// The Detaining Power's language, then one the captive understands.
    pub languages: Languages,
    /// Field 1: Power on which the prisoner depends.
    pub power: Entry,
    /// Field 2: Name (the family name).
    pub family_name: Entry,
    /// Field 3: First names, in full.
    pub given_names: Entry,
    /// Field 4: First name of father.
    pub father_first_name: Entry,
    /// Field 5: Date of birth, as text.
    pub date_of_birth: Entry,
    /// Field 6: Place of birth.
    pub place_of_birth: Entry,
    /// Field 7: Rank.
    pub rank: Entry,
    /// Field 8: Service number.
    pub service_number: Entry,
    /// Field 9: Address of family.
    pub family_address: Entry,
    /// Field 10: Taken prisoner on (a date, as text).
    pub taken_prisoner_on: Entry,
    /// Field 10: Coming from (camp, hospital, ...).
    pub coming_from: Entry,
    /// Field 11: the state of health. The one recorded is marked, the others printed
    /// unmarked; `None` leaves all seven unmarked.
    pub health: Option<HealthCategory>,
    /// Field 12: Prisoner No.
    pub prisoner_number: Entry,
    /// Field 12: Name of camp.
    pub camp: Entry,
    /// Field 13: The card's date, already formatted; empty prints an empty line.
    pub date: String,
}

/// The capture cards as one PDF, two pages per card (front, back), in the order given.
///
/// Every card is 150 × 105 mm. A value too long for its box is printed smaller, then
/// wrapped, and cut with an ellipsis only as a last resort. The fonts are embedded once
/// per document, subset to the glyphs used. Refused: no card
/// ([`DocumentError::NoCards`]) or more than [`MAX_CARDS`]
/// ([`DocumentError::TooManyCards`]).
pub fn capture_cards(cards: &[CaptureCard]) -> Result<Vec<u8>, DocumentError> {
    if cards.is_empty() {
        return Err(DocumentError::NoCards);
    }
    if cards.len() > MAX_CARDS {
        return Err(DocumentError::TooManyCards {
            cards: cards.len(),
            max: MAX_CARDS,
        });
    }
    let mut fonts = Fonts::new().map_err(DocumentError::Pdf)?;
    let mut document = Document::new();
    let first = wordings(cards[0].languages);
    document.set_metadata(
        Metadata::new()
            .creator("Repatria".to_string())
            .title(both(&first, |w| w.card.title)),
    );
    let settings = PageSettings::from_wh(CARD_WIDTH, CARD_HEIGHT)
        .ok_or_else(|| DocumentError::Pdf("bad page size".into()))?;
    for card in cards {
        let wordings = wordings(card.languages);
        for side in [front, back] {
            crate::paint::new_page();
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            draw(&mut fonts, &mut surface, |painter| {
                side(painter, card, &wordings)
            });
            surface.finish();
            page.finish();
        }
    }
    document
        .finish()
        .map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}

fn draw(fonts: &mut Fonts, surface: &mut Surface, side: impl FnOnce(&mut Painter)) {
    let mut painter = Painter { fonts, surface };
    painter.surface.set_fill(Some(ink()));
    side(&mut painter);
}

/// The card's texts of one language.
fn card(wording: &Labels) -> &CardLabels {
    &wording.card
}

/// The front: mail, postage, title, the notice to the prisoner and the Agency's address;
/// the same for every card in the same languages.
fn front(painter: &mut Painter, _same_for_all: &CaptureCard, wordings: &[&'static Labels]) {
    let left = MARGIN + 2.0;
    let right = CARD_WIDTH - MARGIN - 2.0;
    let area = |l: f32, t: f32, r: f32, b: f32| Area {
        left: l,
        top: t,
        right: r,
        bottom: b,
    };
    let bold = |size: f32| Fit {
        size,
        min_size: 5.0,
        leading: 1.2,
        bold: true,
    };
    let regular = |size: f32| Fit {
        size,
        min_size: 4.5,
        leading: 1.2,
        bold: false,
    };

    // Top left: prisoner of war mail; top right, where a stamp would be: postage free.
    let half = CARD_WIDTH / 2.0;
    let mut y = MARGIN + 2.0;
    for (i, w) in wordings.iter().enumerate() {
        let size = if i == 0 { 10.0 } else { 8.5 };
        y = block(
            painter,
            card(w).mail,
            area(left, y, half, y + 2.0 * size),
            bold(size),
        );
    }
    let stamp = area(right - 62.0, MARGIN + 2.0, right, MARGIN + 38.0);
    painter.rects(&[stamp.ltrb()], None, Some(rule(0.5, 90)));
    let text = wordings
        .iter()
        .map(|w| card(w).postage_free)
        .collect::<Vec<_>>()
        .join("\n");
    let inner = stamp.inset(3.0, 3.0);
    let lines = fitted(painter.fonts, &text, inner, regular(7.5));
    let middle = Area {
        top: inner.top + ((inner.height() - lines_height(&lines, 1.2)) / 2.0).max(0.0),
        ..inner
    };
    centred(painter, &text, middle, regular(lines.size));

    // The title, across the card, under the stamp's box.
    let mut y = (y + 8.0).max(stamp.bottom + 14.0);
    for (i, w) in wordings.iter().enumerate() {
        let size = if i == 0 { 12.0 } else { 10.0 };
        y = centred(
            painter,
            card(w).title,
            area(left, y, right, y + 2.0 * size * 1.2),
            bold(size),
        );
        y += 1.0;
    }
    let rule_y = y + 4.0;
    painter.lines(&[((left, rule_y), (right, rule_y))], rule(0.6, 0));

    // Bottom left: the notice to the prisoner, framed.
    let notice = area(left, rule_y + 10.0, half - 6.0, CARD_HEIGHT - MARGIN);
    let mut pieces = Vec::new();
    for w in wordings {
        let c = card(w);
        pieces.push(Piece {
            text: c.important,
            size: 7.0,
            bold: true,
            gap: 1.0,
        });
        pieces.push(Piece {
            text: c.complete_when,
            size: 6.5,
            bold: false,
            gap: 1.5,
        });
        pieces.push(Piece {
            text: c.distinct,
            size: 6.5,
            bold: false,
            gap: 7.0,
        });
    }
    // The frame closes under the text (the last gap is the frame's padding).
    let bottom = flow(painter, &pieces, notice.inset(5.0, 4.0), 1.2);
    let frame = Area {
        bottom: (bottom - 3.0).min(notice.bottom),
        ..notice
    };
    painter.rects(&[frame.ltrb()], None, Some(rule(0.5, 90)));

    // Bottom right: the Agency's address, in English too when neither language is, so
    // that the post can read it.
    let mut addressed: Vec<&Labels> = wordings.to_vec();
    if !addressed
        .iter()
        .any(|w| std::ptr::eq(*w, labels(Language::English)))
    {
        addressed.push(labels(Language::English));
    }
    let mut pieces = Vec::new();
    for w in &addressed {
        let c = card(w);
        pieces.push(Piece {
            text: c.agency,
            size: 8.5,
            bold: true,
            gap: 0.5,
        });
        pieces.push(Piece {
            text: c.committee,
            size: 8.0,
            bold: false,
            gap: 0.5,
        });
        pieces.push(Piece {
            text: c.city,
            size: 8.5,
            bold: true,
            gap: 9.0,
        });
    }
    flow(
        painter,
        &pieces,
        area(half + 8.0, rule_y + 14.0, right, CARD_HEIGHT - MARGIN),
        1.2,
    );
}

/// A cell of the back: its box, number, label and value.
struct Cell {
    area: Area,
    number: &'static str,
    label: String,
    /// The most lines the label takes.
    label_lines: f32,
    value: Shown,
}

/// The back's boxes and what they hold.
struct Back {
    /// Fields 1 to 10 (with 10's second half), then 12 (its heading, prisoner No. and
    /// camp), 13 and 14.
    cells: Vec<Cell>,
    /// Field 11.
    health: Area,
    /// Where 12's heading ends: its halves are divided below it only.
    heading: f32,
}

/// The cells of fields 1 to 10 come before the health row in reading order.
const CELLS_BEFORE_HEALTH: usize = 11;

/// The back: fields 1 to 14 in a grid of boxes.
fn back(painter: &mut Painter, card: &CaptureCard, wordings: &[&'static Labels]) {
    let Back {
        cells,
        health,
        heading,
    } = back_layout(card, wordings);
    // The grid: every cell's box (12's halves only divided), the health row's, and a
    // heavier frame.
    let mut boxes: Vec<(f32, f32, f32, f32)> = cells
        .iter()
        .filter(|c| c.area.top != heading)
        .map(|c| c.area.ltrb())
        .collect();
    boxes.push(health.ltrb());
    painter.rects(&boxes, None, Some(rule(0.4, 110)));
    let dividers: Vec<_> = cells
        .iter()
        .filter(|c| c.area.top == heading && c.area.left > MARGIN)
        .map(|c| ((c.area.left, heading), (c.area.left, c.area.bottom)))
        .collect();
    painter.lines(&dividers, rule(0.4, 110));
    painter.rects(
        &[(MARGIN, MARGIN, CARD_WIDTH - MARGIN, CARD_HEIGHT - MARGIN)],
        None,
        Some(rule(0.8, 0)),
    );

    let (before, after) = cells.split_at(CELLS_BEFORE_HEALTH);
    for cell in before {
        draw_cell(painter, cell);
    }
    draw_health(painter, card.health, health, wordings);
    for cell in after {
        draw_cell(painter, cell);
    }
}

/// Where the back's fields are, and what each prints.
fn back_layout(card: &CaptureCard, wordings: &[&'static Labels]) -> Back {
    let label = |text: fn(&CardLabels) -> &'static str| both(wordings, |w| text(&w.card));
    let shown = |entry: &Entry| Shown::of(entry, wordings);
    let left = MARGIN;
    let right = CARD_WIDTH - MARGIN;
    let width = right - left;
    // Row heights, top to bottom; the health row (11) takes what is left.
    const HEALTH_ROW: usize = 6;
    const ADDRESS_ROW: usize = 7;
    let heights = [25.0, 28.0, 26.0, 26.0, 31.0, 26.0, 0.0, 33.0, 27.0];
    let health_height = CARD_HEIGHT - 2.0 * MARGIN - heights.iter().sum::<f32>();
    let mut tops = vec![MARGIN];
    for (i, h) in heights.iter().enumerate() {
        let height = if i == HEALTH_ROW { health_height } else { *h };
        tops.push(tops[i] + height);
    }
    // A row's cells: the fractions of the width each takes.
    let row = |r: usize, fractions: &[f32]| -> Vec<Area> {
        let mut x = left;
        fractions
            .iter()
            .map(|f| {
                x += f * width;
                Area {
                    left: x - f * width,
                    top: tops[r],
                    right: x,
                    bottom: tops[r + 1],
                }
            })
            .collect()
    };
    let cell = |area: Area, number: &'static str, label: String, value: Shown| Cell {
        area,
        number,
        label,
        label_lines: LABEL_LINES,
        value,
    };
    let r0 = row(0, &[1.0]);
    let r1 = row(1, &[0.45, 0.55]);
    let r2 = row(2, &[0.33, 0.27, 0.40]);
    let r3 = row(3, &[0.5, 0.5]);
    let r4 = row(4, &[1.0]);
    let r5 = row(5, &[0.36, 0.64]);
    let r8 = row(8, &[0.36, 0.64]);
    // 12: "My present address" across the row, prisoner No. and camp under it.
    let address = row(ADDRESS_ROW, &[1.0])[0];
    let heading = address.top + LABEL.size * LABEL.leading + CELL_PADDING;
    let under: Vec<Area> = row(ADDRESS_ROW, &[0.36, 0.64])
        .into_iter()
        .map(|a| Area { top: heading, ..a })
        .collect();
    let date = Shown::of(&Entry::Given(card.date.clone()), wordings);
    let cells = [
        cell(r0[0], "1", label(|c| c.power), shown(&card.power)),
        cell(
            r1[0],
            "2",
            label(|c| c.family_name),
            shown(&card.family_name),
        ),
        cell(
            r1[1],
            "3",
            label(|c| c.given_names),
            shown(&card.given_names),
        ),
        cell(
            r2[0],
            "4",
            label(|c| c.father_first_name),
            shown(&card.father_first_name),
        ),
        cell(
            r2[1],
            "5",
            label(|c| c.date_of_birth),
            shown(&card.date_of_birth),
        ),
        cell(
            r2[2],
            "6",
            label(|c| c.place_of_birth),
            shown(&card.place_of_birth),
        ),
        cell(r3[0], "7", label(|c| c.rank), shown(&card.rank)),
        cell(
            r3[1],
            "8",
            label(|c| c.service_number),
            shown(&card.service_number),
        ),
        cell(
            r4[0],
            "9",
            label(|c| c.family_address),
            shown(&card.family_address),
        ),
        cell(
            r5[0],
            "10",
            label(|c| c.taken_prisoner_on),
            shown(&card.taken_prisoner_on),
        ),
        cell(
            r5[1],
            "",
            label(|c| c.coming_from),
            shown(&card.coming_from),
        ),
        Cell {
            label_lines: 1.0,
            ..cell(address, "12", label(|c| c.present_address), Shown::Blank)
        },
        Cell {
            label_lines: 1.0,
            ..cell(
                under[0],
                "",
                label(|c| c.prisoner_number),
                shown(&card.prisoner_number),
            )
        },
        Cell {
            label_lines: 1.0,
            ..cell(under[1], "", label(|c| c.camp), shown(&card.camp))
        },
        cell(r8[0], "13", label(|c| c.date), date),
        cell(r8[1], "14", label(|c| c.signature), Shown::Blank),
    ];

    Back {
        cells: cells.into(),
        health: row(HEALTH_ROW, &[1.0])[0],
        heading,
    }
}

/// A cell's number (bold) and label at its top, the value below.
fn draw_cell(painter: &mut Painter, cell: &Cell) {
    let inner = cell.area.inset(CELL_PADDING, CELL_PADDING - 0.5);
    let label_area = Area {
        bottom: inner.top + cell.label_lines * LABEL.size * LABEL.leading,
        ..inner
    };
    let label_bottom = number_and_label(painter, cell.number, &cell.label, label_area);
    let value = Area {
        top: label_bottom + 1.0,
        ..inner
    };
    draw_value(painter, &cell.value, value, VALUE);
}

/// A field's number in bold and its label beside it, wrapped under itself (a hanging
/// indent) within `area`; returns the bottom of the label.
fn number_and_label(painter: &mut Painter, number: &str, label: &str, area: Area) -> f32 {
    let mut x = area.left;
    if !number.is_empty() {
        let one = crate::layout::Fitted {
            lines: vec![number.to_string()],
            size: LABEL.size,
            cut: false,
        };
        x += draw_lines(painter, &one, x, area.top, LABEL.leading, true) + 2.5;
    }
    painter.surface.set_fill(Some(gray(55)));
    // On one line, a little smaller if need be; else wrapped.
    let area = Area { left: x, ..area };
    let one_line = Area {
        bottom: area.top + LABEL.size * LABEL.leading,
        ..area
    };
    let mut lines = fitted(painter.fonts, label, one_line, ONE_LINE_LABEL);
    if lines.cut {
        lines = fitted(painter.fonts, label, area, LABEL);
    }
    draw_lines(painter, &lines, area.left, area.top, LABEL.leading, false);
    let bottom = area.top + lines_height(&lines, LABEL.leading);
    painter.surface.set_fill(Some(ink()));
    bottom
}

/// Field 11: the seven categories of health in two rows, each with a box, the one
/// recorded marked with an X.
fn draw_health(
    painter: &mut Painter,
    recorded: Option<HealthCategory>,
    area: Area,
    wordings: &[&'static Labels],
) {
    let inner = area.inset(CELL_PADDING, CELL_PADDING - 0.5);
    let label = both(wordings, |w| w.card.health);
    let top = number_and_label(
        painter,
        "11",
        &label,
        Area {
            bottom: inner.top + LABEL.size * LABEL.leading,
            ..inner
        },
    ) + 1.5;
    const COLUMNS: usize = 4;
    const MARK: f32 = 7.0;
    let column_width = inner.width() / COLUMNS as f32;
    let row_height = (inner.bottom - top) / 2.0;
    let letters = ["a", "b", "c", "d", "e", "f", "g"];
    let option = Fit {
        size: 7.0,
        min_size: 4.5,
        leading: 1.1,
        bold: false,
    };
    let mut marks = Vec::new();
    for (i, &category) in HealthCategory::ALL.iter().enumerate() {
        let x = inner.left + (i % COLUMNS) as f32 * column_width;
        let y = top + (i / COLUMNS) as f32 * row_height;
        let mark = Area {
            left: x,
            top: y + 0.5,
            right: x + MARK,
            bottom: y + 0.5 + MARK,
        };
        marks.push(mark.ltrb());
        if recorded == Some(category) {
            let x_width = painter.fonts.width("X", MARK, true);
            let one = crate::layout::Fitted {
                lines: vec!["X".into()],
                size: MARK,
                cut: false,
            };
            draw_lines(
                painter,
                &one,
                mark.left + (MARK - x_width) / 2.0,
                mark.top - 0.2,
                1.0,
                true,
            );
        }
        let text = format!(
            "({}) {}",
            letters[i],
            both(wordings, |w| w.card.health_category(category))
        );
        block(
            painter,
            &text,
            Area {
                left: mark.right + 2.5,
                top: y,
                right: x + column_width - 3.0,
                bottom: y + row_height,
            },
            option,
        );
    }
    painter.rects(&marks, None, Some(rule(0.6, 0)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paint::drawn::{self, Line};

    fn card() -> CaptureCard {
        let given = |text: &str| Entry::given(text);
        CaptureCard {
            languages: (Language::Russian, Some(Language::Korean)),
            power: given("Україна"),
            family_name: given(&"Ж".repeat(3000)),
            given_names: given("Євген"),
            father_first_name: Entry::Refused,
            date_of_birth: given("12.05.1991"),
            place_of_birth: given("м. Житомир"),
            rank: given("старший солдат"),
            service_number: given(&"1234567890".repeat(40)),
            family_address: given(&format!("ПОЧАТОК {} КІНЕЦЬ", "Щщщ 김민준 ".repeat(1500))),
            taken_prisoner_on: given("03.02.2025"),
            coming_from: given(&"Лазарет ".repeat(300)),
            health: Some(HealthCategory::Sick),
            prisoner_number: given(&"№".repeat(500)),
            camp: given("Лагерь № 5"),
            date: "10.02.2025".into(),
        }
    }

    /// A line's box: its edges, from a little above the letters to below the
    /// descenders.
    fn inside(line: &Line, area: Area) -> bool {
        line.left >= area.left - 0.01
            && line.right <= area.right + 0.01
            && line.baseline - 0.8 * line.size >= area.top - 0.01
            && line.baseline + 0.25 * line.size <= area.bottom + 0.01
    }

    #[test]
    fn every_line_stays_on_the_card_and_each_value_in_its_box() {
        drawn::pages();
        let cards = [card()];
        capture_cards(&cards).unwrap();
        let pages = drawn::pages();
        assert_eq!(pages.len(), 2);
        let frame = Area {
            left: MARGIN,
            top: MARGIN,
            right: CARD_WIDTH - MARGIN,
            bottom: CARD_HEIGHT - MARGIN,
        };
        for page in &pages {
            assert!(page.len() > 20);
            for line in page {
                assert!(inside(line, frame), "{line:?}");
            }
        }
        // Each value within its box (inside the box's padding).
        let wordings = wordings(cards[0].languages);
        let back = back_layout(&cards[0], &wordings);
        let box_of = |number: &str| back.cells.iter().find(|c| c.number == number).unwrap();
        for (number, marker) in [("9", "Щщщ"), ("2", "ЖЖЖ"), ("8", "1234"), ("10", "03.02")] {
            let area = box_of(number).area.inset(CELL_PADDING - 0.01, 0.0);
            let lines: Vec<&Line> = pages[1]
                .iter()
                .filter(|l| l.text.contains(marker))
                .collect();
            assert!(!lines.is_empty(), "{marker}");
            for line in lines {
                assert!(
                    inside(line, area),
                    "field {number}: {line:?} outside {area:?}"
                );
                assert!(line.size >= VALUE.min_size, "{line:?}");
            }
        }
        // Cut values end with an ellipsis; a short one is printed whole, full size.
        let last = |marker: &str| {
            pages[1]
                .iter()
                .rfind(|l| l.text.contains(marker))
                .unwrap()
                .clone()
        };
        assert!(last("Щщщ").text.ends_with('…'));
        assert!(last("ЖЖЖ").text.ends_with('…'));
        let date = last("03.02.2025");
        assert_eq!(date.text, "03.02.2025");
        assert_eq!(date.size, VALUE.size);
    }

    #[test]
    fn every_label_in_every_pair_of_languages_is_whole() {
        for &first in Language::ALL {
            for &second in Language::ALL {
                drawn::pages();
                let mut card = card();
                card.languages = (first, Some(second));
                capture_cards(&[card]).unwrap();
                for (side, page) in drawn::pages().iter().enumerate() {
                    for line in page {
                        // Only the long values are cut.
                        let value = ["Щщщ", "ЖЖЖ", "1234", "Лазарет", "№№№"]
                            .iter()
                            .any(|v| line.text.contains(v));
                        assert!(
                            value || !line.text.contains('…'),
                            "{first}/{second}, side {side}: {line:?}"
                        );
                        assert!(line.size >= 4.5, "{first}/{second}: {line:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_recorded_health_category_alone_is_marked() {
        for (i, &category) in HealthCategory::ALL.iter().enumerate() {
            drawn::pages();
            let mut card = card();
            card.health = Some(category);
            capture_cards(&[card]).unwrap();
            let back = &drawn::pages()[1];
            let marks: Vec<usize> = back
                .iter()
                .enumerate()
                .filter(|(_, l)| l.text == "X")
                .map(|(n, _)| n)
                .collect();
            assert_eq!(marks.len(), 1, "{category}");
            // The mark comes just before its category's words.
            let letter = format!("({})", ["a", "b", "c", "d", "e", "f", "g"][i]);
            assert!(back[marks[0] + 1].text.starts_with(&letter), "{category}");
        }
    }
}
