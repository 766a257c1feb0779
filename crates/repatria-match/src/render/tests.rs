//! Names printed for their reader. All names here are made up from common given and
//! family names; none is meant to be a real person.

use super::*;
use crate::names::equivalent;
use proptest::prelude::*;

/// Checks every row and reports all the rows that differ at once.
fn check_table(table: &[(&str, &str)], to: Script) {
    let wrong: Vec<String> = table
        .iter()
        .filter_map(|(from, expected)| {
            let got = transliterate(from, to);
            (got != *expected).then(|| format!("{from} → {got} (expected {expected})"))
        })
        .collect();
    assert!(wrong.is_empty(), "into {to}:\n{}", wrong.join("\n"));
}

#[test]
fn cyrillic_to_latin_follows_icao_for_russian_and_kmu_for_ukrainian() {
    check_table(
        &[
            ("Иванов Иван Петрович", "Ivanov Ivan Petrovich"),
            ("Смирнова Ольга Сергеевна", "Smirnova Olga Sergeevna"),
            (
                "Кузнецов Дмитрий Алексеевич",
                "Kuznetsov Dmitrii Alekseevich",
            ),
            ("Попова Татьяна Юрьевна", "Popova Tatiana Iurevna"),
            ("Соколов Андрей Николаевич", "Sokolov Andrei Nikolaevich"),
            ("Лебедева Наталья Викторовна", "Lebedeva Natalia Viktorovna"),
            ("Козлов Евгений Михайлович", "Kozlov Evgenii Mikhailovich"),
            ("Новикова Елена Игоревна", "Novikova Elena Igorevna"),
            (
                "Морозов Алексей Владимирович",
                "Morozov Aleksei Vladimirovich",
            ),
            ("Волкова Юлия Андреевна", "Volkova Iuliia Andreevna"),
            ("Зайцев Сергей Павлович", "Zaitsev Sergei Pavlovich"),
            ("Фёдоров Пётр Ильич", "Fedorov Petr Ilich"),
            ("Жукова Ксения Валерьевна", "Zhukova Kseniia Valerevna"),
            (
                "Щербаков Вячеслав Григорьевич",
                "Shcherbakov Viacheslav Grigorevich",
            ),
            ("Хохлов Яков Семёнович", "Khokhlov Iakov Semenovich"),
            (
                "Цветкова Людмила Эдуардовна",
                "Tsvetkova Liudmila Eduardovna",
            ),
            ("Чернышёв Илья Олегович", "Chernyshev Ilia Olegovich"),
            ("Эминов Эльдар", "Eminov Eldar"),
            ("Подъячев Кирилл", "Podieiachev Kirill"),
            ("Петрова-Водкина Анна", "Petrova-Vodkina Anna"),
            ("Цой Виктор Робертович", "Tsoi Viktor Robertovich"),
            ("ИВАНОВА МАРИЯ", "IVANOVA MARIIA"),
            (
                "Бондаренко Олександр Іванович",
                "Bondarenko Oleksandr Ivanovych",
            ),
            (
                "Шевченко Тетяна Миколаївна",
                "Shevchenko Tetiana Mykolaivna",
            ),
            ("Ковальчук Андрій Петрович", "Kovalchuk Andrii Petrovych"),
            ("Олійник Юлія Сергіївна", "Oliinyk Yuliia Serhiivna"),
            ("Гнатюк Євген Григорович", "Hnatiuk Yevhen Hryhorovych"),
            ("Ґалаґан Ївга", "Galagan Yivha"),
            ("Мельник Мар'яна Богданівна", "Melnyk Mariana Bohdanivna"),
            ("Поліщук Ігор Олексійович", "Polishchuk Ihor Oleksiiovych"),
            ("Кравець Наталія", "Kravets Nataliia"),
            ("Ярошенко Олексій", "Yaroshenko Oleksii"),
            ("Згурська Ганна Іллівна", "Zghurska Hanna Illivna"),
            ("ТКАЧЕНКО ІРИНА", "TKACHENKO IRYNA"),
        ],
        Script::Latin,
    );
}

