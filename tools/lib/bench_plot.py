"""Charts of the benchmark results with gnuplot: figure against message size,
one line per library, one panel per transport (and pattern).

    bench-throughput.png   MB/s of PUSH→PULL: inproc, tcp, ipc, ws
    bench-latency.png      one-way p50 of PAIR and REQ/REP: inproc, tcp, ipc, ws

Data files and the gnuplot script go to <out_dir>/plot/. Standard library only.
"""

import os
import subprocess

LIBRARIES = [("raw", "raw"), ("raw_batched", "raw batched"), ("mutex_cv", "raw (mutex+cv)"),
             ("sprocket", "sprocket"), ("nng", "NNG"), ("nanomsg", "nanomsg"), ("zeromq", "ZeroMQ")]
# Each library keeps its colour, point and width in every panel.
STYLES = {"raw": 'lc rgb "#555555" pt 1 lw 2', "raw_batched": 'lc rgb "#999999" pt 2 lw 2 dt 2',
          "mutex_cv": 'lc rgb "#555555" pt 1 lw 2', "sprocket": 'lc rgb "#d62728" pt 7 lw 3',
          "nng": 'lc rgb "#1f77b4" pt 5 lw 2', "nanomsg": 'lc rgb "#2ca02c" pt 9 lw 2',
          "zeromq": 'lc rgb "#ff7f0e" pt 11 lw 2'}
TRANSPORTS = ["inproc", "tcp", "ipc", "ws"]
PATTERN_NAMES = {"push_pull": "PUSH/PULL", "pair": "PAIR", "req_rep": "REQ/REP"}

PREAMBLE = """set logscale x 2
set logscale y 10
set xrange [40:1600000]
set xtics ("64 B" 64, "1 KiB" 1024, "64 KiB" 65536, "1 MiB" 1048576)
set grid xtics ytics mytics
set style data linespoints
"""


def write_series(results, data_dir, exp, pattern, transport, metric, scale):
    """Writes one data file per library that has figures; returns [(path, title, style)]."""
    series = []
    known = {lib for lib, _ in LIBRARIES}
    others = sorted({k[4] for k in results.cells if k[0] == exp} - known)
    for lib, title in LIBRARIES + [(lib, lib) for lib in others]:
        points = []
        for (e, p, t, size, l), cell in results.cells.items():
            if (e, p, t, l) == (exp, pattern, transport, lib) and cell.median(metric):
                points.append((size, cell.median(metric) * scale))
        if not points:
            continue
        path = os.path.join(data_dir, f"{exp}-{pattern}-{transport}-{lib}.dat")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(f"{size} {value:.6g}\n" for size, value in sorted(points))
        series.append((path, title, STYLES.get(lib, "lw 2")))
    return series


def panel(series, title, ylabel):
    if not series:
        return f'set title "{title} (no data)"\nset multiplot next\n'
    plots = ", ".join(f'"{path}" using 1:2 title "{name}" {style}' for path, name, style in series)
    return f'set title "{title}"\nset ylabel "{ylabel}"\nplot {plots}\n'


def chart(results, out_dir, name, exp, patterns, metric, scale, ylabel, key):
    data_dir = os.path.join(out_dir, "plot")
    os.makedirs(data_dir, exist_ok=True)
    png = os.path.join(out_dir, name)
    rows = len(patterns)
    script = [f'set terminal pngcairo size {500 * len(TRANSPORTS)},{460 * rows} font ",10"',
              f'set output "{png}"', PREAMBLE, f'set key {key} font ",9"',
              f'set multiplot layout {rows},{len(TRANSPORTS)}']
    for pattern in patterns:
        for transport in TRANSPORTS:
            series = write_series(results, data_dir, exp, pattern, transport, metric, scale)
            title = f"{exp}: {PATTERN_NAMES[pattern]} over {transport}"
            script.append(panel(series, title, ylabel))
    script.append("unset multiplot")
    path = os.path.join(data_dir, name.replace(".png", ".gp"))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", path], check=True)
    return png


def plot(results, out_dir):
    """Draws the charts; returns their paths."""
    charts = []
    if any(k[0] == "throughput" for k in results.cells):
        charts.append(chart(results, out_dir, "bench-throughput.png", "throughput", ["push_pull"],
                            "bytes_per_s", 1e-6, "MB/s (log)", "top left"))
    if any(k[0] == "latency" for k in results.cells):
        charts.append(chart(results, out_dir, "bench-latency.png", "latency", ["pair", "req_rep"],
                            "p50_us", 1.0, "one-way p50, µs (log)", "bottom right"))
    return charts
