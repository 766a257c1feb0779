//! Behaviour of the matching engine on realistic (fictional) list entries.

use repatria_match::{train_dedupe, Index, Matcher, PartialDate, Record, Sex, TrainingOptions};

/// A record from `family|given|patronymic|date|sex`, fields possibly empty, or from a
/// full name when it contains no `|`.
fn record(id: &str, spec: &str) -> Record {
    let mut r = Record {
        id: id.to_owned(),
        ..Record::default()
    };
    if !spec.contains('|') {
        r.full_name = Some(spec.to_owned());
        return r;
    }
    let fields: Vec<&str> = spec.split('|').collect();
    let text = |i: usize| {
        fields
            .get(i)
            .filter(|s| !s.is_empty())
            .map(|s| s.to_string())
    };
    r.family_name = text(0);
    r.given_name = text(1);
    r.patronymic = text(2);
    r.date_of_birth = text(3).map(|d| PartialDate::parse(&d).unwrap());
    r.sex = text(4).map(|s| Sex::parse(&s).unwrap());
    r
}

fn probability(a: &str, b: &str) -> f64 {
    Matcher::default()
        .score_pair(&record("a", a), &record("b", b))
        .probability
}

/// Asserts that `a` and `b` are judged the same person (or not).
fn check(a: &str, b: &str, same: bool) {
    let scored = Matcher::default().score_pair(&record("a", a), &record("b", b));
    assert_eq!(scored.probability >= 0.5, same, "{a} vs {b}: {scored}");
}

#[test]
fn ukrainian_and_russian_forms_of_the_same_person_match() {
    check(
        "Шевченко|Олександр|Петрович|1994-03-17",
        "Шевченко|Александр|Петрович|1994-03-17",
        true,
    );
    check(
        "Бондаренко|Микола|Олексійович|1987-11-02",
        "Бондаренко|Николай|Алексеевич|1987-11-02",
        true,
    );
    check(
        "Ткачук|Дмитро||1990-01-05",
        "Ткачук|Дмитрий||1990-01-05",
        true,
    );
    check("Ткачук|Дмитро||1990-01-05", "Ткачук|Михаил||1990", false);
}

#[test]
fn transliterations_match_cyrillic_in_either_direction() {
    // KMU 2010, GOST 7.79 (system B), ICAO 9303 and a German spelling.
    check(
        "Хрущов|Євген||1979-06-30",
        "Khrushchov|Yevhen||1979-06-30",
        true,
    );
    check(
        "Хрущёв|Евгений||1979-06-30",
        "Khrushchev|Evgenij||1979-06-30",
        true,
    );
    check(
        "Hrushchov|Ievgen||1979-06-30",
        "Хрущов|Євген||1979-06-30",
        true,
    );
    check(
        "Chruschtschow|Jewgeni||1979-06-30",
        "Хрущов|Євген||1979-06-30",
        true,
    );
    check(
        "Zelenskyi|Yurii||1985-02-14",
        "Зеленский|Юрий||1985-02-14",
        true,
    );
    check(
        "Zelenskyi|Yurii||1985-02-14",
        "Zelinskyi|Yurii||1985-02-14",
        true,
    );
    check(
        "Zelenskyi|Yurii||1985-02-14",
        "Zabolotnyi|Yurii||1985-02-14",
        false,
    );
}

#[test]
fn korean_names_match_across_hangul_romanizations_and_cyrillic() {
    check("박|철수||1991-07-08", "Pak|Chol Su||1991-07-08", true);
    check("Park|Cheol-su||1991-07-08", "Пак|Чхольсу||1991-07-08", true);
    check("리|영호||1983-04-21", "Lee|Yong-ho||1983-04-21", true);
    check("Ri|Yong Ho||1983-04-21", "Yi|Yŏng-ho||1983-04-21", true);
    check("최|민수||1995-12-01", "Choi|Min-su||1995-12-01", true);
    check("Choe|Min Su||1995-12-01", "Цой|Минсу||1995-12-01", true);
}

