//! Drawing on a PDF page, shared by the table ([`crate::pdf`]) and the forms: text in
//! the compiled-in fonts (each run in the face that has it, bold Hangul with an outline),
//! rules and shaded rectangles.

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;

use crate::fonts::{Face, Fonts};

/// Bold Hangul (its font has no bold) is drawn with an outline this thick, in ems.
const FAUX_BOLD: f32 = 0.06;

/// A fill of gray `level` (0 black, 255 white).
pub(crate) fn gray(level: u8) -> Fill {
    Fill {
        paint: luma::Color::new(level).into(),
        ..Fill::default()
    }
}

/// A stroke `width` points wide in gray `level`.
pub(crate) fn rule(width: f32, level: u8) -> Stroke {
    Stroke {
        paint: luma::Color::new(level).into(),
        width,
        ..Stroke::default()
    }
}

/// Marks the start of a page for the unit tests' record of what is drawn.
pub(crate) fn new_page() {
    #[cfg(test)]
    drawn::push(None);
}

/// A straight line from one point to another.
pub(crate) type Segment = ((f32, f32), (f32, f32));

/// The fonts and the page being drawn on.
pub(crate) struct Painter<'a, 's> {
    pub(crate) fonts: &'a mut Fonts,
    pub(crate) surface: &'a mut Surface<'s>,
}

impl Painter<'_, '_> {
    /// One line of text from `x` on the baseline `y`, each run in its font, in the fill
    /// set on the surface. Returns the line's width.
    pub(crate) fn text(&mut self, x: f32, y: f32, text: &str, size: f32, bold: bool) -> f32 {
        let start = x;
        let mut x = x;
        for (face, run, _) in self.fonts.runs(text, size, bold) {
            let faux_bold = bold && face == Face::Hangul;
            self.surface.set_stroke(faux_bold.then(|| Stroke {
                width: FAUX_BOLD * size,
                ..Stroke::default()
            }));
            let glyphs = self.fonts.shape(face, run);
            self.surface.draw_glyphs(
                Point::from_xy(x, y),
                &glyphs,
                self.fonts.font(face),
                run,
                size,
                false,
            );
            self.surface.set_stroke(None);
            x += glyphs.iter().map(|g| g.x_advance).sum::<f32>() * size;
        }
        #[cfg(test)]
        drawn::push(Some(drawn::Line {
            text: text.to_string(),
            left: start,
            right: x,
            baseline: y,
            size,
        }));
        x - start
    }

    /// Straight lines, each from one point to another, stroked with `stroke`. The fill of
    /// text is kept.
    pub(crate) fn lines(&mut self, lines: &[Segment], stroke: Stroke) {
        let mut path = PathBuilder::new();
        for &((x1, y1), (x2, y2)) in lines {
            path.move_to(x1, y1);
            path.line_to(x2, y2);
        }
        if let Some(path) = path.finish() {
            let text_fill = self.surface.get_fill().cloned();
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(stroke));
            self.surface.draw_path(&path);
            self.surface.set_fill(text_fill);
            self.surface.set_stroke(None);
        }
    }

    /// Rectangles (left, top, right, bottom), filled with `fill` and/or outlined with
    /// `stroke`. The fill of text is kept.
    pub(crate) fn rects(
        &mut self,
        rects: &[(f32, f32, f32, f32)],
        fill: Option<Fill>,
        stroke: Option<Stroke>,
    ) {
        let mut path = PathBuilder::new();
        for &(l, t, r, b) in rects {
            if let Some(rect) = Rect::from_ltrb(l, t, r, b) {
                path.push_rect(rect);
            }
        }
        if let Some(path) = path.finish() {
            let text_fill = self.surface.get_fill().cloned();
            self.surface.set_fill(fill);
            self.surface.set_stroke(stroke);
            self.surface.draw_path(&path);
            self.surface.set_fill(text_fill);
            self.surface.set_stroke(None);
        }
    }
}

/// What the unit tests see of the text drawn on this thread: each line's text, left and
/// right edges, baseline and size, and `None` where a new page starts.
#[cfg(test)]
pub(crate) mod drawn {
    use std::cell::RefCell;

    #[derive(Debug, Clone, PartialEq)]
    pub(crate) struct Line {
        pub(crate) text: String,
        pub(crate) left: f32,
        pub(crate) right: f32,
        pub(crate) baseline: f32,
        pub(crate) size: f32,
    }

    thread_local! {
        static DRAWN: RefCell<Vec<Option<Line>>> = const { RefCell::new(Vec::new()) };
    }

    pub(crate) fn push(line: Option<Line>) {
        DRAWN.with(|d| d.borrow_mut().push(line));
    }

    /// The lines drawn since the last call, page by page.
    pub(crate) fn pages() -> Vec<Vec<Line>> {
        let all = DRAWN.with(|d| std::mem::take(&mut *d.borrow_mut()));
        let mut pages: Vec<Vec<Line>> = Vec::new();
        for line in all {
            match line {
                None => pages.push(Vec::new()),
                Some(line) => match pages.last_mut() {
                    Some(page) => page.push(line),
                    None => pages.push(vec![line]),
                },
            }
        }
        pages
    }
}
