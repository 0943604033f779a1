"""Batch throughput: the parser's floor, a naive openpyxl pipeline, and iipeval end to end.

Generates N realistic filled application workbooks spread over the built-in criteria sets
(with about 1% broken files), then measures, each in a fresh process so peak memory is its
own:

1. floor     python-calamine reading just the needed cells, serially, nothing else;
2. baseline  what a user would otherwise write: openpyxl.load_workbook, then score;
3. iipeval   ``iipeval score DIR -o results.json`` end to end, on all cores.

It also times one application scored in-process through the Excel UDF path, and generating
every template. Run from the repository root:

    python benchmarks/batch.py                    # N = 100, 1000, 5000
    python benchmarks/batch.py --sizes 1000 --keep /tmp/bench
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # workbook_helpers: the same filler the tests use

SETS = [
    ("national_2023", None),
    ("hunan_comprehensive", None),
    ("hunan_characteristic", "区域级"),
    ("hunan_professional", None),
]
BAD_EVERY = 100  # one broken file in a hundred


# --- corpus -------------------------------------------------------------------------------


def seeds(folder: Path) -> list[Path]:
    """One filled workbook per built-in set, made through the product's own template."""
    from workbook_helpers import figures, fill

    from iipeval.core.api import Evaluator
    from iipeval.excel import template

    ev = Evaluator()
    out = []
    for fw_id, subtype in SETS:
        fw = ev.framework(fw_id).framework
        path = folder / f"seed_{fw_id}.xlsx"
        template.write(fw, path)
        fill(path, figures(fw), subtype=subtype)
        out.append(path)
    return out


SEED_CODE, SEED_NAME = "91430100MA4L16JQ9D", "湖南示例工业互联网有限公司"
NUMBER = re.compile(rb'(<c r="E\d+"[^>]*><v>)(\d+)(</v>)')


def variant(seed: bytes, n: int, rng: random.Random) -> bytes:
    """The seed with scaled figures and its own applicant name and credit code."""
    from iipeval.core.validation import credit_code_check_char

    first17 = f"9143{n:04d}MA4L{n % 100000:05d}"[:17].ljust(17, "0")
    code = first17 + credit_code_check_char(first17)
    src = zipfile.ZipFile(io.BytesIO(seed))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            # strings may be inline (openpyxl) or shared (Excel): replace them wherever
            if info.filename.startswith("xl/worksheets/") or info.filename.endswith(
                "sharedStrings.xml"
            ):
                factor = rng.uniform(0.3, 3.0)
                body = NUMBER.sub(
                    lambda m, f=factor: m[1] + str(max(0, int(int(m[2]) * f))).encode() + m[3],
                    body,
                )
                body = body.replace(SEED_CODE.encode(), code.encode())
                body = body.replace(
                    SEED_NAME.encode(), f"湖南示例{n:05d}号工业互联网有限公司".encode()
                )
            dst.writestr(info, body)
    return buf.getvalue()


def corpus(folder: Path, n: int, seed_files: list[Path]) -> Path:
    out = folder / f"n{n}"
    out.mkdir()
    rng = random.Random(n)
    blobs = [p.read_bytes() for p in seed_files]
    for k in range(n):
        path = out / f"app_{k:05d}.xlsx"
        data = variant(blobs[k % len(blobs)], k, rng)
        if k % BAD_EVERY == BAD_EVERY - 1:
            data = data[: len(data) // 3]  # truncated in transit
        path.write_bytes(data)
    return out


# --- phases (each runs in its own process) -----------------------------------------------


def needed_cells() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """framework id → sheet → [(key, cell)], from the template layout the reader uses."""
    from iipeval.core.api import Evaluator
    from iipeval.excel import layout

    out = {}
    ev = Evaluator()
    for fw_id, _ in SETS:
        slots: dict[str, list[tuple[str, str]]] = {}
        for s in layout.plan(ev.framework(fw_id).framework).slots:
            slots.setdefault(s.sheet, []).append((s.key, s.cell))
        out[fw_id] = slots
    return out


def _cell_index(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]) - 1, col - 1


