#!/usr/bin/env python3
"""Turns the benchmark programs' output into Markdown tables, CSV, JSON and charts.

    bench_report.py [--out-dir DIR] [--docs-dir DIR] [--command CMD] [--machine TEXT]
                    [--mode TEXT] [--busy-core] [--baseline RESULTS.json] FILE...

FILE: google-benchmark JSON (*.json) and bench_stream JSON lines (*.jsonl);
see bench_results.py for the formats and how rounds are reduced. Prints one
table per experiment and transport (rows: pattern, transport, size; columns:
raw, sprocket, NNG, nanomsg, ZeroMQ, then sprocket's ratio to the best peer
and to raw), what each spends per message (CPU, context switches, system
calls when counted: bench_cost.py), the idle experiment, the Message tables,
the targets of issue #12 and whether each is met (bench_targets.py), and the
tables of bench_radix_tree, bench_codecs and bench_survey(_nng).

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
import bench_compare  # noqa: E402
import bench_cost  # noqa: E402
import bench_plot  # noqa: E402
import bench_results  # noqa: E402
import bench_targets  # noqa: E402
from bench_format import (PATTERNS, PEERS, TRANSPORTS, best_peer, fmt_bytes, fmt_num,  # noqa: E402
                          fmt_percent, fmt_rate, fmt_seconds, fmt_size, fmt_us, name, peers, ratio,
                          raw_library)

TITLES = {
    "throughput": "One-way throughput, PUSH→PULL (inproc: the mutex+cv queue as raw): "
                  "messages/s · MB/s (1 MB = 10⁶ B), higher is better",
    "latency": "Round-trip latency, as one-way time (round trip / 2): p50 / p99 over "
               "every round trip of a run, lower is better",
    "fanout": "One PUB to 4 SUB processes, publishing as fast as PUB takes messages (it drops for "
              "slow subscribers; raw: one blocking writer, batched, no loss): messages/s delivered "
              "per subscriber, the median of the 4 (min) · loss = 1 − received/sent, median of the 4 "
              "(max); higher is better",
    "connect": "1000 connections to one listener, each sending one 8 B message: time from the start "
               "of dialing until the listener has every first message · resident memory per "
               "connection, listener / dialers (VmRSS after − before, ÷ 1000); lower is better",
}


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
    elif exp == "fanout":
        text = (f"{fmt_rate(cell.median('msgs_per_s'))} msg/s ({fmt_rate(cell.median('min_msgs_per_s'))}) · "
                f"loss {fmt_percent(cell.median('loss'))} ({fmt_percent(cell.median('max_loss'))})")
    elif exp == "connect":
        text = (f"{fmt_seconds(cell.median('time_s'))} · "
                f"{fmt_bytes(cell.median('listener_bytes_per_conn'))} / "
                f"{fmt_bytes(cell.median('dialer_bytes_per_conn'))}")
    elif exp in ("latency", "survey"):
        p50, p99 = cell.median("p50_us"), cell.median("p99_us")
        text = f"{fmt_us(p50)} / {fmt_us(p99)}" if p99 is not None else fmt_us(p50)
    elif exp == "radix" and cell.median("p50_ns") is not None:
        text = f"{fmt_seconds(cell.median('time_s'))} · p50 {fmt_seconds(cell.median('p50_ns') * 1e-9)}"
    else:
        text = fmt_seconds(cell.median("time_s"))
    return text + fmt_spread(cell) + failure_note(cell)


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
        row = [PATTERNS.get(pattern, pattern), transport,
               f"{size} connections" if exp == "connect" else fmt_size(size)]
        row += [fmt_cell(results.get(exp, pattern, transport, size, lib)) for lib in libs]
        mine = results.value(exp, pattern, transport, size, "sprocket")
        peer, theirs = best_peer(results, exp, pattern, transport, size)
        row.append(f"{ratio(mine, theirs)} {name(peer)}" if peer and mine else "—")
        row.append(ratio(mine, results.value(exp, pattern, transport, size, raw)))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def tls_cost_table(results, exp):
    """What TLS costs each library: its tls+tcp figure ÷ its own tcp figure."""
    keys = sorted({(k[1], k[3]) for k in results.cells if k[0] == exp and k[2] == "tls+tcp"},
                  key=lambda pk: (list(PATTERNS).index(pk[0]) if pk[0] in PATTERNS else 9, pk[1]))
    libs = [lib for lib in ["sprocket"] + peers(results)
            if any(k[0] == exp and k[2] == "tls+tcp" and k[4] == lib for k in results.cells)]
    if not keys or not libs:
        return None
    lines = [f"### {exp} — tls+tcp ÷ tcp, each library against itself", "",
             "| pattern | size | " + " | ".join(name(lib) for lib in libs) + " |",
             "|---|--:|" + "--:|" * len(libs)]
    for pattern, size in keys:
        row = [PATTERNS.get(pattern, pattern), fmt_size(size)]
        row += [ratio(results.value(exp, pattern, "tls+tcp", size, lib),
                      results.value(exp, pattern, "tcp", size, lib)) for lib in libs]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def message_table(results, exp):
    sizes = sorted(k[3] for k in results.cells if k[0] == exp)
    if not sizes:
        return None
    lines = [f"### {exp}", "", "| size | sprocket |", "|--:|--:|"]
    for size in sizes:
        lines.append(f"| {fmt_size(size)} | {fmt_cell(results.get(exp, '-', '-', size, 'sprocket'))} |")
    return "\n".join(lines)


RADIX_OPS = ["subscribe", "unsubscribe", "match_hit", "match_miss"]
RADIX_STRUCTURES = [("radix_tree", "radix tree"), ("list", "list"), ("set", "std::set"),
                    ("arrival", "SUB arrival filter")]
# The arrival filter's bytes leave out the tree's 2 MiB regions: not shown.
RADIX_MEMORY = RADIX_STRUCTURES[:3]


def fmt_count(n):
    return f"{n:,}".replace(",", " ")


def radix_table(results):
    """bench_radix_tree: time per operation per structure, heap bytes per subscription,
    and the scaling target (match at 1 M subscriptions ≤ 2× match at 10)."""
    keys = sorted({(k[1], k[2], k[3]) for k in results.cells if k[0] == "radix"},
                  key=lambda k: (RADIX_OPS.index(k[0]) if k[0] in RADIX_OPS else 9, k[1], k[2]))
    if not keys:
        return None
    header = ["operation", "topics", "subscriptions"] + [n for _, n in RADIX_STRUCTURES]
    header.append("bytes/subscription: " + " / ".join(n for _, n in RADIX_MEMORY))
    lines = ["### radix tree (SUB's subscription matcher): time per operation", "",
             "| " + " | ".join(header) + " |",
             "|" + "|".join(["---", "---", "--:"] + ["--:"] * (len(header) - 3)) + "|"]
    for op, topics, n in keys:
        row = [op, topics, fmt_count(n)]
        row += [fmt_cell(results.get("radix", op, topics, n, lib)) for lib, _ in RADIX_STRUCTURES]
        mem = [results.value("radix", op, topics, n, lib, "bytes_per_sub") for lib, _ in RADIX_MEMORY]
        row.append(" / ".join(f"{m:.0f}" if m is not None else "—" for m in mem))
        lines.append("| " + " | ".join(row) + " |")
    scaling = []
    for op in ("match_hit", "match_miss"):
        for topics in sorted({k[1] for k in keys}):
            small = results.value("radix", op, topics, 10, "radix_tree")
            large = results.value("radix", op, topics, 1_000_000, "radix_tree")
            if small and large:
                met = "yes" if large <= 2 * small else "**no**"
                scaling.append(f"| {op} | {topics} | {fmt_seconds(small)} | {fmt_seconds(large)} | "
                               f"{large / small:.1f}× | {met} |")
    if scaling:
        lines += ["", "Target (issue #5): a match with 1 000 000 subscriptions costs at most 2× one "
                  "with 10 (radix tree, means).", "", "| match | topics | 10 | 1 000 000 | ratio | met |",
                  "|---|---|--:|--:|--:|:-:|"] + scaling
    lines += radix_targets(results, sorted({k[1] for k in keys}))
    return "\n".join(lines)


def radix_targets(results, topics_found):
    """Issue #12 at 1 000 000 subscriptions: ≤ 40 bytes per subscription, match p50 ≤ 150 ns
    on hits and misses, and std::set's match p50 ≥ 5× the radix tree's."""
    rows = []
    n = 1_000_000
    for topics in topics_found:
        mem = results.value("radix", "match_hit", topics, n, "radix_tree", "bytes_per_sub")
        if mem is not None:
            rows.append(f"| bytes per subscription ≤ 40 | {topics} | {mem:.1f} | — | "
                        f"{'yes' if mem <= 40 else '**no**'} |")
    for op in ("match_hit", "match_miss"):
        for topics in topics_found:
            mine = results.value("radix", op, topics, n, "radix_tree", "p50_ns")
            theirs = results.value("radix", op, topics, n, "set", "p50_ns")
            if mine is None:
                continue
            rows.append(f"| {op} p50 ≤ 150 ns | {topics} | {fmt_seconds(mine * 1e-9)} | — | "
                        f"{'yes' if mine <= 150 else '**no**'} |")
            if theirs:
                rows.append(f"| {op} p50 ≥ 5× faster than std::set | {topics} | "
                            f"{fmt_seconds(mine * 1e-9)} | {fmt_seconds(theirs * 1e-9)} ({theirs / mine:.1f}×) | "
                            f"{'yes' if theirs >= 5 * mine else '**no**'} |")
    if not rows:
        return []
    return ["", "Targets (issue #12), radix tree at 1 000 000 subscriptions; p50 = median of single "
            "matches timed one at a time.", "",
            "| target | topics | radix tree | std::set | met |", "|---|---|--:|--:|:-:|"] + rows


def codec_table(results):
    """bench_codecs: time per operation, and bytes/s where a payload is processed."""
    order = ["sp_header", "sp_frame_prefix", "ws_header", "ws_mask", "backtrace", "message_queue",
             "priority_list"]
    keys = sorted({(k[1], k[2], k[3]) for k in results.cells if k[0] == "codec"},
                  key=lambda k: (order.index(k[0]) if k[0] in order else 9, k[1], k[2]))
    if not keys:
        return None
    lines = ["### codecs and MessageQueue: time per operation", "",
             "| piece | operation | payload | time | rate |", "|---|---|--:|--:|--:|"]
    for piece, op, size in keys:
        cell = results.get("codec", piece, op, size, "sprocket")
        rate = cell.median("bytes_per_s") if cell and cell.rounds else None
        rate_text = f"{fmt_num(rate / 1e9)} GB/s" if rate else "—"
        lines.append(f"| {piece} | {op} | {fmt_size(size) if size else '—'} | {fmt_cell(cell)} | "
                     f"{rate_text} |")
    return "\n".join(lines)


def survey_table(results):
    """bench_survey(_nng): time from sending a survey to having every answer."""
    keys = sorted({(k[2], k[3]) for k in results.cells if k[0] == "survey"})
    if not keys:
        return None
    found = {k[4] for k in results.cells if k[0] == "survey"}
    libs = ["sprocket"] + [lib for lib in PEERS if lib in found]
    header = (["transport", "respondents"] + [name(lib) for lib in libs] +
              ["sprocket ÷ NNG (p50)", "answers lost: " + " / ".join(name(lib) for lib in libs)])
    lines = ["### survey: one SURVEYOR, every RESPONDENT answers; send to last answer, p50 / p99", "",
             "| " + " | ".join(header) + " |", "|---|--:|" + "--:|" * (len(header) - 2)]
    for transport, n in keys:
        cells = [results.get("survey", "surveyor_respondent", transport, n, lib) for lib in libs]
        row = [transport, str(n)] + [fmt_cell(c) for c in cells]
        mine = results.value("survey", "surveyor_respondent", transport, n, "sprocket")
        row.append(ratio(mine, results.value("survey", "surveyor_respondent", transport, n, "nng")))
        lost = [c.median("lost") if c and c.rounds else None for c in cells]
        row.append(" / ".join(f"{x:.0f}" if x is not None else "—" for x in lost))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


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
    if args.mode:
        out.append(f"- Mode: {args.mode}")
    if results.missing:
        out.append(f"- Peers not built: {'; '.join(results.missing)}")
    out += ["", "Ratios are sprocket ÷ the other library of the figure shown (msg/s; p50; "
            "fanout: msg/s per subscriber; connect: time): above 1 is better for sprocket in "
            "throughput and fanout, below 1 in latency and connect.", ""]
    for exp in ("throughput", "latency", "fanout", "connect"):
        tables = [t for t in (comparison_table(results, exp, tr) for tr in TRANSPORTS) if t]
        if tables:
            out += [f"**{exp}**: {TITLES[exp]}.", ""]
        for table in tables:
            out += [table, ""]
        tls_cost = tls_cost_table(results, exp)
        if tls_cost:
            out += [tls_cost, ""]
    out += bench_cost.cost_section(results)
    out += bench_cost.syscall_section(results)
    out += bench_cost.idle_table(results)
    if args.baseline:
        out += bench_compare.comparison(results, args.baseline, args.baseline_label or args.baseline)
    targets, evaluated = bench_targets.targets_table(results, args.busy_core)
    out += [targets, ""]
    for exp in ("message_create", "message_clone", "message_wrap"):
        table = message_table(results, exp)
        if table:
            out += [table, ""]
    for table in (radix_table(results), codec_table(results), survey_table(results)):
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
    ap.add_argument("--mode", help="a line describing how the run differs from a normal one")
    ap.add_argument("--baseline", help="an earlier run's results.json: adds a table of this run ÷ that one")
    ap.add_argument("--baseline-label", help="what to call the earlier run in that table")
    ap.add_argument("--busy-core", action="store_true",
                    help="the run had a core kept busy (tools/bench.sh --busy-core): evaluates that target")
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
