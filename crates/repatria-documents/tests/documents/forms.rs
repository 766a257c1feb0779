//! The GC III forms read back with pdf-extract: the text layer (labels in both languages,
//! values in their own scripts, refusals), and where each character was placed (page
//! size, everything on the card, a long value inside its field).

use std::time::Instant;

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};
use repatria_documents::{
    capture_cards, death_certificate, labels, CaptureCard, DeathCertificate, DocumentError, Entry,
    HealthCategory, Language, MAX_CARDS,
};

fn given(text: &str) -> Entry {
    Entry::given(text)
}

/// A fictional Korean soldier's card, in English (the Detaining Power's) and Korean.
fn korean() -> CaptureCard {
    CaptureCard {
        languages: (Language::English, Some(Language::Korean)),
        power: given("대한민국"),
        family_name: given("김"),
        given_names: given("민준"),
        father_first_name: Entry::Refused,
        date_of_birth: given("1999-03-14"),
        place_of_birth: given("부산"),
        rank: given("상병"),
        service_number: given("19-70012345"),
        family_address: Entry::Unknown,
        taken_prisoner_on: given("2025-01-09"),
        coming_from: given("Field hospital No. 3"),
        health: Some(HealthCategory::SlightlyWounded),
        prisoner_number: given("PW-000123"),
        camp: given("Camp North 2"),
        date: "2025-01-15".into(),
    }
}

/// A fictional Ukrainian soldier's card, in Russian (the Detaining Power's) and
/// Ukrainian.
fn ukrainian() -> CaptureCard {
    CaptureCard {
        languages: (Language::Russian, Some(Language::Ukrainian)),
        power: given("Україна"),
        family_name: given("Ґудзь"),
        given_names: given("Євген Їжакевич"),
        father_first_name: given("Олексій"),
        date_of_birth: given("12.05.1991"),
        place_of_birth: given("м. Житомир"),
        rank: given("старший солдат"),
        service_number: Entry::Refused,
        family_address: given("вул. Київська, 15, Житомир"),
        taken_prisoner_on: given("03.02.2025"),
        coming_from: Entry::Unknown,
        health: Some(HealthCategory::GoodHealth),
        prisoner_number: given("ВП-4471"),
        camp: given("Лагерь № 5"),
        date: "10.02.2025".into(),
    }
}

fn certificate() -> DeathCertificate {
    DeathCertificate {
        languages: (Language::Ukrainian, Some(Language::Korean)),
        authority: given("Табір військовополонених № 2"),
        power: given("대한민국"),
        name: given("이서연"),
        father_first_name: given("준호"),
        mother_maiden_name: Entry::Unknown,
        birth: given("서울, 1997-11-02"),
        death: given("Госпіталь № 3, 2025-03-01"),
        rank: given("하사"),
        service_number: Entry::Refused,
        family_address: given("서울특별시 종로구 세종대로 1"),
        taken_prisoner: given("2025-01-09"),
        cause: given("Сепсис після поранення"),
        circumstances: given("Помер у госпіталі о 04:10"),
        burial_place: given("Кладовище, ділянка 4, могила 17"),
        grave: given("Так: дерев’яний знак з номером 17"),
        effects: given("Передаються разом із цим свідоцтвом"),
        effects_agency: given("МКЧХ"),
        last_moments: given("Лікар О. Петренко"),
        certified_by: given("Майор О. Петренко"),
        date: "2025-03-02".into(),
    }
}

/// Text without any whitespace: the extraction breaks lines where they wrap and puts
/// spaces where the font changes (Hangul between Latin brackets), so texts are compared
/// without it.
fn compact(text: &str) -> String {
    text.split_whitespace().collect()
}

/// Each page's text, [`compact`].
fn pages(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    pdf_extract::extract_text_from_mem_by_pages(bytes)
        .unwrap()
        .iter()
        .map(|p| compact(p))
        .collect()
}

/// Whether `page` (compact) holds `text`.
fn holds(page: &str, text: &str) -> bool {
    page.contains(&compact(text))
}

/// A character as placed on its page: its text, where its run starts and its baseline
/// (from the page's top), in points. (pdf-extract does not read the widths of these
/// fonts, so a run's characters all have its start; the unit tests check the right
/// edges.)
#[derive(Debug, Clone)]
struct Placed {
    text: String,
    x: f64,
    y: f64,
}

/// Every page's size and characters.
#[derive(Default)]
struct Placement {
    pages: Vec<((f64, f64), Vec<Placed>)>,
}

