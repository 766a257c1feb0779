//! The printed wording of the forms of GC III Annex IV in each [`Language`]: the
//! capture card (Annex IV B, Art. 70) and the death certificate (Annex IV D, Art. 120).
//!
//! The English is the Convention's model. The Russian and Ukrainian follow the terms of
//! the Convention's Russian text and of Ukraine's official translation (Держава, от
//! которой зависит военнопленный / Держава, від якої залежить військовополонений;
//! личный номер / особистий номер; Держава, содержащая в плену / держава, яка тримає в
//! полоні), the Korean those of the Korean text (억류국, 군번). The card's own wording
//! in those languages is not published with the Convention: it is translated here,
//! faithfully, field by field. The public web print page reuses these texts through
//! [`labels`], so that a card printed here and one printed from the browser say the
//! same.

use repatria_core::HealthCategory;

use crate::forms::Language;

/// All that is printed on the forms in one language, besides the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Labels {
    /// The language's own name: "English", "한국어", "Русский", "Українська".
    pub language: &'static str,
    /// What a field the prisoner refused to give reads (Art. 17: he is bound to give
    /// only his surname, first names, rank, date of birth and service number, and a
    /// refusal to answer may not be met with threats, insults or disadvantage).
    pub refused: &'static str,
    pub card: CardLabels,
    pub certificate: CertificateLabels,
}

/// The capture card's wording (GC III Annex IV B), in the order printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CardLabels {
    /// Front: "PRISONER OF WAR MAIL".
    pub mail: &'static str,
    /// Front: "Postage free" (Art. 74).
    pub postage_free: &'static str,
    /// Front: "CAPTURE CARD FOR PRISONER OF WAR".
    pub title: &'static str,
    /// Front, the address: "CENTRAL PRISONERS OF WAR AGENCY" (Art. 123).
    pub agency: &'static str,
    /// Front, the address: "International Committee of the Red Cross".
    pub committee: &'static str,
    /// Front, the address: "GENEVA — SWITZERLAND".
    pub city: &'static str,
    /// Front: "IMPORTANT".
    pub important: &'static str,
    /// Front: when the card must be completed.
    pub complete_when: &'static str,
    /// Front: that it is not the card to the family.
    pub distinct: &'static str,
    /// Field 1.
    pub power: &'static str,
    /// Field 2.
    pub family_name: &'static str,
    /// Field 3.
    pub given_names: &'static str,
    /// Field 4.
    pub father_first_name: &'static str,
    /// Field 5.
    pub date_of_birth: &'static str,
    /// Field 6.
    pub place_of_birth: &'static str,
    /// Field 7.
    pub rank: &'static str,
    /// Field 8.
    pub service_number: &'static str,
    /// Field 9.
    pub family_address: &'static str,
    /// Field 10.
    pub taken_prisoner_on: &'static str,
    /// Field 10, the second half.
    pub coming_from: &'static str,
    /// Field 11, the heading of the categories.
    pub health: &'static str,
    /// Field 11 (a) to (g), in the order of [`HealthCategory::ALL`]; see
    /// [`CardLabels::health_category`].
    pub health_categories: [&'static str; 7],
    /// Field 12.
    pub present_address: &'static str,
    /// Field 12: "Prisoner No.".
    pub prisoner_number: &'static str,
    /// Field 12: "Name of camp".
    pub camp: &'static str,
    /// Field 13.
    pub date: &'static str,
    /// Field 14.
    pub signature: &'static str,
}

impl CardLabels {
    /// The words of a health category as on the card.
    pub fn health_category(&self, category: HealthCategory) -> &'static str {
        let i = match category {
            HealthCategory::GoodHealth => 0,
            HealthCategory::NotWounded => 1,
            HealthCategory::Recovered => 2,
            HealthCategory::Convalescent => 3,
            HealthCategory::Sick => 4,
            HealthCategory::SlightlyWounded => 5,
            HealthCategory::SeriouslyWounded => 6,
        };
        self.health_categories[i]
    }
}

