"""The benchmark report's tables of what each library spends: CPU time and
context switches per message (every throughput, latency and fanout cell),
system calls per message (when counted: tools/bench.sh --syscalls), and the
idle experiment. Standard library only."""

from bench_format import TRANSPORTS, fmt_size, name, peers, raw_library, PATTERNS

GROUPS = ["futex", "epoll", "poll", "read", "write", "yield", "other"]

COST_TITLES = {
    "throughput": "CPU time per message, user + system, both processes (µs per message = CPU "
                  "seconds per million messages): total (receiver + sender) · context switches per "
                  "message, both processes",
    "latency": "CPU time per round trip, user + system, both processes (µs) · context switches per "
               "round trip",
    "fanout": "CPU time per message delivered to a subscriber, the publisher and the 4 subscribers "
              "together (µs) · context switches per message delivered · cores busy",
}


def fmt_small(x):
    """Three significant digits without an exponent for what these tables hold."""
    if x is None:
        return "?"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"  # 0.704, 0.0419, 0.000145


def has_cost(cell):
    return cell is not None and cell.median("cpu_us_per_msg") is not None


def cost_text(cell):
    if cell is None:
        return "—"
    if not has_cost(cell):
        return "**failed**" if cell.errors and not cell.rounds else "—"
    text = fmt_small(cell.median("cpu_us_per_msg"))
    recv, send = cell.median("recv_cpu_us_per_msg"), cell.median("send_cpu_us_per_msg")
    if recv is not None and send is not None:
        text += f" ({fmt_small(recv)} + {fmt_small(send)})"
    text += f" · {fmt_small(cell.median('csw_per_msg'))}"
    if cell.experiment == "fanout":
        text += f" · {fmt_small(cell.median('cores'))} cores"
    return text


def ratio_text(a, b):
    return f"{a / b:.2f}×" if a and b else "—"


def cost_table(results, exp, transport):
    keys = sorted({(k[1], k[3]) for k, c in results.cells.items()
                   if k[0] == exp and k[2] == transport and has_cost(c)},
                  key=lambda pk: (list(PATTERNS).index(pk[0]) if pk[0] in PATTERNS else 9, pk[1]))
    if not keys:
        return None
    libs = [raw_library(transport)]
    if exp == "throughput" and transport != "inproc":
        libs.append("raw_batched")
    libs += ["sprocket"] + peers(results)
    header = ["pattern", "size"] + [name(lib) for lib in libs] + ["sprocket ÷ ZeroMQ", "sprocket ÷ cheapest peer"]
    lines = [f"### cost: {exp} — {transport}", "", "| " + " | ".join(header) + " |",
             "|" + "|".join(["---", "--:"] + ["--:"] * (len(header) - 2)) + "|"]
    for pattern, size in keys:
        cells = {lib: results.get(exp, pattern, transport, size, lib) for lib in libs}
        row = [PATTERNS.get(pattern, pattern), fmt_size(size)] + [cost_text(cells[lib]) for lib in libs]
        cpu = {lib: c.median("cpu_us_per_msg") for lib, c in cells.items() if has_cost(c)}
        mine = cpu.get("sprocket")
        cheapest = min(((cpu[p], p) for p in peers(results) if p in cpu), default=(None, None))
        row.append(ratio_text(mine, cpu.get("zeromq")))
        row.append(f"{ratio_text(mine, cheapest[0])} {name(cheapest[1])}" if cheapest[1] else "—")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def cost_section(results):
    out = []
    for exp in ("throughput", "latency", "fanout"):
        tables = [t for t in (cost_table(results, exp, tr) for tr in TRANSPORTS) if t]
        if tables:
            out += [f"**cost, {exp}**: {COST_TITLES[exp]}. Ratios: sprocket's CPU ÷ the other's "
                    "(below 1: sprocket spends less).", ""]
            for t in tables:
                out += [t, ""]
    return out


def has_syscalls(cell):
    return cell is not None and cell.median("syscalls_per_msg") is not None


