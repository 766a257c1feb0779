"""Per-prisoner baseline for the exchange planner: one binary variable per prisoner, solved by
HiGHS (highspy), the three objective levels in turn (each fixing the optimum of the previous one),
exactly as docs/exchange.md states them.

Usage: python highs_baseline.py SCENARIO.json [--time-limit SECONDS]
Prints one JSON line: load, build and solve times and the objective.
"""

import datetime
import json
import sys
import time

import highspy
import numpy as np


def main():
    path = sys.argv[1]
    time_limit = float(sys.argv[sys.argv.index("--time-limit") + 1]) if "--time-limit" in sys.argv else 3600.0

    started = time.perf_counter()
    with open(path, encoding="utf-8") as f:
        scenario = json.load(f)
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    terms = scenario.get("terms", {})
    by_value = terms.get("balance", "count") == "value"
    values = terms.get("values", {})
    tolerance = terms.get("tolerance", 0)
    max_total = terms.get("max_total")
    as_of = datetime.date.fromisoformat(terms["as_of"])
    side_of = {party: s for s, side in enumerate(scenario["sides"]) for party in side}
    sides = len(scenario["sides"])

    holder, origin, worth, demanded, days = [], [], [], [], []
    date_cache = {}
    for p in scenario["prisoners"]:
        h = side_of.get(p["held_by"])
        o = side_of.get(p["belongs_to"])
        if h is None or o is None or h == o:
            continue
        if p.get("refuses_repatriation") or p.get("seriously_wounded_or_sick") or p.get("held_for_proceedings"):
            continue
        captured = p["captured_on"]
        d = date_cache.get(captured)
        if d is None:
            d = date_cache[captured] = (as_of - datetime.date.fromisoformat(captured)).days
        holder.append(h)
        origin.append(o)
        worth.append(values.get(p.get("rank"), 1) if by_value else 1)
        demanded.append(1.0 if p.get("demanded") else 0.0)
        days.append(d)
    n = len(holder)
    holder = np.array(holder, dtype=np.int32)
    origin = np.array(origin, dtype=np.int32)
    worth = np.array(worth, dtype=np.float64)
    demanded = np.array(demanded, dtype=np.float64)
    days = np.array(days, dtype=np.float64)

    # Rows: one balance row per side, then the cap. Column j has +value in its holder's row,
    # -value in its origin's row and 1 in the cap row.
    capped = max_total is not None
    per_col = 3 if capped else 2
    start = np.arange(0, per_col * n + 1, per_col, dtype=np.int32)
    index = np.empty(per_col * n, dtype=np.int32)
    value = np.empty(per_col * n, dtype=np.float64)
    index[0::per_col] = holder
    value[0::per_col] = worth
    index[1::per_col] = origin
    value[1::per_col] = -worth
    if capped:
        index[2::per_col] = sides
        value[2::per_col] = 1.0
    rows = sides + (1 if capped else 0)
    row_lower = np.full(rows, -float(tolerance))
    row_upper = np.full(rows, float(tolerance))
    if capped:
        row_lower[sides] = 0.0
        row_upper[sides] = float(max_total)

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = rows
    lp.col_cost_ = demanded
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = rows
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    lp.sense_ = highspy.ObjSense.kMaximize

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("time_limit", time_limit)
    highs.setOptionValue("threads", 1)
    highs.passModel(lp)
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    all_columns = np.arange(n, dtype=np.int32)
    objective = []
    statuses = []
    for level, weights in enumerate((demanded, worth, days)):
        if level > 0:
            previous = (demanded, worth)[level - 1]
            # Keep the previous level at its optimum (integer, so half a unit of slack is exact).
            highs.addRow(objective[-1] - 0.5, highspy.kHighsInf, n, all_columns, previous)
            highs.changeColsCost(n, all_columns, weights)
        if n:
            highs.run()
            statuses.append(highs.modelStatusToString(highs.getModelStatus()))
            x = np.round(np.array(highs.getSolution().col_value))
        else:
            statuses.append("Empty")
            x = np.zeros(0)
        objective.append(float(np.dot(weights, x)))
    solve_seconds = time.perf_counter() - started

    print(json.dumps({
        "scenario": path,
        "candidates": n,
        "load_seconds": load_seconds,
        "build_seconds": build_seconds,
        "solve_seconds": solve_seconds,
        "build_and_solve_seconds": build_seconds + solve_seconds,
        "statuses": statuses,
        "objective": [int(round(v)) for v in objective],
        "highspy": highspy.__version__ if hasattr(highspy, "__version__") else "unknown",
    }))


if __name__ == "__main__":
    main()
