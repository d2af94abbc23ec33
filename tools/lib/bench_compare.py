"""A table comparing this run with an earlier one (its results.json): for
the headline cells, each library's figure here ÷ there. tools/bench.sh
--busy-core compares with the last normal run, so the table says how much
each library loses when one core is taken. Standard library only."""

import json

from bench_format import PATTERNS, fmt_size, name, peers, raw_library

# (experiment, pattern, transport, size) of the headline cells.
HEADLINES = [("throughput", "push_pull", t, s) for t in ("inproc", "tcp", "ipc") for s in (64, 1024)] + \
            [("latency", p, t, 64) for p in ("pair", "req_rep") for t in ("inproc", "tcp", "ipc")] + \
            [("fanout", "pub_sub", "tcp", 64)]


def load_medians(path):
    """{(experiment, pattern, transport, size, library): primary median} of a results.json."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    primary = {"throughput": "msgs_per_s", "latency": "p50_us", "fanout": "msgs_per_s"}
    out = {}
    for c in doc.get("cells", []):
        metric = primary.get(c["experiment"])
        if metric and c["median"].get(metric):
            out[(c["experiment"], c["pattern"], c["transport"], c["size"], c["library"])] = c["median"][metric]
    return out


def comparison(results, baseline_path, label):
    try:
        before = load_medians(baseline_path)
    except (OSError, ValueError) as e:
        return [f"(no comparison with {baseline_path}: {e})", ""]
    libs = ["sprocket"] + peers(results)
    header = ["cell", "raw"] + [name(lib) for lib in libs]
    lines = [f"### this run ÷ {label}", "",
             "Primary figure of this run ÷ the same cell's in the other run (throughput and fanout: "
             "msg/s, below 1 = slower here; latency: p50, above 1 = slower here).", "",
             "| " + " | ".join(header) + " |", "|---|" + "--:|" * (len(header) - 1)]
    found = False
    for exp, pattern, transport, size in HEADLINES:
        row = [f"{exp} {PATTERNS.get(pattern, pattern)} {transport} {fmt_size(size)}"]
        for lib in [raw_library(transport)] + libs:
            now = results.value(exp, pattern, transport, size, lib)
            then = before.get((exp, pattern, transport, size, lib))
            row.append(f"{now / then:.2f}×" if now and then else "—")
            found = found or bool(now and then)
        lines.append("| " + " | ".join(row) + " |")
    return lines + [""] if found else []
