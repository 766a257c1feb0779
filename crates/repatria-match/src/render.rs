//! Names printed for their reader: the reverse of matching. A document such as an
//! exchange manifest is printed in the script of the party that reads it (Cyrillic for
//! RU, Hangul for KP, Latin for a mediator); [`for_reader`] picks, for one captive, the
//! name to print, and [`transliterate`] writes a name of any of the three scripts in
//! another. Pure, deterministic, total: any input gives an output, nothing panics.
//!
//! The standards and tables are described in docs/transliteration.md:
//!
//! - Cyrillic → Latin: Russian per ICAO Doc 9303 (the Russian passport since 2013),
//!   Ukrainian per the national system (KMU 2010) when the name has і, ї, є or ґ
//!   ([`cyrillic`]);
//! - Latin → Cyrillic: the reverse, Russian, greedy longest match, with a short list of
//!   common names whose soft sign or э the Latin does not show;
//! - Hangul → Latin: Revised Romanization (2000), syllable by syllable, the customary
//!   spelling of a surname (Kim, Lee, Park), given names hyphenated (Min-jun)
//!   ([`korean`]);
//! - Latin → Hangul: a romanized Korean name (Revised, McCune–Reischauer, the usual
//!   passport and North Korean spellings) is parsed into syllables; any other name is
//!   transcribed by sound ([`foreign`]: Ivanov → 이바노프);
//! - Hangul → Cyrillic: the Kontsevich system (Ким Минджун); Cyrillic → Hangul through
//!   the Latin.

mod cyrillic;
mod foreign;
mod korean;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

repatria_core::words! {
    /// A script a name is written in and read in.
    pub enum Script {
        Latin = "latin",
        Cyrillic = "cyrillic",
        Hangul = "hangul",
    }
}

/// The script of one letter, if it is one of the three.
fn letter_script(c: char) -> Option<Script> {
    let script = match c as u32 {
        0x41..=0x5A
        | 0x61..=0x7A
        | 0xC0..=0x2AF
        | 0x1E00..=0x1EFF
        | 0x2C60..=0x2C7F
        | 0xA720..=0xA7FF
        | 0xAB30..=0xAB6F
        | 0xFB00..=0xFB06
        | 0xFF21..=0xFF3A
        | 0xFF41..=0xFF5A => Script::Latin,
        0x400..=0x52F | 0x1C80..=0x1C8F | 0xA640..=0xA69F => Script::Cyrillic,
        0x1100..=0x11FF
        | 0x3131..=0x318E
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7A3
        | 0xD7B0..=0xD7FF
        | 0xFFA0..=0xFFDC => Script::Hangul,
        _ => return None,
    };
    (c.is_alphabetic() && !is_combining_mark(c)).then_some(script)
}

/// The dominant script of a name: the one most of its letters are written in (on a tie,
/// the one met first). `None` when it has no Latin, Cyrillic or Hangul letter.
pub fn script_of(text: &str) -> Option<Script> {
    let mut counts = [0usize; 3];
    let mut first_seen: Vec<Script> = Vec::with_capacity(3);
    for script in text.chars().filter_map(letter_script) {
        counts[script as usize] += 1;
        if !first_seen.contains(&script) {
            first_seen.push(script);
        }
    }
    let most = counts.iter().copied().max().unwrap_or(0);
    first_seen
        .into_iter()
        .find(|script| most > 0 && counts[*script as usize] == most)
}

/// Which script a party's readers read. States whose official language is written in
/// Cyrillic (the former Soviet ones that still do, and Mongolia) read Cyrillic; the two
/// Koreas read Hangul; anyone else, mediators such as the ICRC among them, Latin. A
/// party's own suffix (`UA-NG`) is ignored: the state's code before it decides.
pub fn script_for_party(code: &str) -> Script {
    /// ISO 3166-1 alpha-2 codes.
    const CYRILLIC: &[&str] = &["RU", "UA", "BY", "KZ", "KG", "TJ", "MN"];
    const HANGUL: &[&str] = &["KP", "KR"];
    let code = code.trim();
    let state = code.split('-').next().unwrap_or(code).to_ascii_uppercase();
    if CYRILLIC.contains(&state.as_str()) {
        Script::Cyrillic
    } else if HANGUL.contains(&state.as_str()) {
        Script::Hangul
    } else {
        Script::Latin
    }
}