#[test]
fn latin_to_cyrillic_reads_russian_spellings_back() {
    check_table(
        &[
            ("Ivanov Ivan Petrovich", "Иванов Иван Петрович"),
            ("Kuznetsova Anna", "Кузнецова Анна"),
            ("Shevchenko Taras", "Шевченко Тарас"),
            ("Sergeyev Yuri", "Сергеев Юрий"),
            ("Sergeev Yuriy", "Сергеев Юрий"),
            ("Smirnova Olga Sergeevna", "Смирнова Ольга Сергеевна"),
            (
                "Kuznetsov Dmitry Alekseyevich",
                "Кузнецов Дмитрий Алексеевич",
            ),
            ("Popova Tatyana Yurievna", "Попова Татьяна Юрьевна"),
            ("Sokolov Andrei Nikolaevich", "Соколов Андрей Николаевич"),
            ("Lebedeva Natalia Viktorovna", "Лебедева Наталья Викторовна"),
            ("Kozlov Yevgeny Mikhailovich", "Козлов Евгений Михайлович"),
            ("Novikova Elena Igorevna", "Новикова Елена Игоревна"),
            (
                "Morozov Aleksei Vladimirovich",
                "Морозов Алексей Владимирович",
            ),
            ("Volkova Yulia Andreevna", "Волкова Юлия Андреевна"),
            ("Zaitsev Sergey Pavlovich", "Зайцев Сергей Павлович"),
            ("Fyodorov Pyotr Ilyich", "Фёдоров Пётр Ильич"),
            ("Zhukova Kseniya", "Жукова Ксения"),
            ("Shcherbakov Vyacheslav", "Щербаков Вячеслав"),
            ("Khokhlov Yakov Semyonovich", "Хохлов Яков Семёнович"),
            ("Tsvetkova Lyudmila", "Цветкова Людмила"),
            ("Grigoriev Maxim", "Григорьев Максим"),
            ("Vasilyev Artyom", "Васильев Артём"),
            ("Zelensky Roman", "Зеленский Роман"),
            ("Petrova-Vodkina Darya", "Петрова-Водкина Дарья"),
            ("Iakovleva Mariia", "Яковлева Мария"),
            ("Dmitriev Ilya", "Дмитриев Илья"),
            ("Belyaev Konstantin Iurevich", "Беляев Константин Юрьевич"),
            ("IVANOVA MARIA", "ИВАНОВА МАРИЯ"),
            ("Natal'ya", "Наталья"),
            ("Ševčenko", "Шевченко"),
            (
                "Shevchenko Serhii Mykolaiovych",
                "Шевченко Сергій Миколайович",
            ),
            ("Bondarenko Olha", "Бондаренко Ольга"),
            ("Kim Min-jun", "Ким Минджун"),
            ("Pak Kwang-chol", "Пак Кванчхоль"),
            ("Lee Song-il", "Ли Сонъиль"),
            ("Kim Sergei", "Ким Сергей"),
            ("Tsoi Viktor", "Цой Виктор"),
        ],
        Script::Cyrillic,
    );
}

#[test]
fn hangul_to_latin_is_revised_romanization_with_customary_surnames() {
    check_table(
        &[
            ("김민준", "Kim Min-jun"),
            ("김 민준", "Kim Min-jun"),
            ("민준", "Min-jun"),
            ("이서연", "Lee Seo-yeon"),
            ("박지호", "Park Ji-ho"),
            ("최유나", "Choi Yu-na"),
            ("정하은", "Jung Ha-eun"),
            ("강도현", "Kang Do-hyeon"),
            ("조은지", "Cho Eun-ji"),
            ("윤승우", "Yoon Seung-u"),
            ("장예진", "Jang Ye-jin"),
            ("임재원", "Lim Jae-won"),
            ("한지수", "Han Ji-su"),
            ("오현우", "Oh Hyeon-u"),
            ("서지연", "Seo Ji-yeon"),
            ("신동혁", "Shin Dong-hyeok"),
            ("권수진", "Kwon Su-jin"),
            ("황태양", "Hwang Tae-yang"),
            ("안준서", "Ahn Jun-seo"),
            ("송민지", "Song Min-ji"),
            ("유재호", "Yu Jae-ho"),
            ("홍길수", "Hong Gil-su"),
            ("리철호", "Ri Cheol-ho"),
            ("박광철", "Park Gwang-cheol"),
            ("림성일", "Rim Seong-il"),
            ("김종수", "Kim Jong-su"),
            ("최명남", "Choi Myeong-nam"),
            ("류경희", "Ryu Gyeong-hui"),
            ("강철진", "Kang Cheol-jin"),
            ("고영순", "Ko Yeong-sun"),
            ("배수아", "Bae Su-a"),
            ("백승민", "Baek Seung-min"),
            ("노은비", "Noh Eun-bi"),
            ("곽도윤", "Kwak Do-yun"),
            ("전지원", "Jeon Ji-won"),
            ("손흥수", "Son Heung-su"),
        ],
        Script::Latin,
    );
}

