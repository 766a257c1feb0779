//! `repatria plan` as scripts call it (docs/cli.md, docs/exchange.md).

use std::path::PathBuf;
use std::process::Output;

use crate::support::{assert_success, repatria};

const SCENARIO: &str = r#"{
  "parties": [
    { "id": "UA", "name": "Ukraine" },
    { "id": "RU", "name": "Russian Federation" },
    { "id": "KP", "name": "Democratic People's Republic of Korea" }
  ],
  "sides": [["UA"], ["RU", "KP"]],
  "prisoners": [
    { "id": "kp-1", "held_by": "UA", "belongs_to": "KP", "rank": "private", "captured_on": "2025-01-09" },
    { "id": "ua-1", "held_by": "RU", "belongs_to": "UA", "rank": "private", "captured_on": "2024-03-01" },
    { "id": "ua-2", "held_by": "RU", "belongs_to": "UA", "rank": "nco", "captured_on": "2025-05-01" },
    { "id": "ua-3", "held_by": "RU", "belongs_to": "UA", "seriously_wounded_or_sick": true, "captured_on": "2025-05-01" },
    { "id": "ua-4", "held_by": "RU", "belongs_to": "UA", "refuses_repatriation": true, "captured_on": "2025-05-01" }
  ],
  "terms": { "balance": "count", "tolerance": 0, "max_total": 1000, "as_of": "2026-11-27" }
}"#;

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("repatria-plan-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn plan(dir: &std::path::Path, scenario: &str, extra: &[&str]) -> Output {
    let scenario_path = dir.join("scenario.json");
    std::fs::write(&scenario_path, scenario).unwrap();
    repatria()
        .arg("plan")
        .arg("--scenario")
        .arg(&scenario_path)
        .arg("--out")
        .arg(dir.join("plan.json"))
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn plan_writes_the_plan_and_explains_it() {
    let dir = workdir("ok");
    let output = plan(&dir, SCENARIO, &["--explain"]);
    assert_success(&output);
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["optimal"], true);
    assert_eq!(plan["objective"]["demanded"], 0);
    assert_eq!(plan["objective"]["value"], 2);
    let moved: Vec<&str> = plan["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["prisoner"].as_str().unwrap())
        .collect();
    assert_eq!(moved, ["kp-1", "ua-1", "ua-3"]);
    assert_eq!(plan["not_moved"][0]["prisoner"], "ua-2");
    assert_eq!(plan["not_moved"][0]["reason"], "balance");
    assert_eq!(plan["not_moved"][1]["reason"], "refuses_repatriation");
    let summary = String::from_utf8(output.stdout).unwrap();
    assert!(
        summary.contains("[RU, KP]: gives 1, receives 1"),
        "{summary}"
    );
    assert!(
        summary.contains("refuses repatriation (GC III Art. 109): ua-4"),
        "{summary}"
    );
}

#[test]
fn a_bad_scenario_is_refused_with_one_line_naming_the_field_and_no_output() {
    let cases = [
        (
            SCENARIO.replace(
                r#""held_by": "RU", "belongs_to": "UA", "rank": "nco""#,
                r#""held_by": "XX", "belongs_to": "UA", "rank": "nco""#,
            ),
            "prisoners[2].held_by: unknown party \"XX\"",
        ),
        (
            SCENARIO.replace("ua-2", "ua-1"),
            "prisoners[2].id: duplicate prisoner id \"ua-1\"",
        ),
        (
            SCENARIO.replace("2025-01-09", "2025-13-09"),
            "prisoners[0].captured_on",
        ),
        (
            SCENARIO.replace(r#"["RU", "KP"]"#, r#"["RU", "KP", "UA"]"#),
            "sides[1]: party \"UA\" is on two sides",
        ),
        (
            SCENARIO.replace(r#""tolerance": 0"#, r#""tolerance": "none""#),
            "terms.tolerance",
        ),
        ("{ not json".to_string(), "scenario"),
    ];
    for (i, (scenario, needle)) in cases.iter().enumerate() {
        let dir = workdir(&format!("bad-{i}"));
        let output = plan(&dir, scenario, &[]);
        assert!(!output.status.success(), "case {i} succeeded");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "case {i}: {stderr}");
        assert!(stderr.contains(needle), "case {i}: {stderr}");
        assert!(!stderr.contains("panicked"), "case {i}: {stderr}");
        assert!(!dir.join("plan.json").exists(), "case {i} wrote output");
    }
}

#[test]
fn a_missing_scenario_file_is_an_error_not_a_panic() {
    let dir = workdir("missing");
    let output = repatria()
        .args(["plan", "--scenario"])
        .arg(dir.join("nope.json"))
        .arg("--out")
        .arg(dir.join("plan.json"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read scenario"));
}
