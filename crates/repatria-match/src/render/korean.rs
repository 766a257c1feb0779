//! Korean names: Hangul → Latin (Revised Romanization, customary surname spellings),
//! romanized Korean → Hangul (Revised, McCune–Reischauer, passport and North Korean
//! spellings), Hangul → Cyrillic (Kontsevich).

use super::{fold_latin, Case, Role};
use crate::script::{
    hangul_jamo, hangul_syllable_latin, is_hangul_syllable, korean_surname_group,
    korean_surname_spellings, lowercase, HANGUL_FINALS,
};

/// Syllables common in Korean given names and surnames, roughly the most frequent
/// first (written for this project from published name statistics; the order is an
/// approximation). A romanized syllable that several syllables could stand for (`chol`:
/// 촐, 철, 졸, 절) reads as its Revised Romanization when that is a name syllable, and
/// otherwise as the first of these it could stand for.
const NAME_SYLLABLES: &str = "영정성수민현준지은진철호희숙순자미경혜연선주윤우재상동석남광명일용태\
    훈혁승서하원기옥화금춘길만국범복봉식학근규도병세시완욱웅의인종중창찬충택필해형홍환효휘건관구\
    권균대덕란룡림무문배백보빈산삼송신심안애양오온운월유율이익임전조채천청초한향허헌협황회후흥아\
    예나다소라린별솔결김박최강장곽노고차손류리려련렬률표";

fn rank(syllable: char) -> Option<usize> {
    NAME_SYLLABLES.chars().position(|s| s == syllable)
}

// Jamo indices, in the Unicode order of HANGUL_INITIALS / MEDIALS / FINALS.
const G: u8 = 0;
const KK: u8 = 1;
const N: u8 = 2;
const D: u8 = 3;
const TT: u8 = 4;
const R: u8 = 5;
const M: u8 = 6;
const B: u8 = 7;
const PP: u8 = 8;
const S: u8 = 9;
const SS: u8 = 10;
const NONE: u8 = 11;
const J: u8 = 12;
const JJ: u8 = 13;
const CH: u8 = 14;
const K: u8 = 15;
const T: u8 = 16;
const P: u8 = 17;
const H: u8 = 18;

/// Romanized initial consonants and the initials each may stand for, the Revised
/// Romanization reading first: `k` is ㅋ in RR but ㄱ in McCune–Reischauer and in
/// passports (Kim, Kwang); `ch` is ㅊ in RR, ㅈ in McCune–Reischauer (Chong); an
/// apostrophe marks McCune–Reischauer aspiration (ch'ŏl); `kh`, `th`, `ph` are North
/// Korean practice. `sh` is read only before `i` (Shin); `l` only inside a word.
const ONSETS: &[(&str, &[u8])] = &[
    ("tch", &[JJ]),
    ("ch'", &[CH]),
    ("k'", &[K]),
    ("t'", &[T]),
    ("p'", &[P]),
    ("kk", &[KK]),
    ("tt", &[TT]),
    ("pp", &[PP]),
    ("ss", &[SS]),
    ("jj", &[JJ]),
    ("ch", &[CH, J]),
    ("kh", &[K]),
    ("th", &[T]),
    ("ph", &[P]),
    ("sh", &[S]),
    ("g", &[G]),
    ("k", &[K, G]),
    ("n", &[N]),
    ("d", &[D]),
    ("t", &[T, D]),
    ("r", &[R]),
    ("l", &[R]),
    ("m", &[M]),
    ("b", &[B]),
    ("p", &[P, B]),
    ("s", &[S]),
    ("j", &[J]),
    ("h", &[H]),
    ("", &[NONE]),
];

/// Romanized vowels and the vowels (ㅏ = 0 … ㅣ = 20) each may stand for, RR first:
/// `o` is ㅗ, or ㅓ written without its breve (McCune–Reischauer ŏ); `u` is ㅜ, or ㅓ as
/// in the customary Sung, Jung, Hyun, or ㅡ (ŭ without its breve); `oo`, `ee`, `you`
/// are customary (Soo, Hee, Young).
const VOWELS: &[(&str, &[u8])] = &[
    ("a", &[0]),
    ("ae", &[1]),
    ("ya", &[2]),
    ("yae", &[3]),
    ("eo", &[4]),
    ("ŏ", &[4]),
    ("e", &[5]),
    ("yeo", &[6]),
    ("yŏ", &[6]),
    ("you", &[6]),
    ("ye", &[7]),
    ("o", &[8, 4]),
    ("wa", &[9]),
    ("wae", &[10]),
    ("oe", &[11]),
    ("yo", &[12, 6]),
    ("u", &[13, 4, 18]),
    ("oo", &[13]),
    ("woo", &[13]),
    ("wo", &[14]),
    ("wŏ", &[14]),
    ("weo", &[14]),
    ("we", &[15]),
    ("wi", &[16]),
    ("yu", &[17, 6]),
    ("yoo", &[17]),
    ("eu", &[18]),
    ("ŭ", &[18]),
    ("ui", &[19]),
    ("ŭi", &[19]),
    ("eui", &[19]),
    ("i", &[20]),
    ("ee", &[20, 19]),
];