/// The death certificate's wording (GC III Annex IV D), in the order printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateLabels {
    /// "DEATH CERTIFICATE".
    pub title: &'static str,
    /// Under the title: "Name of responsible authority".
    pub authority: &'static str,
    pub power: &'static str,
    pub name: &'static str,
    pub father_first_name: &'static str,
    pub mother_maiden_name: &'static str,
    pub birth: &'static str,
    pub death: &'static str,
    /// "Rank and service number (as given on identity disc)".
    pub rank_and_number: &'static str,
    pub family_address: &'static str,
    pub taken_prisoner: &'static str,
    /// "Cause and circumstances of death".
    pub cause: &'static str,
    pub burial_place: &'static str,
    /// "Is the grave marked and can it be found later by the relatives?"
    pub grave: &'static str,
    /// Whether the personal effects are kept by the Detaining Power or forwarded.
    pub effects: &'static str,
    /// "If forwarded, through what agency?"
    pub effects_agency: &'static str,
    /// Whether someone who cared for the deceased can give an account of his last
    /// moments and burial.
    pub last_moments: &'static str,
    /// "Certified by".
    pub certified_by: &'static str,
    /// "Date, seal and signature of the responsible authority".
    pub authority_signature: &'static str,
    /// "Signature and address of two witnesses".
    pub witnesses: &'static str,
    pub date: &'static str,
    pub seal: &'static str,
    pub signature: &'static str,
    pub address: &'static str,
}

/// The forms' wording in `language`.
pub fn labels(language: Language) -> &'static Labels {
    match language {
        Language::English => &ENGLISH,
        Language::Korean => &KOREAN,
        Language::Russian => &RUSSIAN,
        Language::Ukrainian => &UKRAINIAN,
    }
}

static ENGLISH: Labels = Labels {
    language: "English",
    refused: "refused (Art. 17)",
    card: CardLabels {
        mail: "PRISONER OF WAR MAIL",
        postage_free: "Postage free",
        title: "CAPTURE CARD FOR PRISONER OF WAR",
        agency: "CENTRAL PRISONERS OF WAR AGENCY",
        committee: "International Committee of the Red Cross",
        city: "GENEVA — SWITZERLAND",
        important: "IMPORTANT",
        complete_when: "This card must be completed by each prisoner immediately after \
            being taken prisoner and each time his address is altered (by reason of \
            transfer to a hospital or to another camp).",
        distinct: "This card is distinct from the special card which each prisoner is \
            allowed to send to his relatives.",
        power: "Power on which the prisoner depends",
        family_name: "Name",
        given_names: "First names (in full)",
        father_first_name: "First name of father",
        date_of_birth: "Date of birth",
        place_of_birth: "Place of birth",
        rank: "Rank",
        service_number: "Service number",
        family_address: "Address of family",
        taken_prisoner_on: "Taken prisoner on",
        coming_from: "Coming from (camp, hospital, etc.)",
        health: "State of health",
        health_categories: [
            "Good health",
            "Not wounded",
            "Recovered",
            "Convalescent",
            "Sick",
            "Slightly wounded",
            "Seriously wounded",
        ],
        present_address: "My present address",
        prisoner_number: "Prisoner No.",
        camp: "Name of camp",
        date: "Date",
        signature: "Signature",
    },
    certificate: CertificateLabels {
        title: "DEATH CERTIFICATE",
        authority: "Name of responsible authority",
        power: "Power on which the prisoner depended",
        name: "Name and first names",
        father_first_name: "First name of father",
        mother_maiden_name: "Maiden name of mother",
        birth: "Place and date of birth",
        death: "Place and date of death",
        rank_and_number: "Rank and service number (as given on identity disc)",
        family_address: "Address of family",
        taken_prisoner: "Where and when taken prisoner",
        cause: "Cause and circumstances of death",
        burial_place: "Place of burial",
        grave: "Is the grave marked and can it be found later by the relatives?",
        effects: "Are any personal effects of the deceased in the keeping of the \
            Detaining Power or are they being forwarded together with this certificate?",
        effects_agency: "If forwarded, through what agency?",
        last_moments: "Can any person who cared for the deceased during sickness or \
            during his last moments (doctor, nurse, minister of religion, fellow \
            prisoner) give here or on the attached sheet a short account of the \
            circumstances of his last moments and burial?",
        certified_by: "Certified by",
        authority_signature: "Date, seal and signature of the responsible authority",
        witnesses: "Signature and address of two witnesses",
        date: "Date",
        seal: "Seal",
        signature: "Signature",
        address: "Address",
    },
};

