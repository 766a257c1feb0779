//! Script folding: Cyrillic, Latin transliterations and Hangul reduced to comparable keys.
//!
//! Two families of keys are produced for every name token:
//!
//! - the *skeleton*, a loose Latin form that folds the differences between the
//!   transliteration standards used for Ukrainian and Russian (KMU 2010, GOST 7.79,
//!   ICAO 9303) and ad-hoc or German-style spellings, so that `Шевченко`, `Shevchenko`
//!   and `Schewtschenko` share one skeleton;
//! - the *Korean key*, a folding of Hangul, the Korean romanizations (Revised,
//!   McCune–Reischauer, North Korean practice) and the Russian (Kontsevich) spelling of
//!   Korean names, syllable by syllable, so that `정은`, `Jeong-eun`, `Chŏng-ŭn` and
//!   `Чон Ын` share one key.
//!
//! The skeleton is an uppercase ASCII string over a reduced alphabet: `H` stands for
//! g/h/kh/German ch, `S` for every hushing sibilant or affricate (ж ш щ ч, sh, zh, ch,
//! sch, tsch, č, š, ž), `Z` for s/z/ts/tz/ц, `I` for i/y/j, `V` for v/w.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lowercase, strip diacritics that do not carry a distinct sound in our folding, and
/// keep letters only (hyphens, apostrophes, spaces and dots are dropped).
///
/// Hushing letters with a caron or acute (č, š, ž, ś, ź, ż, ć) are spelled out first,
/// because stripping the mark would turn them into plain c, s, z.
fn latin_letters(input: &str) -> String {
    if input.is_ascii() {
        // The common case (and every Cyrillic or Hangul name already romanized by us):
        // no diacritics to strip, so no normalization pass.
        return input
            .bytes()
            .filter(u8::is_ascii_alphabetic)
            .map(|b| b.to_ascii_lowercase() as char)
            .collect();
    }
    let mut spelled = String::with_capacity(input.len());
    for c in input.chars().flat_map(char::to_lowercase) {
        match c {
            'č' | 'ć' => spelled.push_str("tsch"),
            'š' | 'ś' | 'ž' | 'ź' | 'ż' => spelled.push_str("sh"),
            'ß' => spelled.push_str("ss"),
            _ => spelled.push(c),
        }
    }
    spelled
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| c.is_alphabetic())
        .collect()
}

/// Lowercase of one letter, with a fast path for ASCII and the Cyrillic alphabets,
/// which make up nearly every name; other scripts go through the Unicode tables.
pub(crate) fn lowercase(c: char) -> char {
    match c as u32 {
        0x41..=0x5A => (c as u8 + 32) as char,
        0..=0x7F => c,
        0x410..=0x42F => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        0x400..=0x40F => char::from_u32(c as u32 + 0x50).unwrap_or(c),
        0x490 => '\u{491}',
        0x430..=0x45F | 0x491 | 0xAC00..=0xD7A3 => c,
        _ => c.to_lowercase().next().unwrap_or(c),
    }
}

pub(crate) fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

pub(crate) fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Skeleton symbols of one Cyrillic letter (Ukrainian and Russian alphabets).
fn cyrillic_symbols(c: char) -> &'static str {
    match c {
        'а' => "A",
        'б' => "B",
        'в' => "V",
        // Ukrainian г is h, Russian г is g: both fold into H, as does х.
        'г' | 'ґ' | 'х' => "H",
        'д' => "D",
        'е' | 'э' | 'ё' => "E",
        'є' => "IE",
        'ж' | 'ч' | 'ш' | 'щ' => "S",
        'з' | 'с' | 'ц' => "Z",
        'и' | 'і' | 'й' | 'ы' => "I",
        'ї' => "II",
        'к' => "K",
        'л' => "L",
        'м' => "M",
        'н' => "N",
        'о' => "O",
        'п' => "P",
        'р' => "R",
        'т' => "T",
        'у' => "U",
        'ф' => "F",
        'ю' => "IU",
        'я' => "IA",
        _ => "",
    }
}

fn is_vowel_symbol(b: u8) -> bool {
    matches!(b, b'A' | b'E' | b'I' | b'O' | b'U')
}

