"""Splink 5 (DuckDB backend, 2 threads) on the lists of the matching benchmark.

The closest equivalent of `repatria dedupe` / `repatria match`: names are transliterated
to Latin with `unidecode` first (Splink has no notion of scripts), then compared with
Splink's NameComparison (Jaro-Winkler levels) with term-frequency adjustments; dates
of birth with DateOfBirthComparison plus an exact birth-year level for partial dates;
sex exactly. Blocking: both names (either order), family name + birth year, given
name + date of birth. Training: u from random sampling, m by EM, no labels.

Writes the same CSV as repatria (`id,cluster_id` or `left_id,right_id,score`), so that
`repatria-bench-matching evaluate-*` scores both the same way.

    python splink_run.py dedupe LIST.csv OUT.csv
    python splink_run.py link LEFT.csv RIGHT.csv OUT.csv
"""

import csv
import sys

import duckdb
from unidecode import unidecode

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

THRESHOLD = 0.5


def latin(text):
    if not text:
        return None
    folded = "".join(c for c in unidecode(text).lower() if c.isalpha())
    return folded or None


def load(con, path, name):
    # Transliterate in Python (part of the measured time), then let DuckDB read it.
    prepared = f"{path}.{name}.latin.csv"
    with open(path, encoding="utf-8", newline="") as source, open(
        prepared, "w", encoding="utf-8", newline=""
    ) as target:
        reader = csv.DictReader(source)
        writer = csv.writer(target)
        writer.writerow(["unique_id", "family_latin", "given_latin", "patronymic_latin", "date_of_birth", "sex"])
        for row in reader:
            writer.writerow(
                [
                    row["id"],
                    latin(row.get("family_name")),
                    latin(row.get("given_name")),
                    latin(row.get("patronymic")),
                    row.get("date_of_birth") or None,
                    row.get("sex") or None,
                ]
            )
    con.execute(
        f"""
        CREATE TABLE {name} AS
        SELECT
            unique_id,
            family_latin,
            given_latin,
            patronymic_latin,
            CASE WHEN length(date_of_birth) = 10 THEN date_of_birth END AS dob,
            substr(date_of_birth, 1, 4) AS birth_year,
            sex
        FROM read_csv('{prepared}', header = true, all_varchar = true)
        """
    )


def settings(link_type):
    return SettingsCreator(
        link_type=link_type,
        comparisons=[
            cl.NameComparison("family_latin").configure(term_frequency_adjustments=True),
            cl.NameComparison("given_latin").configure(term_frequency_adjustments=True),
            cl.NameComparison("patronymic_latin"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("birth_year"),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("family_latin", "given_latin"),
            "l.family_latin = r.given_latin and l.given_latin = r.family_latin",
            block_on("family_latin", "birth_year"),
            block_on("given_latin", "dob"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def train(linker):
    linker.training.estimate_probability_two_random_records_match(
        [block_on("family_latin", "given_latin", "dob")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=42)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("family_latin", "given_latin")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))


def main():
    mode = sys.argv[1]
    con = duckdb.connect()
    con.execute("SET threads = 2")
    db_api = DuckDBAPI(con)
    if mode == "dedupe":
        _, _, path, out = sys.argv
        load(con, path, "records")
        linker = Linker(db_api.register("records"), settings("dedupe_only"))
        train(linker)
        predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=THRESHOLD
        )
        con.execute(
            f"COPY (SELECT unique_id AS id, cluster_id FROM {clusters.physical_name}) "
            f"TO '{out}' (HEADER, DELIMITER ',')"
        )
    elif mode == "link":
        _, _, left, right, out = sys.argv
        load(con, left, "left_records")
        load(con, right, "right_records")
        linker = Linker(
            [db_api.register("left_records"), db_api.register("right_records")],
            settings("link_only"),
        )
        train(linker)
        predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
        con.execute(
            f"""COPY (
                SELECT
                    CASE WHEN source_dataset_l < source_dataset_r THEN unique_id_l ELSE unique_id_r END AS left_id,
                    CASE WHEN source_dataset_l < source_dataset_r THEN unique_id_r ELSE unique_id_l END AS right_id,
                    match_probability AS score
                FROM {predictions.physical_name}
            ) TO '{out}' (HEADER, DELIMITER ',')"""
        )
    else:
        sys.exit("usage: splink_run.py dedupe LIST OUT | link LEFT RIGHT OUT")


if __name__ == "__main__":
    main()
