#!/usr/bin/env python3
"""history_check.py OUT EXPECT LABEL_PREFIX NIGHT... - check the reports of
`asprof-batch trend` in OUT against the fixtures' ground truth
(tests/fixtures/expect.txt): the nights are NIGHT... in that order, each
labelled LABEL_PREFIX + its name; every future a night polled has its
metric there; the futures that changed of their own are exactly the
slowed future (`slowed_future`) when some night is slowed (`slowdown_pct`
other than 100), with one change, a regression, at the first slowed night,
and none else; a change marked via is one of `slowed_callers`, via the
slowed future, at that night. history.xlsx (read with zipfile, no
openpyxl): sheets History and Changes; the History header holds each
night's label, its cells are numbers, one per future and night polled;
Changes has a row per change. Prints one line per mismatch and exits 1,
else "ok"."""
import json
import re
import sys
import zipfile

out, expect_path, prefix = sys.argv[1:4]
nights = sys.argv[4:]
problems = []


def bad(msg):
    problems.append(msg)
    print(msg)


truth = {}
for line in open(expect_path, encoding="utf-8"):
    parts = line.split()
    if len(parts) >= 3 and parts[0] in nights:
        truth.setdefault(parts[0], []).append(parts[1:])


def facts(night, key):
    return [p[1:] for p in truth.get(night, []) if p[0] == key]


h = json.load(open(f"{out}/history.json", encoding="utf-8"))
if h["schema"] != "asprof-history/1":
    bad(f"schema {h['schema']}")
if [n["name"] for n in h["nights"]] != nights:
    bad(f"nights {[n['name'] for n in h['nights']]}, expected {nights}")
if [n["label"] for n in h["nights"]] != [prefix + n for n in nights]:
    bad(f"labels {[n['label'] for n in h['nights']]}")

futures = {f["name"]: f for f in h["futures"]}
for i, night in enumerate(nights):
    for name, _ in facts(night, "future"):
        f = futures.get(name)
        if not f or f["metric_ns"][i] is None or f["metric_ns"][i] <= 0:
            bad(f"{name}: no metric at night {i} ({night})")

slowed = [i for i, n in enumerate(nights) if facts(n, "slowdown_pct") != [["100"]]]
own = {n: [c for c in f["changes"] if c["verdict"] != "via"] for n, f in futures.items()}
own = {n: c for n, c in own.items() if c}
if slowed:
    first = slowed[0]
    target = facts(nights[first], "slowed_future")[0][0]
    callers = facts(nights[first], "slowed_callers")[0]
    if list(own) != [target]:
        bad(f"futures changed of their own: {list(own)}, expected [{target}]")
    elif len(own[target]) != 1 or own[target][0]["night"] != first or \
            own[target][0]["verdict"] != "regressed" or \
            own[target][0]["name"] != nights[first] or \
            own[target][0]["label"] != prefix + nights[first]:
        bad(f"{target}: changes {own[target]}, expected one regression at night {first}")
    if h["changed"] != 1 or h["regressed"] != 1:
        bad(f"changed {h['changed']}, regressed {h['regressed']}, expected 1 and 1")
    for n, f in futures.items():
        for c in f["changes"]:
            if c["verdict"] == "via" and (n not in callers or c["via"] != target or
                                          c["night"] != first):
                bad(f"{n}: via change {c}")
else:
    if own or h["changed"] != 0 or h["regressed"] != 0:
        bad(f"changes where no night is slowed: {own}")

# history.xlsx, by its XML
z = zipfile.ZipFile(f"{out}/history.xlsx")
wb = z.read("xl/workbook.xml").decode()
sheets = re.findall(r'<sheet name="([^"]*)"', wb)
if sheets != ["History", "Changes"]:
    bad(f"sheets {sheets}")
strings = []
if "xl/sharedStrings.xml" in z.namelist():
    for si in re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S):
        strings.append("".join(re.findall(r"<t[^>]*>([^<]*)</t>", si)))


def rows(sheet):
    xml = z.read(f"xl/worksheets/sheet{sheet}.xml").decode()
    out = {}
    for r, body in re.findall(r'<row r="(\d+)"[^>]*>(.*?)</row>', xml, re.S):
        cells = {}
        for ref, attrs, v in re.findall(r'<c r="([A-Z]+)\d+"([^>]*)>(?:<f>[^<]*</f>)?<v>([^<]*)</v>', body):
            cells[ref] = strings[int(v)] if 't="s"' in attrs else float(v)
        out[int(r)] = cells
    return out


hist = rows(1)
header = hist.get(3, {})
labels = [v for k, v in sorted(header.items(), key=lambda kv: (len(kv[0]), kv[0]))][2:]
if labels != [prefix + n for n in nights]:
    bad(f"History header {labels}")
numbers = sum(1 for r, cells in hist.items() if r > 3
              for k, v in cells.items() if isinstance(v, float) and k not in ("A", "B"))
present = sum(1 for f in h["futures"] for v in f["metric_ns"] if v is not None)
if numbers != present:
    bad(f"History: {numbers} numbers, expected {present}")
nchanges = sum(len(f["changes"]) for f in h["futures"])
if len([r for r in rows(2) if r > 1]) != nchanges:
    bad(f"Changes: rows other than {nchanges}")

if problems:
    sys.exit(1)
print("ok")