fn is_latin_consonant(b: u8) -> bool {
    b.is_ascii_lowercase() && !matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Skeleton symbols of a Latin string (already lowercased and stripped).
fn latin_symbols(word: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    let starts = |i: usize, s: &str| word[i..].starts_with(s.as_bytes());
    while i < word.len() {
        // Longest spellings first: German schtsch/tsch/sch, English shch, Polish szcz.
        let (symbols, len): (&[u8], usize) = if starts(i, "schtsch") {
            (b"S", 7)
        } else if starts(i, "szcz") || starts(i, "shch") || starts(i, "tsch") {
            (b"S", 4)
        } else if starts(i, "sch") || starts(i, "tch") {
            (b"S", 3)
        } else if starts(i, "ch") {
            // German writes х as ch before a consonant (Chruschtschow); elsewhere ch is ч.
            let next = word.get(i + 2).copied();
            if next.is_some_and(is_latin_consonant) {
                (b"H", 2)
            } else {
                (b"S", 2)
            }
        } else if starts(i, "sh") || starts(i, "zh") || starts(i, "sz") || starts(i, "cz") {
            (b"S", 2)
        } else if starts(i, "kh") {
            (b"H", 2)
        } else if starts(i, "ts") || starts(i, "tz") {
            (b"Z", 2)
        } else if starts(i, "ck") {
            (b"K", 2)
        } else if starts(i, "ph") {
            (b"F", 2)
        } else if starts(i, "th") {
            (b"T", 2)
        } else if starts(i, "qu") {
            (b"KV", 2)
        } else {
            let symbol: &[u8] = match word[i] {
                b'a' => b"A",
                b'b' => b"B",
                b'c' => {
                    if matches!(word.get(i + 1), Some(b'e' | b'i' | b'y')) {
                        b"Z"
                    } else {
                        b"K"
                    }
                }
                b'd' => b"D",
                b'e' => b"E",
                b'f' => b"F",
                b'g' | b'h' => b"H",
                b'i' | b'j' | b'y' => b"I",
                b'k' | b'q' => b"K",
                b'l' => b"L",
                b'm' => b"M",
                b'n' => b"N",
                b'o' => b"O",
                b'p' => b"P",
                b'r' => b"R",
                b's' | b'z' => b"Z",
                b't' => b"T",
                b'u' => b"U",
                b'v' | b'w' => b"V",
                // GOST 7.79 writes х as x (Xarkiv); elsewhere x is ks (Maxim).
                b'x' if i == 0 => b"H",
                b'x' => b"KZ",
                _ => b"",
            };
            (symbol, 1)
        };
        out.extend_from_slice(symbols);
        i += len;
    }
}

/// Initial consonants of a Hangul syllable in Revised Romanization (ㄱ … ㅎ, the
/// Unicode order).
pub(crate) const HANGUL_INITIALS: [&str; 19] = [
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
/// Vowels of a Hangul syllable in Revised Romanization (ㅏ … ㅣ, the Unicode order).
pub(crate) const HANGUL_MEDIALS: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
];
/// Final consonants of a Hangul syllable in Revised Romanization, reduced to the seven
/// sounds a syllable can end on (none, ㄱ … ㅎ, the Unicode order).
pub(crate) const HANGUL_FINALS: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
];

/// The initial, medial and final indices of a Hangul syllable (U+AC00 + (initial × 21 +
/// medial) × 28 + final).
pub(crate) fn hangul_jamo(c: char) -> (usize, usize, usize) {
    let index = (c as u32).saturating_sub(0xAC00).min(11_171) as usize;
    (index / 588, (index % 588) / 28, index % 28)
}

/// Romanize one Hangul syllable (Revised Romanization, final consonants simplified).
pub(crate) fn hangul_syllable_latin(c: char, out: &mut String) {
    let (initial, medial, last) = hangul_jamo(c);
    out.push_str(HANGUL_INITIALS[initial]);
    out.push_str(HANGUL_MEDIALS[medial]);
    out.push_str(HANGUL_FINALS[last]);
}

/// Latin reading of a Cyrillic spelling of a Korean name (Kontsevich system and the
/// usual press spellings), to be folded by [`korean_key`].
fn cyrillic_korean_latin(c: char, out: &mut String) {
    let s = match c {
        'а' => "a",
        'б' => "b",
        'в' => "w",
        'г' => "g",
        'д' => "d",
        'е' | 'э' => "e",
        'ё' => "yo",
        'ж' | 'з' | 'ч' | 'ц' => "ch",
        'и' | 'і' | 'й' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' | 'ш' | 'щ' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "p",
        'х' => "h",
        'ы' => "eu",
        'ю' => "yu",
        'я' => "ya",
        _ => "",
    };
    out.push_str(s);
}

