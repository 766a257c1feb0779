//! The table as an A4 landscape PDF: the title and lines on the first page, the header
//! row repeated at the top of every page the table runs over, rows never split across
//! pages, the footer after the table, and on every page the title and "page N of M" at
//! the bottom.

use krilla::geom::{PathBuilder, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use crate::fonts::Fonts;
use crate::layout::{column_widths, natural_width, wrap};
use crate::paint::{gray, rule, Painter};
use crate::{DocumentError, Table, MAX_PDF_COLUMNS};

/// A4 landscape, in points.
const PAGE_WIDTH: f32 = 841.89;
const PAGE_HEIGHT: f32 = 595.28;
const MARGIN: f32 = 36.0;
/// The body ends here; the page's own footer (title, page number) is below.
const BODY_BOTTOM: f32 = PAGE_HEIGHT - 50.0;
const PAGE_FOOTER_BASELINE: f32 = PAGE_HEIGHT - 26.0;

const TITLE_SIZE: f32 = 14.0;
const LINE_SIZE: f32 = 10.0;
const CELL_SIZE: f32 = 9.0;
const PAGE_FOOTER_SIZE: f32 = 8.0;
/// Line height and the baseline's distance from a line's top, in ems.
const LEADING: f32 = 1.3;
const ASCENT: f32 = 1.0;
const CELL_PADDING_X: f32 = 4.0;
const CELL_PADDING_Y: f32 = 3.0;
/// The most lines a cell prints (the rest is cut with an ellipsis; the XLSX has it all),
/// and a heading: so that a row always fits on a page under the header row.
const MAX_CELL_LINES: usize = 24;
const MAX_HEADER_LINES: usize = 4;
// The tallest row under the tallest header row fits on a page: rows are never split.
const _: () = assert!(
    MARGIN
        + (MAX_HEADER_LINES + MAX_CELL_LINES) as f32 * CELL_SIZE * LEADING
        + 4.0 * CELL_PADDING_Y
        <= BODY_BOTTOM
);
/// The gap between the lines under the title and the table, and the table and footer.
const GAP: f32 = 12.0;

/// The table as the bytes of an A4 landscape PDF.
///
/// Cells wrap within their column; a cell longer than 24 lines is cut
/// with an ellipsis (the XLSX keeps the whole text). The fonts are subset and carry
/// ToUnicode maps, so the text can be searched and copied. No date is written into the
/// file's metadata: the same table gives the same bytes.
pub fn pdf(table: &Table) -> Result<Vec<u8>, DocumentError> {
    table.check(MAX_PDF_COLUMNS)?;
    let mut fonts = Fonts::new().map_err(DocumentError::Pdf)?;
    let laid = lay_out(&mut fonts, table);
    draw(&mut fonts, table, &laid)
}

/// A text line placed on a page.
struct TextLine {
    text: String,
    y: f32,
    size: f32,
    bold: bool,
}

/// A row of wrapped cells and its height.
struct Row {
    cells: Vec<Vec<String>>,
    height: f32,
}

#[derive(Default)]
struct Page {
    lines: Vec<TextLine>,
    /// Where the header row starts, if the table runs on this page.
    header_y: Option<f32>,
    /// Rows (indices into the laid-out rows) and where each starts.
    rows: Vec<(usize, f32)>,
}

struct Laid {
    columns: Vec<f32>,
    header: Row,
    rows: Vec<Row>,
    pages: Vec<Page>,
}

fn row_height(cells: &[Vec<String>], size: f32) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    lines as f32 * size * LEADING + 2.0 * CELL_PADDING_Y
}

