//! The fictional demo scenario: the story told in the README (two wounded foreign soldiers,
//! one with another man's papers, one with none; an interpreter for a third language;
//! hospital, transfer to the capital, interviews) and a generated registry around it.
//!
//! Every name here is a fictional combination of common names; no record describes a
//! real person.

use chrono::{Duration, Timelike};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use repatria_core::{
    Captive, CaptiveId, CaptureReport, ClaimId, ClaimSource, CustodyEvent, CustodyEventKind,
    Document, EventId, FacilityKind, HealthCategory, HealthRecord, IdentityClaim, Interview,
    InterviewId, NewCaptive, PartialDate, ParticularField, Particulars, ParticularsText, Party,
    PartyCode, PersonName, RepatriationWish, Timestamp, WishRecord,
};
use repatria_store::{Actor, SqlStore, StoreError};
use uuid::Uuid;

/// Why the demo scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] repatria_store::StoreError),
    /// The scenario breaks a rule of the domain (a bug of the scenario, not of the user).
    #[error("the demo scenario breaks a rule: {0}")]
    Domain(#[from] repatria_core::DomainError),
    #[error("the demo's list: {0}")]
    Import(String),
    #[error(transparent)]
    Password(#[from] crate::accounts::HashError),
}

const UA_FAMILY: &[&str] = &[
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Шевчук",
    "Поліщук",
    "Бойко",
    "Мельник",
    "Лисенко",
    "Мороз",
    "Савченко",
    "Руденко",
    "Марченко",
    "Петренко",
    "Кузьменко",
    "Павленко",
    "Гончаренко",
    "Коваль",
    "Левченко",
    "Ткачук",
    "Клименко",
    "Романенко",
    "Сидоренко",
    "Гаврилюк",
    "Федорчук",
    "Присяжнюк",
    "Дячук",
    "Вербицький",
];
/// Ukrainian given names with the patronymic formed from each.
const UA_GIVEN: &[(&str, &str)] = &[
    ("Олександр", "Олександрович"),
    ("Андрій", "Андрійович"),
    ("Микола", "Миколайович"),
    ("Сергій", "Сергійович"),
    ("Іван", "Іванович"),
    ("Василь", "Васильович"),
    ("Дмитро", "Дмитрович"),
    ("Юрій", "Юрійович"),
    ("Олег", "Олегович"),
    ("Тарас", "Тарасович"),
    ("Богдан", "Богданович"),
    ("Максим", "Максимович"),
    ("Віталій", "Віталійович"),
    ("Михайло", "Михайлович"),
    ("Володимир", "Володимирович"),
    ("Петро", "Петрович"),
    ("Євген", "Євгенович"),
    ("Артем", "Артемович"),
    ("Роман", "Романович"),
    ("Ярослав", "Ярославович"),
];
const RU_FAMILY: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
];
const RU_GIVEN: &[(&str, &str)] = &[
    ("Александр", "Александрович"),
    ("Сергей", "Сергеевич"),
    ("Дмитрий", "Дмитриевич"),
    ("Андрей", "Андреевич"),
    ("Алексей", "Алексеевич"),
    ("Максим", "Максимович"),
    ("Евгений", "Евгеньевич"),
    ("Иван", "Иванович"),
    ("Михаил", "Михайлович"),
    ("Николай", "Николаевич"),
    ("Артём", "Артёмович"),
    ("Владимир", "Владимирович"),
    ("Павел", "Павлович"),
    ("Денис", "Денисович"),
    ("Роман", "Романович"),
    ("Игорь", "Игоревич"),
    ("Виктор", "Викторович"),
    ("Юрий", "Юрьевич"),
    ("Олег", "Олегович"),
    ("Кирилл", "Кириллович"),
];
const KO_FAMILY: &[(&str, &str)] = &[
    ("김", "Kim"),
    ("리", "Ri"),
    ("박", "Pak"),
    ("최", "Choe"),
    ("정", "Jong"),
    ("강", "Kang"),
    ("조", "Jo"),
    ("윤", "Yun"),
    ("장", "Jang"),
    ("한", "Han"),
    ("림", "Rim"),
    ("오", "O"),
    ("신", "Sin"),
    ("서", "So"),
    ("권", "Kwon"),
];
const KO_GIVEN: &[(&str, &str)] = &[
    ("철수", "Chol Su"),
    ("영호", "Yong Ho"),
    ("명철", "Myong Chol"),
    ("광혁", "Kwang Hyok"),
    ("성진", "Song Jin"),
    ("정남", "Jong Nam"),
    ("혁철", "Hyok Chol"),
    ("은성", "Un Song"),
    ("금철", "Kum Chol"),
    ("진혁", "Jin Hyok"),
    ("영남", "Yong Nam"),
    ("경호", "Kyong Ho"),
    ("명수", "Myong Su"),
    ("충혁", "Chung Hyok"),
    ("일남", "Il Nam"),
    ("대성", "Tae Song"),
    ("광철", "Kwang Chol"),
    ("용수", "Yong Su"),
    ("성민", "Song Min"),
    ("국철", "Kuk Chol"),
];
const RANKS: &[&str] = &[
    "private",
    "private",
    "private",
    "private",
    "nco",
    "nco",
    "lieutenant",
    "captain",
    "major",
];
const PLACES: &[&str] = &[
    "Sector North-1",
    "Sector North-2",
    "Sector East-4",
    "Sector East-7",
    "Sector South-3",
    "Border crossing area",
    "Forest near Point 112",
    "Village outskirts, Sector East-2",
];

