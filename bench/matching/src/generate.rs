//! A seeded generator of fictional prisoner lists in three scripts, with the
//! corruptions that real lists show, and the true identity of every record.
//!
//! The transliterations here are written independently of the engine's folding (from
//! the published KMU 2010, ICAO 9303, GOST 7.79 B and German Duden tables and per-syllable
//! Korean romanizations), so that the benchmark does not test the engine against itself.

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;

/// Ukrainian form, Russian form, Ukrainian patronymic, Russian patronymic (men).
const MALE: &[(&str, &str, &str, &str)] = &[
    ("Олександр", "Александр", "Олександрович", "Александрович"),
    ("Микола", "Николай", "Миколайович", "Николаевич"),
    ("Андрій", "Андрей", "Андрійович", "Андреевич"),
    ("Дмитро", "Дмитрий", "Дмитрович", "Дмитриевич"),
    ("Сергій", "Сергей", "Сергійович", "Сергеевич"),
    ("Олексій", "Алексей", "Олексійович", "Алексеевич"),
    ("Іван", "Иван", "Іванович", "Иванович"),
    ("Юрій", "Юрий", "Юрійович", "Юрьевич"),
    ("Володимир", "Владимир", "Володимирович", "Владимирович"),
    ("Михайло", "Михаил", "Михайлович", "Михайлович"),
    ("Петро", "Петр", "Петрович", "Петрович"),
    ("Василь", "Василий", "Васильович", "Васильевич"),
    ("Віктор", "Виктор", "Вікторович", "Викторович"),
    ("Євген", "Евгений", "Євгенович", "Евгеньевич"),
    ("Григорій", "Григорий", "Григорович", "Григорьевич"),
    ("Степан", "Степан", "Степанович", "Степанович"),
    ("Богдан", "Богдан", "Богданович", "Богданович"),
    ("Тарас", "Тарас", "Тарасович", "Тарасович"),
    ("Максим", "Максим", "Максимович", "Максимович"),
    ("Артем", "Артем", "Артемович", "Артемович"),
    ("Роман", "Роман", "Романович", "Романович"),
    ("Ігор", "Игорь", "Ігорович", "Игоревич"),
    ("Павло", "Павел", "Павлович", "Павлович"),
    ("Костянтин", "Константин", "Костянтинович", "Константинович"),
    ("Федір", "Федор", "Федорович", "Федорович"),
    ("Кирило", "Кирилл", "Кирилович", "Кириллович"),
    ("Георгій", "Георгий", "Георгійович", "Георгиевич"),
    ("Анатолій", "Анатолий", "Анатолійович", "Анатольевич"),
    ("Валерій", "Валерий", "Валерійович", "Валерьевич"),
    ("Денис", "Денис", "Денисович", "Денисович"),
];

const FEMALE: &[(&str, &str)] = &[
    ("Олена", "Елена"),
    ("Наталія", "Наталья"),
    ("Тетяна", "Татьяна"),
    ("Ірина", "Ирина"),
    ("Світлана", "Светлана"),
    ("Ольга", "Ольга"),
    ("Марія", "Мария"),
    ("Ганна", "Анна"),
    ("Оксана", "Оксана"),
    ("Юлія", "Юлия"),
    ("Катерина", "Екатерина"),
    ("Людмила", "Людмила"),
];

const FAMILY_ROOTS: &[&str] = &[
    "Шевч",
    "Бондар",
    "Ткач",
    "Коваль",
    "Кравч",
    "Мельн",
    "Бойк",
    "Олійн",
    "Лисен",
    "Гончар",
    "Руденк",
    "Савч",
    "Петр",
    "Левч",
    "Марч",
    "Кузьм",
    "Павл",
    "Гриц",
    "Тимош",
    "Харч",
    "Сидор",
    "Литвин",
    "Мороз",
    "Яков",
    "Панч",
    "Кириленк",
    "Остап",
    "Демч",
    "Гаврил",
    "Лук",
    "Семен",
    "Фед",
    "Назар",
    "Кушн",
    "Зінч",
    "Прок",
    "Дорош",
    "Вакул",
    "Ярош",
    "Хом",
    "Куц",
    "Жук",
    "Пилип",
    "Терещ",
    "Середн",
    "Корн",
    "Білоус",
    "Довж",
    "Щерб",
    "Чорн",
    "Голуб",
    "Бабич",
    "Гуц",
    "Сав",
    "Мацк",
    "Шаповал",
    "Костюк",
    "Климч",
    "Нестер",
    "Горб",
];
/// Infixes multiply the roots into a realistic variety of family names.
const FAMILY_INFIXES: &[&str] = &[
    "", "ар", "ен", "ик", "ов", "ан", "ел", "ур", "ин", "ош", "ям", "от", "уш", "ес", "ал", "ин",
    "ом", "ух", "ет", "яр",
];
const FAMILY_SUFFIXES: &[&str] = &[
    "енко",
    "ук",
    "ишин",
    "ак",
    "ов",
    "ин",
    "ич",
    "ецький",
    "чук",
    "ань",
    "ій",
    "ко",
];