def phase_floor(files: list[Path]) -> list[float]:
    """Just the needed cells, with python-calamine, serially."""
    from python_calamine import CalamineWorkbook

    cells = needed_cells()
    slots = {
        fw: {s: [_cell_index(c) for _, c in v] for s, v in m.items()} for fw, m in cells.items()
    }
    times = []
    for k, path in enumerate(files):
        start = time.perf_counter()
        try:
            wb = CalamineWorkbook.from_path(str(path))
            for sheet, wanted in slots[SETS[k % len(SETS)][0]].items():
                grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
                [grid[r][c] if r < len(grid) and c < len(grid[r]) else None for r, c in wanted]
        except Exception:
            pass  # a broken file costs what it costs
        times.append(time.perf_counter() - start)
    return times


def phase_baseline(files: list[Path]) -> list[float]:
    """openpyxl.load_workbook on every file, cells by the template map, then score."""
    import openpyxl

    from iipeval.core.api import Evaluator
    from iipeval.core.application import Application

    ev = Evaluator()
    cells = needed_cells()
    times = []
    for k, path in enumerate(files):
        start = time.perf_counter()
        fw_id, subtype = SETS[k % len(SETS)]
        try:
            wb = openpyxl.load_workbook(path, data_only=True)
            values = {
                key: wb[sheet][cell].value
                for sheet, pairs in cells[fw_id].items()
                for key, cell in pairs
            }
            items = {k: v for k, v in values.items() if "." not in k and ":" not in k}
            items = {k: {"是": True, "否": False}.get(v, v) for k, v in items.items()}
            app = Application(
                framework=fw_id,
                subtype="regional" if subtype else None,
                applicant={"name": str(values.get("applicant.name") or "?")},
                items={k: v for k, v in items.items() if not isinstance(v, str)},
            )
            ev.score(app)
        except Exception:
            pass
        times.append(time.perf_counter() - start)
    return times


def phase_inprocess(files: list[Path]) -> list[float]:
    """iipeval's own per-file path (guard, read, validate, score), serially, for latency."""
    from iipeval.core.api import Evaluator
    from iipeval.excel import intake

    ev = Evaluator()
    ev.frameworks()
    times = []
    for path in files:
        start = time.perf_counter()
        ev.score_loaded(intake.read_application(path, ev))
        times.append(time.perf_counter() - start)
    return times


def phase_udf(runs: int = 200) -> list[float]:
    """One application scored in-process exactly as Excel calls ``=IIPEVAL_SCORE(...)``:
    the two sheets as nested lists from A1, floats for numbers, None for empty cells."""
    from python_calamine import CalamineWorkbook

    from iipeval.excel import udfs

    with tempfile.TemporaryDirectory() as tmp:
        seed = seeds(Path(tmp))[0]  # national_2023, the largest set
        wb = CalamineWorkbook.from_path(str(seed))

        def excel_grid(sheet: str) -> list[list]:
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            return [
                [None if v == "" else (float(v) if isinstance(v, int) else v) for v in r]
                for r in rows
            ]

        info, data = excel_grid("基本信息"), excel_grid("指标数据")
    table = udfs.iipeval_score(info, data, "national_2023")
    assert isinstance(table, list) and "总分" in str(table), table
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        udfs.iipeval_score(info, data, "national_2023")
        times.append(time.perf_counter() - start)
    return times


def phase_templates() -> list[float]:
    from iipeval.core.api import Evaluator
    from iipeval.excel import template

    ev = Evaluator()
    ev.frameworks()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for rf in ev.frameworks():
            template.write(rf.framework, Path(tmp) / f"{rf.framework.id}.xlsx")
        return [time.perf_counter() - start]


def run_phase(argv: list[str]) -> None:
    """Entry point of a measuring child process: prints its timings as JSON."""
    name, listing = argv[0], argv[1] if len(argv) > 1 else ""
    files = [Path(p) for p in Path(listing).read_text().splitlines()] if listing else []
    fn = {"floor": phase_floor, "baseline": phase_baseline, "inprocess": phase_inprocess}
    start = time.perf_counter()
    if name in fn:
        times = fn[name](files)
    elif name == "udf":
        times = phase_udf()
    else:
        times = phase_templates()
    print(json.dumps({"times": times, "wall": time.perf_counter() - start}))


