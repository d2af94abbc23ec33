#!/usr/bin/env python3
"""Turns the benchmark programs' output into Markdown tables, CSV, JSON and charts.

    bench_report.py [--out-dir DIR] [--docs-dir DIR] [--command CMD] [--machine TEXT] FILE...

FILE: google-benchmark JSON (*.json) and bench_stream JSON lines (*.jsonl);
see bench_results.py for the formats and how rounds are reduced. Prints one
table per experiment and transport (rows: pattern, transport, size; columns:
raw, sprocket, NNG, nanomsg, ZeroMQ, then sprocket's ratio to the best peer
and to raw), the Message tables, the targets and whether each is met.

With --out-dir, also writes there report.md, results.csv (one line per cell
and metric), results.json (cells with every round) and, if gnuplot is
installed, bench-throughput.png and bench-latency.png; --docs-dir copies the
charts there too. Standard library only.
"""

import argparse
import csv
import json
import os
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in tools/lib
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_plot  # noqa: E402
import bench_results  # noqa: E402

NAMES = {"raw": "raw", "raw_batched": "raw batched", "mutex_cv": "raw (mutex+cv)",
         "sprocket": "sprocket", "nng": "NNG", "nanomsg": "nanomsg", "zeromq": "ZeroMQ"}
PEERS = ["nng", "nanomsg", "zeromq"]  # then any other library found in the input
BASELINES = ["raw", "raw_batched", "mutex_cv", "sprocket"]
PATTERNS = {"push_pull": "PUSH/PULL", "pair": "PAIR", "req_rep": "REQ/REP"}
TRANSPORTS = ["inproc", "tcp", "ipc"]

TITLES = {
    "throughput": "One-way throughput, PUSH→PULL (inproc: the mutex+cv queue as raw): "
                  "messages/s · MB/s (1 MB = 10⁶ B), higher is better",
    "latency": "Round-trip latency, as one-way time (round trip / 2): p50 / p99 over "
               "every round trip of a run, lower is better",
}


def fmt_num(x):
    """Three significant digits: 6.00, 36.0, 366."""
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_rate(x):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{fmt_num(x / scale)} {unit}"
    return fmt_num(x)


def fmt_us(us):
    if us >= 1000:
        return f"{fmt_num(us / 1000)} ms"
    return f"{fmt_num(us)} µs" if us >= 1 else f"{fmt_num(us * 1000)} ns"


def fmt_seconds(s):
    return fmt_us(s * 1e6)


def fmt_spread(cell):
    s = cell.spread()
    return f" ±{100 * s:.0f}%" if s is not None else ""


def failure_note(cell):
    if not cell.errors:
        return ""
    total = len(cell.errors) + len(cell.rounds)
    return f" ({len(cell.errors)} of {total} failed)"


def fmt_cell(cell):
    if cell is None:
        return "—"
    if not cell.rounds:
        return "**failed**" if cell.errors else "—"
    exp = cell.experiment
    if exp == "throughput":
        text = (f"{fmt_rate(cell.median('msgs_per_s'))} msg/s · "
                f"{fmt_num(cell.median('bytes_per_s') / 1e6)} MB/s")
    elif exp == "latency":
        p50, p99 = cell.median("p50_us"), cell.median("p99_us")
        text = f"{fmt_us(p50)} / {fmt_us(p99)}" if p99 is not None else fmt_us(p50)
    else:
        text = fmt_seconds(cell.median("time_s"))
    return text + fmt_spread(cell) + failure_note(cell)


def better(exp):
    return bench_results.PRIMARY.get(exp, bench_results.DEFAULT_PRIMARY)[1]


def peers(results):
    """The compared libraries: NNG, nanomsg, ZeroMQ, then any other in the input."""
    others = sorted({k[4] for k in results.cells if k[2] != "-"} - set(PEERS) - set(BASELINES))
    return PEERS + others


def name(lib):
    return NAMES.get(lib, lib)


def best_peer(results, exp, pattern, transport, size):
    """(library, value) of the best peer in that row, or (None, None)."""
    found = [(lib, results.value(exp, pattern, transport, size, lib)) for lib in peers(results)]
    found = [(lib, v) for lib, v in found if v]
    if not found:
        return None, None
    pick = max if better(exp) == "higher" else min
    return pick(found, key=lambda lv: lv[1])


