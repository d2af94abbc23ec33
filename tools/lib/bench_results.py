"""Loads the benchmark programs' output and reduces it to one figure per cell.

Two input formats:
  - google-benchmark JSON (bench_inproc, bench_baselines, bench_message,
    bench_radix_tree, bench_codecs, bench_survey[_nng]):
    benchmarks named <experiment>/<pattern>/<transport>/<library>/<size>, or
    <experiment>/<library>/<size> for the Message benchmarks;
  - bench_stream's JSON lines: a {"context": ...} object, then one object per
    measurement with experiment, pattern, transport, library, size, round and
    its figures or "error".
A file named *-r<N>.json or *-r<N>.jsonl holds round N; within a
google-benchmark file, each repetition counts as a round.

A cell is (experiment, pattern, transport, size, library). Its figure for
each metric is the median over the rounds; its spread is half the range of
the primary metric over the rounds, relative to the median: (max - min) /
(2 * median).

Standard library only.
"""

import json
import re
import statistics
from dataclasses import dataclass, field

TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}

# The metric that stands for a cell, per experiment, and which way is better.
# fanout: messages/s delivered per subscriber (the median of the subscribers);
# connect: seconds until every connection's first message has arrived.
# idle: CPU of both ends of an idle connection, % of one core.
PRIMARY = {"throughput": ("msgs_per_s", "higher"), "latency": ("p50_us", "lower"),
           "fanout": ("msgs_per_s", "higher"), "connect": ("time_s", "lower"),
           "survey": ("p50_us", "lower"), "idle": ("cpu_percent", "lower")}
DEFAULT_PRIMARY = ("time_s", "lower")


@dataclass
class Cell:
    """Every round's figures for one (experiment, pattern, transport, size, library)."""
    key: tuple
    rounds: list = field(default_factory=list)   # [(round, {metric: value})]
    errors: list = field(default_factory=list)   # [(round, text)]
    warnings: list = field(default_factory=list)

    @property
    def experiment(self):
        return self.key[0]

    @property
    def primary(self):
        return PRIMARY.get(self.experiment, DEFAULT_PRIMARY)[0]

    def median(self, metric):
        values = [v[metric] for _, v in self.rounds if metric in v]
        return statistics.median(values) if values else None

    def spread(self, metric=None):
        values = [v[metric or self.primary] for _, v in self.rounds if (metric or self.primary) in v]
        if len(values) < 2:
            return None
        mid = statistics.median(values)
        return (max(values) - min(values)) / (2 * mid) if mid else None

    def metrics(self):
        return sorted({m for _, v in self.rounds for m in v})


@dataclass
class Results:
    cells: dict = field(default_factory=dict)    # key -> Cell
    missing: list = field(default_factory=list)  # peers not built, as the programs said
    context: dict = field(default_factory=dict)  # google-benchmark's, from the first file

    def cell(self, key):
        return self.cells.setdefault(key, Cell(key))

    def get(self, experiment, pattern, transport, size, library):
        return self.cells.get((experiment, pattern, transport, size, library))

    def value(self, experiment, pattern, transport, size, library, metric=None):
        c = self.get(experiment, pattern, transport, size, library)
        return c.median(metric or c.primary) if c else None

    def rounds(self):
        return sorted({r for c in self.cells.values() for r, _ in c.rounds})


def round_of(path):
    m = re.search(r"-r(\d+)\.jsonl?$", path)
    return int(m.group(1)) if m else 0


def split_name(name):
    """(experiment, pattern, transport, library, size) of a benchmark name, or None."""
    parts = name.split("/")
    if len(parts) >= 5 and parts[4].isdigit():
        return parts[0], parts[1], parts[2], parts[3], int(parts[4])
    if len(parts) >= 3 and parts[2].isdigit():
        return parts[0], "-", "-", parts[1], int(parts[2])
    return None


def is_cost_metric(key):
    """What a cell spent per message: cpu_us_per_msg (µs per message = CPU s per million),
    its user/sys and per-side parts, csw_per_msg, ivcsw_per_msg, syscalls[_<group>]_per_msg,
    and cores (CPU ÷ wall time)."""
    return key.endswith("_per_msg") or key == "cores"


def gbench_values(entry):
    """The figures of one google-benchmark iteration entry, in this module's metrics."""
    v = {k: x for k, x in entry.items() if is_cost_metric(k) and isinstance(x, (int, float))}
    if "items_per_second" in entry and entry["name"].startswith("throughput/"):
        v["msgs_per_s"] = entry["items_per_second"]
        v["bytes_per_s"] = entry.get("bytes_per_second", 0.0)
    for k in ("p50_us", "p99_us"):
        if k in entry:
            v[k] = entry[k]
    if "one_way_us" in entry:
        v["mean_us"] = entry["one_way_us"]
    for k in ("mean_us", "lost", "bytes_per_sub", "p50_ns", "p99_ns"):  # bench_survey; bench_radix_tree
        if k in entry:
            v[k] = entry[k]
    if "bytes_per_second" in entry and entry["name"].startswith("codec/"):
        v["bytes_per_s"] = entry["bytes_per_second"]
    if "real_time" in entry:
        v["time_s"] = entry["real_time"] * TIME_UNITS[entry.get("time_unit", "ns")]
    return v


def load_gbench(path, results):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.strip():
        return  # google-benchmark leaves the file empty when --filter matched none of its benchmarks
    data = json.loads(text)
    results.context = results.context or data.get("context", {})
    note = data.get("context", {}).get("missing_peers")
    if note and note not in results.missing:
        results.missing.append(note)
    base_round = round_of(path)
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue  # aggregates: the rounds are reduced here
        parts = split_name(b.get("run_name", b["name"]))
        if not parts:
            continue
        exp, pattern, transport, lib, size = parts
        cell = results.cell((exp, pattern, transport, size, lib))
        rnd = base_round + b.get("repetition_index", 0)
        if b.get("error_occurred"):
            cell.errors.append((rnd, b.get("error_message", "error")))
        else:
            cell.rounds.append((rnd, gbench_values(b)))


# bench_stream fields that name a measurement rather than measure it.
STREAM_KEYS = {"name", "experiment", "pattern", "transport", "library", "size", "round", "duration",
               "error", "warning"}


def stream_values(obj):
    if obj.get("experiment") not in ("throughput", "latency"):
        # fanout, connect: the parent already reduced them to figures
        return {k: v for k, v in obj.items() if k not in STREAM_KEYS and isinstance(v, (int, float))}
    v = {}
    if obj.get("seconds"):
        v["msgs_per_s"] = obj["messages"] / obj["seconds"]
        v["bytes_per_s"] = obj["bytes"] / obj["seconds"]
    for k in ("p50_us", "p99_us", "mean_us"):
        if k in obj:
            v[k] = obj[k]
    v.update({k: x for k, x in obj.items() if is_cost_metric(k) and isinstance(x, (int, float))})
    return v


def load_stream(path, results):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            if "context" in obj:
                note = obj["context"].get("missing_peers")
                if note and note not in results.missing:
                    results.missing.append(note)
                continue
            key = (obj["experiment"], obj["pattern"], obj["transport"], obj["size"], obj["library"])
            cell = results.cell(key)
            if "error" in obj:
                cell.errors.append((obj.get("round", 0), obj["error"]))
                continue
            cell.rounds.append((obj.get("round", 0), stream_values(obj)))
            if "warning" in obj:
                cell.warnings.append((obj.get("round", 0), obj["warning"]))


def load(paths):
    results = Results()
    for path in paths:
        (load_stream if path.endswith(".jsonl") else load_gbench)(path, results)
    return results
