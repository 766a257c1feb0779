//! The documents' tests as one binary: workbooks read back with calamine (`xlsx`), PDF
//! read back with pdf-extract (`pdf`), both from the tables `support` makes, and the
//! GC III forms read back with pdf-extract (`forms`).

mod forms;
mod pdf;
mod support;
mod xlsx;