#[test]
fn korean_names_one_syllable_apart_are_different_people() {
    check("Kim|Jong-un||1984-01-08", "Kim|Jong-il||1984-01-08", false);
    check("김|영철||1970-05-05", "Kim|Yong-chol||1970-05-05", true);
    check("김|영철||1970-05-05", "Kim|Yong-su||1970-05-05", false);
    check("Pak|Chol Su||1991-07-08", "Pak|Chol Min||1991-07-08", false);
}

#[test]
fn swapped_order_missing_patronymic_and_initials() {
    // Family and given name columns swapped by the clerk of one side.
    check(
        "Олександр|Шевченко||1994-03-17",
        "Shevchenko|Oleksandr||1994-03-17",
        true,
    );
    // Full names in either order.
    check(
        "Шевченко Олександр Петрович",
        "Oleksandr Petrovych Shevchenko",
        true,
    );
    let swapped = probability("Mykola Bondarenko", "Бондаренко Николай");
    assert_eq!(
        swapped,
        probability("Bondarenko Mykola", "Бондаренко Николай")
    );
    assert!(swapped > 10.0 * probability("Mykola Bondarenko", "Бондаренко Петр"));
    // Patronymic on one side only.
    check(
        "Бондаренко|Микола|Олексійович|1987-11-02",
        "Bondarenko|Mykola||1987-11-02",
        true,
    );
    // Initials.
    check(
        "Бондаренко|Микола|Олексійович|1987-11-02",
        "Bondarenko|M.|O.|1987-11-02",
        true,
    );
    check(
        "Бондаренко|Микола||1987-11-02",
        "Бондаренко|Н.||1987-11-02",
        true,
    );
    check(
        "Бондаренко|Микола||1987-11-02",
        "Бондаренко|П.||1987",
        false,
    );
}

#[test]
fn dates_of_birth_that_are_partial_mistyped_or_swapped() {
    let base = "Гончаренко|Василь||1989-04-12";
    for other in [
        "Honcharenko|Vasyl||1989",
        "Honcharenko|Vasyl||1989-04",
        "Honcharenko|Vasyl||1989-04-13",
        "Honcharenko|Vasyl||1988-04-12",
        "Honcharenko|Vasyl||1989-12-04",
    ] {
        check(base, other, true);
    }
    check(base, "Honcharenko|Vasyl||1962-09-30", false);
    assert!(
        probability(base, "Honcharenko|Vasyl||1989-04-12")
            > probability(base, "Honcharenko|Vasyl||1989-04-13")
    );
    assert!(
        probability(base, "Honcharenko|Vasyl||1989-04-13")
            > probability(base, "Honcharenko|Vasyl||1962-09-30")
    );
}

#[test]
fn a_common_surname_counts_for_less_than_a_rare_one() {
    let common = probability("Иванов|Сергей||1990", "Ivanov|Sergei||1990");
    let rare = probability("Вахромеев|Сергей||1990", "Vakhromeev|Sergei||1990");
    assert!(common < rare, "{common} vs {rare}");
    let kim = probability("Kim|Yong-ho||1990", "김|영호||1990");
    let rare_korean = probability("Maeng|Yong-ho||1990", "맹|영호||1990");
    assert!(kim < rare_korean, "{kim} vs {rare_korean}");
}

#[test]
fn different_sex_counts_against_a_match() {
    let same = probability("Коваль|Саша||1990-01-01|m", "Koval|Sasha||1990-01-01|m");
    let different = probability("Коваль|Саша||1990-01-01|m", "Koval|Sasha||1990-01-01|f");
    assert!(different < same);
}

#[test]
fn a_search_by_any_spelling_finds_the_captive() {
    let mut index = Index::new(Matcher::default());
    let stored = [
        ("1", "Oleksandr Shevchenko"),
        ("2", "Aleksandr Shevchenko"),
        ("3", "Alexander Schewtschenko"),
        ("4", "Олександр Шевчук"),
        ("5", "Petro Shevchenko"),
        ("6", "Микола Бондаренко"),
    ];
    for (id, name) in stored {
        index.insert(&Record::with_full_name(id, name));
    }
    let found: Vec<String> = index
        .query(&Record::with_full_name("q", "Олександр Шевченко"), 3)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut top = found.clone();
    top.sort();
    assert_eq!(top, ["1", "2", "3"], "{found:?}");
    assert_eq!(found[0], "1", "the same spelling ranks first");
}