fn id() -> Uuid {
    Uuid::now_v7()
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// Loads the scenario into an empty store and returns the number of captives created.
pub async fn load(
    store: &SqlStore,
    generated: usize,
    seed: u64,
    now: Timestamp,
) -> Result<usize, DemoError> {
    let actor = Actor::new("demo-loader");
    for (code, name) in [
        ("UA", "Ukraine"),
        ("RU", "Russian Federation"),
        ("KP", "Democratic People's Republic of Korea"),
        ("BY", "Republic of Belarus"),
        ("ICRC", "International Committee of the Red Cross"),
    ] {
        store
            .create_party(&actor, Party::new(code, name)?, now)
            .await?;
    }
    let now = now.with_nanosecond(0).unwrap_or(now);
    let mut captives = story(now)?;
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..generated {
        captives.push(generated_captive(&mut rng, now)?);
    }
    number_prisoners(&mut captives[2..], now)?;
    let count = captives.len();
    // One transaction per thousand keeps memory flat and lets the log show progress.
    let mut batch = Vec::new();
    for captive in captives {
        batch.push(captive);
        if batch.len() == 1000 {
            store
                .import_captives(&actor, std::mem::take(&mut batch), now)
                .await?;
        }
    }
    store.import_captives(&actor, batch, now).await?;
    tracing_scenario(store, now).await?;
    exchange_scenario(store, now).await?;
    notification_scenario(store, now).await?;
    Ok(count)
}

/// What the bureau has sent: the notifications for Russia dispatched once through the
/// ICRC (those for the DPRK, the story's soldiers among them, still wait), and one death
/// recorded in full with its Art. 121 enquiry open; the other deaths of the generated
/// registry wait for their records.
async fn notification_scenario(store: &SqlStore, now: Timestamp) -> Result<(), DemoError> {
    let registrar = Actor::new("demo-registrar");
    let ru = PartyCode::parse("RU").map_err(|e| repatria_core::DomainError::Invalid(vec![e]))?;
    match crate::notifications::dispatch(store, &registrar, &ru, "ICRC Central Tracing Agency", now)
        .await
    {
        Ok(_) | Err(StoreError::Conflict(_)) => {}
        Err(other) => return Err(other.into()),
    }
    let incomplete = store
        .all_captives()
        .await?
        .into_iter()
        .find(|c| c.death_incomplete());
    if let Some(captive) = incomplete {
        let died = captive
            .timeline
            .iter()
            .find(|e| e.kind == CustodyEventKind::Died)
            .map(|e| e.at)
            .unwrap_or(now);
        let death = repatria_core::NewDeath {
            died_at: Some(died),
            place: Some("Camp infirmary (fictional)".into()),
            cause: Some("Cause under enquiry (fictional)".into()),
            circumstances: Some("Found unconscious in the barracks (fictional).".into()),
            certified_by: Some("Camp doctor (fictional)".into()),
            burial: Some(repatria_core::Burial {
                buried_at: Some(died + Duration::days(2)),
                place: Some("Near the camp (fictional)".into()),
                cemetery: Some("Cemetery of the camp (fictional)".into()),
                grave: Some("Row 1, grave 3".into()),
                marking: Some("Wooden cross with name and prisoner number".into()),
            }),
            enquiry_required: true,
        };
        store
            .change_captive(
                &Actor::new("demo-medical"),
                captive.id,
                repatria_store::CaptiveChange::RecordDeath(Box::new(death), EventId(id())),
                now,
            )
            .await?;
    }
    Ok(())
}

/// Two exchanges as they stand in the middle of the work: one agreed and at the
/// crossing (the two Korean soldiers and seven Russians for eight Ukrainians, a few
/// persons decided, one withdrawn), and one still negotiating with two proposals.
async fn exchange_scenario(store: &SqlStore, now: Timestamp) -> Result<(), DemoError> {
    use crate::exchanges::{self, ProposalInput};
    use repatria_exchange::record::{
        Checks, HandoverRequest, NewExchange, Outcome, TransferRequest,
    };
    let negotiator = Actor::new("demo-negotiator");
    let delegate = Actor::new("demo-icrc-delegate");
    let failed = |e: exchanges::ExchangeAppError| DemoError::Import(e.to_string());
    let held: Vec<Captive> = store
        .all_captives()
        .await?
        .into_iter()
        .filter(crate::exchange::is_held)
        .collect();
    let of = |origin: &str, by: &str| -> Vec<&Captive> {
        held.iter()
            .filter(|c| c.power_of_origin.as_str() == origin && c.detaining_power.as_str() == by)
            .filter(|c| !exchanges::refuses(c))
            .collect()
    };
    // The wounded Korean soldier goes regardless of numbers; the others count.
    let (kp, mut ru, mut ua) = (of("KP", "UA"), of("RU", "UA"), of("UA", "RU"));
    ru.retain(|c| !exchanges::seriously_wounded_or_sick(c));
    ua.retain(|c| !exchanges::seriously_wounded_or_sick(c));
    // The story's two soldiers are the first Korean records; as many Russians join
    // them as balance the Ukrainians held by Russia (at most eight).
    let wanted = ua.len().min(8);
    if wanted < 2 {
        return Ok(());
    }
    let mut moves: Vec<TransferRequest> = Vec::new();
    let mut counted = 0;
    for c in kp.iter().take(2).chain(ru.iter()) {
        if counted == wanted {
            break;
        }
        if !exchanges::seriously_wounded_or_sick(c) {
            counted += 1;
        }
        moves.push(TransferRequest::home(c));
    }
    let given_away = moves.len();
    for c in ua.iter().take(counted) {
        moves.push(TransferRequest::home(c));
    }
    let terms = repatria_exchange::Terms::default();
    let agreed = exchanges::create(
        store,
        &negotiator,
        NewExchange {
            title: "Exchange via the ICRC, January".into(),
            sides: vec![vec!["UA".into()], vec!["RU".into(), "KP".into()]],
            mediators: vec!["ICRC".into()],
            terms: terms.clone(),
        },
        now,
    )
    .await
    .map_err(failed)?;
    let id = agreed.exchange.id;
    exchanges::propose(
        store,
        &negotiator,
        id,
        party("UA"),
        ProposalInput::Transfers(moves.clone()),
        Some("Our offer through the ICRC delegation".into()),
        now,
    )
    .await
    .map_err(failed)?;
    // They leave out the last of each direction.
    let mut counter = moves.clone();
    counter.remove(given_away - 1);
    counter.pop();
    exchanges::propose(
        store,
        &negotiator,
        id,
        party("RU"),
        ProposalInput::Transfers(counter),
        Some("Their counter-proposal, as received".into()),
        now,
    )
    .await
    .map_err(failed)?;
    exchanges::agree(store, &negotiator, id, 1, now)
        .await
        .map_err(failed)?;
    let manifest = store.manifest(id, None).await?;
    let checks = |wish: bool| Checks {
        identity_verified: true,
        identity_method: Some("photo and questions".into()),
        wish_confirmed: wish,
        wish_confirmed_by: None,
        fit_to_travel: Some(true),
        effects_returned: Some(true),
    };
    let given: Vec<_> = manifest
        .iter()
        .filter(|e| e.from.as_str() == "UA")
        .collect();
    let got: Vec<_> = manifest.iter().filter(|e| e.to.as_str() == "UA").collect();
    let mut decisions = Vec::new();
    for e in given.iter().take(3) {
        decisions.push((
            e.id,
            HandoverRequest {
                outcome: Outcome::HandedOver,
                at: now - chrono::Duration::minutes(40),
                stage: Some("bus 1".into()),
                checks: checks(true),
                note: None,
            },
        ));
    }
    for e in got.iter().take(2) {
        decisions.push((
            e.id,
            HandoverRequest {
                outcome: Outcome::Received,
                at: now - chrono::Duration::minutes(35),
                stage: Some("bus 1".into()),
                checks: checks(false),
                note: None,
            },
        ));
    }
    if let Some(e) = given.get(3) {
        decisions.push((
            e.id,
            HandoverRequest {
                outcome: Outcome::Withdrawn,
                at: now - chrono::Duration::minutes(30),
                stage: Some("bus 2".into()),
                checks: Checks::default(),
                note: Some("Refused at the crossing before the ICRC delegate".into()),
            },
        ));
    }
    for (entry, request) in decisions {
        exchanges::handover(
            store,
            &delegate,
            repatria_core::Role::IcrcDelegate,
            id,
            entry,
            request,
            now,
        )
        .await
        .map_err(failed)?;
    }
    // A second exchange, still negotiating.
    let open = exchanges::create(
        store,
        &negotiator,
        NewExchange {
            title: "Exchange of the wounded, February".into(),
            sides: vec![vec!["UA".into()], vec!["RU".into()]],
            mediators: vec!["ICRC".into()],
            terms,
        },
        now,
    )
    .await
    .map_err(failed)?;
    let wounded: Vec<TransferRequest> = ru
        .iter()
        .skip(given_away)
        .take(3)
        .chain(ua.iter().skip(counted).take(3))
        .map(|c| TransferRequest::home(c))
        .collect();
    exchanges::propose(
        store,
        &negotiator,
        open.exchange.id,
        party("RU"),
        ProposalInput::Transfers(wounded),
        None,
        now,
    )
    .await
    .map_err(failed)?;
    Ok(())
}

/// Two families' enquiries and a list received from the other side, matched against the
/// registry as they would be in use: one request finds the Korean soldier under his
/// assessed name in a romanisation, one finds nobody yet, and the list's rows come out as
/// captives we hold, an open request, and someone new.
async fn tracing_scenario(store: &SqlStore, now: Timestamp) -> Result<(), DemoError> {
    use repatria_core::{Inquirer, SoughtPerson, TracingRequest, TracingRequestId};
    let tracer = Actor::new("tracer-1");
    let matching = crate::matching::Matching::default();
    let requests = [
        (
            "Ri",
            "Jong Chol",
            Some("2001"),
            "Ri Son Hui",
            "mother",
            "via ICRC delegation (fictional)",
        ),
        (
            "Вернигора",
            "Остап",
            Some("1997-06-02"),
            "Вернигора Олена",
            "mother",
            "+000 000 0001 (fictional)",
        ),
    ];
    for (family, given, born, inquirer, relation, contact) in requests {
        let request = TracingRequest::open(
            TracingRequestId(id()),
            SoughtPerson {
                name: PersonName {
                    family: Some(family.into()),
                    given: Some(given.into()),
                    patronymic: None,
                },
                date_of_birth: born.and_then(|b| PartialDate::parse(b).ok()),
                ..SoughtPerson::default()
            },
            Inquirer {
                name: inquirer.into(),
                relation: relation.into(),
                contact: contact.into(),
            },
            true,
            "tracer-1",
            now,
        );
        store
            .create_tracing_request(&tracer, request.clone(), now)
            .await?;
        matching
            .request_changed(store, &tracer, &request, now)
            .await?;
    }
    let list = "№,Фамилия,Имя,Отчество,Дата рождения\n\
                1,Кимов,Алексей,Петрович,14.03.1999\n\
                2,Пэк,Кван Нам,,2005\n\
                3,Вернигора,Остап,,02.06.1997\n\
                4,Сидоренко,Павел,Игоревич,1988\n\
                5,Загорулько,Мирослав,,1979\n";
    let input = crate::imports::ImportInput {
        exchange: None,
        file_name: "list-from-RU.csv".into(),
        bytes: list.as_bytes().to_vec().into(),
        format: None,
        kind: repatria_core::ImportKind::List,
        source: Some(party("RU")),
        overrides: Vec::new(),
        consent_to_matching: false,
    };
    crate::imports::import(store, &matching, &tracer, input, now, &|_, _| {})
        .await
        .map_err(|e| DemoError::Import(e.to_string()))?;
    Ok(())
}

fn party(code: &str) -> PartyCode {
    PartyCode::parse(code).expect("demo party codes are valid")
}

#[allow(clippy::too_many_arguments)]
fn claim(
    source: ClaimSource,
    family: &str,
    given: &str,
    patronymic: Option<&str>,
    date_of_birth: Option<PartialDate>,
    confidence: f64,
    at: Timestamp,
    by: &str,
) -> IdentityClaim {
    let name = PersonName {
        family: Some(family.into()),
        given: Some(given.into()),
        patronymic: patronymic.map(String::from),
    };
    IdentityClaim {
        date_of_birth,
        confidence,
        ..IdentityClaim::new(ClaimId(id()), source, name, at, by)
    }
}

fn event(
    kind: CustodyEventKind,
    at: Timestamp,
    place: &str,
    facility: FacilityKind,
    by: &str,
) -> CustodyEvent {
    CustodyEvent {
        id: EventId(id()),
        kind,
        at,
        place: Some(place.into()),
        facility: Some(facility),
        note: None,
        recorded_by: by.into(),
    }
}

/// Custody events (kind, time, place, facility, recorded by) added in turn.
fn add_events(
    captive: &mut Captive,
    events: &[(CustodyEventKind, Timestamp, &str, FacilityKind, &str)],
    now: Timestamp,
) -> Result<(), DemoError> {
    for &(kind, at, place, facility, by) in events {
        captive.add_custody_event(event(kind, at, place, facility, by), now)?;
    }
    Ok(())
}

fn health(category: HealthCategory, eligible: bool, at: Timestamp, note: &str) -> HealthRecord {
    HealthRecord {
        category,
        eligible_for_direct_repatriation: eligible,
        note: Some(note.into()).filter(|n: &String| !n.is_empty()),
        assessed_at: at,
        recorded_by: "medical-officer-1".into(),
    }
}

/// The two soldiers of the story (README, "Try it").
fn story(now: Timestamp) -> Result<Vec<Captive>, DemoError> {
    let day = |n: i64| now - Duration::days(n);
    let capture = |at| CaptureReport {
        captured_at: at,
        place: "Border region, Sector North-1".into(),
        coordinates: Some(repatria_core::Coordinates {
            latitude: 51.62,
            longitude: 34.95,
        }),
        capturing_unit: Some("Special operations unit 7 (fictional)".into()),
        condition: Some("wounded, unable to walk unaided".into()),
    };

    // The first carries a military ID of the other army under a name and birthplace
    // that are not his own.
    let mut papers = claim(
        ClaimSource::DocumentFound,
        "Кимов",
        "Алексей",
        Some("Петрович"),
        PartialDate::parse("1999-03-14").ok(),
        0.2,
        day(40),
        "registrar-1",
    );
    papers.place_of_birth = Some("Тыва, Российская Федерация".into());
    papers.nationality = Some("RU".into());
    papers.document = Some(Document {
        kind: Some("military_id".into()),
        number: Some("АА 0000001".into()),
        issuer: Some("Military commissariat (fictional)".into()),
    });
    papers.document_not_bearers = true;
    papers.note = Some("Photo does not match; bearer does not understand Russian".into());
    let mut assessed = claim(
        ClaimSource::InvestigatorAssessment,
        "리",
        "정철",
        None,
        PartialDate::parse("2001").ok(),
        0.7,
        day(30),
        "investigator-1",
    );
    assessed.nationality = Some("KP".into());
    assessed.rank = Some("private".into());
    assessed.unit = Some("Unit under investigation".into());
    let assessed_index = 1;
    let mut first = Captive::open(
        CaptiveId(id()),
        NewCaptive {
            power_of_origin: party("KP"),
            detaining_power: party("UA"),
            capture: capture(day(41)),
            claims: vec![papers, assessed],
            assessed_claim: Some(assessed_index),
            languages: vec!["ko".into()],
            interpreter_required: true,
            health: Some(health(
                HealthCategory::SeriouslyWounded,
                false,
                day(41),
                "Jaw and leg wounds",
            )),
        },
        EventId(id()),
        "registrar-1",
        now,
    )?;

    // The second carries no papers at all and gives only part of his particulars.
    let mut declared = claim(
        ClaimSource::SelfDeclared,
        "백",
        "광남",
        None,
        PartialDate::parse("2005").ok(),
        0.5,
        day(39),
        "investigator-1",
    );
    declared.refused_fields = vec!["service_number".into()];
    declared.nationality = Some("KP".into());
    let mut second = Captive::open(
        CaptiveId(id()),
        NewCaptive {
            power_of_origin: party("KP"),
            detaining_power: party("UA"),
            capture: capture(day(41)),
            claims: vec![declared],
            assessed_claim: None,
            languages: vec!["ko".into()],
            interpreter_required: true,
            health: Some(health(
                HealthCategory::SlightlyWounded,
                false,
                day(41),
                "Hand wound",
            )),
        },
        EventId(id()),
        "registrar-1",
        now,
    )?;

    for captive in [&mut first, &mut second] {
        use CustodyEventKind as K;
        use FacilityKind as F;
        let hospital = "Hospital in the capital";
        add_events(
            captive,
            &[
                (
                    K::Evacuated,
                    day(41) + Duration::hours(6),
                    "Field hospital, Sector North",
                    F::FieldHospital,
                    "registrar-1",
                ),
                (
                    K::AdmittedToHospital,
                    day(40),
                    "Regional hospital No. 2",
                    F::Hospital,
                    "registrar-1",
                ),
                (
                    K::Transferred,
                    day(33),
                    hospital,
                    F::Hospital,
                    "registrar-1",
                ),
                (
                    K::Interviewed,
                    day(30),
                    hospital,
                    F::Hospital,
                    "investigator-1",
                ),
            ],
            now,
        )?;
        captive.record_interview(
            Interview {
                id: InterviewId(id()),
                at: day(30),
                interviewer: "investigator-1".into(),
                language: "ko".into(),
                interpreter: Some("Interpreter for Korean (fictional)".into()),
                summary: Some("Restricted summary of the interview (fictional).".into()),
                recorded_by: "investigator-1".into(),
            },
            now,
        )?;
        add_events(
            captive,
            &[(
                K::VisitedByIcrc,
                day(20),
                hospital,
                F::Hospital,
                "registrar-1",
            )],
            now,
        )?;
    }
    first.record_health(
        health(
            HealthCategory::SeriouslyWounded,
            true,
            day(9),
            "Slow recovery; meets Art. 110 criteria",
        ),
        now,
    )?;
    add_events(
        &mut second,
        &[
            (
                CustodyEventKind::Discharged,
                day(25),
                "Hospital in the capital",
                FacilityKind::Hospital,
                "registrar-1",
            ),
            (
                CustodyEventKind::Transferred,
                day(24),
                "Detention site in the capital",
                FacilityKind::DetentionSite,
                "registrar-1",
            ),
        ],
        now,
    )?;
    second.record_health(health(HealthCategory::Recovered, false, day(24), ""), now)?;
    first.record_repatriation_wish(
        WishRecord {
            wish: RepatriationWish::Wishes,
            recorded_at: day(20),
            recorded_by: "registrar-1".into(),
            note: None,
        },
        now,
    );
    second.record_capture_card_sent(None, day(22), "registrar-1", now)?;

    // The particulars of Art. 122 and the capture card, taken at the hospital with the
    // interpreter. The first gives them all; the second refuses his father's name, his
    // mother's maiden name and his family's address (Art. 17), and only the number the
    // bureau gave him is recorded beside his brother's name.
    let particulars = |text: ParticularsText| {
        Particulars::new(text, day(30), "registrar-1").map_err(repatria_core::DomainError::Invalid)
    };
    let home = "Village No. 3, Kyongsong County, North Hamgyong Province (fictional)";
    first.set_particulars(
        particulars(ParticularsText {
            father_first_name: Some("명수".into()),
            mother_maiden_name: Some("김".into()),
            person_to_inform_name: Some("김 순희 (mother)".into()),
            person_to_inform_address: Some(home.into()),
            correspondence_address: Some(
                "Through the ICRC Central Tracing Agency, Geneva (fictional)".into(),
            ),
            family_address: Some(home.into()),
            prisoner_number: Some("UA-PW-000001".into()),
            refused: vec![],
        })?,
        now,
    )?;
    second.set_particulars(
        particulars(ParticularsText {
            person_to_inform_name: Some("백 영호 (brother)".into()),
            correspondence_address: Some(
                "Through the ICRC Central Tracing Agency, Geneva (fictional)".into(),
            ),
            prisoner_number: Some("UA-PW-000002".into()),
            refused: vec![
                ParticularField::FatherFirstName,
                ParticularField::MotherMaidenName,
                ParticularField::FamilyAddress,
            ],
            ..Default::default()
        })?,
        now,
    )?;
    Ok(vec![first, second])
}

/// Gives each generated captive the prisoner number his detaining power would have given
/// him a day after his capture (Art. 122): `UA-PW-001001` and on, per power, after the
/// story's numbers. Drawn from no random source, so that the generated registry stays
/// what the seed makes it.
fn number_prisoners(captives: &mut [Captive], now: Timestamp) -> Result<(), DemoError> {
    let mut next = std::collections::BTreeMap::new();
    for captive in captives {
        let power = captive.detaining_power.to_string();
        let n = next.entry(power.clone()).or_insert(1000_u32);
        *n += 1;
        let text = ParticularsText {
            prisoner_number: Some(format!("{power}-PW-{n:06}")),
            ..Default::default()
        };
        let recorded_at = (captive.capture.captured_at + Duration::days(1)).min(now);
        let particulars = Particulars::new(text, recorded_at, "registrar-1")
            .map_err(repatria_core::DomainError::Invalid)?;
        captive.set_particulars(particulars, now)?;
    }
    Ok(())
}

/// One generated captive with a plausible record.
fn generated_captive(rng: &mut StdRng, now: Timestamp) -> Result<Captive, DemoError> {
    use CustodyEventKind as K;
    use FacilityKind as F;
    let roll: f64 = rng.gen();
    let (origin, detaining, language) = if roll < 0.45 {
        ("RU", "UA", "ru")
    } else if roll < 0.6 {
        ("KP", "UA", "ko")
    } else if roll < 0.97 {
        ("UA", "RU", "uk")
    } else {
        ("BY", "UA", "ru")
    };
    let date_of_birth = {
        let year = rng.gen_range(1970..=2006);
        let precision: f64 = rng.gen();
        if precision < 0.1 {
            PartialDate::year_only(year)
        } else if precision < 0.25 {
            PartialDate::year_month(year, rng.gen_range(1..=12))
        } else {
            PartialDate::full(year, rng.gen_range(1..=12), rng.gen_range(1..=28))
        }
        .ok()
    };
    let captured_at = now - Duration::minutes(rng.gen_range(60 * 24 * 3..60 * 24 * 720));
    let recorder = "registrar-1";
    let mut claims = Vec::new();
    match origin {
        "KP" => {
            let (family, family_latin) = *pick(rng, KO_FAMILY);
            let (given, given_latin) = *pick(rng, KO_GIVEN);
            claims.push(claim(
                ClaimSource::SelfDeclared,
                family,
                given,
                None,
                date_of_birth,
                0.6,
                captured_at,
                recorder,
            ));
            if rng.gen_bool(0.3) {
                claims.push(claim(
                    ClaimSource::OtherPartyList,
                    family_latin,
                    given_latin,
                    None,
                    date_of_birth,
                    0.5,
                    captured_at,
                    recorder,
                ));
            }
        }
        "UA" => {
            let family = *pick(rng, UA_FAMILY);
            let (given, _) = *pick(rng, UA_GIVEN);
            let (_, patronymic) = *pick(rng, UA_GIVEN);
            claims.push(claim(
                ClaimSource::OtherPartyList,
                family,
                given,
                Some(patronymic),
                date_of_birth,
                0.7,
                captured_at,
                recorder,
            ));
        }
        _ => {
            let family = *pick(rng, RU_FAMILY);
            let (given, _) = *pick(rng, RU_GIVEN);
            let (_, patronymic) = *pick(rng, RU_GIVEN);
            let source = if rng.gen_bool(0.6) {
                ClaimSource::DocumentFound
            } else {
                ClaimSource::SelfDeclared
            };
            claims.push(claim(
                source,
                family,
                given,
                Some(patronymic),
                date_of_birth,
                0.8,
                captured_at,
                recorder,
            ));
        }
    }
    for c in &mut claims {
        c.rank = Some(pick(rng, RANKS).to_string());
        c.service_number = Some(format!("{}-{:06}", origin, rng.gen_range(0..1_000_000)));
        c.unit = Some(format!("Unit {} (fictional)", rng.gen_range(100..999)));
        c.nationality = Some(origin.to_string());
    }
    let wounded = rng.gen_bool(0.3);
    let initial_health = if wounded {
        *pick(
            rng,
            &[
                HealthCategory::SlightlyWounded,
                HealthCategory::SlightlyWounded,
                HealthCategory::SeriouslyWounded,
            ],
        )
    } else {
        *pick(
            rng,
            &[
                HealthCategory::GoodHealth,
                HealthCategory::NotWounded,
                HealthCategory::Sick,
            ],
        )
    };
    let mut captive = Captive::open(
        CaptiveId(id()),
        NewCaptive {
            power_of_origin: party(origin),
            detaining_power: party(detaining),
            capture: CaptureReport {
                captured_at,
                place: pick(rng, PLACES).to_string(),
                coordinates: None,
                capturing_unit: Some(format!("Unit {} (fictional)", rng.gen_range(100..999))),
                condition: Some(if wounded { "wounded" } else { "unhurt" }.into()),
            },
            claims,
            assessed_claim: None,
            languages: vec![language.into()],
            interpreter_required: origin == "KP" && rng.gen_bool(0.9),
            health: Some(health(initial_health, false, captured_at, "")),
        },
        EventId(id()),
        recorder,
        now,
    )?;

    // Walk a plausible timeline forward from the capture, never past now.
    let mut at = captured_at;
    let mut step = |rng: &mut StdRng, hours: std::ops::Range<i64>| {
        at += Duration::hours(rng.gen_range(hours));
        (at < now).then_some(at)
    };
    let add = |captive: &mut Captive,
               kind,
               when: Option<Timestamp>,
               place: &str,
               facility|
     -> Result<bool, DemoError> {
        match when {
            Some(when) => {
                captive.add_custody_event(event(kind, when, place, facility, recorder), now)?;
                Ok(true)
            }
            None => Ok(false),
        }
    };
    let camp = format!("Camp {} (fictional)", rng.gen_range(1..9));
    'timeline: {
        if wounded {
            if !add(
                &mut captive,
                K::AdmittedToHospital,
                step(rng, 2..24),
                "Military hospital (fictional)",
                F::Hospital,
            )? {
                break 'timeline;
            }
            if initial_health == HealthCategory::SeriouslyWounded && rng.gen_bool(0.4) {
                break 'timeline; // still in hospital
            }
            if !add(
                &mut captive,
                K::Discharged,
                step(rng, 72..600),
                "Military hospital (fictional)",
                F::Hospital,
            )? {
                break 'timeline;
            }
        } else if !add(
            &mut captive,
            K::Evacuated,
            step(rng, 2..48),
            "Transit point (fictional)",
            F::TransitCamp,
        )? {
            break 'timeline;
        }
        let arrival = step(rng, 12..96);
        if !add(&mut captive, K::Transferred, arrival, &camp, F::Camp)? {
            break 'timeline;
        }
        if let Some(arrived) = arrival {
            if rng.gen_bool(0.85) {
                let sent = arrived + Duration::hours(rng.gen_range(6..150));
                if sent < now {
                    captive.record_capture_card_sent(None, sent, "registrar-1", now)?;
                }
            }
        }
        if rng.gen_bool(0.5)
            && !add(
                &mut captive,
                K::VisitedByIcrc,
                step(rng, 200..2000),
                &camp,
                F::Camp,
            )?
        {
            break 'timeline;
        }
        let fate: f64 = rng.gen();
        let (kind, place, facility) = if fate < 0.08 {
            (K::Repatriated, "Exchange crossing (fictional)", F::Crossing)
        } else if fate < 0.09 {
            (K::Died, camp.as_str(), F::Camp)
        } else if fate < 0.095 {
            (K::Escaped, camp.as_str(), F::Camp)
        } else {
            break 'timeline;
        };
        add(&mut captive, kind, step(rng, 500..5000), place, facility)?;
    }
    let wish: f64 = rng.gen();
    if wish < 0.75 {
        let recorded_at = captured_at + Duration::days(2);
        if recorded_at < now {
            let value = if wish < 0.03 {
                RepatriationWish::Refuses
            } else {
                RepatriationWish::Wishes
            };
            captive.record_repatriation_wish(
                WishRecord {
                    wish: value,
                    recorded_at,
                    recorded_by: recorder.into(),
                    note: None,
                },
                now,
            );
        }
    }
    Ok(captive)
}