/// One name of a captive, as an identity claim records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NameParts<'a> {
    pub family: &'a str,
    pub given: &'a str,
    pub patronymic: Option<&'a str>,
}

impl NameParts<'_> {
    /// The non-blank parts, family first, trimmed.
    fn parts(&self) -> impl Iterator<Item = (Role, &str)> + Clone {
        [
            (Role::Family, self.family),
            (Role::Given, self.given),
            (Role::Given, self.patronymic.unwrap_or("")),
        ]
        .into_iter()
        .map(|(role, text)| (role, text.trim()))
        .filter(|(_, text)| !text.is_empty())
    }

    fn script(&self) -> Option<Script> {
        let mut all = String::new();
        for (_, text) in self.parts() {
            all.push_str(text);
            all.push(' ');
        }
        script_of(&all)
    }
}

/// A name as printed, and whether it was transliterated (rather than printed as
/// recorded): a document marks the transliterated ones, which a reader should not take
/// for the captive's own spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub transliterated: bool,
}

/// Picks the name to print for a reader of `to`: the first of `names` already written in
/// `to` (as recorded: the parts are only trimmed and joined), else the first name in one
/// of the three scripts transliterated into `to` (skipping any whose letters none can be
/// written in `to`). `None` when no name is left.
///
/// The parts are printed family name first in every script, so that a manifest reads
/// and sorts alike for every party:
///
/// - Latin: `Family Given Patronymic`, the case as recorded (or as the source script
///   gives it: `Kim Min-jun`, `Ivanov Ivan Petrovich`);
/// - Cyrillic: `Family Given Patronymic` (`Иванов Иван Петрович`, `Ким Минджун`);
/// - Hangul: a Korean name as Koreans write it, family and given name without a space
///   (`김민준`); any other name with spaces (`이바노프 이반 페트로비치`). A name recorded
///   in Hangul counts as Korean when its family name is one syllable or a known Korean
///   surname; a transliterated one when every part was read as romanized Korean.
pub fn for_reader(names: &[NameParts<'_>], to: Script) -> Option<Rendered> {
    let written: Vec<(Script, &NameParts<'_>)> = names
        .iter()
        .filter_map(|name| name.script().map(|script| (script, name)))
        .collect();
    if let Some((_, name)) = written.iter().find(|(script, _)| *script == to) {
        let parts: Vec<(Role, String)> = name
            .parts()
            .map(|(role, text)| (role, text.to_owned()))
            .collect();
        let korean = to == Script::Hangul && korean::is_korean_family_name(name.family.trim());
        return Some(Rendered {
            text: join(&parts, korean),
            transliterated: false,
        });
    }
    written.iter().find_map(|(_, name)| {
        let text = transliterate_name(name, to);
        (!text.trim().is_empty()).then_some(Rendered {
            text,
            transliterated: true,
        })
    })
}

/// A name's parts transliterated into `to` and joined; empty when none of its letters
/// can be written there (a Latin letter such as ȝ that no table knows).
fn transliterate_name(name: &NameParts<'_>, to: Script) -> String {
    let normalized: Vec<(Role, String)> = name
        .parts()
        .map(|(role, text)| (role, text.nfc().collect()))
        .collect();
    let context = Context::of(normalized.iter().map(|(role, text)| (*role, text.as_str())));
    let mut korean = true;
    let mut parts: Vec<(Role, String)> = Vec::new();
    for (role, text) in &normalized {
        let role = *role;
        let converted = convert(text, to, |_| role, &context);
        korean &= converted.korean;
        let text = if converted.korean && to == Script::Hangul {
            converted.text.split_whitespace().collect()
        } else {
            converted.text
        };
        parts.push((role, text));
    }
    join(&parts, to == Script::Hangul && korean)
}

/// The printed name: parts separated by a space, or, for a Korean name in Hangul,
/// family and given name written together (a patronymic, if any, after a space).
fn join(parts: &[(Role, String)], korean: bool) -> String {
    let mut out = String::new();
    let mut previous: Option<Role> = None;
    for (role, text) in parts {
        if text.is_empty() {
            continue;
        }
        let together = korean && previous == Some(Role::Family) && *role == Role::Given;
        if previous.is_some() && !together {
            out.push(' ');
        }
        out.push_str(text);
        previous = Some(*role);
    }
    out
}

/// Writes a name in another script. Letters of the other two scripts are converted,
/// everything else (digits, spaces, punctuation, letters of other scripts) is kept in
/// place; letters already in `to` are kept as they are.
///
/// Without parts to tell family from given name, a name of several words is read
/// family name first, as Korean names are written: `김민준` and `김 민준` become
/// `Kim Min-jun` (a Hangul word of three syllables starting with a known surname is a
/// whole Korean name, and gets its space), `Kim Min-jun` becomes `김 민준`.
pub fn transliterate(name: &str, to: Script) -> String {
    let text: String = name.nfc().collect();
    let words: Vec<&str> = pieces(&text)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Word(_, word) => Some(word),
            Piece::Other(_) => None,
        })
        .collect();
    let count = words.len();
    let roles = |i: usize| word_role(i, count);
    let context = Context::of(words.iter().enumerate().map(|(i, word)| (roles(i), *word)));
    convert(&text, to, roles, &context).text
}

