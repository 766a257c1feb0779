//! Writes fictional GC III forms as PDF, to look at them and to time a batch:
//! `cargo run --release -p repatria-documents --example forms -- DIR [CARDS]` writes
//! `DIR/capture-cards.pdf` (three sample cards: Korean and English, Russian and
//! Ukrainian, English alone with a very long value), `DIR/death-certificate.pdf`, and,
//! with CARDS, `DIR/capture-cards-batch.pdf` of that many cards, printing how long
//! each took and how large it is.

use std::time::Instant;

use repatria_documents::{
    capture_cards, death_certificate, CaptureCard, DeathCertificate, Entry, HealthCategory,
    Language,
};

fn given(text: &str) -> Entry {
    Entry::given(text)
}

fn korean() -> CaptureCard {
    CaptureCard {
        languages: (Language::English, Some(Language::Korean)),
        power: given("대한민국 (Republic of Korea)"),
        family_name: given("김"),
        given_names: given("민준"),
        father_first_name: Entry::Refused,
        date_of_birth: given("1999-03-14"),
        place_of_birth: given("부산광역시 해운대구"),
        rank: given("상병 (Corporal)"),
        service_number: given("19-70012345"),
        family_address: given("부산광역시 해운대구 해운대로 123, 101동 1001호"),
        taken_prisoner_on: given("2025-01-09"),
        coming_from: given("Field hospital No. 3"),
        health: Some(HealthCategory::SlightlyWounded),
        prisoner_number: given("PW-000123"),
        camp: given("Camp North 2"),
        date: "2025-01-15".into(),
    }
}

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
        family_address: given("вул. Київська, 15, кв. 7, м. Житомир, 10001, Україна"),
        taken_prisoner_on: given("03.02.2025"),
        coming_from: Entry::Unknown,
        health: Some(HealthCategory::GoodHealth),
        prisoner_number: given("ВП-4471"),
        camp: given("Лагерь № 5"),
        date: "10.02.2025".into(),
    }
}

fn long() -> CaptureCard {
    CaptureCard {
        languages: (Language::English, None),
        power: given("Federal Republic of Somewhere"),
        family_name: given("Müller-Lüdenscheidt-Wolkenstein-Habsburg"),
        given_names: given(
            "Karl-Heinz Friedrich Wilhelm Maximilian Alexander Johannes Sebastian Christoph",
        ),
        father_first_name: given("Otto"),
        date_of_birth: given("1988-07-01"),
        place_of_birth: given("Garmisch-Partenkirchen"),
        rank: given("Oberstabsfeldwebel"),
        service_number: given("12345678-X-0001-ALPHA-BRAVO-CHARLIE-DELTA"),
        family_address: given(
            &"Long Street 1, Apartment 2, Building 3, Somewhere 12345, ".repeat(12),
        ),
        taken_prisoner_on: given("2025-01-01"),
        coming_from: given("Transit camp 7, then field hospital 2"),
        health: None,
        prisoner_number: given("PW-9"),
        camp: given("Camp South"),
        date: "2025-01-20".into(),
    }
}

fn certificate() -> DeathCertificate {
    DeathCertificate {
        languages: (Language::Ukrainian, Some(Language::Korean)),
        authority: given("Табір військовополонених № 2, Житомирська область"),
        power: given("대한민국"),
        name: given("이서연 (Lee Seo-yeon)"),
        father_first_name: given("준호"),
        mother_maiden_name: Entry::Unknown,
        birth: given("서울, 1997-11-02"),
        death: given("Госпіталь № 3, Житомир, 2025-03-01"),
        rank: given("하사 (Sergeant)"),
        service_number: Entry::Refused,
        family_address: given("서울특별시 종로구 세종대로 1"),
        taken_prisoner: given("Курська область, 2025-01-09"),
        cause: given("Сепсис після вогнепального поранення / 총상 후 패혈증"),
        circumstances: given(
            "Поступив до госпіталю 2025-02-20 з пораненням стегна; незважаючи на лікування, \
             помер 2025-03-01 о 04:10.",
        ),
        burial_place: given("Кладовище м. Житомир, ділянка 4, ряд 2, могила 17"),
        grave: given("Так: дерев’яний знак з номером 17 і ім’ям; нанесено на план кладовища"),
        effects: given("Передаються разом із цим свідоцтвом: годинник, лист, фотографія"),
        effects_agency: given("Центральне агентство з розшуку МКЧХ"),
        last_moments: given("Лікар О. Петренко, госпіталь № 3; військовополонений 박지훈"),
        certified_by: given("Майор медичної служби О. Петренко, начальник госпіталю № 3"),
        date: "2025-03-02".into(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: forms DIR [CARDS]")?);
    let batch: Option<usize> = args.next().map(|n| n.parse()).transpose()?;
    std::fs::create_dir_all(&dir)?;

    let bytes = capture_cards(&[korean(), ukrainian(), long()])?;
    std::fs::write(dir.join("capture-cards.pdf"), bytes)?;
    let bytes = death_certificate(&certificate())?;
    std::fs::write(dir.join("death-certificate.pdf"), bytes)?;

    if let Some(count) = batch {
        let samples = [korean(), ukrainian(), long()];
        let cards: Vec<CaptureCard> = (0..count)
            .map(|i| {
                let mut card = samples[i % samples.len()].clone();
                card.prisoner_number = Entry::Given(format!("PW-{:06}", i + 1));
                card
            })
            .collect();
        let started = Instant::now();
        let bytes = capture_cards(&cards)?;
        let elapsed = started.elapsed();
        println!(
            "{count} capture cards: {} pages, {} bytes ({:.1} KB a card), {elapsed:?}",
            count * 2,
            bytes.len(),
            bytes.len() as f64 / count as f64 / 1024.0
        );
        std::fs::write(dir.join("capture-cards-batch.pdf"), bytes)?;
    }
    Ok(())
}
