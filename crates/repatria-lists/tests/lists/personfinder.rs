//! PFIF against Person Finder's own tools (`tests/personfinder/`): its validator accepts
//! what `write_pfif` writes and still refuses what PFIF forbids, and its PFIF 1.4 test
//! file reads with its author as the inquirer.

use repatria_core::PartialDate;
use repatria_lists::{
    check_record_domain, read_pfif, write_pfif, PfifNote, PfifPerson, PfifStatus, Sex,
};

use crate::validator;

/// Person Finder's own PFIF 1.4 test file, as its repository has it.
const PERSON_FINDER_TEST_FILE: &[u8] = include_bytes!("../personfinder/test.pfif-1.4.xml");

fn note(id: &str, status: Option<PfifStatus>) -> PfifNote {
    PfifNote {
        note_record_id: format!("bureau.example/status.{id}"),
        entry_date: "2026-11-27T16:05:00.250+02:00".into(),
        author_name: "Repatria".into(),
        source_date: None,
        status,
        text: "custody status: in custody".into(),
    }
}

/// Persons with every field and status the writer has, instants in other offsets and
/// with fractions of a second, text to escape.
fn persons() -> Vec<PfifPerson> {
    let mut dead = note("3", Some(PfifStatus::BelievedDead));
    dead.source_date = Some("2026-11-20T09:30:00.5+01:00".into());
    dead.text = "Died 2026-11-20 08:30 UTC, as recorded by the national information \
                 bureau (GC III Art. 120)."
        .into();
    vec![
        PfifPerson {
            person_record_id: "bureau.example/captive.1".into(),
            entry_date: "2026-11-27T16:00:00.123456+02:00".into(),
            source_name: "Repatria".into(),
            full_name: "Гончаренко, Олексій Петрович".into(),
            given_name: Some("Олексій".into()),
            family_name: Some("Гончаренко".into()),
            sex: Some(Sex::Male),
            date_of_birth: Some(PartialDate::parse("1994-03-07").unwrap()),
            home_country: Some("ua".into()),
            description: Some("Tattoo <anchor> & a scar on the left arm".into()),
            notes: vec![
                note("1", Some(PfifStatus::BelievedAlive)),
                note("2", Some(PfifStatus::BelievedMissing)),
                dead,
                note("4", Some(PfifStatus::InformationSought)),
                note("5", Some(PfifStatus::IsNoteAuthor)),
                note("6", None),
            ],
        },
        PfifPerson {
            person_record_id: "bureau.example/captive.2".into(),
            entry_date: "2026-11-27T14:00:00Z".into(),
            source_name: "Repatria".into(),
            full_name: "Kim Min-ji".into(),
            given_name: None,
            family_name: None,
            sex: Some(Sex::Female),
            date_of_birth: Some(PartialDate::parse("1990").unwrap()),
            home_country: None,
            description: None,
            notes: Vec::new(),
        },
    ]
}

#[test]
fn what_write_pfif_writes_passes_person_finder_s_validator() {
    validator::assert_accepted(&write_pfif(&persons()), "write_pfif");
}

/// The check above is worth something only if the validator, run this way, reports
/// what is wrong: a date not in UTC, a missing author, a status PFIF does not have, a
/// record id whose domain begins with a digit.
#[test]
fn person_finder_s_validator_reports_what_pfif_forbids() {
    let good = write_pfif(&persons());
    let broken = [
        (
            "a local time",
            good.replacen("2026-11-27T14:00:00Z", "2026-11-27T16:00:00+02:00", 1),
        ),
        (
            "no author",
            good.replacen(
                "      <pfif:author_name>Repatria</pfif:author_name>\n",
                "",
                1,
            ),
        ),
        (
            "an unknown status",
            good.replacen("believed_missing", "escaped", 1),
        ),
        (
            "a domain beginning with a digit",
            good.replacen("bureau.example/captive.2", "1bureau.example/captive.2", 1),
        ),
    ];
    for (what, document) in broken {
        assert_ne!(document, good, "{what}: the document was changed");
        let Some(report) = validator::validate(&document, "broken") else {
            return;
        };
        assert!(
            report.success && report.stdout.contains("\nERROR "),
            "{what}: {report:?}"
        );
    }
}

#[test]
fn a_note_s_source_date_is_written_in_utc_and_is_its_entry_date_by_default() {
    let xml = write_pfif(&persons());
    let notes: Vec<&str> = xml.split("<pfif:note>").skip(1).collect();
    assert!(notes[0].contains(
        "<pfif:entry_date>2026-11-27T14:05:00Z</pfif:entry_date>\n      \
         <pfif:author_name>Repatria</pfif:author_name>\n      \
         <pfif:source_date>2026-11-27T14:05:00Z</pfif:source_date>\n      \
         <pfif:status>believed_alive</pfif:status>"
    ));
    assert!(
        notes[2].contains(
            "<pfif:source_date>2026-11-20T08:30:00Z</pfif:source_date>\n      \
             <pfif:status>believed_dead</pfif:status>"
        ),
        "{}",
        notes[2]
    );
    assert!(!notes[5].contains("<pfif:status>"), "{}", notes[5]);
}

#[test]
fn person_finder_s_own_pfif_1_4_test_file_reads_with_its_author_as_the_inquirer() {
    let entries = read_pfif(PERSON_FINDER_TEST_FILE).unwrap();
    assert_eq!(entries.len(), 1, "the file has one person record");
    let person = &entries[0];
    assert_eq!(
        person.external_id.as_deref(),
        Some("test.google.com/person.21009")
    );
    assert_eq!(person.inquirer_name.as_deref(), Some("_test_author_name"));
    assert_eq!(
        person.inquirer_contact.as_deref(),
        Some("_test_author_email, _test_author_phone")
    );
    assert_eq!(person.inquirer_relation.as_deref(), Some("not stated"));
    assert_eq!(person.given_name.as_deref(), Some("_test_given_name"));
    assert_eq!(person.family_name.as_deref(), Some("_test_family_name"));
    assert_eq!(person.sex, Some(Sex::Female));
    assert_eq!(
        person.date_of_birth.map(|d| d.to_string()).as_deref(),
        Some("1970-01")
    );
    assert_eq!(person.nationality.as_deref(), Some("US"));
}

#[test]
fn record_domains_are_those_person_finder_reads_in_record_ids() {
    for good in [
        "bureau.example",
        "repatria.example",
        "a",
        "x-1.example",
        "Bureau.Example",
        "a1.b2",
    ] {
        assert_eq!(check_record_domain(good), Ok(()), "{good}");
    }
    let long_label = "a".repeat(64);
    let long_name = ["abcdefghi"; 26].join(".");
    for bad in [
        "",
        "1bureau.example",
        "bureau.1example",
        "bureau..example",
        "bureau.example.",
        ".bureau.example",
        "-a.example",
        "a-.example",
        "a_b.example",
        "bureau.example/x",
        "bureau example",
        "bûreau.example",
        long_label.as_str(),
        long_name.as_str(),
    ] {
        let error = check_record_domain(bad).unwrap_err();
        assert_eq!(error.field, "domain", "{bad}");
        assert!(error.reason.contains("bureau.example"), "{}", error.reason);
    }
    assert_eq!(check_record_domain(&"a".repeat(63)), Ok(()));
}
