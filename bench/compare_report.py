#!/usr/bin/env python3
"""Turns bench/compare.sh's facts (one JSON object per line) into the Markdown table it prints.

Usage: compare_report.py FACTS.jsonl --command "the command line that produced them"
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk_figures(path):
    """req/s, p50 and p99 (ms), requests and errors from one `wrk --latency` output; None where wrk printed none."""
    text = open(path).read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    requests = re.search(r"(\d+) requests in", text)
    figures = {"rps": float(rps.group(1)) if rps else None, "requests": int(requests.group(1)) if requests else 0}
    for pct in ("50", "99"):
        found = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        figures["p" + pct] = float(found.group(1)) * UNITS[found.group(2)] if found else None
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    figures["errors"] = (sum(int(g) for g in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0)
    return figures


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "n/a"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def ratio(a, b):
    return "n/a" if a is None or b in (None, 0) else f"{a / b:.2f}"


def classes(fact):
    """Classes loaded (VM.classloader_stats total), of which from the CDS/AOT archive, and metaspace used
    (VM.metaspace), from jcmd's outputs; None where jcmd gave nothing."""
    read = lambda key: open(fact[key]).read() if os.path.exists(fact[key]) else ""
    total = re.search(r"^Total = \d+\s+(\d+)", read("classloader_stats"), re.M)
    meta = read("metaspace")
    shared = re.search(r"Total Usage - \d+ loaders, \d+ classes \((\d+) shared\)", meta)
    used = re.search(r"^Metaspace\s+used (\d+)K", meta, re.M)
    return {"count": int(total.group(1)) if total else None,
            "shared": int(shared.group(1)) if shared else None,
            "metaspace_mib": int(used.group(1)) / 1024 if used else None}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("facts")
    parser.add_argument("--command", default="bench/compare.sh")
    args = parser.parse_args()
    facts = [json.loads(line) for line in open(args.facts) if line.strip()]
    of = lambda kind: [f for f in facts if f["type"] == kind]

    # wrk: per server and mode, the figures of each round; medians over rounds.
    wrk = {}
    for f in of("wrk"):
        figures = wrk_figures(f["file"])
        figures["cpu_us"] = f["cpu_ticks"] * 1e6 / f["clk_tck"] / max(1, figures["requests"])
        wrk.setdefault((f["server"], f["mode"]), []).append(figures)
    loops = {}
    for f in of("openloop"):
        # main phases are named KIND-SERVER-ROUND, the scale run's scale-VARIANT-KIND
        parts = f["phase"].split("-")
        server = "iamlet-" + parts[1] if parts[0] == "scale" else parts[1]
        loops.setdefault((f["kind"], server), []).append(f)
    memory = {(f["server"], f["when"]): f for f in of("memory")}
    first = {f["what"]: f for f in of("first")}
    start = {f["server"]: f["ready_ms"] for f in of("start")}

    rows = []
    notes = []

    def row(label, nginx, iamlet, digits=0, better_ratio=True):
        rows.append(f"| {label} | {fmt(nginx, digits)} | {fmt(iamlet, digits)} | "
                    f"{ratio(iamlet, nginx) if better_ratio else ''} |")

    def med(series, key):
        return median([s[key] for s in series]) if series else None

    for mode, title in (("keepalive", "cached `GET /v1/credentials`, keep-alive"),
                        ("close", "cached `GET /v1/credentials`, new connection per request")):
        n, i = wrk.get(("nginx", mode), []), wrk.get(("iamlet", mode), [])
        row(f"{title}: req/s", med(n, "rps"), med(i, "rps"))
        row("&nbsp;&nbsp;p50 (ms)", med(n, "p50"), med(i, "p50"), 3)
        row("&nbsp;&nbsp;p99 (ms)", med(n, "p99"), med(i, "p99"), 3)
        row("&nbsp;&nbsp;server CPU µs per request", med(n, "cpu_us"), med(i, "cpu_us"), 1)
        errors = sum(s["errors"] for s in n + i)
        if errors:
            rows.append(f"| &nbsp;&nbsp;wrk errors (all rounds) | {sum(s['errors'] for s in n)} | "
                        f"{sum(s['errors'] for s in i)} | |")
    for kind, title in (("container", "container path at a fixed rate, 110 source addresses"),
                        ("metadata", "metadata path (PUT token + GET) at a fixed rate, 110 source addresses")):
        n, i = loops.get((kind, "nginx"), []), loops.get((kind, "iamlet"), [])
        if not n and not i:
            continue
        rate = (n or i)[0]["rate"]
        row(f"{title}: p50 (ms) at {rate:,} req/s", med(n, "p50_us") and med(n, "p50_us") / 1e3,
            med(i, "p50_us") and med(i, "p50_us") / 1e3, 3)
        row("&nbsp;&nbsp;p99 (ms)", med(n, "p99_us") and med(n, "p99_us") / 1e3,
            med(i, "p99_us") and med(i, "p99_us") / 1e3, 3)
        row("&nbsp;&nbsp;p99.9 (ms)", med(n, "p99_9_us") and med(n, "p99_9_us") / 1e3,
            med(i, "p99_9_us") and med(i, "p99_9_us") / 1e3, 3)
        row("&nbsp;&nbsp;server CPU µs per request", med(n, "cpu_us_per_req"), med(i, "cpu_us_per_req"), 1)
        failed = lambda series: sum(s["sent"] - s["ok"] for s in series)
        rows.append(f"| &nbsp;&nbsp;failed requests (all rounds) | {failed(n)} of {sum(s['sent'] for s in n)} | "
                    f"{failed(i)} of {sum(s['sent'] for s in i)} | |")
        for server, series in (("nginx", n), ("iamlet", i)):
            reasons = {}
            for s in series:
                for reason, count in s["failures"].items():
                    reasons[reason] = reasons.get(reason, 0) + count
            for reason, count in sorted(reasons.items(), key=lambda e: -e[1])[:3]:
                notes.append(f"{kind} open loop, {server}: {count} x {reason}")
    mib = lambda server, when, key="rss_kib": memory[(server, when)][key] / 1024 if (server, when) in memory else None
    row("resident memory idle after ready, VmRSS (MiB)", mib("nginx", "idle"), mib("iamlet", "idle"), 1)
    row("resident memory after the load, VmRSS (MiB)", mib("nginx", "after"), mib("iamlet", "after"), 1)
    row("peak resident memory, VmHWM (MiB)", mib("nginx", "after", "hwm_kib"), mib("iamlet", "after", "hwm_kib"), 1)

    solo = []
    if "iamlet" in start:
        solo.append(f"| process start to `/readyz` 200 | {start['iamlet']:,} ms |")
    labels = {"metadata_cached": "first credential request after ready, cached (metadata path, prefetched pod: "
                                 "PUT token + GET)",
              "container_uncached": "first container-endpoint request, uncached (STS AssumeRoleWithWebIdentity)",
              "container_cached": "the same pod's next request, cached"}
    for what, label in labels.items():
        if what in first:
            hit = first[what]["cache_hit"]
            solo.append(f"| {label} | {first[what]['ms']:.1f} ms (cache_hit={str(hit).lower()}) |")
    for f in of("classes"):
        if f["server"] == "iamlet":
            c = classes(f)
            solo.append(f"| classes loaded after the load (jcmd VM.classloader_stats), of which from the CDS/AOT "
                        f"archive | {fmt(c['count'])} ({fmt(c['shared'])} shared) |")
            solo.append(f"| metaspace used (jcmd VM.metaspace) | {fmt(c['metaspace_mib'], 1)} MiB |")
    for f in of("sts"):
        solo.append(f"| STS calls during the whole run (111 prefetched + 111 container pods) | {f['calls']:.0f} |")

    commit = subprocess.run(["git", "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip()
    print("### iamlet next to nginx serving the same bytes\n")
    print(f"`{args.command}`, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs, Linux {platform.release()}, build of `{commit[:80]}`. Medians over rounds run "
          "interleaved (nginx, iamlet, nginx, iamlet, ...); ratio = iamlet / nginx.\n")
    print("| figure | nginx | iamlet | iamlet / nginx |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))
    print("\n| iamlet only | |")
    print("|---|---:|")
    print("\n".join(solo))

    if of("scale_skipped"):
        print(f"\nScale run skipped: {of('scale_skipped')[0]['reason']}.")
    elif ("iamlet-scale", "after") in memory:
        holds = (of("scale_cluster") or [{}])[0].get("holds") or {}
        print("\n### 50,000 pods on other nodes, 2,000 namespaces, 5,000 service accounts\n")
        if holds:
            print("The API server stand-in held " + ", ".join(f"{v:,} {k}" for k, v in holds.items()) + ".\n")
        print("Two fresh iamlet processes, the same load on each (wrk keep-alive and new connections, open loop on "
              "both paths); ratio = scale / plain.\n")
        print("| figure | plain (111 pods) | scale (+50,000 elsewhere) | scale / plain |")
        print("|---|---:|---:|---:|")
        for label, when, key in (("VmRSS idle after ready (MiB)", "idle", "rss_kib"),
                                 ("VmRSS after the load (MiB)", "after", "rss_kib"),
                                 ("VmHWM (MiB)", "after", "hwm_kib")):
            p, s = mib("iamlet-plain", when, key), mib("iamlet-scale", when, key)
            print(f"| {label} | {fmt(p, 1)} | {fmt(s, 1)} | {ratio(s, p)} |")
        p, s = start.get("iamlet-plain"), start.get("iamlet-scale")
        print(f"| start to ready (ms) | {fmt(p)} | {fmt(s)} | {ratio(s, p)} |")
        counts = {f["server"]: classes(f)["count"] for f in of("classes")}
        print(f"| classes loaded | {fmt(counts.get('iamlet-plain'))} | {fmt(counts.get('iamlet-scale'))} | "
              f"{ratio(counts.get('iamlet-scale'), counts.get('iamlet-plain'))} |")

    spread = []
    for (server, mode), series in sorted(wrk.items()):
        spread.append(f"wrk {mode} {server}: " + ", ".join(fmt(s["rps"]) for s in series) + " req/s")
    for (kind, server), series in sorted(loops.items()):
        spread.append(f"{kind} open loop {server} p99: " + ", ".join(f"{s['p99_us'] / 1e3:.2f}" for s in series
                                                                      if s["p99_us"] is not None) + " ms")
    print("\nPer round: " + "; ".join(spread) + ".")
    loads = {f["when"]: f["loadavg"] for f in of("loadavg")}
    if loads:
        print("\nMachine load average (1, 5, 15 min) " + ", ".join(f"{k}: {v}" for k, v in loads.items())
              + f"; with {os.cpu_count()} CPUs, anything above {os.cpu_count()} means the figures shared the CPUs "
              "with other work.")
    if notes:
        print("\nFailures: " + "; ".join(notes) + ".")


if __name__ == "__main__":
    main()