/// One account per role with a fresh random password: the demo has no default password.
/// Returns `(role, user name, password)` for printing.
pub async fn accounts(
    store: &SqlStore,
    now: Timestamp,
) -> Result<Vec<(repatria_core::Role, String, String)>, DemoError> {
    use rand::distributions::{Alphanumeric, DistString};
    let mut accounts = Vec::new();
    for role in repatria_core::Role::ALL {
        let username = format!("demo-{}", role.as_str().replace('_', "-"));
        let password = Alphanumeric.sample_string(&mut rand::rngs::OsRng, 20);
        let password_hash = crate::accounts::hash_password(&password)?;
        let user = repatria_store::User {
            username: username.clone(),
            role: *role,
            password_hash,
            disabled: false,
            must_change_password: false,
        };
        store
            .create_user(&Actor::new("demo-loader"), user, now)
            .await?;
        accounts.push((*role, username, password));
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use repatria_core::CustodyStatus;

    #[test]
    fn the_generator_is_reproducible_and_varied() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..400)
                .map(|_| generated_captive(&mut rng, now).unwrap())
                .collect::<Vec<_>>()
        };
        let a = run(7);
        let b = run(7);
        let names = |v: &[Captive]| {
            v.iter()
                .map(|c| c.assessed_identity().unwrap().name.display())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        for origin in ["RU", "UA", "KP"] {
            assert!(
                a.iter()
                    .filter(|c| c.power_of_origin.as_str() == origin)
                    .count()
                    > 30,
                "few captives of {origin}"
            );
        }
        for status in [
            CustodyStatus::InCustody,
            CustodyStatus::InHospital,
            CustodyStatus::Repatriated,
        ] {
            assert!(
                a.iter().any(|c| c.status() == status),
                "no captive {status}"
            );
        }
        assert!(a.iter().all(|c| c.timeline.iter().all(|e| e.at <= now)));
    }

    #[test]
    fn the_story_has_a_disowned_document_and_a_prisoner_without_papers() {
        let now = chrono::Utc::now();
        let story = story(now).unwrap();
        let first = &story[0];
        assert!(first
            .claims
            .iter()
            .any(|c| c.document_not_bearers && c.source == ClaimSource::DocumentFound));
        assert_eq!(
            first.assessed_identity().unwrap().source,
            ClaimSource::InvestigatorAssessment
        );
        assert!(story[1].claims.iter().all(|c| c.document.is_none()));
        assert!(story.iter().all(
            |c| c.interpreter_required && c.interviews.iter().all(|i| i.interpreter.is_some())
        ));
        assert_eq!(story[0].status(), CustodyStatus::InHospital);
        assert_eq!(story[1].status(), CustodyStatus::InCustody);
    }

    #[test]
    fn every_demo_captive_has_a_prisoner_number_of_his_own_and_the_story_its_particulars() {
        let now = chrono::Utc::now();
        let mut captives = story(now).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..300 {
            captives.push(generated_captive(&mut rng, now).unwrap());
        }
        number_prisoners(&mut captives[2..], now).unwrap();
        let mut numbers = std::collections::BTreeSet::new();
        for c in &captives {
            let p = c.particulars.as_ref().expect("particulars");
            let number = p.prisoner_number.as_deref().expect("a prisoner number");
            assert!(number.starts_with(c.detaining_power.as_str()), "{number}");
            assert!(p.recorded_at <= now);
            assert!(
                numbers.insert((c.detaining_power.clone(), number.to_string())),
                "{number} twice"
            );
        }
        let first = captives[0].particulars.as_ref().unwrap();
        assert!(first.refused.is_empty() && first.person_to_inform.is_some());
        assert!(first.father_first_name.is_some() && first.family_address.is_some());
        let second = captives[1].particulars.as_ref().unwrap();
        assert!(second.refused.contains(&ParticularField::FatherFirstName));
        assert_eq!(second.father_first_name, None);
    }
}