fn lay_out(fonts: &mut Fonts, table: &Table) -> Laid {
    let available = PAGE_WIDTH - 2.0 * MARGIN;
    let count = table.headers.len();
    // Natural widths, the longest lines' (a column is never asked to be wider than the
    // page).
    let mut natural: Vec<f32> = table
        .headers
        .iter()
        .map(|h| natural_width(fonts, h, CELL_SIZE, true))
        .collect();
    for cells in &table.rows {
        for (width, cell) in natural.iter_mut().zip(cells) {
            if *width < available {
                *width = width.max(natural_width(fonts, cell, CELL_SIZE, false));
            }
        }
    }
    let natural: Vec<f32> = natural
        .into_iter()
        .map(|w| (w + 2.0 * CELL_PADDING_X + 1.0).min(available))
        .collect();
    let columns = column_widths(&natural, available);
    let inner = |c: usize| (columns[c] - 2.0 * CELL_PADDING_X).max(1.0);

    let header_cells: Vec<Vec<String>> = table
        .headers
        .iter()
        .enumerate()
        .map(|(c, h)| wrap(fonts, h, inner(c), CELL_SIZE, true, MAX_HEADER_LINES))
        .collect();
    let header = Row {
        height: row_height(&header_cells, CELL_SIZE),
        cells: header_cells,
    };
    let empty = String::new();
    let rows: Vec<Row> = table
        .rows
        .iter()
        .map(|cells| {
            let cells: Vec<Vec<String>> = (0..count)
                .map(|c| {
                    let text = cells.get(c).unwrap_or(&empty);
                    wrap(fonts, text, inner(c), CELL_SIZE, false, MAX_CELL_LINES)
                })
                .collect();
            Row {
                height: row_height(&cells, CELL_SIZE),
                cells,
            }
        })
        .collect();

    let mut pages = vec![Page::default()];
    let mut y = MARGIN;
    // Text lines flow down the page and on to the next.
    let text = |pages: &mut Vec<Page>, y: &mut f32, text: String, size: f32, bold: bool| {
        let height = size * LEADING;
        if *y + height > BODY_BOTTOM {
            pages.push(Page::default());
            *y = MARGIN;
        }
        if let Some(page) = pages.last_mut() {
            page.lines.push(TextLine {
                text,
                y: *y,
                size,
                bold,
            });
        }
        *y += height;
    };
    let full = |fonts: &mut Fonts, t: &str, size: f32, bold: bool| {
        wrap(fonts, t, available, size, bold, usize::MAX)
    };
    if !table.title.is_empty() {
        for line in full(fonts, &table.title, TITLE_SIZE, true) {
            text(&mut pages, &mut y, line, TITLE_SIZE, true);
        }
        y += 4.0;
    }
    for line in &table.lines {
        for line in full(fonts, line, LINE_SIZE, false) {
            text(&mut pages, &mut y, line, LINE_SIZE, false);
        }
    }
    if y > MARGIN {
        y += GAP;
    }
    if count > 0 {
        let mut header_here = false;
        let place_header = |pages: &mut Vec<Page>, y: &mut f32| {
            if let Some(page) = pages.last_mut() {
                page.header_y = Some(*y);
            }
            *y += header.height;
        };
        if table.rows.is_empty() {
            if y + header.height > BODY_BOTTOM {
                pages.push(Page::default());
                y = MARGIN;
            }
            place_header(&mut pages, &mut y);
        }
        for (i, row) in rows.iter().enumerate() {
            let needed = row.height + if header_here { 0.0 } else { header.height };
            if y + needed > BODY_BOTTOM {
                pages.push(Page::default());
                y = MARGIN;
                header_here = false;
            }
            if !header_here {
                place_header(&mut pages, &mut y);
                header_here = true;
            }
            if let Some(page) = pages.last_mut() {
                page.rows.push((i, y));
            }
            y += row.height;
        }
        y += GAP;
    }
    if let Some(footer) = &table.footer {
        // Kept on one page (signature lines belong together) unless longer than a page.
        let lines = full(fonts, footer, LINE_SIZE, false);
        let height = lines.len() as f32 * LINE_SIZE * LEADING;
        if y + height > BODY_BOTTOM && MARGIN + height <= BODY_BOTTOM {
            pages.push(Page::default());
            y = MARGIN;
        }
        for line in lines {
            text(&mut pages, &mut y, line, LINE_SIZE, false);
        }
    }
    Laid {
        columns,
        header,
        rows,
        pages,
    }
}

