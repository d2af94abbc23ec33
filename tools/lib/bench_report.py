#!/usr/bin/env python3
"""Turns google-benchmark JSON output into one Markdown table per experiment.

Benchmarks are named <experiment>/<library>/<size>[/...] (see bench/driver.hpp).
Each table has a row per (experiment, size), a column per library and
sprocket's ratio to each other library. With repetitions, the median is used,
followed by the coefficient of variation across repetitions (±NN%).

    bench_report.py [--out-dir DIR] [--command CMD] [--machine TEXT] FILE.json...

Writes the tables to stdout, and with --out-dir also results.csv (one line
per measurement) and report.md. Standard library only.
"""

import argparse
import csv
import json
import os
import statistics
import sys

# Columns of the comparison experiments, in order; other libraries found in
# the input are appended after these.
PEERS = {"sprocket": "sprocket", "mutex_cv": "mutex+cv", "zeromq": "ZeroMQ",
         "nng": "NNG", "nanomsg": "nanomsg"}
COMPARED = ["sprocket", "mutex_cv", "zeromq"]

EXPERIMENTS = {
    "throughput": {
        "title": "One-way throughput over inproc (sprocket PAIR, ZeroMQ PUSH/PULL, "
                 "mutex+cv queue): messages/s and bytes/s, higher is better. Bodies are "
                 "allocated but never written or read, so at large sizes bytes/s shows "
                 "a hand-off without copies, not memory bandwidth",
        "metric": "items_per_second", "better": "higher", "compared": True,
    },
    "latency": {
        "title": "Latency over inproc (PAIR ping-pong): one-way time = round trip / 2, "
                 "lower is better",
        "metric": "one_way_us", "better": "lower", "compared": True,
    },
    "message_create": {"title": "Message(size): time per message", "metric": "real_time"},
    "message_clone": {"title": "Message::clone(): time per clone", "metric": "real_time"},
    "message_wrap": {"title": "Message::wrap(): time per wrap", "metric": "real_time"},
}

TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def fmt_size(n):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} B"


def fmt_num(x):
    """Three significant digits, keeping trailing zeros: 6.00, 36.0, 366."""
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_rate(x, suffix):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{fmt_num(x / scale)} {unit} {suffix}"
    return f"{fmt_num(x)} {suffix}"


def fmt_bytes_rate(x):
    for unit, scale in (("TiB/s", 1 << 40), ("GiB/s", 1 << 30), ("MiB/s", 1 << 20),
                        ("KiB/s", 1 << 10)):
        if x >= scale:
            return f"{fmt_num(x / scale)} {unit}"
    return f"{fmt_num(x)} B/s"


def fmt_seconds(s):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{fmt_num(s / scale)} {unit}"
    return f"{fmt_num(s / 1e-9)} ns"


def load(paths):
    """Returns ({(experiment, library, size): [entries]}, context, missing peers)."""
    runs, context, missing = {}, {}, []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        context = context or data.get("context", {})
        note = data.get("context", {}).get("missing_peers")
        if note:
            missing.append(note.strip())
        for b in data.get("benchmarks", []):
            parts = b.get("run_name", b["name"]).split("/")
            if len(parts) < 3 or not parts[2].isdigit():
                continue
            runs.setdefault((parts[0], parts[1], int(parts[2])), []).append(b)
    return runs, context, missing


def value(entries, key):
    """The median of `key` over the entries (the median aggregate if present)."""
    medians = [e for e in entries if e.get("aggregate_name") == "median"]
    pool = medians or [e for e in entries if e.get("run_type", "iteration") == "iteration"]
    values = []
    for e in pool:
        if e.get("error_occurred") or key not in e:
            continue
        v = e[key]
        if key in ("real_time", "cpu_time"):
            v *= TIME_UNITS[e.get("time_unit", "ns")]  # seconds
        values.append(v)
    return statistics.median(values) if values else None


def spread(entries, key):
    """' ±NN%': the coefficient of variation across repetitions, when reported."""
    for e in entries:
        if e.get("aggregate_name") == "cv" and key in e:
            return f" ±{100 * e[key]:.0f}%"
    return ""


def error_of(entries):
    for e in entries:
        if e.get("error_occurred"):
            return e.get("error_message", "error")
    return None