#[test]
fn link_finds_the_pairs_above_the_threshold() {
    let left = vec![
        record("L1", "Шевченко|Олександр||1994-03-17"),
        record("L2", "김|영철||1970-05-05"),
        record("L3", "Мельник|Ірина||1992-08-09|f"),
    ];
    let right = vec![
        record("R1", "Kim|Yong Chol||1970-05-05"),
        record("R2", "Shevchenko|Aleksandr||1994-03-17"),
        record("R3", "Melnyk|Iryna||1971-01-01|f"),
    ];
    let links = Matcher::default().link(&left, &right, 0.5);
    let pairs: Vec<(usize, usize)> = links.iter().map(|l| (l.left, l.right)).collect();
    assert_eq!(pairs, [(0, 1), (1, 0)]);
}

#[test]
fn dedupe_clusters_duplicates_and_refuses_conflicting_chains() {
    let records = vec![
        record("1", "Шевченко|Олександр||1994-03-17|m"),
        record("2", "Shevchenko|Oleksandr||1994|m"),
        record("3", "Shevchenko|Oleksandr||1971-08-02|m"),
        record("4", "Бондаренко|Микола||1987-11-02|m"),
        record("5", "Shevchenko|Aleksandr||1994-03-17|m"),
    ];
    let clusters = Matcher::default().dedupe(&records, 0.5);
    assert_eq!(clusters[0], 0);
    assert_eq!(clusters[1], 0, "year-only date joins the full date");
    assert_eq!(clusters[4], 0);
    assert_eq!(clusters[3], 3);
    // Record 3 agrees with record 2 on the year-only side? No: 1971 conflicts with 1994.
    assert_eq!(clusters[2], 2);
}

#[test]
fn dedupe_refuses_a_chain_through_a_partial_date() {
    // 2 links to 1 and to 3 on its year only, but 1 and 3 disagree on the full date.
    let records = vec![
        record("1", "Шевченко|Олександр||1994-03-17|m"),
        record("2", "Shevchenko|Oleksandr||1994|m"),
        record("3", "Shevchenko|Oleksandr||1994-11-25|m"),
    ];
    let clusters = Matcher::default().dedupe(&records, 0.01);
    assert!(clusters[0] != clusters[2], "{clusters:?}");
}

#[test]
fn training_is_deterministic_and_keeps_matching() {
    let mut records = Vec::new();
    let families = [
        "Шевченко",
        "Бондаренко",
        "Ткаченко",
        "Мельник",
        "Коваль",
        "Бойко",
        "Кравчук",
        "Лисенко",
    ];
    let families_latin = [
        "Shevchenko",
        "Bondarenko",
        "Tkachenko",
        "Melnyk",
        "Koval",
        "Boiko",
        "Kravchuk",
        "Lysenko",
    ];
    let givens = [
        "Олександр",
        "Микола",
        "Андрій",
        "Дмитро",
        "Іван",
        "Петро",
        "Юрій",
        "Василь",
    ];
    for i in 0..400usize {
        let family = families[i % families.len()];
        let given = givens[(i / families.len()) % givens.len()];
        let date = format!("{}-{:02}-{:02}", 1960 + i % 40, 1 + i % 12, 1 + i % 28);
        records.push(record(
            &format!("{i}"),
            &format!("{family}|{given}||{date}"),
        ));
        if i % 4 == 0 {
            let latin = families_latin[i % families.len()];
            records.push(record(
                &format!("{i}d"),
                &format!("{latin}|{given}||{date}"),
            ));
        }
    }
    let options = TrainingOptions {
        random_pairs: 5_000,
        ..TrainingOptions::default()
    };
    let first = train_dedupe(&records, &options);
    let second = train_dedupe(&records, &options);
    assert_eq!(first.parameters, second.parameters);
    let clusters = first.dedupe(&records, 0.5);
    assert_eq!(
        clusters[1], clusters[0],
        "a duplicate spelled in Latin joins its original"
    );
    assert_ne!(clusters[2], clusters[0]);
}

mod snapshots;
