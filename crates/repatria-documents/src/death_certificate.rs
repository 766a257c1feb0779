//! The death certificate of GC III Annex IV D (Art. 120) on one A4 page: the
//! responsible authority, the deceased's particulars, cause and circumstances of death,
//! burial, personal effects and the account of his last moments, then the authority's
//! date, seal and signature and two witnesses' signatures and addresses.

use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use crate::fonts::Fonts;
use crate::forms::{
    block, both, centred, draw_lines, draw_value, fitted, ink, wordings, Area, Entry, Languages,
    Shown,
};
use crate::labels::{CertificateLabels, Labels};
use crate::layout::Fit;
use crate::paint::{gray, rule, Painter};
use crate::DocumentError;

/// A4 portrait, in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 40.0;
/// The labels' column, as a share of the width.
const LABEL_SHARE: f32 = 0.42;
const ROW_PADDING: f32 = 3.5;
const GUTTER: f32 = 8.0;
/// What the signatures need below the fields.
const SIGNATURES_HEIGHT: f32 = 150.0;

const VALUE: Fit = Fit {
    size: 10.0,
    min_size: 6.0,
    leading: 1.2,
    bold: false,
};

/// What one death certificate says. Each field is given, refused (Art. 17: what the
/// prisoner refused to give in his lifetime) or unknown (an empty line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeathCertificate {
    /// The Detaining Power's language, then one the deceased understood (his family
    /// reads the certificate).
    pub languages: Languages,
    /// The responsible authority that draws the certificate up (under the title).
    pub authority: Entry,
    /// Power on which the prisoner depended.
    pub power: Entry,
    /// Name and first names.
    pub name: Entry,
    pub father_first_name: Entry,
    pub mother_maiden_name: Entry,
    /// Place and date of birth, as text.
    pub birth: Entry,
    /// Place and date of death, as text.
    pub death: Entry,
    /// Rank, as given on the identity disc.
    pub rank: Entry,
    /// Service number, as given on the identity disc.
    pub service_number: Entry,
    pub family_address: Entry,
    /// Where and when taken prisoner.
    pub taken_prisoner: Entry,
    /// Cause of death.
    pub cause: Entry,
    /// Circumstances of death.
    pub circumstances: Entry,
    pub burial_place: Entry,
    /// Whether the grave is marked and can be found later by the relatives.
    pub grave: Entry,
    /// Whether the personal effects are kept by the Detaining Power or forwarded with
    /// the certificate.
    pub effects: Entry,
    /// If forwarded, through what agency.
    pub effects_agency: Entry,
    /// Who cared for the deceased and can give an account of his last moments and
    /// burial, or the account itself.
    pub last_moments: Entry,
    /// Who certifies: name and office.
    pub certified_by: Entry,
    /// The certificate's date, already formatted; empty prints an empty line.
    pub date: String,
}

/// The death certificate as a one-page A4 PDF. A value too long for its box is printed
/// smaller, then wrapped, and cut with an ellipsis only as a last resort.
pub fn death_certificate(certificate: &DeathCertificate) -> Result<Vec<u8>, DocumentError> {
    let wordings = wordings(certificate.languages);
    let mut fonts = Fonts::new().map_err(DocumentError::Pdf)?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .creator("Repatria".to_string())
            .title(both(&wordings, |w| w.certificate.title)),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| DocumentError::Pdf("bad page size".into()))?;
    crate::paint::new_page();
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let mut painter = Painter {
        fonts: &mut fonts,
        surface: &mut surface,
    };
    painter.surface.set_fill(Some(ink()));
    draw(&mut painter, certificate, &wordings);
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}

/// One row of the certificate: its label and its values, each with the lines it is
/// given at least, one under the other or side by side (rank | service number).
struct Row {
    label: String,
    values: Vec<(Shown, f32)>,
    side_by_side: bool,
}

impl Row {
    /// The lines of values the row holds at least.
    fn lines(&self) -> f32 {
        if self.side_by_side {
            self.values.iter().map(|v| v.1).fold(0.0, f32::max)
        } else {
            self.values.iter().map(|v| v.1).sum()
        }
    }
}

