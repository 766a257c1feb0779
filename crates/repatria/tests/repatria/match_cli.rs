//! `repatria match`, `dedupe` and `compare` run as a user would, on small CSV files.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{assert_success, repatria};

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// `repatria match` of two files into `out`, with `extra` arguments.
fn match_files(left: &Path, right: &Path, out: &Path, extra: &[&str]) -> Output {
    run_on("match", &[("--left", left), ("--right", right)], out, extra)
}

/// `repatria dedupe` of a file into `out`, with `extra` arguments.
fn dedupe(input: &Path, out: &Path, extra: &[&str]) -> Output {
    run_on("dedupe", &[("--input", input)], out, extra)
}

/// `repatria compare` of a file of pairs into `out`, with `extra` arguments.
fn compare(input: &Path, out: &Path, extra: &[&str]) -> Output {
    run_on("compare", &[("--input", input)], out, extra)
}

fn run_on(command: &str, inputs: &[(&str, &Path)], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![command];
    for (flag, path) in inputs {
        args.extend([*flag, path.to_str().unwrap()]);
    }
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(extra);
    repatria().args(&args).output().unwrap()
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let mut rows = vec![reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect()];
    for row in reader.records() {
        rows.push(row.unwrap().iter().map(str::to_owned).collect());
    }
    rows
}

const LEFT: &str = "\
id,family_name,given_name,patronymic,date_of_birth,sex
L1,Шевченко,Олександр,Петрович,1994-03-17,m
L2,Бондаренко,Микола,,1987-11-02,m
L3,박,철수,,1991-07-08,m
";

const RIGHT: &str = "\
id,full_name,date_of_birth,sex,notes
R1,Aleksandr Petrovich Shevchenko,1994-03-17,m,from the list of 3 March
R2,\"Pak Chol Su\",1991,m,
R3,Melnyk Iryna,1992-08-09,f,
";

#[test]
fn match_links_records_across_scripts() {
    let ws = Workspace::new();
    let (left, right, out) = (
        ws.file("a.csv", LEFT),
        ws.file("b.csv", RIGHT),
        ws.path("links.csv"),
    );
    let output = match_files(&left, &right, &out, &[]);
    assert_success(&output);
    let rows = csv_rows(&out);
    assert_eq!(rows[0], ["left_id", "right_id", "score"]);
    let pairs: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert!(pairs.contains(&("L1", "R1")), "{rows:?}");
    assert!(!pairs.iter().any(|(_, r)| *r == "R3"), "{rows:?}");
    for row in &rows[1..] {
        let score: f64 = row[2].parse().unwrap();
        assert!((0.5..=1.0).contains(&score), "{row:?}");
    }
}

#[test]
fn match_with_explain_and_a_low_threshold() {
    let ws = Workspace::new();
    let (left, right, out) = (
        ws.file("a.csv", LEFT),
        ws.file("b.csv", RIGHT),
        ws.path("links.csv"),
    );
    let output = match_files(&left, &right, &out, &["--threshold", "0.01", "--explain"]);
    assert_success(&output);
    let rows = csv_rows(&out);
    assert_eq!(rows[0], ["left_id", "right_id", "score", "explanation"]);
    let korean = rows
        .iter()
        .find(|r| r[0] == "L3")
        .expect("the Korean pair is linked at 0.01");
    assert_eq!(korean[1], "R2");
    assert!(korean[3].contains("family_name exact"), "{korean:?}");
    assert!(
        korean[3].contains("date_of_birth compatible partial date"),
        "{korean:?}"
    );
}

#[test]
fn dedupe_writes_one_cluster_per_record() {
    let ws = Workspace::new();
    let input = ws.file(
        "list.csv",
        "id,full_name,date_of_birth,sex\n\
         1,Шевченко Олександр,1994-03-17,m\n\
         2,Oleksandr Shevchenko,1994-03-17,m\n\
         3,Alexander Schewtschenko,1994-03-17,m\n\
         4,Бондаренко Микола,1987-11-02,m\n\
         5,Shevchenko Oleksandr,1961-05-30,m\n",
    );
    let out = ws.path("clusters.csv");
    let output = dedupe(&input, &out, &[]);
    assert_success(&output);
    assert_eq!(text(&out), "id,cluster_id\n1,1\n2,1\n3,1\n4,4\n5,5\n");
}