# --- measuring ---------------------------------------------------------------------------


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    total, todo, seen = 0, [pid], set()
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except OSError:
                pass
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        todo.extend(children.get(p, []))
    return total


def measured(cmd: list[str]) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run ``cmd``; return it, its wall time, and the peak RSS of its whole process tree."""
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "1"},
    )
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), wall, peak


def child(phase: str, files: list[Path], tmp: Path):
    listing = tmp / f"{phase}.txt"
    listing.write_text("\n".join(map(str, files)))
    proc, _, peak = measured([sys.executable, __file__, "--phase", phase, str(listing)])
    if proc.returncode:
        raise SystemExit(f"{phase} failed:\n{proc.stderr}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["times"], data["wall"], peak


def stats(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.95 * len(ms)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument(
        "--baseline-max",
        type=int,
        default=1000,
        help="measure the openpyxl baseline on at most this many files (it is slow)",
    )
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--keep", type=Path, help="generate the corpus here and keep it")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        run_phase(args.phase)
        return

    cores = os.cpu_count()
    tmp = Path(tempfile.mkdtemp(prefix="iipeval-bench-")) if not args.keep else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"machine: {cores} cores; iipeval --jobs {args.jobs}; corpus in {tmp}")
    seed_files = seeds(tmp)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        folder = corpus(tmp, n, seed_files)
        files = sorted(folder.iterdir())
        floor_t, floor_wall, floor_rss = child("floor", files, tmp)
        sample = files[: args.baseline_max]
        base_t, base_wall, base_rss = child("baseline", sample, tmp)
        out = tmp / f"results_{n}.json"
        proc, wall, rss = measured(
            [
                sys.executable,
                "-m",
                "iipeval.cli",
                "score",
                str(folder),
                "-o",
                str(out),
                "--force",
                "--jobs",
                str(args.jobs),
            ]
        )
        if proc.returncode not in (0, 1):
            raise SystemExit(f"iipeval failed:\n{proc.stderr}")
        inproc_t, _, _ = child("inprocess", files[: min(n, 300)], tmp)
        rows.append(
            {
                "n": n,
                "floor": (n / floor_wall, *stats(floor_t), floor_rss),
                "baseline": (len(sample) / base_wall, *stats(base_t), base_rss, len(sample)),
                "iipeval": (n / wall, *stats(inproc_t), rss),
            }
        )
        shutil.rmtree(folder)

    udf_t, _, _ = child("udf", [], tmp)
    tpl_t, _, _ = child("templates", [], tmp)
    print()
    print(
        f"{'N':>6} {'pipeline':<10} {'files/s':>9} {'ms median':>10} {'ms p95':>8} {'peak RSS':>10}"
    )
    for r in rows:
        for name in ("floor", "baseline", "iipeval"):
            fps, med, p95, rss, *extra = r[name]
            note = f"  (sampled {extra[0]} files)" if extra and extra[0] < r["n"] else ""
            print(
                f"{r['n']:>6} {name:<10} {fps:>9.1f} {med:>10.2f} {p95:>8.2f} {rss / 2**20:>8.0f} MB{note}"
            )
        f, b, i = r["floor"][0], r["baseline"][0], r["iipeval"][0]
        print(
            f"{'':>6} ratios: iipeval/floor = {i / f:.2f} (target ≥ {0.5 * cores:.1f}); "
            f"baseline→iipeval speed-up = {i / b:.1f}x (target ≥ 10x)"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["iipeval"][3] / first["iipeval"][3]
        print(f"peak RSS N={last['n']} / N={first['n']}: {growth:.2f} (target ≤ 1.5)")
    med, p95 = stats(udf_t)
    print(
        f"UDF path, one application in-process: median {med:.2f} ms, p95 {p95:.2f} ms (target < 5 ms)"
    )
    print(f"all templates generated in {tpl_t[0] * 1000:.0f} ms")
    print(
        "(iipeval ms columns: per-file service time of the same read+score path, serial, "
        "first 300 files)"
    )
    if not args.keep:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