def cell(experiment, entries):
    if not entries:
        return "n/a"
    err = error_of(entries)
    if err:
        return f"error: {err}"
    if experiment == "throughput":
        items, nbytes = value(entries, "items_per_second"), value(entries, "bytes_per_second")
        if items is None:
            return "n/a"
        return (f"{fmt_rate(items, 'msg/s')}{spread(entries, 'items_per_second')}, "
                f"{fmt_bytes_rate(nbytes or 0)}")
    spec = EXPERIMENTS.get(experiment, {"metric": "real_time"})
    v = value(entries, spec["metric"])
    if v is None:
        return "n/a"
    if spec["metric"].endswith("_us"):
        v *= 1e-6
    return fmt_seconds(v) + spread(entries, spec["metric"])


def table(experiment, runs, libraries):
    spec = EXPERIMENTS.get(experiment, {"title": experiment, "metric": "real_time"})
    sizes = sorted({size for (exp, _, size) in runs if exp == experiment})
    seen = [lib for (exp, lib, _) in runs if exp == experiment]
    if spec.get("compared"):
        libs = COMPARED + sorted({lib for lib in seen if lib not in COMPARED})
    else:
        libs = [lib for lib in libraries if lib in seen]
    others = [lib for lib in libs if lib != "sprocket"]

    lines = [f"### {experiment}", "", spec["title"] + ".", ""]
    header = ["experiment", "size"] + [PEERS.get(lib, lib) for lib in libs]
    header += [f"sprocket ÷ {PEERS.get(lib, lib)}" for lib in others if "sprocket" in libs]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---", "--:"] + ["--:"] * (len(header) - 2)) + "|")
    for size in sizes:
        row = [experiment, fmt_size(size)]
        row += [cell(experiment, runs.get((experiment, lib, size), [])) for lib in libs]
        mine = value(runs.get((experiment, "sprocket", size), []), spec["metric"])
        for lib in others:
            theirs = value(runs.get((experiment, lib, size), []), spec["metric"])
            row.append(f"{mine / theirs:.2f}×" if mine and theirs else "n/a")
        lines.append("| " + " | ".join(row) + " |")
    if others and spec.get("better"):
        good = "above" if spec["better"] == "higher" else "below"
        lines += ["", f"Ratios {good} 1 mean sprocket is better."]
    return "\n".join(lines)


def write_csv(path, runs):
    keys = ("items_per_second", "bytes_per_second", "one_way_us", "real_time", "cpu_time")
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["experiment", "library", "size_bytes", "metric", "value", "unit"])
        for (exp, lib, size), entries in sorted(runs.items()):
            for key in keys:
                v = value(entries, key)
                if v is None:
                    continue
                unit = {"items_per_second": "1/s", "bytes_per_second": "B/s",
                        "one_way_us": "us"}.get(key, "s")
                out.writerow([exp, lib, size, key, f"{v:.6g}", unit])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out-dir")
    ap.add_argument("--command", help="the command that produced the results")
    ap.add_argument("--machine", help="a line describing the machine")
    args = ap.parse_args()

    runs, context, missing = load(args.files)
    if not runs:
        sys.exit("bench_report: no <experiment>/<library>/<size> results in the input")
    experiments = list(dict.fromkeys(exp for (exp, _, _) in runs))
    experiments.sort(key=lambda e: list(EXPERIMENTS).index(e) if e in EXPERIMENTS else 99)
    libraries = list(dict.fromkeys(lib for (_, lib, _) in runs))

    out = ["## Results", ""]
    if args.command:
        out.append(f"- Command: `{args.command}`")
    if args.machine:
        out.append(f"- Machine: {args.machine}")
    if context:
        out.append(f"- Date: {context.get('date', '?')}; google-benchmark saw "
                   f"{context.get('num_cpus', '?')} CPUs at {context.get('mhz_per_cpu', '?')} MHz")
    if missing:
        out.append(f"- Peers not built: {'; '.join(missing)}")
    if any(e.get("aggregate_name") == "median" for es in runs.values() for e in es):
        out.append("- Figures are medians over the repetitions; ±NN% is the coefficient "
                   "of variation across them")
    out.append("")
    for exp in experiments:
        out += [table(exp, runs, libraries), ""]
    report = "\n".join(out)
    print(report)

    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        write_csv(os.path.join(args.out_dir, "results.csv"), runs)
        with open(os.path.join(args.out_dir, "report.md"), "w", encoding="utf-8") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
