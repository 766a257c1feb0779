//! Runs Person Finder's PFIF validator (vendored beside this file, README.md) on a
//! document, for the tests of this crate and of repatria-app (which include this file).
//!
//! The validator is Python 3 with its standard library only. Without `python3` a test
//! prints a notice and skips the check, unless `REPATRIA_PFIF_VALIDATOR_REQUIRED=1`
//! (set by CI): then it fails.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// What the validator prints for a document with no error and no warning: its summary
/// table with the header row only, then no messages.
pub const NO_MESSAGES: &str = "Category\tNumber of Messages\t\n\n\n";

/// The validator's answer on one document.
#[derive(Debug)]
pub struct Report {
    /// The process ended with status 0 (the validator fails only on documents it cannot
    /// read at all: not XML, no PFIF namespace, a version it does not know).
    pub success: bool,
    /// The summary (`Category` and `Number of Messages`, one row per kind of message),
    /// then each message (`ERROR …` or `WARNING …`, its line and record ids).
    pub stdout: String,
    pub stderr: String,
}

impl Report {
    /// No error, no warning, nothing on standard error.
    pub fn is_clean(&self) -> bool {
        self.success && self.stdout == NO_MESSAGES && self.stderr.is_empty()
    }
}

/// The directory of the vendored validator.
pub fn directory() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../repatria-lists/tests/personfinder"
    ))
}

/// Runs the validator on `document` (written to a file named after `name` in the
/// target's temporary directory); `None` when there is no `python3` and the check is not
/// required.
pub fn validate(document: &str, name: &str) -> Option<Report> {
    let available = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        let required = std::env::var("REPATRIA_PFIF_VALIDATOR_REQUIRED").as_deref() == Ok("1");
        assert!(
            !required,
            "python3 is needed to run Person Finder's PFIF validator \
             (REPATRIA_PFIF_VALIDATOR_REQUIRED=1)"
        );
        eprintln!(
            "notice: no python3, so Person Finder's PFIF validator was not run on {name} \
             (REPATRIA_PFIF_VALIDATOR_REQUIRED=1 makes this a failure)"
        );
        return None;
    }
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}.pfif.xml",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&file, document).expect("the temporary directory takes the document");
    let output = Command::new("python3")
        // No bytecode written next to the vendored sources; UTF-8 whatever the locale.
        .arg("-B")
        .arg(directory().join("pfif_validator.py"))
        .arg(&file)
        .env("PYTHONUTF8", "1")
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_file(&file);
    Some(Report {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Asserts that the validator reports nothing on `document` (when it can run).
pub fn assert_accepted(document: &str, name: &str) {
    if let Some(report) = validate(document, name) {
        assert!(
            report.is_clean(),
            "Person Finder's validator does not accept {name}:\n{}\n{}\n--- the document:\n{document}",
            report.stdout,
            report.stderr
        );
    }
}
