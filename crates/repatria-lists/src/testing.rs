//! Workbooks made for tests (feature `testing`): small valid ones and hostile ones (a
//! sheet that unpacks to far more than its file, a lying shared-strings table), written
//! with the same `zip` crate calamine reads them with.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELATIONSHIPS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DOCUMENT: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A worksheet's XML: one `<row>` per row, each cell `(reference, text)` as an inline
/// string (`("A1", "full_name")`); `dimension` is written as `<dimension ref>` if given.
pub fn sheet(dimension: Option<&str>, rows: &[&[(&str, &str)]]) -> String {
    let mut xml = format!("<worksheet xmlns=\"{MAIN}\">");
    if let Some(dimension) = dimension {
        xml.push_str(&format!("<dimension ref=\"{dimension}\"/>"));
    }
    xml.push_str("<sheetData>");
    for cells in rows {
        xml.push_str("<row>");
        for (reference, text) in *cells {
            xml.push_str(&inline_cell(reference, text));
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// `<c r="A1" t="inlineStr"><is><t>text</t></is></c>` (the text is not escaped).
pub fn inline_cell(reference: &str, text: &str) -> String {
    format!("<c r=\"{reference}\" t=\"inlineStr\"><is><t>{text}</t></is></c>")
}

/// A workbook of one worksheet `sheet_xml`, with `xl/sharedStrings.xml` if given.
pub fn workbook(sheet_xml: &str, shared_strings: Option<&str>) -> Vec<u8> {
    workbook_repeating(sheet_xml, "", 0, "", shared_strings)
}

/// A workbook of one worksheet `sheet_xml` with one more part `name` (`xl/styles.xml`).
pub fn workbook_with_part(sheet_xml: &str, name: &str, text: &str) -> Vec<u8> {
    build(sheet_xml, "", 0, "", None, Some((name, text)))
}

/// A workbook whose worksheet is `head`, then `body` written `times` times, then `tail`
/// — streamed into the deflater, so that a sheet of gigabytes costs the test no memory.
pub fn workbook_repeating(
    head: &str,
    body: &str,
    times: usize,
    tail: &str,
    shared_strings: Option<&str>,
) -> Vec<u8> {
    build(head, body, times, tail, shared_strings, None)
}

/// A relationships part of one relationship, `rId1`, of type `kind` to `target`.
fn relationship(kind: &str, target: &str) -> String {
    format!(
        "<Relationships xmlns=\"{RELATIONSHIPS}\"><Relationship Id=\"rId1\" \
         Type=\"{DOCUMENT}/{kind}\" Target=\"{target}\"/></Relationships>"
    )
}

fn build(
    head: &str,
    body: &str,
    times: usize,
    tail: &str,
    shared_strings: Option<&str>,
    extra: Option<(&str, &str)>,
) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true);
    let part = |zip: &mut ZipWriter<_>, name: &str, text: &str| {
        zip.start_file(name, options).expect("a new entry");
        zip.write_all(text.as_bytes()).expect("written to memory");
    };
    part(
        &mut zip,
        "[Content_Types].xml",
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>",
    );
    part(
        &mut zip,
        "_rels/.rels",
        &relationship("officeDocument", "xl/workbook.xml"),
    );
    part(
        &mut zip,
        "xl/workbook.xml",
        &format!(
            "<workbook xmlns=\"{MAIN}\" xmlns:r=\"{DOCUMENT}\"><sheets>\
             <sheet name=\"List\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
        ),
    );
    part(
        &mut zip,
        "xl/_rels/workbook.xml.rels",
        &relationship("worksheet", "worksheets/sheet1.xml"),
    );
    if let Some(shared) = shared_strings {
        part(&mut zip, "xl/sharedStrings.xml", shared);
    }
    if let Some((name, text)) = extra {
        part(&mut zip, name, text);
    }
    zip.start_file("xl/worksheets/sheet1.xml", options)
        .expect("a new entry");
    zip.write_all(head.as_bytes()).expect("written to memory");
    // In chunks of about 64 KiB: the deflater packs repetition far better from large
    // writes.
    let per_chunk = (64 * 1024 / body.len().max(1)).max(1);
    let chunk = body.repeat(per_chunk);
    let mut left = times;
    while left >= per_chunk {
        zip.write_all(chunk.as_bytes()).expect("written to memory");
        left -= per_chunk;
    }
    for _ in 0..left {
        zip.write_all(body.as_bytes()).expect("written to memory");
    }
    zip.write_all(tail.as_bytes()).expect("written to memory");
    zip.finish().expect("finished in memory").into_inner()
}

/// A shared-strings table declaring `unique_count` strings and holding `strings`.
pub fn shared_strings(unique_count: &str, strings: &[&str]) -> String {
    let mut xml = format!(
        "<sst xmlns=\"{MAIN}\" count=\"{}\" uniqueCount=\"{unique_count}\">",
        strings.len()
    );
    for text in strings {
        xml.push_str(&format!("<si><t>{text}</t></si>"));
    }
    xml.push_str("</sst>");
    xml
}

/// A ZIP archive of `entries` empty files, the rest of a workbook left out.
pub fn archive_of_entries(entries: usize) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for i in 0..entries {
        zip.start_file(format!("e{i}"), options)
            .expect("a new entry");
    }
    zip.finish().expect("finished in memory").into_inner()
}
