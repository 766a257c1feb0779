//! The documents' tests as one binary: workbooks read back with calamine (`xlsx`), PDF
//! read back with pdf-extract (`pdf`), both from the tables `support` makes.

mod pdf;
mod support;
mod xlsx;
