//! The PDF documents the server writes (issue 18, ADV-2: the day sheet and the monthly
//! statement): a small page layout over the `krilla` crate, which shapes the text, subsets
//! and embeds the font, and writes the file.
//!
//! A [`Sheet`] is a list of A4 pages filled from the top: titles, lines of text, rows of
//! cells at fixed column positions and rules. A line that would cross the bottom margin
//! starts a new page, which repeats the table header set with [`Sheet::header`]. The pages
//! are only drawn by [`Sheet::finish`], which then knows their count for the footers
//! ("page 2 / 3"). One font, DejaVu Sans (regular and bold, from the `dejavu` crate), covers
//! every Latin accent, Greek and Cyrillic; a character it lacks shows as its empty box.

use std::sync::Arc;

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};

/// A4, in points.
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
/// Margins, in points.
const MARGIN: f32 = 48.0;
/// The body text's size and line height, in points.
const BODY: f32 = 10.0;
const LINE: f32 = 15.0;

/// One drawing operation of a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rule {
        y: f32,
    },
    /// A raster image (PNG or JPEG bytes) whose top left corner is at `(x, y)`.
    Image {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        png: bool,
        bytes: krilla::Data,
    },
}

/// The box a logo fits in, top right of the first page, in points.
const LOGO_WIDTH: f32 = 140.0;
const LOGO_HEIGHT: f32 = 56.0;

/// A document being laid out (see the module docs).
pub struct Sheet {
    pages: Vec<Vec<Op>>,
    /// The baseline of the next line on the last page.
    y: f32,
    /// The table header repeated at the top of each new page, if any.
    header: Option<Vec<(f32, String)>>,
    /// The footer's words before the page numbers.
    footer: String,
}

impl Sheet {
    /// An empty document whose pages end with `footer` and their number.
    pub fn new(footer: &str) -> Self {
        Self {
            pages: vec![Vec::new()],
            y: MARGIN,
            header: None,
            footer: footer.to_owned(),
        }
    }

    /// Where a column that starts `fraction` of the way across the text width begins.
    pub fn column(fraction: f32) -> f32 {
        MARGIN + fraction * (WIDTH - 2.0 * MARGIN)
    }

    fn room_for(&mut self, height: f32) {
        if self.y + height > HEIGHT - MARGIN - LINE {
            self.new_page();
        }
    }