#[test]
fn latin_to_hangul_parses_korean_and_transcribes_the_rest() {
    check_table(
        &[
            ("Kim Min-jun", "김 민준"),
            ("Kim Minjun", "김 민준"),
            ("Lee Seo-yeon", "이 서연"),
            ("Park Ji-ho", "박 지호"),
            ("Choi Yu-na", "최 유나"),
            ("Jung Ha-eun", "정 하은"),
            ("Kang Do-hyun", "강 도현"),
            ("Yoon Seung-woo", "윤 승우"),
            ("Lim Jae-won", "임 재원"),
            ("Oh Hyun-woo", "오 현우"),
            ("Shin Dong-hyuk", "신 동혁"),
            ("Kwon Soo-jin", "권 수진"),
            ("Hwang Tae-yang", "황 태양"),
            ("Ahn Jun-seo", "안 준서"),
            ("Ri Chol-ho", "리 철호"),
            ("Pak Kwang-chol", "박 광철"),
            ("Rim Song-il", "림 송일"),
            ("Choe Myong-nam", "최 명남"),
            ("Ryu Kyong-hui", "류 경희"),
            ("Kang Chol-jin", "강 철진"),
            ("Rhee Sang-hoon", "이 상훈"),
            ("Yi Sun-hee", "이 순희"),
            ("Chung Hee-jin", "정 희진"),
            ("Chŏng Ŭn-ha", "정 은하"),
            ("Kim Ch'ŏl-su", "김 철수"),
            ("Ivanov Ivan Petrovich", "이바노프 이반 페트로비치"),
            ("Kuznetsova", "쿠즈네초바"),
            ("Shevchenko", "셰프첸코"),
            ("Sergeyev", "세르게예프"),
            ("Smirnova Olga", "스미르노바 올가"),
            ("Aleksandr", "알렉산드르"),
            ("Vladimir", "블라디미르"),
            ("Maksim", "막심"),
            ("Yuri", "유리"),
            ("Lyudmila", "류드밀라"),
            ("Bohdan", "보흐단"),
            ("Kim Sergei", "김 세르게이"),
            ("Tsoi Viktor", "최 빅토르"),
        ],
        Script::Hangul,
    );
}

#[test]
fn hangul_to_cyrillic_follows_kontsevich_with_customary_surnames() {
    check_table(
        &[
            ("김민준", "Ким Минджун"),
            ("이서연", "Ли Соён"),
            ("박지호", "Пак Чжихо"),
            ("최유나", "Цой Юна"),
            ("정하은", "Чон Хаын"),
            ("강도현", "Кан Тохён"),
            ("조은지", "Чо Ынджи"),
            ("윤승우", "Юн Сынъу"),
            ("장예진", "Чан Йеджин"),
            ("임재원", "Лим Чжэвон"),
            ("한지수", "Хан Чжису"),
            ("오현우", "О Хёну"),
            ("서지연", "Со Чжиён"),
            ("신동혁", "Син Тонхёк"),
            ("권수진", "Квон Суджин"),
            ("황태양", "Хван Тхэян"),
            ("안준서", "Ан Чжунсо"),
            ("송민지", "Сон Минджи"),
            ("유재호", "Ю Чжэхо"),
            ("리철호", "Ри Чхольхо"),
            ("박광철", "Пак Кванчхоль"),
            ("림성일", "Рим Сонъиль"),
            ("김종수", "Ким Чжонсу"),
            ("최명남", "Цой Мённам"),
            ("류경희", "Рю Кёнхи"),
            ("강철진", "Кан Чхольджин"),
            ("고영순", "Ко Ёнсун"),
            ("백승민", "Пэк Сынмин"),
            ("노은비", "Но Ынби"),
            ("곽도윤", "Квак Тоюн"),
            ("전지원", "Чжон Чживон"),
            ("손흥수", "Сон Хынсу"),
        ],
        Script::Cyrillic,
    );
}