fn draw(painter: &mut Painter, c: &DeathCertificate, wordings: &[&'static Labels]) {
    let label =
        |text: fn(&CertificateLabels) -> &'static str| both(wordings, |w| text(&w.certificate));
    let shown = |entry: &Entry| Shown::of(entry, wordings);
    let left = MARGIN;
    let right = PAGE_WIDTH - MARGIN;

    // The title, and the authority's name on a line with its label under it.
    let mut y = MARGIN;
    for (i, w) in wordings.iter().enumerate() {
        let size = if i == 0 { 16.0 } else { 12.0 };
        y = centred_at(painter, w.certificate.title, (left, right, y), size, true);
        y += 2.0;
    }
    y += 10.0;
    let authority = Area {
        left: left + 60.0,
        top: y,
        right: right - 60.0,
        bottom: y + 14.0,
    };
    match shown(&c.authority) {
        Shown::Text(text) => {
            let lines = fitted(
                painter.fonts,
                &text,
                authority,
                Fit {
                    bold: true,
                    ..VALUE
                },
            );
            let width = lines
                .lines
                .first()
                .map_or(0.0, |l| painter.fonts.width(l, lines.size, true));
            let x = authority.left + ((authority.width() - width) / 2.0).max(0.0);
            draw_lines(painter, &lines, x, authority.top, VALUE.leading, true);
        }
        other => {
            draw_value(painter, &other, authority, VALUE);
        }
    }
    let line_y = authority.bottom + 1.0;
    painter.lines(
        &[((authority.left, line_y), (authority.right, line_y))],
        rule(0.5, 0),
    );
    painter.surface.set_fill(Some(gray(55)));
    y = centred_at(
        painter,
        &format!("({})", label(|l| l.authority)),
        (left, right, line_y + 2.0),
        7.0,
        false,
    );
    painter.surface.set_fill(Some(ink()));
    y += 10.0;

    let stacked = |label: String, values: Vec<(Shown, f32)>| Row {
        label,
        values,
        side_by_side: false,
    };
    let one = |label: String, entry: &Entry| stacked(label, vec![(shown(entry), 1.0)]);
    let rows = [
        one(label(|l| l.power), &c.power),
        one(label(|l| l.name), &c.name),
        one(label(|l| l.father_first_name), &c.father_first_name),
        one(label(|l| l.mother_maiden_name), &c.mother_maiden_name),
        one(label(|l| l.birth), &c.birth),
        one(label(|l| l.death), &c.death),
        Row {
            label: label(|l| l.rank_and_number),
            values: vec![(shown(&c.rank), 1.0), (shown(&c.service_number), 1.0)],
            side_by_side: true,
        },
        stacked(
            label(|l| l.family_address),
            vec![(shown(&c.family_address), 2.0)],
        ),
        one(label(|l| l.taken_prisoner), &c.taken_prisoner),
        stacked(
            label(|l| l.cause),
            vec![(shown(&c.cause), 2.0), (shown(&c.circumstances), 3.0)],
        ),
        stacked(
            label(|l| l.burial_place),
            vec![(shown(&c.burial_place), 2.0)],
        ),
        stacked(label(|l| l.grave), vec![(shown(&c.grave), 2.0)]),
        stacked(label(|l| l.effects), vec![(shown(&c.effects), 2.0)]),
        one(label(|l| l.effects_agency), &c.effects_agency),
        stacked(
            label(|l| l.last_moments),
            vec![(shown(&c.last_moments), 4.0)],
        ),
        one(label(|l| l.certified_by), &c.certified_by),
    ];

    // The labels' size: the largest at which all rows and the signatures fit the page.
    let label_right = left + (right - left) * LABEL_SHARE;
    let value_left = label_right + GUTTER;
    let bottom = PAGE_HEIGHT - MARGIN - SIGNATURES_HEIGHT;
    let line = VALUE.size * VALUE.leading;
    let mut style = Fit {
        size: 8.5,
        min_size: 5.0,
        leading: 1.2,
        bold: false,
    };
    let heights = loop {
        let heights: Vec<(f32, f32)> = rows
            .iter()
            .map(|row| {
                let wrapped = crate::layout::wrap(
                    painter.fonts,
                    &row.label,
                    label_right - left,
                    style.size,
                    false,
                    usize::MAX,
                );
                let label_height = wrapped.len() as f32 * style.size * style.leading;
                (
                    label_height,
                    label_height.max(row.lines() * line) + 2.0 * ROW_PADDING,
                )
            })
            .collect();
        let total: f32 = heights.iter().map(|h| h.1).sum();
        if y + total <= bottom || style.size - 0.5 < style.min_size {
            break heights;
        }
        style.size -= 0.5;
    };

    // Shaded label column, rules between rows.
    let mut rules = vec![((left, y), (right, y))];
    let mut top = y;
    for (_, height) in &heights {
        top += height;
        rules.push(((left, top), (right, top)));
    }
    painter.rects(
        &[(left, y, label_right + GUTTER / 2.0, top)],
        Some(gray(244)),
        None,
    );
    painter.lines(&rules, rule(0.4, 150));

    for (row, (_, height)) in rows.iter().zip(&heights) {
        let area = Area {
            left,
            top: y,
            right,
            bottom: y + height,
        }
        .inset(0.0, ROW_PADDING);
        let label_area = Area {
            left: left + 3.0,
            right: label_right,
            ..area
        };
        let lines = fitted(painter.fonts, &row.label, label_area, style);
        draw_lines(
            painter,
            &lines,
            label_area.left,
            label_area.top,
            style.leading,
            false,
        );
        let total = row.lines();
        let count = row.values.len() as f32;
        let mut top = area.top;
        for (i, (value, lines)) in row.values.iter().enumerate() {
            let value_area = if row.side_by_side {
                let width = (right - value_left) / count;
                Area {
                    left: value_left + i as f32 * width,
                    right: value_left + (i + 1) as f32 * width - GUTTER,
                    ..area
                }
            } else {
                // Each value its share of the row's height, by the lines it is given.
                let share = area.height() * lines / total;
                top += share;
                Area {
                    left: value_left,
                    top: top - share,
                    right,
                    bottom: top,
                }
            };
            draw_value(painter, value, value_area, VALUE);
        }
        y += height;
    }

    signatures(painter, c, wordings, y + 16.0);
}

/// Below the fields: the authority's date, seal and signature on the left, the two
/// witnesses on the right.
fn signatures(painter: &mut Painter, c: &DeathCertificate, wordings: &[&'static Labels], top: f32) {
    let left = MARGIN;
    let right = PAGE_WIDTH - MARGIN;
    let middle = (left + right) / 2.0;
    let bottom = PAGE_HEIGHT - MARGIN;
    let heading = Fit {
        size: 8.0,
        min_size: 5.0,
        leading: 1.2,
        bold: true,
    };
    let small = Fit {
        size: 7.0,
        min_size: 5.0,
        leading: 1.2,
        bold: false,
    };
    let label =
        |text: fn(&CertificateLabels) -> &'static str| both(wordings, |w| text(&w.certificate));
    let mut lines = Vec::new();
    // The authority.
    let column = |l: f32, r: f32, t: f32, b: f32| Area {
        left: l,
        top: t,
        right: r,
        bottom: b,
    };
    let mut y = block(
        painter,
        &label(|l| l.authority_signature),
        column(left, middle - 12.0, top, top + 22.0),
        heading,
    ) + 6.0;
    let date_label = format!("{}:", label(|l| l.date));
    let date_width = painter.fonts.width(&date_label, small.size, false) + 4.0;
    block(
        painter,
        &date_label,
        column(left, middle, y + 3.0, y + 12.0),
        small,
    );
    let date = Shown::of(&Entry::Given(c.date.clone()), wordings);
    draw_value(
        painter,
        &date,
        column(left + date_width, middle - 12.0, y, y + 14.0),
        VALUE,
    );
    lines.push(((left + date_width, y + 14.0), (middle - 12.0, y + 14.0)));
    y += 24.0;
    // The seal's circle is left to the stamp; its place is marked.
    painter.surface.set_fill(Some(gray(110)));
    block(
        painter,
        &label(|l| l.seal),
        column(left, middle, y, y + 10.0),
        small,
    );
    let signature_y = bottom - 11.0;
    let signature_label = label(|l| l.signature);
    block(
        painter,
        &signature_label,
        column(
            left + 90.0,
            middle - 12.0,
            signature_y + 1.0,
            signature_y + 10.0,
        ),
        small,
    );
    painter.surface.set_fill(Some(ink()));
    lines.push(((left + 90.0, signature_y), (middle - 12.0, signature_y)));

    // The witnesses.
    let w_left = middle + 12.0;
    let mut y = block(
        painter,
        &label(|l| l.witnesses),
        column(w_left, right, top, top + 22.0),
        heading,
    ) + 4.0;
    let room = (bottom - y) / 2.0;
    for n in 1..=2 {
        let signature_line = y + room * 0.35;
        let address_line = y + room * 0.8;
        block(
            painter,
            &format!("{n}."),
            column(w_left, right, signature_line - 9.0, signature_line),
            small,
        );
        painter.surface.set_fill(Some(gray(110)));
        block(
            painter,
            &label(|l| l.signature),
            column(
                w_left + 12.0,
                right,
                signature_line + 1.0,
                signature_line + 10.0,
            ),
            small,
        );
        block(
            painter,
            &label(|l| l.address),
            column(
                w_left + 12.0,
                right,
                address_line + 1.0,
                address_line + 10.0,
            ),
            small,
        );
        painter.surface.set_fill(Some(ink()));
        lines.push(((w_left + 12.0, signature_line), (right, signature_line)));
        lines.push(((w_left + 12.0, address_line), (right, address_line)));
        y += room;
    }
    painter.lines(&lines, rule(0.5, 0));
}

/// `text` centred between `left` and `right` from `top`, at `size` (wrapped, never
/// smaller); returns the bottom.
fn centred_at(
    painter: &mut Painter,
    text: &str,
    (left, right, top): (f32, f32, f32),
    size: f32,
    bold: bool,
) -> f32 {
    let style = Fit {
        size,
        min_size: size,
        leading: 1.2,
        bold,
    };
    let area = Area {
        left,
        top,
        right,
        bottom: top + 3.0 * size * style.leading,
    };
    centred(painter, text, area, style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paint::drawn::{self, Line};
    use crate::Language;

    fn certificate(text: &str) -> DeathCertificate {
        let given = || Entry::given(text);
        DeathCertificate {
            languages: (Language::Korean, Some(Language::Russian)),
            authority: given(),
            power: given(),
            name: given(),
            father_first_name: given(),
            mother_maiden_name: Entry::Refused,
            birth: given(),
            death: given(),
            rank: given(),
            service_number: Entry::Refused,
            family_address: given(),
            taken_prisoner: given(),
            cause: given(),
            circumstances: given(),
            burial_place: given(),
            grave: given(),
            effects: given(),
            effects_agency: given(),
            last_moments: given(),
            certified_by: given(),
            date: text.into(),
        }
    }

    fn inside(line: &Line, left: f32, top: f32, right: f32, bottom: f32) -> bool {
        line.left >= left - 0.01
            && line.right <= right + 0.01
            && line.baseline - 0.8 * line.size >= top - 0.01
            && line.baseline + 0.25 * line.size <= bottom + 0.01
    }

    #[test]
    fn in_every_pair_of_languages_the_labels_are_whole_and_all_is_on_the_page() {
        let long = "Щщщ 김민준 ".repeat(800);
        for &first in Language::ALL {
            for &second in Language::ALL {
                for text in ["Kim 김민준 Ким", long.as_str()] {
                    drawn::pages();
                    let mut c = certificate(text);
                    c.languages = (first, Some(second));
                    death_certificate(&c).unwrap();
                    let pages = drawn::pages();
                    assert_eq!(pages.len(), 1);
                    let value_left = MARGIN + (PAGE_WIDTH - 2.0 * MARGIN) * LABEL_SHARE;
                    // The rows: after the authority's label, before the signatures.
                    let page = &pages[0];
                    let first_row = page.iter().position(|l| l.text.starts_with('(')).unwrap();
                    let signatures = crate::labels::labels(first).certificate.authority_signature;
                    let heading: String = signatures.chars().take(4).collect();
                    let last_row = page
                        .iter()
                        .rposition(|l| l.text.starts_with(&heading))
                        .unwrap();
                    for (n, line) in page.iter().enumerate() {
                        let pair = format!("{first}/{second}: {line:?}");
                        assert!(
                            inside(
                                line,
                                MARGIN,
                                MARGIN,
                                PAGE_WIDTH - MARGIN,
                                PAGE_HEIGHT - MARGIN
                            ),
                            "{pair}"
                        );
                        let value = line.text.contains("김민준");
                        // Values are cut only when too long, labels never; values
                        // lie right of the labels' column.
                        assert!(value || !line.text.contains('…'), "{pair}");
                        if value && n > first_row && n < last_row {
                            assert!(line.left > value_left, "{pair}");
                        }
                        assert!(line.size >= 5.0, "{pair}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_short_certificate_keeps_full_sizes_and_the_order_of_the_model() {
        drawn::pages();
        let mut c = certificate("x");
        c.languages = (Language::English, None);
        c.cause = Entry::given("CAUSE");
        c.circumstances = Entry::given("CIRCUMSTANCES");
        c.grave = Entry::given("GRAVE");
        death_certificate(&c).unwrap();
        let page = &drawn::pages()[0];
        let at = |text: &str| {
            page.iter()
                .position(|l| l.text == text)
                .unwrap_or_else(|| panic!("no {text:?}"))
        };
        assert!(at("DEATH CERTIFICATE") < at("Cause and circumstances of death"));
        assert!(at("Cause and circumstances of death") < at("CAUSE"));
        assert!(at("CAUSE") < at("CIRCUMSTANCES"));
        assert!(at("CIRCUMSTANCES") < at("Place of burial"));
        assert!(at("GRAVE") < at("Certified by"));
        assert_eq!(page[at("CAUSE")].size, VALUE.size);
        // The cause above the circumstances, in the same row.
        assert!(page[at("CAUSE")].baseline < page[at("CIRCUMSTANCES")].baseline);
        assert!(page[at("CAUSE")].left == page[at("CIRCUMSTANCES")].left);
    }
}