/// The role of the `index`-th word of a name of `count` words read without parts.
fn word_role(index: usize, count: usize) -> Role {
    match (index, count) {
        (_, 0 | 1) => Role::Alone,
        (0, _) => Role::Family,
        _ => Role::Given,
    }
}

/// What a word of a name is, as far as the spelling of Korean names cares: a family
/// name takes its customary spelling (Kim, Lee), a given name is written syllable by
/// syllable (Min-jun), and a word alone may be either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Family,
    Given,
    Alone,
}

/// What the conversion of a word needs to know about the whole name.
struct Context {
    /// The Cyrillic has Ukrainian letters (і, ї, є, ґ): it is read as Ukrainian.
    ukrainian: bool,
    /// A Latin word is spelled as only Ukrainian is in KMU 2010 (Serhii, Olha): into
    /// Cyrillic the Latin is read as Ukrainian.
    ukrainian_latin: bool,
    /// The Latin words read as a Korean name (a Korean surname and Korean syllables):
    /// into Cyrillic they go through Hangul (Kontsevich), not the Russian reading.
    korean_latin: bool,
}

impl Context {
    fn of<'a>(words: impl Iterator<Item = (Role, &'a str)> + Clone) -> Context {
        let ukrainian = words
            .clone()
            .any(|(_, text)| text.chars().any(cyrillic::is_ukrainian_letter));
        let latin: Vec<(Role, String)> = words
            .flat_map(|(role, text)| {
                pieces(text)
                    .into_iter()
                    .filter_map(move |piece| match piece {
                        Piece::Word(Script::Latin, word) => Some((role, word.to_owned())),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        Context {
            ukrainian,
            ukrainian_latin: latin
                .iter()
                .any(|(_, word)| cyrillic::looks_ukrainian(word)),
            korean_latin: korean::latin_name_is_korean(&latin),
        }
    }
}

/// A converted text and whether every word of it went the Korean way (written in
/// Hangul, or read as romanized Korean).
struct Converted {
    text: String,
    korean: bool,
}

/// Converts every word of `text` into `to`; `role` gives the role of the i-th word.
fn convert(text: &str, to: Script, role: impl Fn(usize) -> Role, context: &Context) -> Converted {
    let mut out = String::with_capacity(text.len() * 2);
    let mut korean = true;
    let mut index = 0;
    for piece in pieces(text) {
        match piece {
            Piece::Other(other) => out.push_str(other),
            Piece::Word(from, word) => {
                let converted = convert_word(word, from, to, role(index), context);
                korean &= converted.korean;
                out.push_str(&converted.text);
                index += 1;
            }
        }
    }
    Converted { text: out, korean }
}

fn convert_word(word: &str, from: Script, to: Script, role: Role, context: &Context) -> Converted {
    let korean = |text: String| Converted { text, korean: true };
    let other = |text: String| Converted {
        text,
        korean: false,
    };
    match (from, to) {
        (Script::Hangul, Script::Hangul) => korean(word.to_owned()),
        (Script::Latin, Script::Latin) | (Script::Cyrillic, Script::Cyrillic) => {
            other(word.to_owned())
        }
        (Script::Cyrillic, Script::Latin) => other(cyrillic::to_latin(word, context.ukrainian)),
        (Script::Latin, Script::Cyrillic) => match context
            .korean_latin
            .then(|| korean::latin_to_hangul(word, role))
            .flatten()
        {
            Some(hangul) => korean(korean::hangul_to_cyrillic(&hangul, role)),
            None => other(cyrillic::from_latin(word, context.ukrainian_latin)),
        },
        (Script::Latin, Script::Hangul) => match korean::latin_to_hangul(word, role) {
            Some(hangul) => korean(hangul),
            None => other(foreign::to_hangul(word)),
        },
        (Script::Cyrillic, Script::Hangul) => {
            match (role != Role::Given)
                .then(|| korean::cyrillic_surname_to_hangul(word))
                .flatten()
            {
                Some(hangul) => korean(hangul),
                None => other(foreign::to_hangul(&cyrillic::to_sound_latin(
                    word,
                    context.ukrainian,
                ))),
            }
        }
        (Script::Hangul, Script::Latin) => korean(korean::hangul_to_latin(word, role)),
        (Script::Hangul, Script::Cyrillic) => korean(korean::hangul_to_cyrillic(word, role)),
    }
}

/// A part of a text: a word of one script, or whatever lies between words.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Word(Script, &'a str),
    Other(&'a str),
}

pub(crate) fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{02BB}' | '`' | '\u{00B4}'
    )
}

/// Splits a text into words and what lies between them. A word is a run of letters of
/// one script, with the combining marks on them and the hyphens and apostrophes that
/// join two of its letters (`Petrova-Vodkina`, `Мар'яна`, `Min-jun`, `Ch'oe`).
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut other_start: Option<usize> = None;
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let Some(script) = letter_script(c) else {
            other_start.get_or_insert(start);
            i += 1;
            continue;
        };
        if let Some(other) = other_start.take() {
            out.push(Piece::Other(&text[other..start]));
        }
        let mut j = i + 1;
        while j < chars.len() {
            let c = chars[j].1;
            let joins = (is_hyphen(c) || is_apostrophe(c))
                && chars
                    .get(j + 1)
                    .is_some_and(|&(_, next)| letter_script(next) == Some(script));
            if letter_script(c) == Some(script) || is_combining_mark(c) || joins {
                j += 1;
            } else {
                break;
            }
        }
        let end = chars.get(j).map_or(text.len(), |&(at, _)| at);
        out.push(Piece::Word(script, &text[start..end]));
        i = j;
    }
    if let Some(other) = other_start {
        out.push(Piece::Other(&text[other..]));
    }
    out
}

/// How a chunk of a word is capitalised, to be carried over to its transliteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Lower,
    Title,
    Upper,
}

impl Case {
    pub(crate) fn of(chunk: &str) -> Case {
        let (mut upper, mut lower) = (0, 0);
        for c in chunk.chars() {
            if c.is_uppercase() {
                upper += 1;
            } else if c.is_lowercase() {
                lower += 1;
            }
        }
        if upper >= 2 && lower == 0 {
            Case::Upper
        } else if chunk
            .chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(char::is_uppercase)
        {
            Case::Title
        } else {
            Case::Lower
        }
    }

    /// `text` (lowercase) in this case.
    pub(crate) fn apply(self, text: &str) -> String {
        match self {
            Case::Lower => text.to_owned(),
            Case::Upper => text.to_uppercase(),
            Case::Title => {
                let mut chars = text.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => String::new(),
                }
            }
        }
    }
}

/// A Latin word folded for reading: lowercase ASCII letters, with `'` for apostrophes
/// and `ŏ`, `ŭ` kept (McCune–Reischauer vowels); other diacritics dropped, letters
/// such as š, ž, č spelled out (sh, zh, ch), ligatures and ß opened, anything else left
/// out. Hyphens are kept, as `-`.
pub(crate) fn fold_latin(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '\'' | 'ŏ' | 'ŭ' => out.push(c),
            c if is_apostrophe(c) => out.push('\''),
            c if is_hyphen(c) => out.push('-'),
            'š' | 'ś' => out.push_str(if c == 'š' { "sh" } else { "s" }),
            'ž' | 'ż' => out.push_str("zh"),
            'ź' => out.push('z'),
            'č' | 'ć' => out.push_str("ch"),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'ø' => out.push('o'),
            'ł' => out.push('l'),
            'đ' | 'ð' => out.push('d'),
            'þ' => out.push_str("th"),
            'ı' => out.push('i'),
            'ŋ' => out.push_str("ng"),
            _ => {
                for d in std::iter::once(c).nfkd().flat_map(char::to_lowercase) {
                    if d.is_ascii_lowercase() {
                        out.push(d);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