/// Hangul syllable, Revised Romanization, McCune–Reischauer, Cyrillic (Kontsevich).
const SYLLABLES: &[(&str, &str, &str, &str)] = &[
    ("영", "yeong", "yŏng", "ён"),
    ("철", "cheol", "ch'ŏl", "чхоль"),
    ("수", "su", "su", "су"),
    ("민", "min", "min", "мин"),
    ("호", "ho", "ho", "хо"),
    ("정", "jeong", "chŏng", "чон"),
    ("은", "eun", "ŭn", "ын"),
    ("현", "hyeon", "hyŏn", "хён"),
    ("성", "seong", "sŏng", "сон"),
    ("진", "jin", "chin", "чин"),
    ("광", "gwang", "kwang", "кван"),
    ("남", "nam", "nam", "нам"),
    ("일", "il", "il", "иль"),
    ("준", "jun", "chun", "чун"),
    ("혁", "hyeok", "hyŏk", "хёк"),
    ("명", "myeong", "myŏng", "мён"),
    ("동", "dong", "tong", "тон"),
    ("국", "guk", "kuk", "кук"),
    ("석", "seok", "sŏk", "сок"),
    ("용", "yong", "yong", "ён"),
    ("학", "hak", "hak", "хак"),
    ("훈", "hun", "hun", "хун"),
    ("태", "tae", "t'ae", "тхэ"),
    ("만", "man", "man", "ман"),
];

/// Hangul, RR, McCune–Reischauer, North Korean practice, Cyrillic; share in population.
const KOREAN_FAMILY: &[(&str, &str, &str, &str, &str, f64)] = &[
    ("김", "Kim", "Kim", "Kim", "Ким", 0.215),
    ("이", "Lee", "Yi", "Ri", "Ли", 0.147),
    ("박", "Park", "Pak", "Pak", "Пак", 0.084),
    ("최", "Choi", "Ch'oe", "Choe", "Цой", 0.047),
    ("정", "Jeong", "Chŏng", "Jong", "Чон", 0.043),
    ("강", "Kang", "Kang", "Kang", "Кан", 0.023),
    ("조", "Cho", "Cho", "Jo", "Чо", 0.021),
    ("윤", "Yoon", "Yun", "Yun", "Юн", 0.021),
    ("장", "Jang", "Chang", "Jang", "Чан", 0.020),
    ("임", "Lim", "Im", "Rim", "Лим", 0.018),
    ("한", "Han", "Han", "Han", "Хан", 0.015),
    ("오", "Oh", "O", "O", "О", 0.015),
    ("신", "Shin", "Sin", "Sin", "Син", 0.015),
    ("황", "Hwang", "Hwang", "Hwang", "Хван", 0.014),
    ("맹", "Maeng", "Maeng", "Maeng", "Мэн", 0.001),
];

#[derive(Clone, Copy, PartialEq)]
enum Origin {
    Ukrainian,
    Russian,
    Korean,
}

/// A true identity.
struct Person {
    origin: Origin,
    male: bool,
    /// Index into MALE or FEMALE, or two syllable indices for Koreans.
    given: usize,
    given2: usize,
    father: usize,
    family_root: usize,
    family_suffix: usize,
    family_infix: usize,
    korean_family: usize,
    year: u16,
    month: u8,
    day: u8,
}