/// The loose Latin skeleton of a name token in any script (see the module docs).
pub fn skeleton(token: &str) -> String {
    let mut symbols: Vec<u8> = Vec::with_capacity(token.len());
    let mut latin = String::new();
    let flush = |latin: &mut String, symbols: &mut Vec<u8>| {
        if !latin.is_empty() {
            latin_symbols(latin_letters(latin).as_bytes(), symbols);
            latin.clear();
        }
    };
    for c in token.chars().map(lowercase) {
        if is_cyrillic(c) {
            flush(&mut latin, &mut symbols);
            symbols.extend_from_slice(cyrillic_symbols(c).as_bytes());
        } else if is_hangul_syllable(c) {
            let mut romanized = String::new();
            hangul_syllable_latin(c, &mut romanized);
            latin.push_str(&romanized);
        } else {
            latin.push(c);
        }
    }
    flush(&mut latin, &mut symbols);
    fold_symbols(&symbols)
}

/// Collapse doubled symbols and drop the glide `I` that different standards write or
/// omit before a vowel (Yevhen / Evgen, Andreyevich / Andreevich).
fn fold_symbols(symbols: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(symbols.len());
    for (i, &s) in symbols.iter().enumerate() {
        if out.last() == Some(&s) {
            continue;
        }
        if s == b'I' {
            let next_is_vowel = symbols
                .get(i + 1)
                .is_some_and(|&n| is_vowel_symbol(n) && n != b'I');
            let after_vowel_or_start = out.last().is_none_or(|&p| is_vowel_symbol(p));
            if next_is_vowel && after_vowel_or_start {
                continue;
            }
        }
        out.push(s);
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A phonetic key: the skeleton's first symbol followed by its consonants, so that
/// vowel differences (Khrushchov / Khrushchev, Oleksii / Aleksei) still share a block.
pub fn phonetic(skeleton: &str) -> String {
    let mut out = String::with_capacity(skeleton.len());
    for (i, b) in skeleton.bytes().enumerate() {
        if (i == 0 || !is_vowel_symbol(b)) && out.as_bytes().last() != Some(&b) {
            out.push(b as char);
        }
    }
    out
}

/// The Korean key of a name (family or given) in Hangul, any Korean romanization, or
/// Cyrillic. Syllable separators are ignored, so `Jong-un`, `Jong Un` and `Jongun`
/// agree, while `Jong-il` stays different.
pub fn korean_key(name: &str) -> String {
    let mut latin = String::with_capacity(name.len() * 2);
    for c in name.chars().map(lowercase) {
        if is_hangul_syllable(c) {
            hangul_syllable_latin(c, &mut latin);
        } else if is_cyrillic(c) {
            cyrillic_korean_latin(c, &mut latin);
        } else {
            latin.push(c);
        }
    }
    let word = latin_letters(&latin);
    let word = word.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(word.len());
    let mut i = 0;
    let starts = |i: usize, s: &str| word[i..].starts_with(s.as_bytes());
    while i < word.len() {
        let (symbol, len): (&[u8], usize) = if starts(i, "tch") {
            (b"C", 3)
        } else if starts(i, "ng") {
            // Kontsevich writes both final ㅇ and ㄴ as н, so ng folds into n.
            (b"N", 2)
        } else if starts(i, "ch") || starts(i, "jj") || starts(i, "ts") {
            (b"C", 2)
        } else if starts(i, "kk") || starts(i, "kh") || starts(i, "gg") {
            (b"K", 2)
        } else if starts(i, "tt") || starts(i, "th") || starts(i, "dd") {
            (b"T", 2)
        } else if starts(i, "pp") || starts(i, "ph") || starts(i, "bb") {
            (b"P", 2)
        } else if starts(i, "ss") || starts(i, "sh") {
            (b"S", 2)
        } else if starts(i, "eo") {
            (b"O", 2)
        } else if starts(i, "eu") || starts(i, "oo") {
            (b"U", 2)
        } else if starts(i, "ae") || starts(i, "ai") {
            (b"E", 2)
        } else if starts(i, "ee") {
            (b"I", 2)
        } else {
            let symbol: &[u8] = match word[i] {
                b'g' | b'k' => b"K",
                b'd' | b't' => b"T",
                b'b' | b'p' | b'f' => b"P",
                b'j' | b'c' | b'z' => b"C",
                b's' => b"S",
                b'h' => {
                    // An h after a consonant marks aspiration (Чхве, ch'oe), not a sound.
                    if out.last().is_some_and(|&p| {
                        !matches!(p, b'A' | b'E' | b'I' | b'O' | b'U' | b'Y' | b'W')
                    }) {
                        b""
                    } else {
                        b"H"
                    }
                }
                b'r' | b'l' => b"L",
                b'm' => b"M",
                b'n' => b"N",
                b'a' => b"A",
                b'e' => b"E",
                b'i' => b"I",
                b'o' => b"O",
                b'u' => b"U",
                b'w' | b'v' => b"W",
                b'y' => b"Y",
                _ => b"",
            };
            (symbol, 1)
        };
        if out.last().map(std::slice::from_ref) != Some(symbol) || symbol.is_empty() {
            out.extend_from_slice(symbol);
        }
        i += len;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Groups of spellings of the same Korean surname: Hangul, South and North Korean
/// romanizations, and Cyrillic. The first spelling names the group and is the customary
/// Latin one (Kim, Lee, Park); the first Cyrillic and the first Hangul spellings are the
/// customary ones of those scripts (Ли, 이), later ones regional (Ри, 리). Names are
/// printed with these spellings (`render`), so the order matters.
const KOREAN_SURNAMES: &[&[&str]] = &[
    &["Kim", "Gim", "Ким", "김"],
    &[
        "Lee", "Yi", "Ri", "Rhee", "I", "Rhie", "Li", "Rii", "Ли", "Ри", "И", "이", "리",
    ],
    &["Park", "Pak", "Bak", "Pack", "Пак", "박"],
    &[
        "Choi", "Choe", "Chwe", "Choy", "Tsoi", "Цой", "Чхве", "Чой", "최",
    ],
    &[
        "Jung", "Jeong", "Chung", "Chong", "Jong", "Чон", "Чонг", "정",
    ],
    &["Kang", "Gang", "Кан", "Канг", "강"],
    &["Cho", "Jo", "Чо", "조"],
    &["Yoon", "Yun", "Юн", "윤"],
    &["Jang", "Chang", "Чан", "Чанг", "장"],
    &["Lim", "Im", "Rim", "Yim", "Лим", "Им", "Рим", "임", "림"],
    &["Han", "Хан", "한"],
    &["Oh", "O", "О", "오"],
    &["Shin", "Sin", "Син", "Шин", "신"],
    &["Seo", "Suh", "So", "Со", "서"],
    &["Kwon", "Gwon", "Квон", "권"],
    &["Hwang", "Хван", "황"],
    &["Ahn", "An", "Ан", "안"],
    &["Song", "Сон", "송"],
    &["Yu", "Yoo", "Ryu", "Ryoo", "Ю", "Рю", "유", "류"],
    &["Hong", "Хон", "홍"],
    &["Jeon", "Chun", "Chon", "Jun", "전"],
    &["Ko", "Go", "Koh", "Ко", "고"],
    &["Moon", "Mun", "Мун", "문"],
    &["Yang", "Ryang", "Ян", "Рян", "양"],
    &["Son", "Sohn", "손"],
    &["Bae", "Pae", "Пэ", "배"],
    &["Baek", "Paek", "Paik", "Пэк", "백"],
    &["Heo", "Hur", "Ho", "Хо", "허"],
    &["Nam", "Нам", "남"],
    &["Noh", "Roh", "No", "Ro", "Но", "Ро", "노"],
    &["Ha", "Ха", "하"],
    &["Kwak", "Gwak", "Квак", "곽"],
    &["Cha", "Ча", "차"],
    &["Joo", "Ju", "Chu", "Чу", "주"],
    &["Koo", "Ku", "Gu", "Ку", "구"],
    &["Min", "Мин", "민"],
    &["Na", "Ra", "На", "Ра", "나", "라"],
    &["Myung", "Myeong", "Myong", "Мён", "명"],
];

fn korean_surname_table() -> &'static std::collections::HashMap<String, u16> {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<String, u16>> =
        std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = std::collections::HashMap::new();
        for (group, spellings) in KOREAN_SURNAMES.iter().enumerate() {
            for spelling in *spellings {
                // The first group that claims a folded key keeps it (Сон: Song, not Son).
                table
                    .entry(surname_lookup_key(spelling))
                    .or_insert(group as u16);
            }
        }
        table
    })
}

/// Spellings are looked up by their exact lowercase letters, not by a folded key:
/// folding would make `Li` and `Ri` agree with unrelated short tokens.
fn surname_lookup_key(spelling: &str) -> String {
    latin_letters(spelling)
}

/// All spellings of a surname group (see [`korean_surname_group`]): the customary Latin
/// spelling first, then the other Latin, Cyrillic and Hangul spellings.
pub(crate) fn korean_surname_spellings(group: u16) -> &'static [&'static str] {
    KOREAN_SURNAMES
        .get(usize::from(group))
        .copied()
        .unwrap_or(&[])
}