fn draw(fonts: &mut Fonts, table: &Table, laid: &Laid) -> Result<Vec<u8>, DocumentError> {
    let mut document = Document::new();
    let mut metadata = Metadata::new().creator("Repatria".to_string());
    if !table.title.is_empty() {
        metadata = metadata.title(table.title.clone());
    }
    document.set_metadata(metadata);
    let total = laid.pages.len();
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| DocumentError::Pdf("bad page size".into()))?;
    let left = MARGIN;
    let right = PAGE_WIDTH - MARGIN;
    let page_title = fonts.printable(&table.title).replace('\n', " ");
    for (number, page) in laid.pages.iter().enumerate() {
        let mut pdf_page = document.start_page_with(settings.clone());
        let mut surface = pdf_page.surface();
        let mut painter = Painter {
            fonts: &mut *fonts,
            surface: &mut surface,
        };
        for line in &page.lines {
            painter.text(
                left,
                line.y + line.size * ASCENT,
                &line.text,
                line.size,
                line.bold,
            );
        }
        if let Some(header_y) = page.header_y {
            let table_bottom = page
                .rows
                .last()
                .map_or(header_y + laid.header.height, |&(i, y)| {
                    y + laid.rows[i].height
                });
            // Backgrounds first: the header row's, and every other row's.
            let mut shaded = PathBuilder::new();
            if let Some(rect) =
                Rect::from_ltrb(left, header_y, right, header_y + laid.header.height)
            {
                painter.surface.set_fill(Some(gray(225)));
                painter.surface.set_stroke(None);
                let mut header = PathBuilder::new();
                header.push_rect(rect);
                if let Some(path) = header.finish() {
                    painter.surface.draw_path(&path);
                }
            }
            for &(i, y) in &page.rows {
                if i % 2 == 1 {
                    if let Some(rect) = Rect::from_ltrb(left, y, right, y + laid.rows[i].height) {
                        shaded.push_rect(rect);
                    }
                }
            }
            if let Some(path) = shaded.finish() {
                painter.surface.set_fill(Some(gray(244)));
                painter.surface.draw_path(&path);
            }
            // Rules: under the header and each row, and between the columns.
            let mut rules = PathBuilder::new();
            rules.move_to(left, header_y);
            rules.line_to(right, header_y);
            let mut bottoms = vec![header_y + laid.header.height];
            bottoms.extend(page.rows.iter().map(|&(i, y)| y + laid.rows[i].height));
            for bottom in bottoms {
                rules.move_to(left, bottom);
                rules.line_to(right, bottom);
            }
            let mut x = left;
            rules.move_to(x, header_y);
            rules.line_to(x, table_bottom);
            for width in &laid.columns {
                x += width;
                rules.move_to(x, header_y);
                rules.line_to(x, table_bottom);
            }
            if let Some(path) = rules.finish() {
                painter.surface.set_fill(None);
                painter.surface.set_stroke(Some(rule(0.4, 140)));
                painter.surface.draw_path(&path);
                painter.surface.set_stroke(None);
            }
            painter.surface.set_fill(Some(gray(0)));
            draw_row(&mut painter, &laid.header, &laid.columns, header_y, true);
            for &(i, y) in &page.rows {
                draw_row(&mut painter, &laid.rows[i], &laid.columns, y, false);
            }
        }
        // The page's own footer: which document, which page.
        painter.surface.set_fill(Some(gray(90)));
        let label = format!("page {} of {}", number + 1, total);
        let label_width = painter.fonts.width(&label, PAGE_FOOTER_SIZE, false);
        painter.text(
            right - label_width,
            PAGE_FOOTER_BASELINE,
            &label,
            PAGE_FOOTER_SIZE,
            false,
        );
        if !page_title.is_empty() {
            let room = right - left - label_width - 24.0;
            let title = wrap(painter.fonts, &page_title, room, PAGE_FOOTER_SIZE, false, 1);
            if let Some(title) = title.first() {
                painter.text(left, PAGE_FOOTER_BASELINE, title, PAGE_FOOTER_SIZE, false);
            }
        }
        surface.finish();
        pdf_page.finish();
    }
    document
        .finish()
        .map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}

/// A row's cells, each line from its column's left edge and the row's top.
fn draw_row(painter: &mut Painter, row: &Row, columns: &[f32], top: f32, bold: bool) {
    let mut x = MARGIN;
    for (lines, width) in row.cells.iter().zip(columns) {
        for (n, line) in lines.iter().enumerate() {
            if line.is_empty() {
                continue;
            }
            let baseline =
                top + CELL_PADDING_Y + n as f32 * CELL_SIZE * LEADING + CELL_SIZE * ASCENT;
            painter.text(x + CELL_PADDING_X, baseline, line, CELL_SIZE, bold);
        }
        x += width;
    }
}