#[test]
fn cyrillic_to_hangul_transcribes_by_sound_and_keeps_korean_surnames() {
    check_table(
        &[
            ("Иванов Иван Петрович", "이바노프 이반 페트로비치"),
            ("Смирнова Ольга Сергеевна", "스미르노바 올가 세르게예브나"),
            (
                "Кузнецов Дмитрий Алексеевич",
                "쿠즈네초프 드미트리 알렉세예비치",
            ),
            ("Попова Татьяна", "포포바 타탸나"),
            (
                "Соколов Андрей Николаевич",
                "소콜로프 안드레이 니콜라예비치",
            ),
            (
                "Козлов Евгений Михайлович",
                "코즐로프 예브게니 미하일로비치",
            ),
            ("Новикова Елена", "노비코바 옐레나"),
            (
                "Морозов Алексей Владимирович",
                "모로조프 알렉세이 블라디미로비치",
            ),
            ("Волкова Юлия Андреевна", "볼코바 율리야 안드레예브나"),
            ("Зайцев Сергей Павлович", "자이체프 세르게이 파블로비치"),
            ("Фёдоров Пётр Ильич", "표도로프 표트르 일리치"),
            ("Жукова Ксения", "주코바 크세니야"),
            ("Хохлов Яков Семёнович", "호흘로프 야코프 세묘노비치"),
            ("Цветкова Людмила", "츠베트코바 류드밀라"),
            ("Эминов Эльдар", "에미노프 엘다르"),
            ("Кириленко Максим", "키릴렌코 막심"),
            ("Орлов Виктор", "오를로프 빅토르"),
            ("Павлова Анна", "파블로바 안나"),
            ("Гусев Глеб", "구세프 글레프"),
            (
                "Бондаренко Олександр Іванович",
                "본다렌코 올렉산드르 이바노비치",
            ),
            ("Шевченко Тетяна Миколаївна", "셰프첸코 테탸나 미콜라이브나"),
            ("Ковальчук Андрій Петрович", "코발추크 안드리 페트로비치"),
            ("Гнатюк Євген Григорович", "흐나튜크 예프헨 흐리호로비치"),
            ("Мельник Богдан Іванович", "멜니크 보흐단 이바노비치"),
            ("Поліщук Ігор Олексійович", "폴리시추크 이호르 올렉시요비치"),
            ("Кравець Наталія", "크라베츠 나탈리야"),
            ("Ярошенко Олексій", "야로셴코 올렉시"),
            ("Ким Роберт", "김 로베르트"),
            ("Цой Виктор", "최 빅토르"),
            ("Пак Ирина", "박 이리나"),
            ("Ли Анна", "이 안나"),
        ],
        Script::Hangul,
    );
}

#[test]
fn russian_names_survive_latin_to_cyrillic_and_back() {
    // Back in Latin the name is in ICAO's spelling: the same, or an equivalent form.
    for name in [
        "Ivanov Ivan Petrovich",
        "Sergeyev Yuri Alekseevich",
        "Kuznetsova Tatyana Yurievna",
        "Shevchenko Natalia",
        "Smirnov Yevgeny Mikhailovich",
        "Zaitsev Aleksei",
        "Vasin Andrey Nikolaevich",
        "Lebedeva Darya",
        "Volkova Yulia",
        "Zhukov Vyacheslav",
        "Shcherbakova Lyudmila",
        "Tsvetkov Maxim",
        "Khokhlova Kseniya",
        "Belyaeva Olga",
        "Morozov Igor Sergeyevich",
        "Novikova Mariya",
        "Kozlov Ilya",
        "Sokolova Yelena",
        "Popov Nikolai",
        "Orlov Vladimir",
        "Pavlova Anastasia",
        "Kirillov Konstantin",
        "Romanova Ekaterina",
        "Borisov Timofey",
        "Gusev Gleb",
        "Zelensky Matvei",
    ] {
        let cyrillic = transliterate(name, Script::Cyrillic);
        let back = transliterate(&cyrillic, Script::Latin);
        assert_eq!(name.split(' ').count(), back.split(' ').count(), "{back}");
        for (a, b) in name.split(' ').zip(back.split(' ')) {
            assert!(
                a == b || equivalent(a, b),
                "{name} → {cyrillic} → {back}: {a} / {b}"
            );
        }
    }
}