fn ukrainian_family(p: &Person, female_russian: bool) -> String {
    let mut name = format!(
        "{}{}{}",
        FAMILY_ROOTS[p.family_root],
        FAMILY_INFIXES[p.family_infix],
        FAMILY_SUFFIXES[p.family_suffix]
    );
    // Russian lists put -ов/-ин surnames of women into the feminine form.
    if !p.male && female_russian && (name.ends_with("ов") || name.ends_with("ин")) {
        name.push('а');
    }
    name
}

fn kmu(text: &str) -> String {
    translit(text, |c, first| match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "h",
        'ґ' => "g",
        'д' => "d",
        'е' => "e",
        'є' => {
            if first {
                "ye"
            } else {
                "ie"
            }
        }
        'ж' => "zh",
        'з' => "z",
        'и' => "y",
        'і' => "i",
        'ї' => {
            if first {
                "yi"
            } else {
                "i"
            }
        }
        'й' => {
            if first {
                "y"
            } else {
                "i"
            }
        }
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ю' => {
            if first {
                "yu"
            } else {
                "iu"
            }
        }
        'я' => {
            if first {
                "ya"
            } else {
                "ia"
            }
        }
        'ы' => "y",
        'э' => "e",
        'ё' => "e",
        'ъ' => "",
        'ь' => "",
        _ => "",
    })
}

fn icao(text: &str) -> String {
    translit(text, |c, _| match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "e",
        'є' => "ie",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'і' => "i",
        'ї' => "i",
        'й' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' => "ie",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "iu",
        'я' => "ia",
        _ => "",
    })
}

fn gost(text: &str) -> String {
    translit(text, |c, _| match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "yo",
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'і' => "i",
        'ї' => "yi",
        'й' => "j",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "x",
        'ц' => "cz",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shh",
        'ъ' => "",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        _ => "",
    })
}

fn german(text: &str) -> String {
    translit(text, |c, _| match c {
        'а' => "a",
        'б' => "b",
        'в' => "w",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "jo",
        'є' => "je",
        'ж' => "sch",
        'з' => "s",
        'и' => "i",
        'і' => "i",
        'ї' => "ji",
        'й' => "j",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "ch",
        'ц' => "z",
        'ч' => "tsch",
        'ш' => "sch",
        'щ' => "schtsch",
        'ъ' => "",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "ju",
        'я' => "ja",
        _ => "",
    })
}

