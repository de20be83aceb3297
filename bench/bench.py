#!/usr/bin/env python3
"""dossier's benchmark: whole commands, timed side by side with the sqlite3 shell.

Run it through bench/run.sh. It generates archives with the project's generator,
then for each comparison runs dossier's command and the sqlite3 shell's equivalent in
turn (alternating, so that a noisy machine slows both alike), several times, and
reports medians, the ratio dossier/sqlite3, and peak memory (max RSS). Load time is
also measured at several sizes to show how cost grows, and with a document for every
source against the same archive with its documents withheld, to show what storing the
documents and checking every quote against them costs.

Results are printed as a Markdown table and written to bench/results.md.
"""

import argparse
import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Set by build(): the release binaries, wherever cargo put them.
DOSSIER = None
GENERATE = None


# The files of an archive folder, in the order a load reads them.
TABLES = ("sources", "actors", "events", "figures", "citations")

def build():
    """Builds dossier and the generator in release mode and finds them where cargo
    says they are, so that CARGO_TARGET_DIR and cargo's configuration are honoured."""
    global DOSSIER, GENERATE
    proc = subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--bin", "dossier", "--example", "generate",
         "--message-format=json-render-diagnostics"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        check=True,
    )
    found = {}
    for line in proc.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            found[msg["target"]["name"]] = Path(msg["executable"])
    missing = {"dossier", "generate"} - found.keys()
    if missing:
        sys.exit(f"bench: cargo built no executable for {', '.join(sorted(missing))}")
    DOSSIER, GENERATE = found["dossier"], found["generate"]


def run(cmd, stdout=subprocess.DEVNULL, stdin=None, cwd=None, cpu=False):
    """Runs a command under /usr/bin/time; returns (seconds, max RSS in KiB), and with
    `cpu` the CPU seconds it used (user and system) as a third element: on a shared
    machine, the figure that other work disturbs least."""
    stats = Path(os.environ.get("TMPDIR", "/tmp")) / f"dossier-bench-time-{os.getpid()}"
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", "-o", str(stats), *cmd],
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=stdin,
        cwd=cwd,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, cmd))} failed:\n{proc.stderr.decode(errors='replace')}")
    rss, user, system = stats.read_text().split()[-3:]
    stats.unlink()
    if cpu:
        return elapsed, int(rss), float(user) + float(system)
    return elapsed, int(rss)


def generate(events, out, documents=None):
    """Generates an archive of `events` events into `out`, unless it is there;
    `documents` is "written", "withheld", "unchecked" or None (see examples/generate)."""
    if (out / "events.csv").exists():
        return
    print(f"generating {events:,} events into {out} …", file=sys.stderr)
    extra = {
        None: [],
        "written": ["--documents"],
        "withheld": ["--documents-withheld"],
        "unchecked": ["--documents-unchecked"],
    }[documents]
    subprocess.run([GENERATE, "--events", str(events), "--seed", "1", "--out", str(out), *extra], check=True)