#[test]
fn names_whose_yo_or_soft_sign_icao_drops_still_come_back_to_their_cyrillic() {
    // ICAO writes ё as e and leaves ь out, so Fyodorov comes back as Fedorov, which the
    // matching folds do not count as equivalent; read again, it is the same Cyrillic
    // name (ё and е being one letter in ordinary Russian writing).
    let plain = |s: &str| s.replace('ё', "е").replace('Ё', "Е");
    for name in [
        "Vasilyev Andrey",
        "Grigoriev Dmitry",
        "Fyodorov Pyotr Ilyich",
        "Solovyov Semyon",
        "Yakovlev Artyom",
        "Kuzmin Yuri Vasilievich",
    ] {
        let cyrillic = transliterate(name, Script::Cyrillic);
        let back = transliterate(&cyrillic, Script::Latin);
        let again = transliterate(&back, Script::Cyrillic);
        assert_eq!(
            plain(&again),
            plain(&cyrillic),
            "{name} → {cyrillic} → {back}"
        );
        assert_ne!(back, name, "{name}: no longer an example of a loss");
    }
}

#[test]
fn korean_names_survive_hangul_to_latin_and_back() {
    for name in [
        "김민준",
        "이서연",
        "박지호",
        "최유나",
        "정하은",
        "강도현",
        "조은지",
        "윤승우",
        "장예진",
        "임재원",
        "한지수",
        "서지연",
        "신동혁",
        "권수진",
        "황태양",
        "안준서",
        "송민지",
        "유재호",
        "리철호",
        "박광철",
        "림성일",
        "김종수",
        "최명남",
        "류경희",
        "강철진",
        "고영순",
        "백승민",
        "노은비",
        "전지원",
        "손흥수",
    ] {
        let latin = transliterate(name, Script::Latin);
        let back = transliterate(&latin, Script::Hangul);
        assert_eq!(back.replace(' ', ""), name, "{name} → {latin} → {back}");
        // Through the parts, the name comes back written as Koreans write it.
        let (family, given) = latin.split_once(' ').unwrap();
        let parts = NameParts {
            family,
            given,
            patronymic: None,
        };
        let rendered = for_reader(&[parts], Script::Hangul).unwrap();
        assert_eq!(rendered.text, name, "{latin}");
    }
}

fn name<'a>(family: &'a str, given: &'a str, patronymic: Option<&'a str>) -> NameParts<'a> {
    NameParts {
        family,
        given,
        patronymic,
    }
}

fn recorded(text: &str) -> Option<Rendered> {
    Some(Rendered {
        text: text.to_owned(),
        transliterated: false,
    })
}

fn transliterated(text: &str) -> Option<Rendered> {
    Some(Rendered {
        text: text.to_owned(),
        transliterated: true,
    })
}

#[test]
fn for_reader_prefers_a_name_recorded_in_the_readers_script() {
    let names = [
        name("Ivanov", "Ivan", None),
        name("Иванов", "Иван", Some("Петрович")),
    ];
    assert_eq!(
        for_reader(&names, Script::Cyrillic),
        recorded("Иванов Иван Петрович")
    );
    assert_eq!(for_reader(&names, Script::Latin), recorded("Ivanov Ivan"));
    // No Hangul name: the first one is transliterated.
    assert_eq!(
        for_reader(&names, Script::Hangul),
        transliterated("이바노프 이반")
    );
}

#[test]
fn for_reader_never_alters_a_recorded_name() {
    // A transliteration would read Ivanov; the recorded spelling, case and all, wins.
    let names = [
        name(" IWANOW ", "iwan", Some(" ")),
        name("Иванов", "Иван", None),
    ];
    assert_eq!(for_reader(&names, Script::Latin), recorded("IWANOW iwan"));
    let names = [name("Schewtschenko", "Taras", None)];
    assert_eq!(
        for_reader(&names, Script::Latin),
        recorded("Schewtschenko Taras")
    );
}

