"""The report section of bench/client.sh, in Markdown, from its raw output directory.

    python3 bench/client_report.py RAW_DIR COMMIT CPU CORES ROUNDS

Reads RAW_DIR/client.json (end2end/bench/client.bench.ts), RAW_DIR/lighthouse-*.json and
RAW_DIR/twiggy/*.csv (`twiggy top -f csv` of each wasm module, names kept).
"""

import csv
import datetime
import glob
import json
import os
import re
import sys
from collections import Counter

# The byte budgets of end2end/tests/weight.ts (KiB, gzip -9).
BUDGET_KIB = {"list": 173.4, "thread": 256}


def kib(n):
    return f"{n / 1024:.1f} KiB"


def weight_rows(label, weight):
    rows = []
    for a in weight["assets"]:
        rows.append(f"| {label} | {a['kind']} `{a['name']}` | {kib(a['raw'])} | {kib(a['gzip'])} |")
    rows.append(f"| {label} | **total** ({len(weight['assets'])} requests) | {kib(weight['raw'])} | **{kib(weight['gzip'])}** |")
    return rows


def ms(v):
    return f"{v:.1f} ms"


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def lcp_element(report):
    audit = report["audits"].get("largest-contentful-paint-element", {})
    details = audit.get("details") or {}
    for item in details.get("items", []):
        # Lighthouse 10+: a list of tables, the first naming the element.
        for inner in item.get("items", []) if isinstance(item, dict) else []:
            node = inner.get("node") if isinstance(inner, dict) else None
            if node:
                return node.get("snippet", "?")
        if isinstance(item, dict) and "node" in item:
            return item["node"].get("snippet", "?")
    return "?"


def failed_audits(report, category):
    refs = report["categories"][category]["auditRefs"]
    failed = []
    for ref in refs:
        audit = report["audits"][ref["id"]]
        if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
            failed.append(f"`{ref['id']}` ({audit['score']:.2f})")
    return failed


CRATE = re.compile(r"([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::")


def crate_of(name):
    if name.startswith("data segment") or name.startswith("data["):
        return "(data)"
    m = CRATE.search(name)
    return m.group(1) if m else "(unnamed)"


def twiggy_module(path):
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    items = []
    for r in rows:
        name = r["Name"]
        # The name section is there for twiggy only (the site's wasm has none).
        if name.startswith("custom section") or "subsection" in name or name.startswith("...") or "Σ" in name:
            continue
        items.append((name, int(r["ShallowSize"])))
    total = sum(s for _, s in items)
    crates = Counter()
    for name, size in items:
        crates[crate_of(name)] += size
    return total, crates, sorted(items, key=lambda x: -x[1])


def main():
    raw, commit, cpu, cores, rounds = sys.argv[1:6]
    client = json.load(open(os.path.join(raw, "client.json")))
    out = []
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out.append(f"\n## {now}, commit {commit} — client (`bench/client.sh`)\n")
    lighthouse = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(raw, "lighthouse-*.json")))]
    browser = lighthouse[0]["environment"]["hostUserAgent"] if lighthouse else "?"
    out.append(f"Machine: {cores} cores ({cpu}). Browser: {browser}. Loopback, SQLite.\n")

    out.append("### First loads and what loads later\n")
    out.append("Every JS, CSS and wasm response, on a cold cache, until `body[data-hydrated]` and the network is idle; gzip -9 of each body. Budgets (end2end/tests/budget.spec.ts): list "
               f"{BUDGET_KIB['list']} KiB, thread {BUDGET_KIB['thread']} KiB.\n")
    out.append("| load | asset | raw | gzip -9 |")
    out.append("|---|---|---:|---:|")
    out += weight_rows("list page `/embed/<token>`", client["list"])
    out += weight_rows("thread page `…/conversations/<id>`", client["thread"])
    out += weight_rows("later: a thread opened from the list", client["openThreadFromList"])
    out += weight_rows("later: the reply-buttons builder", client["openBuilder"])
    out.append("")

    out.append(f"### In use (Chromium on loopback, {rounds} rounds)\n")
    out.append("| from → to | first | median | p90 |")
    out.append("|---|---:|---:|---:|")
    for key, label in [("clickToThread", "click on a list row → the thread's messages painted"),
                       ("enterToPending", "Enter in the composer → the message shown, pending")]:
        t = client[key]
        out.append(f"| {label} | {ms(t['first'])} | {ms(t['median'])} | {ms(percentile(t['samples'], 90))} |")
    out.append("\n(first: the first click also loads the thread's chunk; \"painted\": two animation frames after it is in the page.)\n")

    if lighthouse:
        out.append(f"### Lighthouse {lighthouse[0]['lighthouseVersion']} on the demo's list page (mobile defaults)\n")
        out.append("| run | performance | accessibility | FCP | LCP | TBT | CLS | Speed Index |")
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for i, r in enumerate(lighthouse, 1):
            a = r["audits"]
            out.append(
                f"| {i} | {r['categories']['performance']['score']:.2f} | {r['categories']['accessibility']['score']:.2f} "
                f"| {a['first-contentful-paint']['numericValue'] / 1000:.2f} s | {a['largest-contentful-paint']['numericValue'] / 1000:.2f} s "
                f"| {a['total-blocking-time']['numericValue']:.0f} ms | {a['cumulative-layout-shift']['numericValue']:.3f} "
                f"| {a['speed-index']['numericValue'] / 1000:.2f} s |"
            )
        out.append("")
        for i, r in enumerate(lighthouse, 1):
            snippet = lcp_element(r).replace("|", "\\|")
            perf = ", ".join(failed_audits(r, "performance")) or "none"
            a11y = ", ".join(failed_audits(r, "accessibility")) or "none"
            out.append(f"- run {i}: LCP element `{snippet}`; performance audits below 1: {perf}; accessibility audits failed: {a11y}")
        out.append("")

    out.append("### Where the wasm's bytes are (twiggy, names kept, before gzip)\n")
    out.append("Each module as `--split` cuts it (`inbox-embed`: the main module; `split_attach_*`: the open thread; `split_mount_*`: the reply-buttons builder; `chunk_*`: code both share), shrunk with `wasm-opt -Oz -g`; a name's crate is its path's first segment.\n")
    for path in sorted(glob.glob(os.path.join(raw, "twiggy", "*.csv")), key=lambda p: (not os.path.basename(p).startswith("inbox-embed"), p)):
        name = os.path.basename(path)[:-4]
        total, crates, items = twiggy_module(path)
        if total == 0:
            continue
        top = ", ".join(f"{c} {100 * s / total:.1f}%" for c, s in crates.most_common(12))
        out.append(f"**`{name}`**, {kib(total)} of code and data: {top}.\n")
        out.append("| function or data | bytes | share |")
        out.append("|---|---:|---:|")
        for fn, size in items[:10]:
            short = (fn if len(fn) <= 110 else fn[:107] + "…").replace("|", "\\|")
            out.append(f"| `{short}` | {size} | {100 * size / total:.1f}% |")
        out.append("")
    out.append(f"Raw output: `bench/results/{os.path.basename(raw)}/` (not committed).\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