def shell_script(data, path):
    """Writes the sqlite3 shell's import script for the files in `data`: a STRICT table
    for each file, created from its header (the columns dossier declares, as the
    generator writes them) with the same primary key, then bench/shell-import.sql."""
    creates = []
    for table in TABLES:
        with open(data / f"{table}.csv", newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        columns = [f"{c} TEXT PRIMARY KEY" if c == "id" else f"{c} TEXT" for c in header]
        creates.append(f"CREATE TABLE {table} ({', '.join(columns)}) STRICT;\n")
    path.write_bytes("".join(creates).encode() + (ROOT / "bench" / "shell-import.sql").read_bytes())


def shell_import(data, db):
    """The sqlite3 shell's typed import of the same files (see shell_script)."""
    if db.exists():
        db.unlink()
    script = db.with_name(db.name + ".import.sql")
    shell_script(data, script)
    with open(script, "rb") as stdin:
        return run(["sqlite3", str(db)], stdin=stdin, cwd=data)


def dossier_load(data, db, log=None, full=True, cpu=False):
    """dossier's load, a full rebuild unless `full` is false; its summary (rows per
    table, time per step) goes to `log`; with `cpu`, its CPU time too (see `run`)."""
    cmd = [DOSSIER, "load", str(data), "--db", str(db)] + (["--full"] if full else [])
    if log is None:
        return run(cmd, cpu=cpu)
    with open(log, "wb") as out:
        return run(cmd, stdout=out, cpu=cpu)


def edited_events(data, every, out):
    """events.csv of `data` with the title of every `every`-th row changed (every=0:
    only the middle row), written once to `out` and kept."""
    if out.exists():
        return out
    print(f"writing {out} …", file=sys.stderr)
    csv.field_size_limit(1 << 30)
    tmp = out.with_name(out.name + ".part")
    with open(data / "events.csv", newline="", encoding="utf-8") as src, open(tmp, "w", newline="", encoding="utf-8") as dst:
        r, w = csv.reader(src), csv.writer(dst, lineterminator="\n")
        header = next(r)
        w.writerow(header)
        title = header.index("title")
        rows = sum(1 for _ in open(data / "events.csv", "rb")) if every == 0 else 0
        for i, row in enumerate(r):
            if (every and i % every == every // 2) or (not every and i == rows // 2):
                row[title] = row[title] + " (revised)"
            w.writerow(row)
    tmp.rename(out)
    return out


def incremental(args, n, data, work, results):
    """Incremental loads side by side with full ones, on the same folder: a full load
    of the generated files, then a load after no change, after one event row changed,
    and after 1% of the event rows changed. The folder's events.csv is switched between
    versions by renaming hard links, so that every load sees the same paths."""
    live = work / "live"
    shutil.rmtree(live, ignore_errors=True)
    live.mkdir()
    # Only the archive's files: the edited versions of events.csv are kept beside them.
    for table in TABLES:
        os.link(data / f"{table}.csv", live / f"{table}.csv")
    # The edited versions are kept outside the archive's folder, which other steps
    # load as it is.
    edits = data.with_name(data.name + "-edits")
    edits.mkdir(exist_ok=True)
    versions = {
        "no file changed": data / "events.csv",
        "one event row changed": edited_events(data, 0, edits / "events.one.csv"),
        "1% of the event rows changed": edited_events(data, 100, edits / "events.percent.csv"),
    }
    db = work / "incremental.db"

    def use(version):
        tmp = live / "events.csv.tmp"
        tmp.unlink(missing_ok=True)
        os.link(version, tmp)
        os.replace(tmp, live / "events.csv")

    for label, version in versions.items():
        def full():
            use(data / "events.csv")
            return dossier_load(live, db)

        def update():
            use(version)
            log = work / "incremental.txt"
            t = dossier_load(live, db, log, full=False)
            said = log.read_text()
            if "rebuilt" in said or ("in place" not in said and "up to date" not in said):
                sys.exit(f"bench: the load after {label} was not incremental:\n{said}")
            return t

        # In order: the update loads the edited file over the full load of the
        # unedited one; after another update it would find nothing to do.
        (ta, _), (tb, mib) = alternate(full, update, args.runs, in_order=True)
        results.append({"what": label, "full": ta, "incremental": tb, "share": tb / ta, "mib": mib})
        print(f"{label}: full {ta:.3f} s, incremental {tb:.3f} s, {100 * tb / ta:.1f}%", file=sys.stderr)
    db.unlink(missing_ok=True)


def canned(name, params):
    """A canned query's SQL with its parameters written in as literals, for the shell."""
    text = (ROOT / "src" / "queries" / f"{name}.sql").read_text()
    sql = "\n".join(l for l in text.splitlines() if not l.startswith("--"))

    def literal(v):
        if v is None:
            return "NULL"
        if isinstance(v, (int, float)):
            return str(v)
        return "'" + str(v).replace("'", "''") + "'"

    return re.sub(r":([a-z_]+)", lambda m: literal(params[m.group(1)]), sql)


def alternate_runs(commands, runs, in_order=False):
    """Runs commands in turn, `runs` rounds of each, every other round in the reverse
    order (unless `in_order`, for a command that needs the one before it), so that
    none always runs first or always right after another; returns what each command
    returned on every run (its time and peak memory in KiB, as `run` gives them), in
    order."""
    measured = [[] for _ in commands]
    for round in range(runs):
        order = list(zip(commands, measured))
        for command, times in order if in_order or round % 2 == 0 else reversed(order):
            times.append(command())
    return measured


def summary(runs):
    """The median time and the peak memory in MiB of runs of (time, peak memory in
    KiB, …)."""
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs) / 1024


def alternate(first, second, runs, in_order=False):
    """Runs two commands in turn, `runs` times each (see `alternate_runs`); returns each
    one's median time and peak memory in MiB."""
    return [summary(x) for x in alternate_runs([first, second], runs, in_order)]


def median_pair(label, ours, theirs, runs, results, note=""):
    """Times two commands alternately; records medians, ratio and memory."""
    (ta, ma), (tb, mb) = alternate(ours, theirs, runs)
    results.append(
        {
            "what": label,
            "dossier": ta,
            "sqlite3": tb,
            "ratio": ta / tb,
            "dossier_mib": ma,
            "sqlite3_mib": mb,
            "note": note,
        }
    )
    print(f"{label}: dossier {ta:.3f} s, sqlite3 {tb:.3f} s, ratio {ta / tb:.2f}", file=sys.stderr)


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    sqlite = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
    version = subprocess.run([DOSSIER, "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}; {version}; sqlite3 shell {sqlite}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1_000_000, help="archive size for the comparisons")
    p.add_argument("--scale", default="100000,1000000,10000000", help="sizes for the load-scaling rows")
    p.add_argument("--runs", type=int, default=5, help="runs per comparison (the median is reported)")
    p.add_argument("--scale-runs", type=int, default=3, help="runs per size in the scaling rows")
    p.add_argument("--data", default=os.environ.get("DOSSIER_BENCH_DATA", "/tmp/dossier-bench"), help="where generated archives are kept")
    p.add_argument("--out", default=str(ROOT / "bench" / "results.md"), help="where to write the Markdown results")
    p.add_argument("--no-compare", action="store_true", help="no comparisons with the sqlite3 shell")
    p.add_argument("--incremental-only", action="store_true", help="only the incremental loads beside full ones (written to bench/results-incremental.md)")
    p.add_argument("--check-only", action="store_true", help="only dossier check, on the archive of --events, loaded once and kept (written to bench/results-check.md)")
    p.add_argument("--verify-events", type=int, help="archive size for the load with documents (default: --events)")
    p.add_argument("--no-verify", action="store_true", help="no load with documents")
    args = p.parse_args()

    if shutil.which("sqlite3") is None:
        sys.exit("bench: the sqlite3 shell is needed (Debian: apt-get install sqlite3)")
    build()
    data_root = Path(args.data)
    data_root.mkdir(parents=True, exist_ok=True)
    work = data_root / "work"
    work.mkdir(exist_ok=True)
    n = args.events
    data = data_root / f"events-{n}"
    ours_db, shell_db = work / "dossier.db", work / "shell.db"
    if args.check_only:
        generate(n, data)
        # Kept between runs: the load is what takes long, and check only reads.
        checked_db = work / f"check-{n}.db"
        if not checked_db.exists():
            dossier_load(data, checked_db)
        report_check(args, check(args, checked_db, work, data), n)
        return
    results, updates = [], []
    if args.incremental_only:
        generate(n, data)
        incremental(args, n, data, work, updates)
        report(args, results, [], updates, n)
        return
    if not args.no_compare:
        generate(n, data)
        compare(args, n, data, work, ours_db, shell_db, results)
        report_check(args, check(args, ours_db, work, data), n)
        incremental(args, n, data, work, updates)
    scaling = scale(args, data_root, work)
    verified = None if args.no_verify else verification(args, data_root, work)
    report(args, results, scaling, updates, n, verified)


def compare(args, n, data, work, ours_db, shell_db, results):
    """dossier and the sqlite3 shell side by side, on the same data."""

    median_pair(
        f"load {n:,} events (whole archive)",
        lambda: dossier_load(data, ours_db),
        lambda: shell_import(data, shell_db),
        args.runs,
        results,
        "dossier: validation, dates, citations, indexes, full-text index; sqlite3: `.import` into typed tables with the same keys and indexes",
    )
    export_out = work / "export.csv"
    median_pair(
        "export events as CSV",
        lambda: run([DOSSIER, "--db", str(ours_db), "export", "events", "-o", str(export_out)]),
        lambda: run(["sqlite3", "-csv", "-header", str(ours_db), "select * from events"], stdout=open(export_out, "wb")),
        args.runs,
        results,
        "the same archive file",
    )
    formats(ours_db, work, args.runs, results)
    mid = n // 2
    queries = [
        (
            "timeline --from 1990 --to 1990-03",
            ["timeline", "--from", "1990", "--to", "1990-03", "--format", "csv"],
            [canned("timeline", {"from": "1990", "from_start": "1990-01-01", "from_end": "1990-12-31", "to": "1990-03", "to_start": "1990-03-01", "to_end": "1990-03-31", "actor": None, "tag": None, "within": 0})],
        ),
        (
            "figures --measure 'planned aid'",
            ["figures", "--measure", "planned aid", "--format", "csv"],
            [canned("figures", {"measure": "planned aid", "unit": None, "area": None, "from": None, "from_start": None, "from_end": None, "to": None, "to_start": None, "to_end": None})],
        ),
        (
            "search '\"wheat flour\"'",
            ["search", '"wheat flour"', "--format", "csv"],
            [canned("search", {"query": '"wheat flour"', "limit": 20})],
        ),
        (
            f"show ev-{mid:08d}",
            ["show", f"ev-{mid:08d}", "--format", "csv"],
            [canned(q, {"id": f"ev-{mid:08d}"}) for q in ("event", "figure", "source", "actor", "citations", "linked")],
        ),
    ]
    for label, args_ours, sqls in queries:
        script = work / "query.sql"
        script.write_text(";\n".join(sqls) + ";\n")
        median_pair(
            label,
            lambda a=args_ours: run([DOSSIER, "--db", str(ours_db), *a]),
            lambda s=script: run(["sqlite3", "-csv", "-header", str(ours_db)], stdin=open(s, "rb")),
            args.runs,
            results,
            "start-up included; sqlite3 runs the same SQL",
        )


def rule_sql(name):
    """A built-in check rule's SQL, without its header."""
    text = (ROOT / "src" / "rules" / f"{name}.sql").read_text()
    return "\n".join(l for l in text.splitlines() if not l.startswith("--"))


def load_time(summary):
    """The time a load's summary gives for it ("loaded … in 117.53 s"), in seconds."""
    m = re.search(r"^loaded .* in ([0-9.]+) (s|ms|µs) ", summary, re.M)
    if not m:
        sys.exit(f"bench: no load time in the load's summary:\n{summary}")
    return float(m.group(1)) / {"s": 1, "ms": 1e3, "µs": 1e6}[m.group(2)]


def check(args, db, work, data):
    """dossier check: the rules written in plain SQL side by side with the shell running
    the same SQL (dossier also finds the file and line of every row a finding names,
    and writes the report), then every rule, timed against the load of the same archive
    run in turn with it, since the rules written in Rust have nothing else to run
    against. The target is under a minute at 1M events. The load is timed with and
    without its closing count of what check would find (--quiet skips it), which
    gives the count's share of a load. --warn all reports every finding without
    failing, so the exit code is 0."""
    results = []
    plain = ["after-publication", "unused"]
    script = work / "rules.sql"
    script.write_text("".join(rule_sql(r) + ";\n" for r in plain))
    median_pair(
        "check --rule " + " --rule ".join(plain),
        lambda: run([DOSSIER, "--db", str(db), "check", *[a for r in plain for a in ("--rule", r)]]),
        lambda: run(["sqlite3", "-csv", "-header", str(db)], stdin=open(script, "rb")),
        args.runs,
        results,
    )
    report_file = work / "check.txt"
    load_log = work / "check-load.txt"
    scratch = work / "check-load.db"
    checks, quiet, counted, counts_started = [], [], [], []
    for _ in range(args.runs):
        with open(report_file, "wb") as out:
            checks.append(run([DOSSIER, "--db", str(db), "check", "--warn", "all"], stdout=out, cpu=True))
        # --full: a load of an archive that is up to date changes nothing and counts
        # nothing.
        quiet.append(run([DOSSIER, "--quiet", "load", str(data), "--db", str(scratch), "--full"], cpu=True))
        with open(load_log, "wb") as out:
            counted.append(run([DOSSIER, "load", str(data), "--db", str(scratch), "--full"], stdout=out, cpu=True))
        counts_started.append(load_time(load_log.read_text(encoding="utf-8")))
    scratch.unlink(missing_ok=True)
    lines = report_file.read_text(encoding="utf-8").splitlines()
    summary = lines[-1] if lines else ""
    said = load_log.read_text(encoding="utf-8").splitlines()
    said = said[-1] if said and "run dossier check" in said[-1] else "(nothing)"

    def med(xs, k):
        return statistics.median(x[k] for x in xs)

    def spread(xs):
        return min(xs), max(xs)

    ratios = [c[0] / q[0] for c, q in zip(checks, quiet)]
    # The count's share of a load, from one run: the load says how long it took before
    # it started counting. Two loads in turn differ by more than the count on a busy
    # machine.
    shares = [(n[0] - loaded) / n[0] for n, loaded in zip(counted, counts_started)]
    cpu_shares = [(n[2] - q[2]) / n[2] for n, q in zip(counted, quiet)]
    out = {
        "pairs": results,
        "time": med(checks, 0),
        "cpu": med(checks, 2),
        "mib": max(m for _, m, _ in checks) / 1024,
        "summary": summary,
        "times": [t for t, _, _ in checks],
        "load": med(quiet, 0),
        "load_cpu": med(quiet, 2),
        "ratio": statistics.median(ratios),
        "ratios": spread(ratios),
        "counted": med(counted, 0),
        "counted_cpu": med(counted, 2),
        "share": statistics.median(shares),
        "shares": spread(shares),
        "cpu_share": statistics.median(cpu_shares),
        "said": said,
    }
    print(
        f"check, every rule: {out['time']:.2f} s ({out['cpu']:.2f} s of CPU), {out['mib']:.0f} MiB, "
        f"{out['ratio']:.2f} times the load ({out['load']:.2f} s); {summary}",
        file=sys.stderr,
    )
    print(
        f"load with its count: {out['counted']:.2f} s, the count {100 * out['share']:.0f}% of it "
        f"({100 * out['cpu_share']:.0f}% of its CPU time); it said: {said}",
        file=sys.stderr,
    )
    return out


def report_check(args, checked, n):
    """Writes the check's figures beside --out, as results-check.md."""
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}.",
        f"`dossier check` on the archive of {n:,} events; medians of {args.runs} runs; whole-process wall time; peak memory is max RSS.",
        "",
        "| what | dossier | sqlite3 shell | ratio | dossier peak | sqlite3 peak |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in checked["pairs"]:
        lines.append(
            f"| {r['what']} | {r['dossier']:.3f} s | {r['sqlite3']:.3f} s | {r['ratio']:.2f} | "
            f"{r['dossier_mib']:.0f} MiB | {r['sqlite3_mib']:.0f} MiB |"
        )
    lo, hi = checked["ratios"]
    slo, shi = checked["shares"]
    lines += [
        "",
        "Every rule, `check --warn all`, its report written to a file (target: under 60 s), run in turn with",
        "`load --quiet` and `load` of the same archive (ratios taken run by run; min to max in brackets):",
        "",
        "| what | wall time | CPU time | against the load | peak memory | findings |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        f"| check, every rule | {checked['time']:.3f} s | {checked['cpu']:.3f} s | {checked['ratio']:.2f} ({lo:.2f} to {hi:.2f}) | {checked['mib']:.0f} MiB | {checked['summary']} |",
        f"| `load --quiet` | {checked['load']:.3f} s | {checked['load_cpu']:.3f} s | 1 | | |",
        f"| `load`, ending with its count | {checked['counted']:.3f} s | {checked['counted_cpu']:.3f} s | the count: {100 * checked['share']:.0f}% of its wall time ({100 * slo:.0f}% to {100 * shi:.0f}%); against `load --quiet`, {100 * checked['cpu_share']:.0f}% of its CPU time | | {checked['said']} |",
        "",
        f"Every run of check, in seconds: {', '.join(f'{t:.1f}' for t in checked['times'])}.",
    ]
    text = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.with_name(out.stem + "-check" + out.suffix).write_text(text)
    print(text)


def formats(db, work, runs, results):
    """Parquet against CSV, both written by dossier from the same archive: the events
    table alone (the same rows and columns in each), and the whole archive (every
    table as Parquet, against the five CSV files load reads). Alternating, medians,
    and the bytes written."""

    def size(path):
        return sum(f.stat().st_size for f in path.iterdir()) if path.is_dir() else path.stat().st_size

    def fresh(path):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        return path

    cases = [
        (
            "export events",
            work / "events.parquet",
            work / "events.csv",
            lambda out: ["export", "events", "--format", "parquet", "-o", str(out)],
            lambda out: ["export", "events", "-o", str(out)],
        ),
        (
            "export the whole archive (`--all --format parquet --dir`, against `--dir`)",
            work / "parquet",
            work / "csv",
            lambda out: ["export", "--all", "--format", "parquet", "--dir", str(out)],
            lambda out: ["export", "--dir", str(out)],
        ),
    ]
    for label, pq, csv_out, pq_args, csv_args in cases:
        (ta, ma), (tb, _) = alternate(
            lambda: run([DOSSIER, "--db", str(db), *pq_args(fresh(pq))]),
            lambda: run([DOSSIER, "--db", str(db), *csv_args(fresh(csv_out))]),
            runs,
        )
        results.append(
            {
                "format": label,
                "parquet": ta,
                "csv": tb,
                "parquet_bytes": size(pq),
                "csv_bytes": size(csv_out),
                "parquet_mib": ma,
            }
        )
        print(f"{label}: Parquet {ta:.3f} s {size(pq) / 1e6:.0f} MB, CSV {tb:.3f} s {size(csv_out) / 1e6:.0f} MB", file=sys.stderr)
        fresh(pq)
        fresh(csv_out)


def scale(args, data_root, work):
    """Load time and memory at several sizes."""
    scaling = []
    for size in [int(s) for s in args.scale.split(",") if s]:
        d = data_root / f"events-{size}"
        generate(size, d)
        times = []
        log = work / f"load-{size}.txt"
        for _ in range(args.scale_runs):
            times.append(dossier_load(d, work / "scale.db", log))
        steps = next((l for l in log.read_text().splitlines() if l.startswith("built indexes")), "")
        csv_bytes = sum(f.stat().st_size for f in d.glob("*.csv"))
        scaling.append((size, *summary(times), csv_bytes, steps))
        (work / "scale.db").unlink(missing_ok=True)
        print(f"load {size:,}: {scaling[-1][1]:.2f} s, {scaling[-1][2]:.0f} MiB; {steps}", file=sys.stderr)
    return scaling


def verification(args, data_root, work):
    """What checking quotes against documents costs. Three loads of one archive
    alternate: every source with a document and every quote checked against it; the
    same documents held by sources that nothing cites, so that they are read, stored
    and indexed for search but no quote is checked; and no documents at all (every
    locator filled in, nothing to check against). The first against the second is
    what the checking costs; against the third, what documents cost in all."""
    n = args.verify_events or args.events
    docs = data_root / f"events-{n}-documents"
    unchecked = data_root / f"events-{n}-documents-unchecked"
    plain = data_root / f"events-{n}-documents-withheld"
    generate(n, docs, documents="written")
    generate(n, unchecked, documents="unchecked")
    generate(n, plain, documents="withheld")
    log = work / "load-documents.txt"
    db = work / "verify.db"

    def fresh(data, log=None):
        # Each load builds a new archive: loaded over the other one, it would also
        # spend its time comparing two unrelated archives.
        db.unlink(missing_ok=True)
        return dossier_load(data, db, log, cpu=True)

    runs_with, runs_unchecked, runs_without = alternate_runs(
        [lambda: fresh(docs, log), lambda: fresh(unchecked), lambda: fresh(plain)], args.runs
    )
    (work / "verify.db").unlink(missing_ok=True)

    # The machine's speed drifts between runs; the loads of one round ran side by
    # side, so the ratio within a round is the steadier figure, and their spread
    # shows how steady. CPU time is what other work on the machine disturbs least.
    def ratios(against, cpu=False):
        # A run is (wall time, peak memory, CPU time): see `run`.
        at = 2 if cpu else 0
        return sorted(w[at] / o[at] for w, o in zip(runs_with, against))

    def spread(r):
        return statistics.median(r), r[0], r[-1]

    lines = log.read_text().splitlines()
    measured = {
        "events": n,
        "loads": [summary(r) for r in (runs_without, runs_unchecked, runs_with)],
        "checking": spread(ratios(runs_unchecked)),
        "in_all": spread(ratios(runs_without)),
        "checking_cpu": spread(ratios(runs_unchecked, cpu=True)),
        "in_all_cpu": spread(ratios(runs_without, cpu=True)),
        "csv": [sum(f.stat().st_size for f in d.glob("*.csv")) for d in (plain, unchecked, docs)],
        "documents": sum(f.stat().st_size for f in (docs / "documents").glob("*.txt")),
        "verified": next((l for l in lines if l.startswith("verified ")), ""),
        "steps": next((l for l in lines if l.startswith("built indexes")), ""),
    }
    (c, c_low, c_high), (d, d_low, d_high) = measured["checking"], measured["in_all"]
    print(
        f"load {n:,}: checking the quotes {c:.2f} ({c_low:.2f}–{c_high:.2f}) of the load with the "
        f"documents unchecked, {measured['checking_cpu'][0]:.2f} in CPU time; documents in all "
        f"{d:.2f} ({d_low:.2f}–{d_high:.2f}); {measured['verified']}",
        file=sys.stderr,
    )
    return measured


def report(args, results, scaling, updates, n, verified=None):
    """Writes what was measured: the comparisons to --out, the scaling rows, the
    incremental loads and the load with documents beside it."""
    stamp = f"Measured {time.strftime('%Y-%m-%d')} on {machine()}."
    out = Path(args.out)
    if updates:
        targets = {"no file changed": 2, "one event row changed": 10, "1% of the event rows changed": 25}
        lines = [
            stamp,
            f"{n:,} events. Medians of {args.runs} runs, a full load (--full) and an incremental one alternating on the same folder; whole-process wall time; peak memory is max RSS of the incremental load.",
            "",
            "| load after | full load | incremental load | share of full | target | incremental peak |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for u in updates:
            t = targets.get(u["what"])
            lines.append(
                f"| {u['what']} | {u['full']:.3f} s | {u['incremental']:.3f} s | {100 * u['share']:.1f}% | "
                f"{'≤ ' + str(t) + '%' if t else ''} | {u['mib']:.0f} MiB |"
            )
        text = "\n".join(lines) + "\n"
        out.with_name(out.stem + "-incremental" + out.suffix).write_text(text)
        print(text)
    if results:
        lines = [
            stamp,
            f"Medians of {args.runs} runs, dossier and sqlite3 alternating; whole-process wall time; peak memory is max RSS.",
            "",
            "| what | dossier | sqlite3 shell | ratio | dossier peak | sqlite3 peak |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in results:
            if "format" in r:
                continue
            lines.append(
                f"| {r['what']} | {r['dossier']:.3f} s | {r['sqlite3']:.3f} s | {r['ratio']:.2f} | "
                f"{r['dossier_mib']:.0f} MiB | {r['sqlite3_mib']:.0f} MiB |"
            )
        formats = [r for r in results if "format" in r]
        if formats:
            lines += [
                "",
                "Parquet against CSV, both written by dossier from the same archive (medians, alternating):",
                "",
                "| what | Parquet | CSV | time ratio | Parquet size | CSV size | size ratio | Parquet peak |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            ]
            for r in formats:
                lines.append(
                    f"| {r['format']} | {r['parquet']:.3f} s | {r['csv']:.3f} s | {r['parquet'] / r['csv']:.2f} | "
                    f"{r['parquet_bytes'] / 1e6:,.1f} MB | {r['csv_bytes'] / 1e6:,.1f} MB | "
                    f"{r['parquet_bytes'] / r['csv_bytes']:.2f} | {r['parquet_mib']:.0f} MiB |"
                )
        text = "\n".join(lines) + "\n"
        out.write_text(text)
        print(text)
    if scaling:
        lines = [
            stamp,
            f"Median of {args.scale_runs} run(s) per size.",
            "",
            "| load | CSV | time | per 1k events | peak memory | after the rows (last run) |",
            "| ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for size, t, mib, b, steps in scaling:
            lines.append(
                f"| {size:,} events | {b / 1e6:,.0f} MB | {t:.2f} s | {t / size * 1000 * 1000:.1f} ms | {mib:.0f} MiB | {steps} |"
            )
        if len(scaling) >= 2:
            lines.append("")
            for (s0, t0, *_), (s1, t1, *_) in zip(scaling, scaling[1:]):
                lines.append(f"From {s0:,} to {s1:,} events ({s1 / s0:.0f}x), load time grew {t1 / t0:.1f}x.")
        text = "\n".join(lines) + "\n"
        out.with_name(out.stem + "-scaling" + out.suffix).write_text(text)
        print(text)
    if verified:
        v = verified
        size = f"{v['events']:,} events"
        docs = f"{v['documents'] / 1e6:,.0f} MB"
        rows = [
            (f"{size}, no documents", "", "none checked"),
            (f"{size}, the same documents, held by sources nothing cites", docs, "none checked"),
            (f"{size}, a document per source", docs, "every one checked"),
        ]
        lines = [
            stamp,
            f"Medians of {args.runs} rounds, the three loads alternating; whole-process wall time; peak memory is max RSS.",
            "",
            "| load | CSV | documents | quotes | time | peak memory |",
            "| --- | ---: | ---: | --- | ---: | ---: |",
        ]
        for (what, documents, quotes), csv_bytes, (t, mib) in zip(rows, v["csv"], v["loads"]):
            lines.append(f"| {what} | {csv_bytes / 1e6:,.0f} MB | {documents} | {quotes} | {t:.2f} s | {mib:.0f} MiB |")
        (c, c_low, c_high), (d, d_low, d_high) = v["checking"], v["in_all"]
        (cc, cc_low, cc_high), (dc, dc_low, dc_high) = v["checking_cpu"], v["in_all_cpu"]
        lines += [
            "",
            f"Checking every quote (the last load against the one before): {c:.2f}, the median of the {args.runs} "
            f"rounds' ratios (each round ran its loads side by side); they ranged from {c_low:.2f} to {c_high:.2f}. "
            f"In CPU time: {cc:.2f} ({cc_low:.2f}–{cc_high:.2f}).",
            f"Documents in all, read, stored, indexed for search and checked against (the last load against the "
            f"first): {d:.2f}, ranging from {d_low:.2f} to {d_high:.2f}. In CPU time: {dc:.2f} ({dc_low:.2f}–{dc_high:.2f}).",
            f"The load with every quote checked said: {v['verified']}; {v['steps']}.",
        ]
        text = "\n".join(lines) + "\n"
        out.with_name(out.stem + "-verification" + out.suffix).write_text(text)
        print(text)


if __name__ == "__main__":
    main()