/// Romanized final consonants: the seven a syllable ends on (t standing for ㅅ, the
/// commonest of the finals pronounced t).
const CODAS: &[(&str, u8)] = &[
    ("", 0),
    ("k", 1),
    ("n", 4),
    ("l", 8),
    ("m", 16),
    ("p", 17),
    ("t", 19),
    ("ng", 21),
];

fn compose(initial: u8, medial: u8, last: u8) -> char {
    let index = (u32::from(initial) * 21 + u32::from(medial)) * 28 + u32::from(last);
    char::from_u32(0xAC00 + index).unwrap_or('\u{AC00}')
}

/// The syllable a romanized syllable stands for, whether it is a name syllable, and its
/// initial; `None` when the text is no romanized syllable. `l` begins a syllable only
/// after a final ㄹ (`allow_l`: Alla is 알라).
fn syllable(text: &str, allow_l: bool) -> Option<(char, bool, u8)> {
    let mut revised: Option<(char, u8)> = None;
    let mut best: Option<(usize, char)> = None;
    for (onset, initials) in ONSETS {
        let Some(rest) = text.strip_prefix(onset) else {
            continue;
        };
        if *onset == "l" && !allow_l {
            continue;
        }
        for (vowel, medials) in VOWELS {
            let Some(rest) = rest.strip_prefix(vowel) else {
                continue;
            };
            if *onset == "sh" && !vowel.starts_with('i') {
                continue;
            }
            let Some(&(_, last)) = CODAS.iter().find(|(coda, _)| *coda == rest) else {
                continue;
            };
            for &initial in *initials {
                for &medial in *medials {
                    let candidate = compose(initial, medial, last);
                    revised.get_or_insert((candidate, initial));
                    if let Some(r) = rank(candidate) {
                        if best.is_none_or(|(b, _)| r < b) {
                            best = Some((r, candidate));
                        }
                    }
                }
            }
        }
    }
    let (revised, initial) = revised?;
    Some(match (rank(revised), best) {
        (Some(_), _) => (revised, true, initial),
        (None, Some((_, common))) => (common, true, hangul_jamo(common).0 as u8),
        (None, None) => (revised, false, initial),
    })
}

/// A chunk read as one or two syllables: the syllables, and its cost (fewer syllables,
/// fewer uncommon ones, no vowel-initial syllable after a final that could have begun
/// it, then the longer first syllable).
fn parse_chunk(chunk: &str, max: usize) -> Option<(Vec<char>, usize)> {
    if chunk.chars().count() > 14 {
        return None;
    }
    /// Syllables, uncommon syllables, doubtful boundaries, length of the second syllable.
    type Cost = (usize, usize, usize, usize);
    let mut best: Option<(Cost, Vec<char>)> = None;
    let mut consider = |cost: Cost, syllables: Vec<char>| {
        if best.as_ref().is_none_or(|(b, _)| cost < *b) {
            best = Some((cost, syllables));
        }
    };
    if let Some((one, common, _)) = syllable(chunk, false) {
        consider((1, usize::from(!common), 0, 0), vec![one]);
    }
    if max >= 2 {
        for (at, _) in chunk.char_indices().skip(1) {
            let (first, second) = chunk.split_at(at);
            let Some((a, a_common, _)) = syllable(first, false) else {
                continue;
            };
            let a_final = HANGUL_FINALS[hangul_jamo(a).2];
            let Some((b, b_common, b_initial)) = syllable(second, a_final == "l") else {
                continue;
            };
            let resplit = b_initial == NONE && !a_final.is_empty() && a_final != "ng";
            let uncommon = usize::from(!a_common) + usize::from(!b_common);
            consider(
                (2, uncommon, usize::from(resplit), chunk.len() - at),
                vec![a, b],
            );
        }
    }
    best.map(|((_, _, resplit, _), syllables)| (syllables, resplit))
}

