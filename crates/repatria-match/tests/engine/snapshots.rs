//! Snapshots of what the engine answers for a small fixed set of records: the order and
//! scores of the candidates, and the explanation of a score, both as structure and as
//! text. A change to the model or the comparisons shows here as a diff to review;
//! `UPDATE_EXPECT=1 cargo test -p repatria-match --test engine snapshots` rewrites them.

use expect_test::{expect, Expect};
use repatria_match::{Index, Matcher, PartialDate, Record, Scored, Sex};

fn person(id: &str, family: &str, given: &str, born: &str, sex: Option<Sex>) -> Record {
    Record {
        id: id.to_owned(),
        family_name: Some(family.to_owned()),
        given_name: Some(given.to_owned()),
        date_of_birth: Some(PartialDate::parse(born).unwrap()),
        sex,
        ..Record::default()
    }
}

fn registry() -> Index {
    let mut index = Index::new(Matcher::default());
    for record in [
        person("1", "Шевченко", "Олександр", "1998-04-12", Some(Sex::Male)),
        person("2", "Shevchenko", "Aleksandr", "1998-12-04", None),
        person("3", "Шевчук", "Олександр", "1998-04-12", Some(Sex::Male)),
        person("4", "Шевченко", "Петро", "1971-01-30", Some(Sex::Male)),
        person("5", "Бондаренко", "Микола", "1990-01-01", None),
        Record::with_full_name("6", "Alexander Schewtschenko"),
    ] {
        index.insert(&record);
    }
    index
}

fn ranking(query: &Record) -> String {
    registry()
        .query(query, 10)
        .iter()
        .map(|(id, scored)| {
            format!(
                "{id} p={:.4} w={:+.2}\n",
                scored.probability, scored.match_weight
            )
        })
        .collect()
}

fn check_ranking(query: &Record, expected: Expect) {
    expected.assert_eq(&ranking(query));
}

#[test]
fn candidates_rank_by_score() {
    check_ranking(
        &person("q", "Шевченко", "Александр", "1998-04-12", None),
        expect![[r#"
            1 p=0.9992 w=+10.36
            2 p=0.9982 w=+9.13
            3 p=0.9098 w=+3.33
            6 p=0.0294 w=-5.04
        "#]],
    );
    check_ranking(
        &Record::with_full_name("q", "Oleksandr Shevchenko"),
        expect![[r#"
            1 p=0.1570 w=-2.43
            2 p=0.0834 w=-3.46
            6 p=0.0294 w=-5.04
            3 p=0.0014 w=-9.45
        "#]],
    );
}

fn explained(scored: &Scored) -> String {
    let mut out: String = scored
        .explained()
        .iter()
        .map(|c| format!("{:<14} {:<24} {:+.3}\n", c.feature, c.level, c.weight))
        .collect();
    out.push_str(&format!("text: {}\n", scored.explanation()));
    out.push_str(&format!("probability: {:.6}\n", scored.probability));
    out
}

#[test]
fn an_explanation_names_every_feature_compared() {
    let matcher = Matcher::default();
    let mut a = person("a", "Бойко", "Микола", "1988-11-02", Some(Sex::Male));
    a.patronymic = Some("Іванович".into());
    a.unit = Some("36 OBrMP".into());
    let mut b = person("b", "Boiko", "Nikolai", "1988-02-11", Some(Sex::Male));
    b.patronymic = Some("Ivanovich".into());
    b.unit = Some("36 OBrMP".into());
    expect![[r#"
        family_name    exact                    +7.607
        given_name     equivalent               +3.544
        patronymic     exact                    +6.170
        date_of_birth  day and month swapped    +11.551
        sex            same                     +0.971
        unit           same                     +5.129
        prior                                   -13.288
        text: family_name exact +7.6; given_name equivalent +3.5; patronymic exact +6.2; date_of_birth day and month swapped +11.6; sex same +1.0; unit same +5.1; prior -13.3
        probability: 1.000000
    "#]].assert_eq(&explained(&matcher.score_pair(&a, &b)));

    let c = person("c", "Ткачук", "Дмитро", "1990-01-05", Some(Sex::Male));
    let d = person("d", "Ткачук", "Михаил", "1990", Some(Sex::Female));
    expect![[r#"
        family_name    exact                    +8.607
        given_name     different                -7.814
        date_of_birth  compatible partial date  +5.059
        sex            different                -4.644
        prior                                   -13.288
        text: family_name exact +8.6; given_name different -7.8; date_of_birth compatible partial date +5.1; sex different -4.6; prior -13.3
        probability: 0.000231
    "#]].assert_eq(&explained(&matcher.score_pair(&c, &d)));
}