impl OutputDev for Placement {
    fn begin_page(
        &mut self,
        _page: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        let size = (media_box.urx - media_box.llx, media_box.ury - media_box.lly);
        self.pages.push((size, Vec::new()));
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        _width: f64,
        _spacing: f64,
        _font_size: f64,
        text: &str,
    ) -> Result<(), OutputError> {
        let Some(((_, height), chars)) = self.pages.last_mut() else {
            return Ok(());
        };
        chars.push(Placed {
            text: text.to_string(),
            x: trm.m31,
            y: *height - trm.m32,
        });
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

fn placement(bytes: &[u8]) -> Placement {
    let document = pdf_extract::Document::load_mem(bytes).unwrap();
    let mut placement = Placement::default();
    pdf_extract::output_doc(&document, &mut placement).unwrap();
    placement
}

/// 150 × 105 mm in points.
const CARD: (f64, f64) = (425.197, 297.638);

fn assert_card_size(size: (f64, f64)) {
    assert!(
        (size.0 - CARD.0).abs() < 0.01 && (size.1 - CARD.1).abs() < 0.01,
        "{size:?}"
    );
}

/// Every character starts within the page, `margin` points from each edge.
fn assert_inside(placement: &Placement, margin: f64) {
    for (n, ((width, height), chars)) in placement.pages.iter().enumerate() {
        for c in chars {
            assert!(
                c.x >= margin - 0.01
                    && c.x <= width - margin
                    && c.y >= margin
                    && c.y <= height - margin,
                "page {}: {c:?} outside the page's {width} × {height} less {margin}",
                n + 1
            );
        }
    }
}

#[test]
fn a_korean_soldiers_card_in_korean_and_english() {
    let bytes = capture_cards(&[korean()]).unwrap();
    let pages = pages(&bytes);
    assert_eq!(pages.len(), 2);
    let (front, back) = (&pages[0], &pages[1]);
    let english = labels(Language::English);
    let korean = labels(Language::Korean);
    for text in [
        english.card.mail,
        korean.card.mail,
        english.card.postage_free,
        korean.card.postage_free,
        english.card.title,
        korean.card.title,
        english.card.agency,
        korean.card.agency,
        english.card.complete_when,
        korean.card.complete_when,
        english.card.distinct,
        korean.card.distinct,
    ] {
        assert!(holds(front, text), "front: no {text:?} in {front}");
    }
    // The labels in both languages, the values in Hangul and digits.
    for text in [
        "1 Power on which the prisoner depends / 포로가 속한 국가",
        "2 Name / 성",
        "3 First names (in full) / 이름 (전부)",
        "8 Service number / 군번",
        "김",
        "민준",
        "1999-03-14",
        "19-70012345",
        "PW-000123",
        "2025-01-15",
        "14 Signature / 서명",
    ] {
        assert!(holds(back, text), "back: no {text:?} in {back}");
    }
    // The seven categories in both languages, the recorded one marked.
    for &category in HealthCategory::ALL {
        for wording in [english, korean] {
            let words = wording.card.health_category(category);
            assert!(holds(back, words), "no {words:?} in {back}");
        }
    }
    assert!(holds(back, "X (f) Slightly wounded / 경상"), "{back}");
    assert_eq!(back.matches('X').count(), 1, "one mark: {back}");
    // The refused field prints the refusal in both languages, once; the unknown one
    // (the family's address) prints nothing.
    assert_eq!(
        back.matches(&compact("refused (Art. 17) / 진술 거부 (제17조)"))
            .count(),
        1,
        "{back}"
    );
    assert!(
        holds(back, "9 Address of family / 가족 주소 10 Taken prisoner on"),
        "{back}"
    );
}

#[test]
fn a_ukrainian_soldiers_card_in_russian_and_ukrainian() {
    let bytes = capture_cards(&[ukrainian()]).unwrap();
    let pages = pages(&bytes);
    assert_eq!(pages.len(), 2);
    let back = &pages[1];
    for text in [
        "2 Фамилия / Прізвище",
        "Ґудзь",
        "Євген Їжакевич",
        "8 Личный номер / Особистий номер",
        "отказ сообщить (ст. 17) / відмова повідомити (ст. 17)",
        "X (a) Здоров / Здоровий",
        "(g) Тяжело ранен / Тяжко поранений",
        "ВП-4471",
        "Лагерь № 5",
    ] {
        assert!(holds(back, text), "no {text:?} in {back}");
    }
    // Neither language is English: the address is in English too.
    assert!(
        holds(&pages[0], "CENTRAL PRISONERS OF WAR AGENCY"),
        "{}",
        pages[0]
    );
    assert!(holds(
        &pages[0],
        "ЦЕНТРАЛЬНОЕ АГЕНТСТВО ПО ДЕЛАМ ВОЕННОПЛЕННЫХ"
    ));
    assert!(
        !back.contains("refused"),
        "no English label on the back: {back}"
    );

    // One language when both are the same: no " / " in the labels.
    let mut card = ukrainian();
    card.languages = (Language::Ukrainian, Some(Language::Ukrainian));
    let back = &pages_of(&[card])[1];
    assert!(holds(back, "2 Прізвище Ґудзь"), "{back}");
    assert!(!back.contains("Фамилия"), "{back}");
}

fn pages_of(cards: &[CaptureCard]) -> Vec<String> {
    pages(&capture_cards(cards).unwrap())
}

#[test]
fn every_page_is_150_by_105_mm_and_everything_is_on_it() {
    let bytes = capture_cards(&[korean(), ukrainian()]).unwrap();
    let placement = placement(&bytes);
    assert_eq!(placement.pages.len(), 4);
    for (size, chars) in &placement.pages {
        assert_card_size(*size);
        assert!(chars.len() > 50, "{} characters", chars.len());
    }
    // The card's frame is 12 points in.
    assert_inside(&placement, 12.0);
}

#[test]
fn a_batch_keeps_its_order_two_pages_a_card() {
    let cards: Vec<CaptureCard> = (0..3)
        .map(|i| {
            let mut card = if i == 1 { ukrainian() } else { korean() };
            card.prisoner_number = Entry::Given(format!("CARD-{i}"));
            card
        })
        .collect();
    let pages = pages_of(&cards);
    assert_eq!(pages.len(), 6);
    for (i, pair) in pages.chunks(2).enumerate() {
        assert!(holds(&pair[0], "CAPTURE CARD") || holds(&pair[0], "КАРТОЧКА"));
        for (j, page) in pages.iter().enumerate() {
            let here = page.contains(&format!("CARD-{i}"));
            assert_eq!(here, j == 2 * i + 1, "CARD-{i} on page {}", j + 1);
        }
    }
    assert!(holds(&pages[3], "Ґудзь") && !holds(&pages[1], "Ґудзь"));
}

#[test]
fn the_fonts_are_embedded_once_per_document() {
    let one = capture_cards(&[korean()]).unwrap();
    let many = capture_cards(&vec![korean(); 50]).unwrap();
    let fonts = |bytes: &[u8]| {
        bytes
            .windows(b"/FontFile".len())
            .filter(|w| *w == b"/FontFile")
            .count()
    };
    // Latin, Latin bold and Hangul.
    assert_eq!(fonts(&one), 3);
    assert_eq!(fonts(&many), 3);
    // Fifty cards cost far less than fifty documents.
    assert!(
        many.len() < one.len() * 15,
        "{} vs {}",
        many.len(),
        one.len()
    );
}

#[test]
fn a_very_long_value_is_cut_inside_its_field() {
    let mut card = ukrainian();
    // Ten thousand characters in words, and one word of three thousand letters.
    // Latin Z, J, Q and W are on no label of a Russian and Ukrainian card.
    card.family_address = Entry::Given(format!("ПОЧАТОК {} КІНЕЦЬ", "Zzz ".repeat(2500)));
    card.family_name = Entry::Given("J".repeat(3000));
    card.taken_prisoner_on = given("QQ");
    card.date_of_birth = given("WW");
    let bytes = capture_cards(&[card]).unwrap();
    let text = &pages(&bytes)[1];
    assert!(holds(text, "ПОЧАТОК Zzz Zzz"), "{text}");
    assert!(!text.contains("КІНЕЦЬ"), "{text}");
    assert!(text.matches('…').count() >= 2, "{text}");

    let placement = placement(&bytes);
    assert_inside(&placement, 12.0);
    let back = &placement.pages[1].1;
    let baseline = |token: char| {
        back.iter()
            .find(|c| c.text == token.to_string())
            .unwrap_or_else(|| panic!("no {token}"))
            .y
    };
    // The address (field 9) stays above field 10's value, the name (field 2) above
    // field 5's.
    let (q, w) = (baseline('Q'), baseline('W'));
    let address: Vec<&Placed> = back
        .iter()
        .filter(|c| c.text == "Z" || c.text == "z")
        .collect();
    let name: Vec<&Placed> = back.iter().filter(|c| c.text == "J").collect();
    assert!(address.len() > 100 && name.len() > 10);
    for c in address {
        assert!(c.y < q - 12.0, "{c:?} below field 10 ({q})");
    }
    for c in name {
        assert!(c.y < w - 12.0, "{c:?} below field 5 ({w})");
    }
}

#[test]
fn hostile_text_and_empty_cards_do_not_break_the_card() {
    let card = CaptureCard {
        languages: (Language::Korean, None),
        power: given("\u{202E}\u{0}漢🙂\r\n\t"),
        family_name: given("\u{301}\u{301}"),
        given_names: given(&"\n".repeat(500)),
        father_first_name: Entry::Unknown,
        date_of_birth: Entry::Refused,
        place_of_birth: given(" "),
        rank: Entry::Unknown,
        service_number: Entry::Unknown,
        family_address: Entry::Unknown,
        taken_prisoner_on: Entry::Unknown,
        coming_from: Entry::Unknown,
        health: None,
        prisoner_number: Entry::Unknown,
        camp: Entry::Unknown,
        date: String::new(),
    };
    let bytes = capture_cards(&[card]).unwrap();
    let text = &pages(&bytes)[1];
    assert!(holds(text, "진술 거부 (제17조)"), "{text}");
    assert!(!text.contains('X'), "nothing marked: {text}");
    assert!(!text.contains('\u{202E}'));
    assert_inside(&placement(&bytes), 12.0);
}

#[test]
fn no_cards_and_too_many_are_refused() {
    assert_eq!(capture_cards(&[]), Err(DocumentError::NoCards));
    assert_eq!(
        DocumentError::NoCards.to_string(),
        "no capture cards to print: give at least one"
    );
    let cards = vec![korean(); MAX_CARDS + 1];
    let error = capture_cards(&cards).unwrap_err();
    assert_eq!(
        error,
        DocumentError::TooManyCards {
            cards: MAX_CARDS + 1,
            max: MAX_CARDS
        }
    );
    assert!(
        error.to_string().contains("at most 20000 (MAX_CARDS)"),
        "{error}"
    );
}

#[test]
fn the_same_cards_give_the_same_bytes() {
    let cards = [korean(), ukrainian()];
    assert_eq!(
        capture_cards(&cards).unwrap(),
        capture_cards(&cards).unwrap()
    );
    let c = certificate();
    assert_eq!(
        death_certificate(&c).unwrap(),
        death_certificate(&c).unwrap()
    );
}

#[test]
fn a_death_certificate_in_both_languages() {
    let bytes = death_certificate(&certificate()).unwrap();
    let pages = pages(&bytes);
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    let ukrainian = labels(Language::Ukrainian);
    let korean = labels(Language::Korean);
    for wording in [ukrainian, korean] {
        let c = &wording.certificate;
        for label in [c.title, c.name, c.cause, c.burial_place, c.witnesses] {
            assert!(holds(text, label), "no {label:?} in {text}");
        }
    }
    for value in [
        "이서연",
        "Сепсис після поранення",
        "Помер у госпіталі о 04:10",
        "Так: дерев’яний знак з номером 17",
        "Кладовище, ділянка 4, могила 17",
        "Передаються разом із цим свідоцтвом",
        "Майор О. Петренко",
        "2025-03-02",
        "відмова повідомити (ст. 17) / 진술 거부 (제17조)",
    ] {
        assert!(holds(text, value), "no {value:?} in {text}");
    }
    // The grave's question and its answer, in that order.
    let question = text.find(&compact(ukrainian.certificate.grave)).unwrap();
    let answer = text.find(&compact("Так: дерев’яний знак")).unwrap();
    assert!(question < answer);

    let placement = placement(&bytes);
    let ((width, height), _) = &placement.pages[0];
    assert!((width - 595.28).abs() < 0.01 && (height - 841.89).abs() < 0.01);
    assert_inside(&placement, 36.0);
}

#[test]
fn a_death_certificate_with_long_values_stays_on_its_page() {
    let mut c = certificate();
    let long = "Обставини смерті детально описані тут; ".repeat(400);
    for entry in [
        &mut c.cause,
        &mut c.circumstances,
        &mut c.last_moments,
        &mut c.grave,
        &mut c.authority,
        &mut c.name,
    ] {
        *entry = Entry::Given(long.clone());
    }
    c.date = "2".repeat(5000);
    c.languages = (Language::Russian, Some(Language::Korean));
    let started = Instant::now();
    let bytes = death_certificate(&c).unwrap();
    let elapsed = started.elapsed();
    let pages = pages(&bytes);
    assert_eq!(pages.len(), 1);
    assert!(holds(&pages[0], "Обставини смерті детально описані тут;"));
    assert!(pages[0].contains('…'));
    assert_inside(&placement(&bytes), 36.0);
    eprintln!("death certificate with long values: {elapsed:?}");
}

/// Ten thousand cards (twenty thousand pages): how long, how large. Not run by default
/// (a minute in a debug build); `cargo test --release -p repatria-documents -- --ignored`.
#[test]
#[ignore]
fn ten_thousand_cards() {
    let samples = [korean(), ukrainian()];
    let cards: Vec<CaptureCard> = (0..10_000)
        .map(|i| {
            let mut card = samples[i % 2].clone();
            card.prisoner_number = Entry::Given(format!("PW-{:06}", i + 1));
            card
        })
        .collect();
    let started = Instant::now();
    let bytes = capture_cards(&cards).unwrap();
    let elapsed = started.elapsed();
    let document = pdf_extract::Document::load_mem(&bytes).unwrap();
    assert_eq!(document.get_pages().len(), 20_000);
    eprintln!(
        "10,000 capture cards: 20,000 pages, {} bytes, {elapsed:?}",
        bytes.len()
    );
}