    /// Starts a new page (with the table header, if one is set).
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
        if let Some(cells) = self.header.clone() {
            self.cells(&cells, true);
            self.rule();
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// A logo of `width` × `height` pixels (`png`, else JPEG) at the top right of the
    /// current page, scaled to fit [`LOGO_WIDTH`] × [`LOGO_HEIGHT`] points with its
    /// proportions; the text below starts under it.
    pub fn logo(&mut self, bytes: Vec<u8>, png: bool, (width, height): (u32, u32)) {
        if width == 0 || height == 0 {
            return;
        }
        let scale = (LOGO_WIDTH / width as f32).min(LOGO_HEIGHT / height as f32);
        let (w, h) = (width as f32 * scale, height as f32 * scale);
        let y = self.y;
        self.push(Op::Image {
            x: WIDTH - MARGIN - w,
            y,
            width: w,
            height: h,
            png,
            bytes: bytes.into(),
        });
        self.y += h + 8.0;
    }

    /// A title in bold, `size` points.
    pub fn title(&mut self, text: &str, size: f32) {
        self.room_for(size * 1.6);
        self.y += size;
        self.push(Op::Text {
            x: MARGIN,
            y: self.y,
            size,
            bold: true,
            text: text.to_owned(),
        });
        self.y += size * 0.6;
    }

    /// A line of body text.
    pub fn line(&mut self, text: &str) {
        self.row(&[(MARGIN, text.to_owned())]);
    }

    /// Vertical space, in points.
    pub fn gap(&mut self, points: f32) {
        self.y += points;
    }

    /// A row of cells, each at its x position.
    pub fn row(&mut self, cells: &[(f32, String)]) {
        self.room_for(LINE);
        self.cells(cells, false);
    }

    fn cells(&mut self, cells: &[(f32, String)], bold: bool) {
        self.y += LINE;
        for (x, text) in cells {
            self.push(Op::Text {
                x: *x,
                y: self.y,
                size: BODY,
                bold,
                text: text.clone(),
            });
        }
    }

    /// A table header: written now in bold with a rule under it, and again at the top of
    /// every page this table continues on.
    pub fn header(&mut self, cells: &[(f32, String)]) {
        self.room_for(3.0 * LINE);
        self.cells(cells, true);
        self.rule();
        self.header = Some(cells.to_vec());
    }

    /// Ends the current table: later pages repeat no header.
    pub fn end_table(&mut self) {
        self.header = None;
    }

    /// A thin horizontal rule across the text width.
    pub fn rule(&mut self) {
        self.y += 5.0;
        let y = self.y;
        self.push(Op::Rule { y });
    }

    /// The PDF file, titled `title` in its metadata.
    pub fn finish(self, title: &str) -> Result<Vec<u8>, String> {
        let regular = font(dejavu::sans::regular())?;
        let bold = font(dejavu::sans::bold())?;
        let mut document = Document::new();
        document.set_metadata(
            Metadata::new()
                .title(title.to_owned())
                .creator("rdv".to_owned()),
        );
        let count = self.pages.len();
        let size = PageSettings::from_wh(WIDTH, HEIGHT).ok_or("no A4 page")?;
        for (n, ops) in self.pages.iter().enumerate() {
            let mut page = document.start_page_with(size.clone());
            let mut surface = page.surface();
            let footer = format!("{} · {} / {}", self.footer, n + 1, count);
            let footer = Op::Text {
                x: MARGIN,
                y: HEIGHT - MARGIN / 2.0,
                size: 8.0,
                bold: false,
                text: footer,
            };
            for op in ops.iter().chain(std::iter::once(&footer)) {
                match op {
                    Op::Text {
                        x,
                        y,
                        size,
                        bold: b,
                        text,
                    } => {
                        let face = if *b { bold.clone() } else { regular.clone() };
                        surface.draw_text(
                            Point::from_xy(*x, *y),
                            face,
                            *size,
                            text,
                            false,
                            TextDirection::Auto,
                        );
                    }
                    Op::Image {
                        x,
                        y,
                        width,
                        height,
                        png,
                        bytes,
                    } => {
                        let image = if *png {
                            Image::from_png(bytes.clone(), true)
                        } else {
                            Image::from_jpeg(bytes.clone(), true)
                        }?;
                        let size = Size::from_wh(*width, *height).ok_or("an empty logo")?;
                        surface.push_transform(&Transform::from_translate(*x, *y));
                        surface.draw_image(image, size);
                        surface.pop();
                    }
                    Op::Rule { y } => {
                        let mut path = PathBuilder::new();
                        path.move_to(MARGIN, *y);
                        path.line_to(WIDTH - MARGIN, *y);
                        if let Some(path) = path.finish() {
                            surface.set_stroke(Some(Stroke {
                                width: 0.5,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document.finish().map_err(|e| format!("{e:?}"))
    }
}

fn font(bytes: &'static [u8]) -> Result<Font, String> {
    Font::new(Arc::new(bytes.to_vec()).into(), 0).ok_or_else(|| "unreadable font".to_owned())
}

/// `text` cut to at most `max` characters, an ellipsis marking the cut.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests stop at the line that failed")]

    use super::*;

    /// Long text is cut with an ellipsis, short text kept.
    #[test]
    fn fit_cuts_long_text_only() {
        assert_eq!(fit("Zoë", 5), "Zoë");
        assert_eq!(fit("Éléonore Dupont-Aignan", 8), "Éléonor…");
    }

    /// A table longer than a page continues on the next with its header repeated, and every
    /// page is written.
    #[test]
    fn long_tables_continue_on_new_pages_with_their_header() {
        let mut sheet = Sheet::new("Test");
        sheet.title("Title", 16.0);
        sheet.header(&[(Sheet::column(0.0), "Time".into())]);
        for k in 0..100 {
            sheet.row(&[(Sheet::column(0.0), format!("row {k}"))]);
        }
        assert_eq!(sheet.pages.len(), 3);
        let texts = |page: &Vec<Op>| -> Vec<String> {
            page.iter()
                .filter_map(|op| match op {
                    Op::Text { text, .. } => Some(text.clone()),
                    Op::Rule { .. } | Op::Image { .. } => None,
                })
                .collect()
        };
        assert_eq!(texts(&sheet.pages[1])[0], "Time");
        let pdf = sheet.finish("Test").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