fn translit(text: &str, map: impl Fn(char, bool) -> &'static str) -> String {
    let mut out = String::new();
    let mut first = true;
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let piece = map(lower, first);
        if c.is_uppercase() {
            let mut chars = piece.chars();
            if let Some(f) = chars.next() {
                out.extend(f.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(piece);
        }
        first = !lower.is_alphabetic();
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One record as a list writes it.
pub struct Row {
    pub id: String,
    pub true_id: usize,
    pub family: String,
    pub given: String,
    pub patronymic: String,
    pub dob: String,
    pub sex: String,
}

/// Who writes the list: our bureau (own scripts), the other side (Russian Cyrillic),
/// or an international organisation (Latin, any standard).
#[derive(Clone, Copy)]
pub enum Side {
    Bureau,
    Russian,
    Latin,
}

fn typo(rng: &mut SmallRng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 4 {
        return s.to_owned();
    }
    let i = rng.gen_range(1..chars.len() - 1);
    match rng.gen_range(0..3) {
        0 => {
            chars.remove(i);
        }
        1 => chars.swap(i, i + 1),
        _ => {
            let c = chars[i];
            chars.insert(i, c);
        }
    }
    chars.into_iter().collect()
}

fn render(rng: &mut SmallRng, p: &Person, side: Side, id: String, true_id: usize) -> Row {
    let (mut family, mut given, mut patronymic);
    if p.origin == Origin::Korean {
        let (h, rr, mr, nk, cy, _) = KOREAN_FAMILY[p.korean_family];
        let s1 = SYLLABLES[p.given];
        let s2 = SYLLABLES[p.given2];
        patronymic = String::new();
        match side {
            Side::Bureau => {
                family = h.to_owned();
                given = format!("{}{}", s1.0, s2.0);
            }
            Side::Russian => {
                family = cy.to_owned();
                given = capitalize(&format!("{}{}", s1.3, s2.3));
                if rng.gen_bool(0.5) {
                    given = format!("{} {}", capitalize(s1.3), capitalize(s2.3));
                }
            }
            Side::Latin => {
                let style = rng.gen_range(0..3);
                family = [rr, mr, nk][style].to_owned();
                let (a, b) = match style {
                    0 => (s1.1, s2.1),
                    1 => (s1.2, s2.2),
                    _ => (s1.2, s2.2),
                };
                let a = a.replace('\'', "").replace(['ŏ'], "o").replace('ŭ', "u");
                let b = b.replace('\'', "").replace(['ŏ'], "o").replace('ŭ', "u");
                given = match rng.gen_range(0..3) {
                    0 => format!("{}-{}", capitalize(&a), b),
                    1 => format!("{} {}", capitalize(&a), capitalize(&b)),
                    _ => capitalize(&format!("{a}{b}")),
                };
                if style == 1 && rng.gen_bool(0.5) {
                    // Keep the diacritics of McCune–Reischauer on some records.
                    given = given.replace("yo", "yŏ").replace("eu", "ŭ");
                }
            }
        }
    } else {
        let russian_forms = matches!(side, Side::Russian) || p.origin == Origin::Russian;
        let (uk_given, ru_given, uk_pat, ru_pat) = if p.male {
            let g = MALE[p.given];
            let f = MALE[p.father];
            (g.0, g.1, f.2, f.3)
        } else {
            let g = FEMALE[p.given];
            let f = MALE[p.father];
            (g.0, g.1, f.2, f.3)
        };
        let female_pat = |pat: &str| -> String {
            if p.male {
                pat.to_owned()
            } else if let Some(stem) = pat.strip_suffix("ович") {
                format!("{stem}івна").replace("йівна", "ївна")
            } else if let Some(stem) = pat.strip_suffix("евич") {
                format!("{stem}евна")
            } else {
                pat.to_owned()
            }
        };
        let cyr_family = ukrainian_family(p, russian_forms);
        let (cyr_given, cyr_pat) = if russian_forms {
            (
                ru_given.to_owned(),
                female_pat(ru_pat).replace("івна", "овна"),
            )
        } else {
            (uk_given.to_owned(), female_pat(uk_pat))
        };
        match side {
            Side::Bureau | Side::Russian => {
                family = cyr_family;
                given = cyr_given;
                patronymic = cyr_pat;
            }
            Side::Latin => {
                let scheme = rng.gen_range(0..4);
                let t = |s: &str| match scheme {
                    0 => kmu(s),
                    1 => icao(s),
                    2 => gost(s),
                    _ => german(s),
                };
                family = t(&cyr_family);
                given = t(&cyr_given);
                patronymic = t(&cyr_pat);
            }
        }
        if rng.gen_bool(0.35) {
            patronymic.clear();
        }
    }
    // Corruptions.
    if rng.gen_bool(0.05) {
        family = typo(rng, &family);
    }
    if rng.gen_bool(0.04) {
        given = typo(rng, &given);
    }
    if rng.gen_bool(0.04) && p.origin != Origin::Korean {
        given = format!("{}.", given.chars().next().unwrap_or('X'));
        if !patronymic.is_empty() {
            patronymic = format!("{}.", patronymic.chars().next().unwrap_or('X'));
        }
    }
    if rng.gen_bool(0.05) {
        std::mem::swap(&mut family, &mut given);
    }
    let (mut year, mut month, mut day) = (p.year, p.month, p.day);
    let roll: f64 = rng.gen();
    let dob = if roll < 0.05 {
        String::new()
    } else if roll < 0.15 {
        format!("{year:04}")
    } else if roll < 0.18 {
        format!("{year:04}-{month:02}")
    } else {
        let roll: f64 = rng.gen();
        if roll < 0.04 {
            // One mistyped digit of the day or year.
            if rng.gen_bool(0.5) {
                day = if day % 10 == 9 || day >= 28 {
                    day - 1
                } else {
                    day + 1
                };
            } else {
                year = year - year % 10 + (year % 10 + 1 + rng.gen_range(0..8)) % 10;
            }
        } else if roll < 0.07 && day <= 12 && day != month {
            std::mem::swap(&mut day, &mut month);
        } else if roll < 0.10 {
            year += 1;
        }
        format!("{year:04}-{month:02}-{day:02}")
    };
    let sex = if rng.gen_bool(0.2) {
        String::new()
    } else if p.male {
        "m".into()
    } else {
        "f".into()
    };
    Row {
        id,
        true_id,
        family,
        given,
        patronymic,
        dob,
        sex,
    }
}

fn person(rng: &mut SmallRng) -> Person {
    let roll: f64 = rng.gen();
    let origin = if roll < 0.45 {
        Origin::Ukrainian
    } else if roll < 0.8 {
        Origin::Russian
    } else {
        Origin::Korean
    };
    let male = rng.gen_bool(0.85);
    // Zipf-like choice: common names are common.
    let zipf = |rng: &mut SmallRng, n: usize| -> usize {
        let x: f64 = rng.gen();
        ((n as f64).powf(x) - 1.0) as usize % n
    };
    let korean_family = {
        let mut x: f64 = rng.gen::<f64>() * KOREAN_FAMILY.iter().map(|f| f.5).sum::<f64>();
        let mut chosen = 0;
        for (i, f) in KOREAN_FAMILY.iter().enumerate() {
            if x < f.5 {
                chosen = i;
                break;
            }
            x -= f.5;
        }
        chosen
    };
    Person {
        origin,
        male,
        given: if origin == Origin::Korean {
            rng.gen_range(0..SYLLABLES.len())
        } else if male {
            zipf(rng, MALE.len())
        } else {
            zipf(rng, FEMALE.len())
        },
        given2: rng.gen_range(0..SYLLABLES.len()),
        father: zipf(rng, MALE.len()),
        family_root: zipf(rng, FAMILY_ROOTS.len()),
        family_suffix: rng.gen_range(0..FAMILY_SUFFIXES.len()),
        family_infix: zipf(rng, FAMILY_INFIXES.len()),
        korean_family,
        year: rng.gen_range(1960..2006),
        month: rng.gen_range(1..=12),
        day: rng.gen_range(1..=28),
    }
}

pub fn write_rows(rows: &[Row]) -> String {
    let mut out = String::from("id,family_name,given_name,patronymic,date_of_birth,sex,true_id\n");
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            r.id, r.family, r.given, r.patronymic, r.dob, r.sex, r.true_id
        );
    }
    out
}

/// A list for deduplication: `records` rows, about a third of the people listed 2–3 times.
pub fn dedupe_list(seed: u64, records: usize) -> Vec<Row> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut rows = Vec::with_capacity(records);
    let mut person_id = 0;
    while rows.len() < records {
        let p = person(&mut rng);
        let copies = match rng.gen_range(0..10) {
            0..=6 => 1,
            7..=8 => 2,
            _ => 3,
        };
        for _ in 0..copies {
            let side = [Side::Bureau, Side::Russian, Side::Latin][rng.gen_range(0..3)];
            let id = format!("r{}", rows.len());
            rows.push(render(&mut rng, &p, side, id, person_id));
        }
        person_id += 1;
    }
    rows.truncate(records);
    rows.shuffle(&mut rng);
    rows
}

/// Two lists for linking: the bureau's own list (`right`) and the other side's list
/// (`left`), of which `overlap` are people also on the right.
pub fn link_lists(seed: u64, left: usize, right: usize, overlap: f64) -> (Vec<Row>, Vec<Row>) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let people: Vec<Person> = (0..right).map(|_| person(&mut rng)).collect();
    let right_rows: Vec<Row> = people
        .iter()
        .enumerate()
        .map(|(i, p)| render(&mut rng, p, Side::Bureau, format!("b{i}"), i))
        .collect();
    let mut left_rows = Vec::with_capacity(left);
    for i in 0..left {
        let side = if rng.gen_bool(0.5) {
            Side::Russian
        } else {
            Side::Latin
        };
        if rng.gen_bool(overlap) {
            let who = rng.gen_range(0..right);
            left_rows.push(render(&mut rng, &people[who], side, format!("a{i}"), who));
        } else {
            let p = person(&mut rng);
            left_rows.push(render(&mut rng, &p, side, format!("a{i}"), right + i));
        }
    }
    (left_rows, right_rows)
}