#[test]
fn compare_scores_pairs_like_match() {
    let ws = Workspace::new();
    let input = ws.file(
        "pairs.csv",
        "pair_id,left_family_name,left_given_name,left_date_of_birth,right_full_name,right_date_of_birth\n\
         p1,Шевченко,Олександр,1994-03-17,Aleksandr Shevchenko,1994-03-17\n\
         p2,Kim,Jong-un,1984-01-08,Kim Jong Il,1984-01-08\n",
    );
    let out = ws.path("scored.csv");
    let output = compare(&input, &out, &["--explain"]);
    assert_success(&output);
    let rows = csv_rows(&out);
    assert_eq!(rows[0], ["pair_id", "score", "explanation"]);
    let p1: f64 = rows[1][1].parse().unwrap();
    let p2: f64 = rows[2][1].parse().unwrap();
    assert!(p1 > 0.99 && p2 < 0.5, "{rows:?}");
    assert!(rows[2][2].contains("given_name different"), "{rows:?}");

    // The same pair through `match` gets the same score.
    let left = ws.file(
        "l.csv",
        "id,family_name,given_name,date_of_birth\nL,Шевченко,Олександр,1994-03-17\n",
    );
    let right = ws.file(
        "r.csv",
        "id,full_name,date_of_birth\nR,Aleksandr Shevchenko,1994-03-17\n",
    );
    let links = ws.path("links.csv");
    let output = match_files(&left, &right, &links, &[]);
    assert_success(&output);
    assert_eq!(csv_rows(&links)[1][2], rows[1][1]);
}

#[test]
fn bad_rows_are_reported_with_line_and_reason_and_nothing_is_written() {
    let ws = Workspace::new();
    let input = ws.file(
        "list.csv",
        "id,full_name,date_of_birth,sex\n\
         1,Шевченко Олександр,1994-03-17,m\n\
         2,Oleksandr Shevchenko,17.03.1994,m\n\
         ,Бондаренко Микола,1987,m\n\
         1,Pak Chol Su,1991,x\n",
    );
    let out = ws.path("clusters.csv");
    let output = dedupe(&input, &out, &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("list.csv:3: bad date of birth \"17.03.1994\""),
        "{stderr}"
    );
    assert!(stderr.contains("list.csv:4: missing id"), "{stderr}");
    assert!(
        stderr.contains("list.csv:5: duplicate id \"1\""),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn compare_reports_a_bad_side_and_match_a_missing_id_column() {
    let ws = Workspace::new();
    let input = ws.file(
        "pairs.csv",
        "pair_id,left_full_name,right_full_name,right_sex\np1,A B,C D,q\n",
    );
    let out = ws.path("scored.csv");
    let output = compare(&input, &out, &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("pairs.csv:2: right: bad sex"));
    assert!(!out.exists());

    let left = ws.file("l.csv", "name\nx\n");
    let output = match_files(&left, &left, &out, &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing column id"));
    assert!(!out.exists());
}

#[test]
fn a_missing_file_and_a_bad_threshold_fail_cleanly() {
    let ws = Workspace::new();
    let out = ws.path("x.csv");
    let missing = ws.path("missing.csv");
    let output = dedupe(&missing, &out, &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.csv"));
    let input = ws.file("a.csv", LEFT);
    let output = dedupe(&input, &out, &["--threshold", "1.5"]);
    assert!(!output.status.success());
    assert!(!out.exists());
}

#[test]
fn trained_dedupe_runs_on_a_list() {
    let ws = Workspace::new();
    let mut content = String::from("id,family_name,given_name,date_of_birth\n");
    let families = ["Шевченко", "Бондаренко", "Ткаченко", "Мельник", "Коваль"];
    let givens = ["Олександр", "Микола", "Андрій", "Дмитро", "Іван"];
    for i in 0..200 {
        let (f, g) = (families[i % 5], givens[(i / 5) % 5]);
        content.push_str(&format!(
            "{i},{f},{g},{}-{:02}-{:02}\n",
            1950 + i % 50,
            1 + i % 12,
            1 + i % 28
        ));
    }
    content.push_str("dup,Shevchenko,Oleksandr,1950-01-01\n");
    let input = ws.file("list.csv", &content);
    let out = ws.path("clusters.csv");
    let output = dedupe(&input, &out, &["--train"]);
    assert_success(&output);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 202);
    assert_eq!(rows[201], ["dup", "0"]);
}