/// The group of a Korean surname spelling, if it is a known one.
pub fn korean_surname_group(token: &str) -> Option<u16> {
    // No spelling in the table is longer than six letters: skip the lookup (and its
    // normalisation) for the long Slavic names that make up most lists.
    if token.chars().nth(7).is_some() {
        return None;
    }
    korean_surname_table()
        .get(&surname_lookup_key(token))
        .copied()
}

/// True when the token contains Hangul.
pub fn has_hangul(token: &str) -> bool {
    token.chars().any(is_hangul_syllable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_same(spellings: &[&str]) {
        let first = skeleton(spellings[0]);
        for s in spellings {
            assert_eq!(skeleton(s), first, "{s} vs {}", spellings[0]);
        }
    }

    fn check_korean_same(spellings: &[&str]) {
        let first = korean_key(spellings[0]);
        for s in spellings {
            assert_eq!(korean_key(s), first, "{s} vs {}", spellings[0]);
        }
    }

    #[test]
    fn transliteration_standards_fold_to_one_skeleton() {
        check_same(&[
            "Шевченко",
            "Shevchenko",
            "Schewtschenko",
            "Ševčenko",
            "Szewczenko",
        ]);
        check_same(&["Хрущов", "Khrushchov", "Hrushchov", "Chruschtschow"]);
        check_same(&[
            "Зеленський",
            "Zelenskyi",
            "Zelenskyy",
            "Zelenskij",
            "Zelensky",
        ]);
        check_same(&["Юрій", "Yurii", "Iurii", "Jurij", "Yuriy"]);
        check_same(&["Євген", "Yevhen", "Evhen", "Jewhen"]);
        check_same(&["Олександр", "Oleksandr"]);
        check_same(&["Марія", "Мария", "Mariia", "Mariya", "Maria"]);
        check_same(&["Георгій", "Heorhii", "Georgij", "Georgiy"]);
        check_same(&["Цой", "Tsoi", "Tsoy", "Zoj"]);
        check_same(&["Харченко", "Kharchenko", "Xarchenko"]);
        check_same(&["Максим", "Maksim", "Maxim"]);
    }

    #[test]
    fn fast_lowercase_agrees_with_unicode() {
        for c in "AZaz09 ĀÀÉŠАЯЁЇІЄҐабвяёїієґ김Ω".chars() {
            assert_eq!(lowercase(c), c.to_lowercase().next().unwrap(), "{c}");
        }
    }

    #[test]
    fn different_names_keep_different_skeletons() {
        assert_ne!(skeleton("Шевченко"), skeleton("Шевчук"));
        assert_ne!(skeleton("Petrenko"), skeleton("Pavlenko"));
        assert_ne!(skeleton("Иванов"), skeleton("Иванова"));
    }

    #[test]
    fn phonetic_key_ignores_vowels() {
        assert_eq!(
            phonetic(&skeleton("Хрущёв")),
            phonetic(&skeleton("Khrushchov"))
        );
    }

    #[test]
    fn korean_keys_fold_romanizations_and_cyrillic() {
        check_korean_same(&[
            "정은",
            "Jeong-eun",
            "Chŏng-ŭn",
            "Jong Un",
            "Jongun",
            "Чон Ын",
        ]);
        check_korean_same(&["철수", "Cheol-su", "Chŏl-su", "Chol Su", "Чхольсу"]);
        assert_ne!(korean_key("Jong-un"), korean_key("Jong-il"));
        assert_ne!(korean_key("정은"), korean_key("정일"));
    }

    #[test]
    fn korean_surnames_group_all_spellings() {
        for group in [
            &["Lee", "Yi", "Ri", "Rhee", "이", "리", "Ли"][..],
            &["Choi", "Choe", "Chwe", "최", "Цой", "Чхве"],
            &["Park", "Pak", "Bak", "박", "Пак"],
        ] {
            let first = korean_surname_group(group[0]);
            assert!(first.is_some());
            for s in group {
                assert_eq!(korean_surname_group(s), first, "{s}");
            }
        }
        assert_ne!(korean_surname_group("Kim"), korean_surname_group("Lee"));
        assert_eq!(korean_surname_group("Shevchenko"), None);
    }
}