/// A Latin word read as romanized Korean: hyphen-separated chunks of one syllable each
/// (Min-jun, Kwang-chol), or one chunk of one or two syllables with no doubtful
/// boundary (Minjun; Hana is 하나, not 한아). `None` when it does not read so.
fn parse_word(folded: &str) -> Option<String> {
    let chunks: Vec<&str> = folded.split('-').filter(|c| !c.is_empty()).collect();
    match chunks.as_slice() {
        [] => None,
        [one] => match parse_chunk(one, 2)? {
            (syllables, 0) => Some(syllables.into_iter().collect()),
            _ => None,
        },
        many => many
            .iter()
            .map(|chunk| parse_chunk(chunk, 1).map(|(s, _)| s[0]))
            .collect(),
    }
}

/// The Hangul spelling of a known surname written in Latin: the one whose Revised
/// Romanization the word is (Ri → 리, Ryu → 류), else the customary one (Lee → 이).
fn surname_from_latin(word: &str) -> Option<String> {
    let spellings = korean_surname_spellings(korean_surname_group(word)?);
    let letters: String = fold_latin(word)
        .chars()
        .filter(char::is_ascii_lowercase)
        .collect();
    let hangul = || {
        spellings
            .iter()
            .filter(|s| s.chars().all(is_hangul_syllable))
    };
    hangul()
        .find(|h| revised(&h.chars().collect::<Vec<_>>(), "") == letters)
        .or_else(|| hangul().next())
        .map(|h| (*h).to_owned())
}

/// True when `letters` is the customary Latin spelling of a surname (Kim, Park, Song),
/// which alone is read as the surname rather than as syllables.
fn is_customary_surname(word: &str) -> bool {
    korean_surname_group(word)
        .is_some_and(|g| korean_surname_spellings(g)[0].eq_ignore_ascii_case(word))
}

/// A Latin word as Hangul, if it reads as Korean: a family name by the surname table
/// first (Lee → 이, Park → 박, Jung → 정), a given name by its syllables first.
pub(super) fn latin_to_hangul(word: &str, role: Role) -> Option<String> {
    let folded = fold_latin(word);
    let table = || surname_from_latin(word);
    let parse = || parse_word(&folded);
    match role {
        Role::Family => table().or_else(parse),
        Role::Given => parse().or_else(table),
        Role::Alone if is_customary_surname(word) => table(),
        Role::Alone => parse().or_else(table),
    }
}

/// True when the Latin words of a name read as a Korean name: every word reads as
/// Korean, and one is a known surname in the family name's place or is written in
/// hyphenated syllables (Min-jun). `Anna` alone, or `Kim Sergei`, is not.
pub(super) fn latin_name_is_korean(words: &[(Role, String)]) -> bool {
    let mut evidence = false;
    for (role, word) in words {
        if latin_to_hangul(word, *role).is_none() {
            return false;
        }
        let surname = *role != Role::Given && korean_surname_group(word).is_some();
        let hyphenated = fold_latin(word).trim_matches('-').contains('-');
        evidence |= surname || hyphenated;
    }
    evidence
}

/// A Cyrillic spelling of a known Korean surname as Hangul: the one whose Kontsevich
/// spelling it is (Ри → 리), else the customary one (Ли → 이, Цой → 최).
pub(super) fn cyrillic_surname_to_hangul(word: &str) -> Option<String> {
    let spellings = korean_surname_spellings(korean_surname_group(word)?);
    let lower: String = word.chars().map(lowercase).collect();
    let hangul = || {
        spellings
            .iter()
            .filter(|s| s.chars().all(is_hangul_syllable))
    };
    hangul()
        .find(|h| kontsevich(&h.chars().collect::<Vec<_>>()) == lower)
        .or_else(|| hangul().next())
        .map(|h| (*h).to_owned())
}

/// True when a family name recorded in Hangul is a Korean one: a single syllable, or a
/// known surname.
pub(super) fn is_korean_family_name(text: &str) -> bool {
    let count = text.chars().count();
    text.chars().all(is_hangul_syllable)
        && (count == 1 || (count > 1 && korean_surname_group(text).is_some()))
}

/// The customary spellings of a syllable that is the customary Hangul of a surname
/// (김 → Kim, Ким): the first Latin and the first Cyrillic spelling of its group.
/// Regional spellings (리, 림, 류) have none: they are transliterated as written.
fn customary(syllable: char) -> Option<&'static [&'static str]> {
    let text = syllable.to_string();
    let spellings = korean_surname_spellings(korean_surname_group(&text)?);
    let first_hangul = spellings
        .iter()
        .find(|s| s.chars().all(is_hangul_syllable))?;
    (**first_hangul == text).then_some(spellings)
}