def raw_library(transport):
    return "mutex_cv" if transport == "inproc" else "raw"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "—"


def comparison_table(results, exp, transport):
    keys = sorted({(k[1], k[3]) for k in results.cells if k[0] == exp and k[2] == transport},
                  key=lambda pk: (list(PATTERNS).index(pk[0]) if pk[0] in PATTERNS else 9, pk[1]))
    if not keys:
        return None
    raw = raw_library(transport)
    libs = [raw]
    if exp == "throughput" and transport != "inproc":
        libs.append("raw_batched")
    libs += ["sprocket"] + peers(results)
    header = ["pattern", "transport", "size"] + [name(lib) for lib in libs]
    header += ["sprocket ÷ best peer", "sprocket ÷ raw"]
    lines = [f"### {exp} — {transport}", "",
             "| " + " | ".join(header) + " |",
             "|" + "|".join(["---", "---", "--:"] + ["--:"] * (len(header) - 3)) + "|"]
    for pattern, size in keys:
        row = [PATTERNS.get(pattern, pattern), transport, fmt_size(size)]
        row += [fmt_cell(results.get(exp, pattern, transport, size, lib)) for lib in libs]
        mine = results.value(exp, pattern, transport, size, "sprocket")
        peer, theirs = best_peer(results, exp, pattern, transport, size)
        row.append(f"{ratio(mine, theirs)} {name(peer)}" if peer and mine else "—")
        row.append(ratio(mine, results.value(exp, pattern, transport, size, raw)))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def fmt_size(n):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} B"


def message_table(results, exp):
    sizes = sorted(k[3] for k in results.cells if k[0] == exp)
    if not sizes:
        return None
    lines = [f"### {exp}", "", "| size | sprocket |", "|--:|--:|"]
    for size in sizes:
        lines.append(f"| {fmt_size(size)} | {fmt_cell(results.get(exp, '-', '-', size, 'sprocket'))} |")
    return "\n".join(lines)


# The targets: (text, experiment, pattern, transport, sizes, reference library, factor).
# Met when sprocket's figure is at least factor × the reference's (throughput)
# or at most it (latency), at every size listed.
TARGETS = [
    ("tcp 64 B throughput ≥ ZeroMQ's", "throughput", "push_pull", "tcp", [64], "zeromq", 1.0),
    ("1 MiB tcp throughput ≥ half of raw", "throughput", "push_pull", "tcp", [1 << 20], "raw", 0.5),
    ("64 B tcp latency ≤ nanomsg's (PAIR)", "latency", "pair", "tcp", [64], "nanomsg", 1.0),
    ("64 B tcp latency ≤ nanomsg's (REQ/REP)", "latency", "req_rep", "tcp", [64], "nanomsg", 1.0),
    ("inproc 64 B throughput ≥ ZeroMQ inproc", "throughput", "push_pull", "inproc", [64], "zeromq", 1.0),
    ("inproc round trip ≤ mutex+condvar hand-off (PAIR p50, every size)", "latency", "pair",
     "inproc", [64, 1024, 64 << 10, 1 << 20], "mutex_cv", 1.0),
]


def evaluate_target(results, target):
    text, exp, pattern, transport, sizes, ref, factor = target
    rows, met = [], True
    for size in sizes:
        mine = results.value(exp, pattern, transport, size, "sprocket")
        theirs = results.value(exp, pattern, transport, size, ref)
        if not mine or not theirs:
            return {"target": text, "met": None, "detail": f"not measured at {fmt_size(size)}"}
        ok = mine >= factor * theirs if better(exp) == "higher" else mine <= factor * theirs
        met = met and ok
        fmt = (lambda v: f"{fmt_rate(v)} msg/s") if exp == "throughput" else fmt_us
        rows.append(f"{fmt_size(size)}: {fmt(mine)} vs {fmt(theirs)} ({mine / theirs:.2f}×)")
    return {"target": text, "met": met, "detail": "; ".join(rows)}


def targets_table(results):
    lines = ["### Targets", "", "| target | sprocket vs reference (ratio) | met |", "|---|---|:-:|"]
    evaluated = [evaluate_target(results, t) for t in TARGETS]
    for e in evaluated:
        met = {True: "yes", False: "**no**", None: "n/a"}[e["met"]]
        lines.append(f"| {e['target']} | {e['detail']} | {met} |")
    return "\n".join(lines), evaluated