static KOREAN: Labels = Labels {
    language: "한국어",
    refused: "진술 거부 (제17조)",
    card: CardLabels {
        mail: "포로 우편",
        postage_free: "우편 요금 면제",
        title: "포로 억류 통지 카드",
        agency: "중앙포로정보국",
        committee: "국제적십자위원회",
        city: "스위스 제네바",
        important: "중요",
        complete_when: "이 카드는 각 포로가 포로가 된 즉시, 그리고 (병원 또는 다른 \
            수용소로의 이송으로) 주소가 바뀔 때마다 작성하여야 한다.",
        distinct: "이 카드는 각 포로가 가족에게 보낼 수 있는 특별 카드와는 별개의 것이다.",
        power: "포로가 속한 국가",
        family_name: "성",
        given_names: "이름 (전부)",
        father_first_name: "부친의 이름",
        date_of_birth: "생년월일",
        place_of_birth: "출생지",
        rank: "계급",
        service_number: "군번",
        family_address: "가족 주소",
        taken_prisoner_on: "포로가 된 날짜",
        coming_from: "이전 소재지 (수용소, 병원 등)",
        health: "건강 상태",
        health_categories: [
            "건강 양호",
            "부상 없음",
            "회복됨",
            "회복 중",
            "병중",
            "경상",
            "중상",
        ],
        present_address: "현재 주소",
        prisoner_number: "포로 번호",
        camp: "수용소명",
        date: "일자",
        signature: "서명",
    },
    certificate: CertificateLabels {
        title: "사망 증명서",
        authority: "책임 기관명",
        power: "포로가 속했던 국가",
        name: "성명",
        father_first_name: "부친의 이름",
        mother_maiden_name: "모친의 결혼 전 성",
        birth: "출생지 및 생년월일",
        death: "사망 장소 및 일자",
        rank_and_number: "계급 및 군번 (인식표에 기재된 대로)",
        family_address: "가족 주소",
        taken_prisoner: "포로가 된 장소 및 일자",
        cause: "사망 원인 및 경위",
        burial_place: "매장지",
        grave: "묘에 표지가 되어 있어 유족이 나중에 찾을 수 있는가?",
        effects: "사망자의 유품은 억류국이 보관하고 있는가, 아니면 이 증명서와 함께 \
            송부되는가?",
        effects_agency: "송부되는 경우, 어느 기관을 통하는가?",
        last_moments: "병중 또는 임종 시 사망자를 돌본 사람(의사, 간호사, 성직자, 동료 \
            포로)이 여기 또는 첨부한 종이에 임종과 매장의 정황을 간략히 적어 줄 수 \
            있는가?",
        certified_by: "증명자",
        authority_signature: "책임 기관의 일자, 직인 및 서명",
        witnesses: "증인 2명의 서명 및 주소",
        date: "일자",
        seal: "직인",
        signature: "서명",
        address: "주소",
    },
};

