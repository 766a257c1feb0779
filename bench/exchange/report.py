"""Turns the JSON lines of run.sh into the markdown table of bench/RESULTS.md (section "Exchange planner").

Usage: python3 report.py results.jsonl
"""

import json
import os
import sys


def main():
    ours, highs = {}, {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            key = os.path.basename(row["scenario"])
            (highs if "build_and_solve_seconds" in row else ours)[key] = row

    print("| scenario | prisoners | parties / sides | planner (median) | optimal | HiGHS per-prisoner (build + solve) | HiGHS status | ratio | objectives equal |")
    print("| --- | ---: | --- | ---: | --- | ---: | --- | ---: | --- |")
    for key, row in ours.items():
        name = key[:-5]
        planner = row["plan_seconds_median"]
        h = highs.get(key)
        if h:
            highs_time = f"{h['build_and_solve_seconds']:.3f} s"
            status = "/".join(sorted(set(h["statuses"])))
            speedup = h["build_and_solve_seconds"] / planner
            ratio = f"{speedup:.0f}×" if speedup >= 10 else f"{speedup:.2g}×"
            equal = "yes" if h["objective"] == row["objective"] else f"NO: {h['objective']} vs {row['objective']}"
        else:
            highs_time, status, ratio, equal = "not run", "", "", ""
        print(
            f"| {name} | {row['prisoners']:,} | {row['parties']} / {row['sides']} | {planner:.4f} s | "
            f"{'yes' if row['optimal'] else 'no'} | {highs_time} | {status} | {ratio} | {equal} |"
        )


if __name__ == "__main__":
    main()
