"""Formatting and naming shared by the benchmark report's modules: how numbers,
sizes and libraries are written, and which libraries are peers. Standard
library only."""

import bench_results

NAMES = {"raw": "raw", "raw_batched": "raw batched", "mutex_cv": "raw (mutex+cv)",
         "sprocket": "sprocket", "nng": "NNG", "nanomsg": "nanomsg", "zeromq": "ZeroMQ"}
PEERS = ["nng", "nanomsg", "zeromq"]  # then any other library found in the input
BASELINES = ["raw", "raw_batched", "mutex_cv", "sprocket"]
# fanout: pub_sub has every library's queue at 10 000 messages per subscriber,
# pub_sub_defaults leaves each library's own defaults.
PATTERNS = {"push_pull": "PUSH/PULL", "pair": "PAIR", "req_rep": "REQ/REP",
            "pub_sub": "PUB→4 SUB, queues 10 000", "pub_sub_defaults": "PUB→4 SUB, library defaults",
            "many": "PUSH→PULL"}
TRANSPORTS = ["inproc", "tcp", "ipc", "ws", "tls+tcp"]
# Micro benchmarks with tables of their own (their "libraries" are not peers).
MICRO = {"radix", "codec"}


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
    if us >= 1e6:
        return f"{fmt_num(us / 1e6)} s"
    if us >= 1000:
        return f"{fmt_num(us / 1000)} ms"
    return f"{fmt_num(us)} µs" if us >= 1 else f"{fmt_num(us * 1000)} ns"


def fmt_seconds(s):
    return fmt_us(s * 1e6)


def fmt_percent(x):
    return f"{100 * x:.1f}%" if x is not None else "?"


def fmt_bytes(n):
    if n is None:
        return "?"
    return f"{fmt_num(n / 1024)} KiB" if abs(n) >= 1024 else f"{n:.0f} B"


def better(exp):
    return bench_results.PRIMARY.get(exp, bench_results.DEFAULT_PRIMARY)[1]


def peers(results):
    """The compared libraries: NNG, nanomsg, ZeroMQ, then any other in the input."""
    others = sorted({k[4] for k in results.cells if k[2] != "-" and k[0] not in MICRO}
                    - set(PEERS) - set(BASELINES))
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


def fmt_size(n):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} B"