#[test]
fn for_reader_writes_korean_names_as_each_script_does() {
    let korean = [name("김", "민준", None)];
    assert_eq!(for_reader(&korean, Script::Hangul), recorded("김민준"));
    assert_eq!(
        for_reader(&korean, Script::Latin),
        transliterated("Kim Min-jun")
    );
    assert_eq!(
        for_reader(&korean, Script::Cyrillic),
        transliterated("Ким Минджун")
    );
    let romanized = [name("Pak", "Kwang-chol", None)];
    assert_eq!(
        for_reader(&romanized, Script::Hangul),
        transliterated("박광철")
    );
    assert_eq!(
        for_reader(&[name("Ri", "Chol Ho", None)], Script::Hangul),
        transliterated("리철호")
    );
    // The given name alone would read as Russian (Минюн); beside a Korean surname it is
    // Korean.
    assert_eq!(
        for_reader(&[name("Kim", "Minjun", None)], Script::Cyrillic),
        transliterated("Ким Минджун")
    );
}

#[test]
fn for_reader_spaces_names_that_are_not_korean_in_hangul() {
    assert_eq!(
        for_reader(&[name("Ivanov", "Ivan", Some("Petrovich"))], Script::Hangul),
        transliterated("이바노프 이반 페트로비치")
    );
    // A Korean surname with Russian given name and patronymic (a Soviet Korean).
    assert_eq!(
        for_reader(&[name("Ким", "Роберт", Some("Николаевич"))], Script::Hangul),
        transliterated("김 로베르트 니콜라예비치")
    );
    // Recorded in Hangul, but not a Korean family name: spaces as recorded.
    assert_eq!(
        for_reader(&[name("이바노프", "이반", None)], Script::Hangul),
        recorded("이바노프 이반")
    );
}

#[test]
fn for_reader_without_a_usable_name_gives_none() {
    assert_eq!(for_reader(&[], Script::Latin), None);
    assert_eq!(
        for_reader(
            &[name("", " ", None), name("123", "", Some("-"))],
            Script::Latin
        ),
        None
    );
    // A Latin letter no table knows leaves nothing to print in Hangul.
    assert_eq!(for_reader(&[name("", "Ȝ", None)], Script::Hangul), None);
    assert_eq!(
        for_reader(&[name("", "Ȝ", None)], Script::Latin),
        recorded("Ȝ")
    );
    // A name in another script only (Greek) is not one we can print.
    assert_eq!(
        for_reader(&[name("Παπαδόπουλος", "", None)], Script::Hangul),
        None
    );
}

#[test]
fn for_reader_takes_the_first_of_several_names_in_the_script() {
    let names = [
        name("Kim", "Chol", None),
        name("Петренко", "Олег", None),
        name("Петров", "Олег", None),
    ];
    assert_eq!(
        for_reader(&names, Script::Cyrillic),
        recorded("Петренко Олег")
    );
    assert_eq!(for_reader(&names, Script::Hangul), transliterated("김철"));
}

#[test]
fn the_script_of_a_name_is_the_script_of_most_of_its_letters() {
    assert_eq!(script_of("Иванов"), Some(Script::Cyrillic));
    assert_eq!(script_of("Ivanov (Иванова)"), Some(Script::Cyrillic));
    assert_eq!(script_of("K. 민준"), Some(Script::Hangul));
    assert_eq!(script_of("Ševčenko"), Some(Script::Latin));
    assert_eq!(script_of("ㄱ"), Some(Script::Hangul));
    // A tie goes to the script met first.
    assert_eq!(script_of("Ab Аб"), Some(Script::Latin));
    assert_eq!(script_of("Аб Ab"), Some(Script::Cyrillic));
    assert_eq!(script_of("123 - 45"), None);
    assert_eq!(script_of("Παπαδόπουλος"), None);
    assert_eq!(script_of(""), None);
    // A combining Cyrillic letter is a mark on the letter before it, not a letter.
    assert_eq!(script_of("a\u{a674}"), Some(Script::Latin));
    assert_eq!(script_of("\u{a674}"), None);
}