def syscall_table(results, exp, transport):
    """System calls per message (throughput) or round trip (latency), every size."""
    keys = sorted({(k[1], k[3]) for k, c in results.cells.items()
                   if k[0] == exp and k[2] == transport and has_syscalls(c)},
                  key=lambda pk: (list(PATTERNS).index(pk[0]) if pk[0] in PATTERNS else 9, pk[1]))
    if not keys:
        return None
    libs = [raw_library(transport)]
    if exp == "throughput" and transport != "inproc":
        libs.append("raw_batched")
    libs += ["sprocket"] + peers(results)
    header = ["pattern", "size"] + [name(lib) for lib in libs]
    lines = [f"### system calls: {exp} — {transport}", "", "| " + " | ".join(header) + " |",
             "|" + "|".join(["---", "--:"] + ["--:"] * (len(header) - 2)) + "|"]
    for pattern, size in keys:
        row = [PATTERNS.get(pattern, pattern), fmt_size(size)]
        for lib in libs:
            c = results.get(exp, pattern, transport, size, lib)
            row.append(fmt_small(c.median("syscalls_per_msg")) if has_syscalls(c) else "—")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


# The rows of the breakdown by kind of system call.
BREAKDOWN_ROWS = [("throughput", "push_pull", "inproc", 64), ("throughput", "push_pull", "tcp", 64),
                  ("throughput", "push_pull", "tcp", 1024), ("throughput", "push_pull", "tcp", 65536),
                  ("latency", "pair", "inproc", 64), ("latency", "pair", "tcp", 64),
                  ("latency", "req_rep", "tcp", 64)]


def syscall_breakdown(results):
    header = ["cell", "library"] + GROUPS + ["all"]
    lines = ["### system calls by kind, per message (latency: per round trip)", "",
             "futex: futex; epoll: epoll_wait/pwait/ctl; poll: poll, ppoll, select; read: read, "
             "readv, recvfrom, recvmsg; write: write, writev, sendto, sendmsg (eventfd and pipe "
             "wake-ups included); yield: sched_yield; other: everything else.", "",
             "| " + " | ".join(header) + " |", "|---|---|" + "--:|" * (len(header) - 2)]
    found = False
    for exp, pattern, transport, size in BREAKDOWN_ROWS:
        libs = [raw_library(transport)] + (["raw_batched"] if exp == "throughput" and transport != "inproc" else [])
        for lib in libs + ["sprocket"] + peers(results):
            c = results.get(exp, pattern, transport, size, lib)
            if not has_syscalls(c):
                continue
            found = True
            row = [f"{exp} {PATTERNS.get(pattern, pattern)} {transport} {fmt_size(size)}", name(lib)]
            row += [fmt_small(c.median(f"syscalls_{g}_per_msg")) for g in GROUPS]
            row.append(fmt_small(c.median("syscalls_per_msg")))
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) if found else None


def syscall_section(results):
    out = []
    for exp in ("throughput", "latency"):
        for tr in TRANSPORTS:
            t = syscall_table(results, exp, tr)
            if t:
                out += [t, ""]
    if out:
        out = ["**system calls** per message (latency: per round trip), both processes.", ""] + out
        breakdown = syscall_breakdown(results)
        if breakdown:
            out += [breakdown, ""]
    return out


def idle_table(results):
    """The idle experiment: CPU and wake-ups of both ends of an idle connection."""
    keys = sorted({k[2] for k in results.cells if k[0] == "idle"}, key=TRANSPORTS.index)
    if not keys:
        return []
    libs = ["raw", "sprocket"] + peers(results)
    seconds = max((c.median("idle_s") or 0 for k, c in results.cells.items() if k[0] == "idle"), default=0)
    header = ["transport"] + [name(lib) for lib in libs]
    lines = [f"**idle**: a connected PAIR, nothing flowing, watched for {seconds:.0f} s (every library "
             "at once): CPU of both processes as a percentage of one core · wake-ups per second "
             "(context switches, less the measuring thread's own); lower is better. The harness's own "
             "measuring costs up to about 0.002 %, which is what raw sockets show.", "",
             "### idle — tcp, ipc, ws", "", "| " + " | ".join(header) + " |",
             "|---|" + "--:|" * len(libs)]
    for transport in keys:
        row = [transport]
        for lib in libs:
            c = results.get("idle", "pair", transport, 64, lib)
            if c is None or not c.rounds:
                row.append("**failed**" if c is not None and c.errors else "—")
                continue
            row.append(f"{c.median('cpu_percent'):.3f} % · {c.median('wakeups_per_s'):.1f}/s")
        lines.append("| " + " | ".join(row) + " |")
    return lines + [""]