def problems(results):
    lines = []
    for key, cell in sorted(results.cells.items()):
        exp, pattern, transport, size, lib = key
        label = "/".join(str(k) for k in (exp, pattern, transport, lib, size) if k != "-")
        for rnd, text in cell.errors:
            lines.append(f"- `{label}` round {rnd}: failed: {text}")
        for rnd, text in cell.warnings:
            lines.append(f"- `{label}` round {rnd}: {text}")
    return lines


def build_report(results, args):
    rounds = results.rounds()
    out = ["## Results", ""]
    if args.command:
        out.append(f"- Command: `{args.command}`")
    if args.machine:
        out.append(f"- Machine: {args.machine}")
    if results.context.get("date"):
        out.append(f"- Date: {results.context['date']}")
    out.append(f"- Rounds: {len(rounds)}; each figure is the median over the rounds, ±NN% half "
               "the range over the rounds relative to the median")
    if results.missing:
        out.append(f"- Peers not built: {'; '.join(results.missing)}")
    out += ["", "Ratios are sprocket ÷ the other library of the figure shown (msg/s; p50): "
            "above 1 is better for sprocket in throughput, below 1 in latency.", ""]
    for exp in ("throughput", "latency"):
        tables = [t for t in (comparison_table(results, exp, tr) for tr in TRANSPORTS) if t]
        if tables:
            out += [f"**{exp}**: {TITLES[exp]}.", ""]
        for table in tables:
            out += [table, ""]
    targets, evaluated = targets_table(results)
    out += [targets, ""]
    for exp in ("message_create", "message_clone", "message_wrap"):
        table = message_table(results, exp)
        if table:
            out += [table, ""]
    trouble = problems(results)
    if trouble:
        out += ["### Failures and warnings", ""] + trouble + [""]
    return "\n".join(out), evaluated


def write_csv(path, results):
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["experiment", "pattern", "transport", "size_bytes", "library", "metric",
                      "median", "min", "max", "rounds", "failed_rounds"])
        for key, cell in sorted(results.cells.items()):
            for metric in cell.metrics():
                values = [v[metric] for _, v in cell.rounds if metric in v]
                out.writerow(list(key) + [metric, f"{cell.median(metric):.6g}", f"{min(values):.6g}",
                                          f"{max(values):.6g}", len(values), len(cell.errors)])


def write_json(path, results, evaluated, args):
    cells = []
    for key, cell in sorted(results.cells.items()):
        exp, pattern, transport, size, lib = key
        cells.append({"experiment": exp, "pattern": pattern, "transport": transport, "size": size,
                      "library": lib,
                      "median": {m: cell.median(m) for m in cell.metrics()},
                      "spread": cell.spread(),
                      "rounds": [dict(v, round=r) for r, v in cell.rounds],
                      "errors": [{"round": r, "error": t} for r, t in cell.errors]})
    doc = {"command": args.command, "machine": args.machine, "missing_peers": results.missing,
           "targets": evaluated, "cells": cells}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out-dir")
    ap.add_argument("--docs-dir", help="also copy the charts here")
    ap.add_argument("--command", help="the command that produced the results")
    ap.add_argument("--machine", help="a line describing the machine")
    args = ap.parse_args()

    results = bench_results.load(args.files)
    if not results.cells:
        sys.exit("bench_report: no results in the input")
    report, evaluated = build_report(results, args)
    print(report)
    if not args.out_dir:
        return
    os.makedirs(args.out_dir, exist_ok=True)
    write_csv(os.path.join(args.out_dir, "results.csv"), results)
    write_json(os.path.join(args.out_dir, "results.json"), results, evaluated, args)
    with open(os.path.join(args.out_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write(report + "\n")
    if not shutil.which("gnuplot"):
        print("(gnuplot not found: no charts)", file=sys.stderr)
        return
    charts = bench_plot.plot(results, args.out_dir)
    for chart in charts:
        if args.docs_dir:
            shutil.copy(chart, os.path.join(args.docs_dir, os.path.basename(chart)))
    print(f"(charts: {', '.join(charts)}{' , copied to ' + args.docs_dir if args.docs_dir else ''})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