/// Revised Romanization of syllables, joined by `separator`, lowercase.
fn revised(syllables: &[char], separator: &str) -> String {
    let mut out = String::new();
    for (i, &s) in syllables.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        hangul_syllable_latin(s, &mut out);
    }
    out
}

fn is_surname_syllable(syllable: char) -> bool {
    korean_surname_group(&syllable.to_string()).is_some()
}

/// A Hangul word in Latin: a family name in its customary spelling (Kim, Lee, Park) or
/// in Revised Romanization written together (Namgung); a given name in Revised
/// Romanization, syllables hyphenated (Min-jun). A word alone of three syllables that
/// starts with a surname is a whole name (김민준 → Kim Min-jun).
pub(super) fn hangul_to_latin(word: &str, role: Role) -> String {
    let family = |s: &[char]| match s {
        [one] => {
            customary(*one).map_or_else(|| Case::Title.apply(&revised(s, "")), |c| c[0].to_owned())
        }
        _ => Case::Title.apply(&revised(s, "")),
    };
    let given = |s: &[char]| Case::Title.apply(&revised(s, "-"));
    by_role(word, role, family, given)
}

/// A Hangul word in Cyrillic, by the Kontsevich system: a family name in its customary
/// spelling (Ким, Ли, Пак, Цой), a given name written together (Минджун).
pub(super) fn hangul_to_cyrillic(word: &str, role: Role) -> String {
    let family = |s: &[char]| {
        let custom = match s {
            [one] => customary(*one).and_then(|spellings| {
                spellings
                    .iter()
                    .find(|s| s.chars().any(crate::script::is_cyrillic))
            }),
            _ => None,
        };
        custom.map_or_else(|| Case::Title.apply(&kontsevich(s)), |c| (*c).to_owned())
    };
    let given = |s: &[char]| Case::Title.apply(&kontsevich(s));
    by_role(word, role, family, given)
}

/// Writes a Hangul word with `family` or `given` as its role says; characters other
/// than syllables (jamo, joiners) are kept, the syllable runs between them written as
/// given names.
fn by_role(
    word: &str,
    role: Role,
    family: impl Fn(&[char]) -> String,
    given: impl Fn(&[char]) -> String,
) -> String {
    let syllables: Vec<char> = word.chars().collect();
    if !syllables.iter().all(|c| is_hangul_syllable(*c)) {
        let mut out = String::new();
        let mut run: Vec<char> = Vec::new();
        for c in word.chars().chain(std::iter::once('\0')) {
            if is_hangul_syllable(c) {
                run.push(c);
                continue;
            }
            if !run.is_empty() {
                out.push_str(&given(&run));
                run.clear();
            }
            if c != '\0' {
                out.push(c);
            }
        }
        return out;
    }
    match (role, syllables.as_slice()) {
        (Role::Family, s) => family(s),
        (Role::Alone, [one]) => family(&[*one]),
        (Role::Alone, [first, rest @ ..]) if rest.len() == 2 && is_surname_syllable(*first) => {
            format!("{} {}", family(&[*first]), given(rest))
        }
        (_, s) => given(s),
    }
}

/// Kontsevich initials: (at the start of a word or after a voiceless final, between
/// voiced sounds).
const KONTSEVICH_INITIALS: [(&str, &str); 19] = [
    ("к", "г"),
    ("кк", "кк"),
    ("н", "н"),
    ("т", "д"),
    ("тт", "тт"),
    ("р", "р"),
    ("м", "м"),
    ("п", "б"),
    ("пп", "пп"),
    ("с", "с"),
    ("сс", "сс"),
    ("", ""),
    ("чж", "дж"),
    ("чч", "чч"),
    ("чх", "чх"),
    ("кх", "кх"),
    ("тх", "тх"),
    ("пх", "пх"),
    ("х", "х"),
];

/// Kontsevich vowels: (after a consonant, at the start of a syllable).
const KONTSEVICH_MEDIALS: [(&str, &str); 21] = [
    ("а", "а"),
    ("э", "э"),
    ("я", "я"),
    ("е", "йе"),
    ("о", "о"),
    ("е", "э"),
    ("ё", "ё"),
    ("е", "йе"),
    ("о", "о"),
    ("ва", "ва"),
    ("вэ", "вэ"),
    ("ве", "ве"),
    ("ё", "ё"),
    ("у", "у"),
    ("во", "во"),
    ("ве", "ве"),
    ("ви", "ви"),
    ("ю", "ю"),
    ("ы", "ы"),
    ("и", "ый"),
    ("и", "и"),
];