static RUSSIAN: Labels = Labels {
    language: "Русский",
    refused: "отказ сообщить (ст. 17)",
    card: CardLabels {
        mail: "ПОЧТА ВОЕННОПЛЕННЫХ",
        postage_free: "Освобождено от почтовых сборов",
        title: "КАРТОЧКА ВОЕННОПЛЕННОГО О ВЗЯТИИ В ПЛЕН",
        agency: "ЦЕНТРАЛЬНОЕ АГЕНТСТВО ПО ДЕЛАМ ВОЕННОПЛЕННЫХ",
        committee: "Международный Комитет Красного Креста",
        city: "ЖЕНЕВА — ШВЕЙЦАРИЯ",
        important: "ВАЖНО",
        complete_when: "Эта карточка должна быть заполнена каждым военнопленным \
            немедленно после взятия в плен и всякий раз при изменении его адреса \
            (вследствие перевода в госпиталь или в другой лагерь).",
        distinct: "Эта карточка отличается от особой карточки, которую каждому \
            военнопленному разрешается послать своим родственникам.",
        power: "Держава, от которой зависит военнопленный",
        family_name: "Фамилия",
        given_names: "Имена (полностью)",
        father_first_name: "Имя отца",
        date_of_birth: "Дата рождения",
        place_of_birth: "Место рождения",
        rank: "Звание",
        service_number: "Личный номер",
        family_address: "Адрес семьи",
        taken_prisoner_on: "Дата взятия в плен",
        coming_from: "Прибыл из (лагерь, госпиталь и т. д.)",
        health: "Состояние здоровья",
        health_categories: [
            "Здоров",
            "Не ранен",
            "Выздоровел",
            "Выздоравливающий",
            "Болен",
            "Легко ранен",
            "Тяжело ранен",
        ],
        present_address: "Мой нынешний адрес",
        prisoner_number: "Номер военнопленного",
        camp: "Название лагеря",
        date: "Дата",
        signature: "Подпись",
    },
    certificate: CertificateLabels {
        title: "СВИДЕТЕЛЬСТВО О СМЕРТИ",
        authority: "Наименование ответственного органа",
        power: "Держава, от которой зависел военнопленный",
        name: "Фамилия и имена",
        father_first_name: "Имя отца",
        mother_maiden_name: "Девичья фамилия матери",
        birth: "Место и дата рождения",
        death: "Место и дата смерти",
        rank_and_number: "Звание и личный номер (согласно личному знаку)",
        family_address: "Адрес семьи",
        taken_prisoner: "Где и когда взят в плен",
        cause: "Причина и обстоятельства смерти",
        burial_place: "Место погребения",
        grave: "Обозначена ли могила и смогут ли родственники впоследствии её найти?",
        effects: "Находятся ли личные вещи умершего на хранении у Державы, содержащей \
            в плену, или они пересылаются вместе с настоящим свидетельством?",
        effects_agency: "Если пересылаются, то через какую организацию?",
        last_moments: "Может ли лицо, ухаживавшее за умершим во время болезни или в \
            последние минуты его жизни (врач, медицинская сестра, священнослужитель, \
            товарищ по плену), изложить здесь или на приложенном листе краткие сведения \
            о его последних минутах и погребении?",
        certified_by: "Кем удостоверено",
        authority_signature: "Дата, печать и подпись ответственного органа",
        witnesses: "Подписи и адреса двух свидетелей",
        date: "Дата",
        seal: "Печать",
        signature: "Подпись",
        address: "Адрес",
    },
};

