//! Latin → Hangul for names that are not Korean: a transcription by sound in the
//! manner of the National Institute of Korean Language's rules for foreign words
//! (외래어 표기법), simplified, tuned to Russian and Ukrainian names in their usual Latin
//! spellings (Ivanov → 이바노프, Shevchenko → 셰프첸코, Vladimir → 블라디미르).
//!
//! The rules kept: a consonant before a vowel begins its syllable; m, n, ng and l end
//! the syllable before them when no vowel follows (이반, 올가); k does so before another
//! consonant (빅토르, 막심); l between vowels or after a consonant is doubled as ㄹㄹ
//! (엘레나, 블라디미르); any other consonant without a vowel gets ㅡ (스, 트, 르), or ㅣ
//! for the hushing ones (시, 지, 치), voiced ones devoiced at the end or before a
//! voiceless one (Ivanov → …프, Gleb → 글레프); e after a vowel is 예 (세르게예프);
//! y and a leading or doubled i before a vowel make a diphthong (야코프, 유리).
//! Not kept: the exceptions by language of origin and by stress, and the palatalised
//! consonants of Russian, so Natalya is 나탈랴 rather than the standard 나탈리야.

use super::fold_latin;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Consonant {
    B,
    V,
    G,
    D,
    Z,
    Zh,
    K,
    Kh,
    H,
    L,
    M,
    N,
    P,
    R,
    S,
    Sh,
    Shch,
    T,
    Ts,
    Ch,
    F,
    J,
}

use Consonant as C;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Consonant(Consonant),
    /// a, e, i, o, u.
    Vowel(u8),
    /// y: a glide before a vowel, else the vowel ы / i.
    Y,
    /// w: a glide before a vowel, else u.
    W,
}

fn tokens(word: &str) -> Vec<Token> {
    let letters: Vec<u8> = word
        .chars()
        .filter_map(|c| match c {
            'ŏ' => Some(b'o'),
            'ŭ' => Some(b'u'),
            c if c.is_ascii_lowercase() => Some(c as u8),
            _ => None,
        })
        .collect();
    let mut out: Vec<Token> = Vec::with_capacity(letters.len());
    let mut i = 0;
    while i < letters.len() {
        let rest = &letters[i..];
        let starts = |s: &str| rest.starts_with(s.as_bytes());
        let (found, len): (&[Token], usize) = if starts("shch") {
            (&[Token::Consonant(C::Shch)], 4)
        } else if starts("tsch") {
            (&[Token::Consonant(C::Ch)], 4)
        } else if starts("sch") {
            (&[Token::Consonant(C::Sh)], 3)
        } else if starts("dzh") {
            (&[Token::Consonant(C::J)], 3)
        } else if starts("zh") {
            (&[Token::Consonant(C::Zh)], 2)
        } else if starts("kh") {
            (&[Token::Consonant(C::Kh)], 2)
        } else if starts("ts") || starts("tz") {
            (&[Token::Consonant(C::Ts)], 2)
        } else if starts("ch") {
            (&[Token::Consonant(C::Ch)], 2)
        } else if starts("sh") {
            (&[Token::Consonant(C::Sh)], 2)
        } else if starts("ph") {
            (&[Token::Consonant(C::F)], 2)
        } else if starts("th") {
            (&[Token::Consonant(C::T)], 2)
        } else if starts("ck") {
            (&[Token::Consonant(C::K)], 2)
        } else if starts("gh") {
            (&[Token::Consonant(C::G)], 2)
        } else if starts("dj") {
            (&[Token::Consonant(C::J)], 2)
        } else if starts("qu") {
            (&[Token::Consonant(C::K), Token::W], 2)
        } else {
            let soft_c = matches!(rest.get(1), Some(b'e' | b'i' | b'y'));
            let one: &[Token] = match rest[0] {
                b'a' | b'e' | b'i' | b'o' | b'u' => {
                    out.push(Token::Vowel(rest[0]));
                    i += 1;
                    continue;
                }
                b'b' => &[Token::Consonant(C::B)],
                b'c' if soft_c => &[Token::Consonant(C::S)],
                b'c' | b'k' | b'q' => &[Token::Consonant(C::K)],
                b'd' => &[Token::Consonant(C::D)],
                b'f' => &[Token::Consonant(C::F)],
                b'g' => &[Token::Consonant(C::G)],
                b'h' => &[Token::Consonant(C::H)],
                b'j' => &[Token::Consonant(C::J)],
                b'l' => &[Token::Consonant(C::L)],
                b'm' => &[Token::Consonant(C::M)],
                b'n' => &[Token::Consonant(C::N)],
                b'p' => &[Token::Consonant(C::P)],
                b'r' => &[Token::Consonant(C::R)],
                b's' => &[Token::Consonant(C::S)],
                b't' => &[Token::Consonant(C::T)],
                b'v' => &[Token::Consonant(C::V)],
                b'w' => &[Token::W],
                b'x' => &[Token::Consonant(C::K), Token::Consonant(C::S)],
                b'y' => &[Token::Y],
                b'z' => &[Token::Consonant(C::Z)],
                _ => &[],
            };
            (one, 1)
        };
        for &token in found {
            // A doubled consonant is one sound, except m and n (Anna 안나, Emma 엠마).
            let doubled = matches!(token, Token::Consonant(c) if c != C::M && c != C::N)
                && out.last() == Some(&token);
            if !doubled {
                out.push(token);
            }
        }
        i += len;
    }
    out
}