/// Syllables in Cyrillic by the Kontsevich system (lowercase, written together):
/// ㄱ ㄷ ㅂ ㅈ voiced between voiced sounds (민준 → минджун), final ㄹ as ль (р before a
/// vowel, л before ㄹ), final ㅇ as н (нъ before a vowel: 송일 → сонъиль).
fn kontsevich(syllables: &[char]) -> String {
    let mut out = String::new();
    for (i, &s) in syllables.iter().enumerate() {
        let (initial, medial, last) = hangul_jamo(s);
        let previous_final = (i > 0).then(|| HANGUL_FINALS[hangul_jamo(syllables[i - 1]).2]);
        let next_initial = syllables.get(i + 1).map(|&n| hangul_jamo(n).0);
        let voiced = previous_final.is_some_and(|f| matches!(f, "" | "n" | "m" | "l" | "ng"));
        if initial == usize::from(R) && previous_final == Some("l") {
            out.push('л');
        } else {
            let (plain, between) = KONTSEVICH_INITIALS[initial];
            out.push_str(if voiced { between } else { plain });
        }
        let (after, alone) = KONTSEVICH_MEDIALS[medial];
        out.push_str(if initial == usize::from(NONE) {
            alone
        } else {
            after
        });
        let before_vowel = next_initial == Some(usize::from(NONE));
        out.push_str(match HANGUL_FINALS[last] {
            "k" => "к",
            "n" => "н",
            "t" => "т",
            "m" => "м",
            "p" => "п",
            "l" if next_initial == Some(usize::from(R)) => "л",
            "l" if before_vowel => "р",
            "l" => "ль",
            "ng" if before_vowel => "нъ",
            "ng" => "н",
            _ => "",
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_syllables_are_distinct_syllables() {
        let all: Vec<char> = NAME_SYLLABLES
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert_eq!(all.len(), NAME_SYLLABLES.chars().count());
        for (i, c) in all.iter().enumerate() {
            assert!(is_hangul_syllable(*c), "{c}");
            assert!(!all[..i].contains(c), "{c} twice");
        }
    }

    #[test]
    fn romanized_syllables_read_as_name_syllables() {
        for (latin, hangul) in [
            ("min", '민'),
            ("jun", '준'),
            ("kwang", '광'),
            ("chol", '철'),
            ("ch'ŏl", '철'),
            ("cheol", '철'),
            ("hyun", '현'),
            ("hyok", '혁'),
            ("sung", '성'),
            ("seong", '성'),
            ("young", '영'),
            ("kyung", '경'),
            ("hee", '희'),
            ("soo", '수'),
            ("song", '송'),
            ("kum", '금'),
            ("gwang", '광'),
            ("tae", '태'),
        ] {
            assert_eq!(syllable(latin, false).map(|s| s.0), Some(hangul), "{latin}");
        }
        for not_a_syllable in ["ivan", "x", "sergei", "lee", "", "'"] {
            assert_eq!(syllable(not_a_syllable, false), None, "{not_a_syllable}");
        }
    }

    #[test]
    fn unhyphenated_words_split_at_the_likelier_boundary() {
        assert_eq!(parse_word("minjun").as_deref(), Some("민준"));
        assert_eq!(parse_word("hana").as_deref(), Some("하나"));
        assert_eq!(parse_word("seongeun").as_deref(), Some("성은"));
        assert_eq!(parse_word("jiwoo").as_deref(), Some("지우"));
        // Only a doubtful boundary (il|ya) or three syllables: not read as Korean.
        assert_eq!(parse_word("ilya"), None);
        assert_eq!(parse_word("nikita"), None);
        assert_eq!(parse_word("ivanov"), None);
    }

    #[test]
    fn kontsevich_spells_syllables_by_their_neighbours() {
        let k = |s: &str| kontsevich(&s.chars().collect::<Vec<_>>());
        assert_eq!(k("민준"), "минджун");
        assert_eq!(k("광철"), "кванчхоль");
        assert_eq!(k("송일"), "сонъиль");
        assert_eq!(k("영희"), "ёнхи");
        assert_eq!(k("철룡"), "чхоллён");
        assert_eq!(k("철우"), "чхору");
        assert_eq!(k("정은"), "чжонъын");
        assert_eq!(k("의"), "ый");
    }
}