static UKRAINIAN: Labels = Labels {
    language: "Українська",
    refused: "відмова повідомити (ст. 17)",
    card: CardLabels {
        mail: "ПОШТА ВІЙСЬКОВОПОЛОНЕНИХ",
        postage_free: "Звільнено від поштових зборів",
        title: "КАРТКА ВІЙСЬКОВОПОЛОНЕНОГО ПРО ВЗЯТТЯ В ПОЛОН",
        agency: "ЦЕНТРАЛЬНЕ АГЕНТСТВО У СПРАВАХ ВІЙСЬКОВОПОЛОНЕНИХ",
        committee: "Міжнародний Комітет Червоного Хреста",
        city: "ЖЕНЕВА — ШВЕЙЦАРІЯ",
        important: "ВАЖЛИВО",
        complete_when: "Цю картку кожен військовополонений повинен заповнити одразу \
            після взяття в полон і щоразу, коли змінюється його адреса (унаслідок \
            переведення до госпіталю або до іншого табору).",
        distinct: "Ця картка відрізняється від особливої картки, яку кожному \
            військовополоненому дозволено надіслати своїм родичам.",
        power: "Держава, від якої залежить військовополонений",
        family_name: "Прізвище",
        given_names: "Імена (повністю)",
        father_first_name: "Ім’я батька",
        date_of_birth: "Дата народження",
        place_of_birth: "Місце народження",
        rank: "Звання",
        service_number: "Особистий номер",
        family_address: "Адреса родини",
        taken_prisoner_on: "Дата взяття в полон",
        coming_from: "Прибув з (табір, госпіталь тощо)",
        health: "Стан здоров’я",
        health_categories: [
            "Здоровий",
            "Не поранений",
            "Одужав",
            "Одужує",
            "Хворий",
            "Легко поранений",
            "Тяжко поранений",
        ],
        present_address: "Моя теперішня адреса",
        prisoner_number: "Номер військовополоненого",
        camp: "Назва табору",
        date: "Дата",
        signature: "Підпис",
    },
    certificate: CertificateLabels {
        title: "СВІДОЦТВО ПРО СМЕРТЬ",
        authority: "Назва відповідального органу",
        power: "Держава, від якої залежав військовополонений",
        name: "Прізвище та імена",
        father_first_name: "Ім’я батька",
        mother_maiden_name: "Дівоче прізвище матері",
        birth: "Місце і дата народження",
        death: "Місце і дата смерті",
        rank_and_number: "Звання та особистий номер (згідно з особистим знаком)",
        family_address: "Адреса родини",
        taken_prisoner: "Де і коли взятий у полон",
        cause: "Причина та обставини смерті",
        burial_place: "Місце поховання",
        grave: "Чи позначена могила і чи зможуть родичі згодом її знайти?",
        effects: "Чи зберігаються особисті речі померлого в держави, яка тримає в \
            полоні, чи їх пересилають разом із цим свідоцтвом?",
        effects_agency: "Якщо пересилають, то через яку організацію?",
        last_moments: "Чи може особа, яка доглядала померлого під час хвороби або в \
            останні хвилини його життя (лікар, медична сестра, священнослужитель, \
            товариш по полону), викласти тут або на доданому аркуші короткі відомості \
            про його останні хвилини та поховання?",
        certified_by: "Ким засвідчено",
        authority_signature: "Дата, печатка та підпис відповідального органу",
        witnesses: "Підписи та адреси двох свідків",
        date: "Дата",
        seal: "Печатка",
        signature: "Підпис",
        address: "Адреса",
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_text() {
        for &language in Language::ALL {
            let l = labels(language);
            let card = &l.card;
            let certificate = &l.certificate;
            let texts = [
                l.language,
                l.refused,
                card.mail,
                card.postage_free,
                card.title,
                card.agency,
                card.committee,
                card.city,
                card.important,
                card.complete_when,
                card.distinct,
                card.power,
                card.family_name,
                card.given_names,
                card.father_first_name,
                card.date_of_birth,
                card.place_of_birth,
                card.rank,
                card.service_number,
                card.family_address,
                card.taken_prisoner_on,
                card.coming_from,
                card.health,
                card.present_address,
                card.prisoner_number,
                card.camp,
                card.date,
                card.signature,
                certificate.title,
                certificate.authority,
                certificate.power,
                certificate.name,
                certificate.father_first_name,
                certificate.mother_maiden_name,
                certificate.birth,
                certificate.death,
                certificate.rank_and_number,
                certificate.family_address,
                certificate.taken_prisoner,
                certificate.cause,
                certificate.burial_place,
                certificate.grave,
                certificate.effects,
                certificate.effects_agency,
                certificate.last_moments,
                certificate.certified_by,
                certificate.authority_signature,
                certificate.witnesses,
                certificate.date,
                certificate.seal,
                certificate.signature,
                certificate.address,
            ];
            for text in texts.iter().chain(&card.health_categories) {
                assert!(!text.trim().is_empty(), "{language}");
                assert_eq!(text.trim(), *text, "{language}: {text:?}");
                assert!(!text.contains("  "), "{language}: {text:?}");
            }
            // The seven categories are seven different words.
            let mut categories = card.health_categories.to_vec();
            categories.sort_unstable();
            categories.dedup();
            assert_eq!(categories.len(), 7, "{language}");
        }
        assert_eq!(
            labels(Language::Korean)
                .card
                .health_category(HealthCategory::SeriouslyWounded),
            "중상"
        );
        assert_eq!(
            labels(Language::Russian)
                .card
                .health_category(HealthCategory::GoodHealth),
            "Здоров"
        );
    }
}