#[test]
fn parties_read_the_script_of_their_state() {
    for (code, script) in [
        ("RU", Script::Cyrillic),
        ("UA", Script::Cyrillic),
        ("UA-NG", Script::Cyrillic),
        (" by ", Script::Cyrillic),
        ("KZ", Script::Cyrillic),
        ("KP", Script::Hangul),
        ("KR", Script::Hangul),
        ("ICRC", Script::Latin),
        ("CH", Script::Latin),
        ("", Script::Latin),
        ("-", Script::Latin),
    ] {
        assert_eq!(script_for_party(code), script, "{code:?}");
    }
}

#[test]
fn script_words_are_stable() {
    assert_eq!(Script::Hangul.as_str(), "hangul");
    assert_eq!(Script::parse("cyrillic"), Ok(Script::Cyrillic));
    assert!(Script::parse("greek").is_err());
}

#[test]
fn what_is_not_a_letter_stays_in_place() {
    assert_eq!(
        transliterate("Иванов И.П. (1990), №7", Script::Latin),
        "Ivanov I.P. (1990), №7"
    );
    assert_eq!(transliterate("  Kim  ", Script::Hangul), "  김  ");
    assert_eq!(
        transliterate("김민준, 1990", Script::Latin),
        "Kim Min-jun, 1990"
    );
    assert_eq!(transliterate("Müller", Script::Cyrillic), "Муллер");
    assert_eq!(transliterate("Παπαδόπουλος", Script::Latin), "Παπαδόπουλος");
    assert_eq!(transliterate("", Script::Hangul), "");
}

#[test]
fn a_very_long_name_is_handled_in_time() {
    let long = "Shchedrinovich".repeat(10_000);
    assert!(transliterate(&long, Script::Hangul).chars().count() > 10_000);
    let long = "김민준".repeat(10_000);
    assert!(transliterate(&long, Script::Cyrillic).chars().count() > 10_000);
    let long = "ab-".repeat(10_000);
    assert!(!transliterate(&long, Script::Cyrillic).is_empty());
}

fn letters_of(text: &str, script: Script) -> Vec<char> {
    text.chars()
        .filter(|&c| letter_script(c) == Some(script))
        .collect()
}

fn name_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Zа-яА-ЯёЁіїєґІЇЄҐ가-힣ㄱ-ㅎ0-9 '\\-ŏŭ’ʼ.,]{0,40}",
        "[a-zA-Z' \\-]{0,30}",
        "[가-힣 ]{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn transliteration_keeps_digits_and_spaces_and_leaves_no_foreign_letters(
        text in name_like()
    ) {
        let has_hangul = text.chars().any(|c| letter_script(c) == Some(Script::Hangul));
        for to in Script::ALL.iter().copied() {
            let out = transliterate(&text, to);
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            prop_assert_eq!(digits(&out), digits(&text));
            let spaces = |s: &str| s.chars().filter(|c| c.is_whitespace()).count();
            if has_hangul && to != Script::Hangul {
                // A Hangul word of three syllables that is a whole name gets a space.
                prop_assert!(spaces(&out) >= spaces(&text));
            } else {
                prop_assert_eq!(spaces(&out), spaces(&text));
            }
            for other in Script::ALL.iter().copied().filter(|s| *s != to) {
                let left = letters_of(&out, other);
                // Jamo that are no syllable are kept as they are.
                let left: Vec<char> = left
                    .into_iter()
                    .filter(|c| other != Script::Hangul || crate::script::is_hangul_syllable(*c))
                    .collect();
                prop_assert!(left.is_empty(), "{:?} into {}: {:?} left {:?}", text, to, out, left);
            }
        }
    }

    #[test]
    fn for_reader_never_panics(
        family in name_like(),
        given in name_like(),
        patronymic in proptest::option::of(name_like()),
    ) {
        let names = [name(&family, &given, patronymic.as_deref()), name(&given, &family, None)];
        for to in Script::ALL.iter().copied() {
            if let Some(rendered) = for_reader(&names, to) {
                prop_assert!(!rendered.text.is_empty());
            }
        }
    }
}