// Jamo indices (Unicode order).
const INITIAL_NONE: u8 = 11;
const FILLER: u8 = 18; // ㅡ
const VOWEL_I: u8 = 20; // ㅣ

fn plain_vowel(v: u8) -> u8 {
    match v {
        b'a' => 0,
        b'e' => 5,
        b'o' => 8,
        b'u' => 13,
        _ => VOWEL_I,
    }
}

/// The vowel after y (ya 야, ye 예, yo 요, yu 유, yi 이).
fn iotated(v: u8) -> u8 {
    match v {
        b'a' => 2,
        b'e' => 7,
        b'o' => 12,
        b'u' => 17,
        _ => VOWEL_I,
    }
}

/// The vowel after w (wa 와, we 웨, wi 위, wo 워, wu 우).
fn rounded(v: u8) -> u8 {
    match v {
        b'a' => 9,
        b'e' => 15,
        b'i' => 16,
        b'o' => 14,
        _ => 13,
    }
}

fn is_vowel(token: Option<&Token>) -> bool {
    matches!(token, Some(Token::Vowel(_) | Token::Y))
}

/// The vowel starting at `k`, and how many tokens it takes; `None` when no vowel starts
/// there.
fn nucleus(t: &[Token], k: usize) -> Option<(u8, usize)> {
    let starts_word = k == 0;
    let after_vowel = k > 0 && is_vowel(t.get(k - 1));
    match (t.get(k)?, t.get(k + 1), t.get(k + 2)) {
        // A doubled i, or i before y that is no glide, is one i (Iurii, Dmitriy).
        (Token::Vowel(b'i'), Some(Token::Vowel(b'i') | Token::Y), next)
            if !matches!(next, Some(Token::Vowel(_)))
                || t.get(k + 1) == Some(&Token::Vowel(b'i')) =>
        {
            Some((VOWEL_I, 2))
        }
        // i before a vowel at the start of a word or after a vowel is a glide (Iakov,
        // Mariia).
        (Token::Vowel(b'i'), Some(&Token::Vowel(v)), _) if starts_word || after_vowel => {
            Some((iotated(v), 2))
        }
        // e after a vowel is 예 (Sergeev 세르게예프).
        (Token::Vowel(b'e'), _, _) if after_vowel => Some((iotated(b'e'), 1)),
        (&Token::Vowel(v), _, _) => Some((plain_vowel(v), 1)),
        (Token::Y, Some(&Token::Vowel(v)), _) => Some((iotated(v), 2)),
        (Token::Y, Some(Token::Y), None) => Some((VOWEL_I, 2)),
        (Token::Y, _, _) => Some((VOWEL_I, 1)),
        (Token::W, Some(&Token::Vowel(v)), _) => Some((rounded(v), 2)),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
struct Syllable {
    initial: u8,
    medial: u8,
    last: u8,
}

impl Syllable {
    fn new(initial: u8, medial: u8) -> Syllable {
        Syllable {
            initial,
            medial,
            last: 0,
        }
    }

    fn char(self) -> char {
        let index =
            (u32::from(self.initial) * 21 + u32::from(self.medial)) * 28 + u32::from(self.last);
        char::from_u32(0xAC00 + index).unwrap_or('\u{AC00}')
    }
}

fn onset(c: Consonant) -> u8 {
    match c {
        C::G => 0,
        C::N => 2,
        C::D => 3,
        C::L | C::R => 5,
        C::M => 6,
        C::B | C::V => 7,
        C::S | C::Sh | C::Shch => 9,
        C::Z | C::Zh | C::J => 12,
        C::Ts | C::Ch => 14,
        C::K => 15,
        C::T => 16,
        C::P | C::F => 17,
        C::Kh | C::H => 18,
    }
}

fn is_voiceless(token: Option<&Token>) -> bool {
    matches!(
        token,
        Some(Token::Consonant(
            C::K | C::P | C::T | C::S | C::Sh | C::Shch | C::Ts | C::Ch | C::F | C::Kh | C::H
        ))
    )
}

/// A Latin word (any case, any diacritics) transcribed into Hangul by sound. Hyphens
/// are kept; anything that is no Latin letter is dropped.
pub(super) fn to_hangul(word: &str) -> String {
    fold_latin(word)
        .split('-')
        .map(chunk_to_hangul)
        .collect::<Vec<_>>()
        .join("-")
}

fn chunk_to_hangul(chunk: &str) -> String {
    let t = tokens(chunk);
    let mut syllables: Vec<Syllable> = Vec::with_capacity(t.len());
    let mut k = 0;
    while k < t.len() {
        let previous = k.checked_sub(1).and_then(|p| t.get(p));
        match t[k] {
            Token::Consonant(c) => {
                // A final h after a vowel is not heard (Shah 샤); elsewhere it is, as in
                // Slavic names (Bohdan 보흐단).
                if c == C::H && is_vowel(previous) && k + 1 == t.len() {
                    k += 1;
                    continue;
                }
                if let Some((vowel, len)) = nucleus(&t, k + 1) {
                    if c == C::L {
                        if let Some(last) = syllables.last_mut().filter(|s| s.last == 0) {
                            last.last = 8; // ㄹ
                        }
                    }
                    let vowel = match c {
                        // ш before a vowel: 샤, 셰, 쇼, 슈.
                        C::Sh => match vowel {
                            0 => 2,
                            5 => 7,
                            8 => 12,
                            13 => 17,
                            v => v,
                        },
                        // No diphthong after ㅈ, ㅊ: 자, not 쟈 (щ is 시 + ㅊ).
                        C::Z | C::Zh | C::J | C::Ts | C::Ch | C::Shch => match vowel {
                            2 => 0,
                            7 => 5,
                            12 => 8,
                            17 => 13,
                            v => v,
                        },
                        _ => vowel,
                    };
                    if c == C::Shch {
                        syllables.push(Syllable::new(9, VOWEL_I));
                        syllables.push(Syllable::new(14, vowel));
                    } else {
                        syllables.push(Syllable::new(onset(c), vowel));
                    }
                    k += 1 + len;
                    continue;
                }
                let next = t.get(k + 1);
                let end = next.is_none();
                let coda = match c {
                    C::M => Some(16),
                    C::N if next == Some(&Token::Consonant(C::G))
                        && nucleus(&t, k + 2).is_none() =>
                    {
                        k += 1; // the g of ng
                        Some(21)
                    }
                    C::N => Some(4),
                    C::L => Some(8),
                    C::K if matches!(
                        next,
                        Some(Token::Consonant(c)) if !matches!(c, C::L | C::R | C::M | C::N | C::V)
                    ) =>
                    {
                        Some(1)
                    }
                    _ => None,
                };
                let open = syllables
                    .last_mut()
                    .filter(|s| s.last == 0 && (s.medial != FILLER || coda != Some(1)));
                match (coda, open) {
                    (Some(coda), Some(last)) => last.last = coda,
                    _ => {
                        let devoice = end || is_voiceless(next);
                        let c = match c {
                            C::B if devoice => C::P,
                            C::V if devoice => C::F,
                            C::G if devoice => C::K,
                            C::D if devoice => C::T,
                            C::Z if devoice => C::S,
                            C::Zh if devoice => C::Sh,
                            c => c,
                        };
                        match c {
                            C::Sh | C::Zh | C::Ch | C::J => {
                                syllables.push(Syllable::new(onset(c), VOWEL_I));
                            }
                            C::Shch => {
                                syllables.push(Syllable::new(9, VOWEL_I));
                                syllables.push(Syllable::new(14, VOWEL_I));
                            }
                            C::N if coda == Some(21) => {
                                syllables.push(Syllable::new(2, FILLER));
                                syllables.push(Syllable::new(0, FILLER));
                            }
                            c => syllables.push(Syllable::new(onset(c), FILLER)),
                        }
                    }
                }
                k += 1;
            }
            Token::Vowel(_) | Token::Y | Token::W => match nucleus(&t, k) {
                Some((vowel, len)) => {
                    syllables.push(Syllable::new(INITIAL_NONE, vowel));
                    k += len;
                }
                None => {
                    // w with no vowel after it: 우.
                    syllables.push(Syllable::new(INITIAL_NONE, 13));
                    k += 1;
                }
            },
        }
    }
    syllables.into_iter().map(Syllable::char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_names_are_transcribed_by_sound() {
        for (latin, hangul) in [
            ("Ivanov", "이바노프"),
            ("Petrov", "페트로프"),
            ("Smirnov", "스미르노프"),
            ("Kuznetsova", "쿠즈네초바"),
            ("Shevchenko", "셰프첸코"),
            ("Aleksandr", "알렉산드르"),
            ("Vladimir", "블라디미르"),
            ("Mikhail", "미하일"),
            ("Sergeev", "세르게예프"),
            ("Iurii", "유리"),
            ("Dmitriy", "드미트리"),
            ("Maksim", "막심"),
            ("Viktor", "빅토르"),
            ("Gleb", "글레프"),
            ("Lyudmila", "류드밀라"),
            ("Khrushchev", "흐루시체프"),
            ("Bohdan", "보흐단"),
            ("Olha", "올하"),
            ("Serhii", "세르히"),
            ("Hryhorii", "흐리호리"),
            ("Kang", "캉"),
        ] {
            assert_eq!(to_hangul(latin), hangul, "{latin}");
        }
    }

    #[test]
    fn odd_input_gives_hangul_or_nothing() {
        assert_eq!(to_hangul(""), "");
        assert_eq!(to_hangul("'"), "");
        assert_eq!(to_hangul("w"), "우");
        assert_eq!(to_hangul("ng"), "느그");
        assert_eq!(to_hangul("shch"), "시치");
        assert_eq!(to_hangul("Anna-Maria"), "안나-마리아");
    }
}
