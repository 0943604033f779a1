"""What an organiser feels at the scale of a national round, measured honestly.

Generates realistic filled application workbooks over the built-in criteria sets (each with
its own applicant name and 统一社会信用代码, figures scaled, about 1% broken files), then
measures, each in a fresh process so time and peak memory are its own:

* start-up: ``python -c "import click"``, ``iipeval --help``, ``iipeval validate one.xlsx``,
  with bytecode cached on both sides (as an installed package has it);
* per file, per core (serial, one process): iipeval's own path (guard, reader, validation
  with located findings, scoring with explanations) against a pandas + python-calamine
  reference that reads the same two data sheets and computes the same points (it scores
  with iipeval's engine; its totals are checked against iipeval's, file by file), and the
  parser's floor (calamine, the same three sheets iipeval reads, behind the same guard);
* ``iipeval score DIR -o results.json`` and ``-o results.xlsx`` (which also writes .json
  and .csv) on all cores, wall time and peak RSS of the process tree, start-up included;
* peak RSS of both outputs at a small and a large N (JSON applications by default, which
  score cheaply, so the large batch fits the time budget; ``--full`` uses workbooks);
* ``iipeval panel`` for 100 applications and 7 experts against ``score`` of the same 100;

(the two commands of each of the last two comparisons run in turn, twice by default, and
the shortest time of each counts)

and prints a table of the goals of issue 15 with each measured ratio. Ratios compare runs
made one after the other in the same invocation, so they hold on a shared, noisy machine.
Run from the repository root (pandas is a benchmark extra: ``pip install -e '.[bench]'``):

    python benchmarks/batch.py --quick     # a fast check, about 2 minutes on 2 cores
    python benchmarks/batch.py             # the goals, about 10 minutes on 2 cores
    python benchmarks/batch.py --full      # also scores 5000 workbooks (long)
    python benchmarks/batch.py --only startup --only perfile   # just those sections
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
SHEETS = ["基本信息", "指标数据", "_meta"]  # what iipeval's reader reads of a workbook
SECTIONS = ("startup", "perfile", "outputs", "memory", "panel")  # --only picks among these


# --- corpus -------------------------------------------------------------------------------


def seeds(folder: Path) -> list[Path]:
    """One filled workbook per built-in set, made through the product's own template."""
    from workbook_helpers import figures, fill

    from iipeval.core.api import Evaluator
    from iipeval.excel.application import template

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
    from iipeval.core.scoring.validation import credit_code_check_char

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


def corpus(
    folder: Path, n: int, seed_files: list[Path], *, broken: bool = True, first: int | None = None
) -> Path:
    """``n`` workbooks, or only the ``first`` of them (the same files: one seeded stream)."""
    out = folder / f"n{n}" if broken else folder / f"clean{n}"
    out.mkdir(exist_ok=True)
    rng = random.Random(n)
    blobs = [p.read_bytes() for p in seed_files]
    for k in range(n if first is None else min(first, n)):
        path = out / f"app_{k:05d}.xlsx"
        data = variant(blobs[k % len(blobs)], k, rng)
        if broken and k % BAD_EVERY == BAD_EVERY - 1:
            data = data[: len(data) // 3]  # truncated in transit
        path.write_bytes(data)
    return out


def json_corpus(folder: Path, n: int, seed_files: list[Path]) -> Path:
    """``n`` JSON applications (``iipeval schema``): the seeds as iipeval reads them, each with
    its own applicant and scaled figures. They score without a workbook to parse, which lets
    the memory check reach a large N within the time budget."""
    from iipeval.core.api import Evaluator
    from iipeval.core.scoring.validation import credit_code_check_char
    from iipeval.excel import intake

    ev = Evaluator()
    apps = [intake.read_application(p, ev).submission.application for p in seed_files]
    out = folder / f"json{n}"
    out.mkdir()
    rng = random.Random(n)
    for k in range(n):
        data = apps[k % len(apps)].model_dump(mode="json")
        first17 = f"9143{k:04d}MA4L{k % 100000:05d}"[:17].ljust(17, "0")
        data["applicant"]["name"] = f"湖南示例{k:05d}号工业互联网有限公司"
        data["applicant"]["credit_code"] = first17 + credit_code_check_char(first17)
        f = rng.uniform(0.3, 3.0)
        data["items"] = {
            i: (int(v * f) if isinstance(v, int) and not isinstance(v, bool) else v)
            for i, v in data["items"].items()
        }
        (out / f"app_{k:05d}.json").write_text(
            json.dumps({"application": data}, ensure_ascii=False)
        )
    return out


# --- per-file phases (each runs serially in its own process: one core) --------------------


def needed_cells() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """framework id → sheet → [(key, cell)], from the template layout the reader uses."""
    from iipeval.core.api import Evaluator
    from iipeval.excel.application import layout

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


def points(result) -> list[float | None]:
    """What two pipelines must agree on: the points secured and each indicator's points
    (a total is withheld while expert parts are pending)."""
    return [result.secured, *(i.points for i in result.indicators)]


def _timed(files: list[Path], one) -> dict:
    """Per file: wall and CPU seconds of ``one(path)``, and the points it returns."""
    wall, cpu, totals = [], [], {}
    for path in files:
        w, c = time.perf_counter(), time.process_time()
        totals[path.name] = one(path)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return {"times": wall, "cpu": cpu, "totals": totals}


def phase_iipeval(files: list[Path]) -> dict:
    """iipeval's own per-file path: guard, reader, validation with located findings,
    scoring with explanations (what each worker of ``score`` does)."""
    from iipeval.core.api import Evaluator
    from iipeval.core.model.results import Rejected
    from iipeval.excel import intake

    ev = Evaluator()
    ev.frameworks()

    def one(path):
        r = ev.score_loaded(intake.read_application(path, ev))
        return None if isinstance(r, Rejected) else points(r)

    return _timed(files, one)


def phase_reference(files: list[Path]) -> dict:
    """pandas + python-calamine: the two data sheets as DataFrames, the figures picked by
    the template's layout, points computed by iipeval's engine (no guard, no located
    findings, no review of the workbook's structure)."""
    import pandas as pd

    from iipeval.core.api import Evaluator
    from iipeval.core.model.application import Application

    ev = Evaluator()
    cells = {
        fw: {sheet: [(k, *_cell_index(c)) for k, c in pairs] for sheet, pairs in m.items()}
        for fw, m in needed_cells().items()
    }
    subtypes = {
        fw: {st.name: st.id for st in ev.framework(fw).framework.subtypes} for fw, _ in SETS
    }
    flags = {"是": True, "否": False}

    def one(path):
        try:
            frames = pd.read_excel(path, sheet_name=SHEETS, header=None, engine="calamine")
        except Exception:
            return None  # a broken file scores nothing
        fw = next(fw for fw, _ in SETS if len(frames["指标数据"]) and _is(frames, fw, cells))
        values = {}
        for sheet, slots in cells[fw].items():
            grid = frames[sheet].to_numpy()
            for key, r, c in slots:
                v = grid[r, c] if r < grid.shape[0] and c < grid.shape[1] else None
                values[key] = None if v is None or v != v else v  # NaN: empty
        items = {}
        for key, v in values.items():
            if ":" in key or "." in key or key == "subtype":
                continue
            if isinstance(v, str):
                v = flags.get(v, {"na": True} if v == "不适用" else v)
            elif hasattr(v, "item"):
                v = v.item()
            items[key] = v
        app = Application(
            framework=fw,
            subtype=subtypes[fw].get(values.get("subtype")),
            applicant={
                k.split(".", 1)[1]: str(v)
                for k, v in values.items()
                if k.startswith("applicant.") and v is not None
            },
            items=items,
        )
        return points(ev.score(app))

    return _timed(files, one)


def _is(frames, fw: str, cells) -> bool:
    """Which set a workbook belongs to: its _meta sheet names it (as iipeval's reader reads)."""
    meta = frames.get("_meta")
    return meta is not None and fw in set(meta.iloc[:, 1].astype(str))


def phase_floor(files: list[Path]) -> dict:
    """The parser's floor behind the same guard: calamine reading the three sheets iipeval
    reads (基本信息, 指标数据, _meta), just the needed cells, nothing else."""
    from python_calamine import CalamineWorkbook

    from iipeval.core.intake.guard import guard

    slots = {
        fw: {s: [_cell_index(c) for _, c in v] for s, v in m.items()}
        for fw, m in needed_cells().items()
    }
    seq = [fw for fw, _ in SETS]

    def one(path):
        if guard(path).problem:
            return None
        try:
            wb = CalamineWorkbook.from_path(str(path))
            wb.get_sheet_by_name("_meta").to_python()
            for sheet, wanted in slots[seq[int(path.stem[-5:]) % len(seq)]].items():
                grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
                [grid[r][c] if r < len(grid) and c < len(grid[r]) else None for r, c in wanted]
        except Exception:
            return None
        return None

    return _timed(files, one)


def phase_udf(runs: int = 200) -> dict:
    """One application scored in-process exactly as Excel calls ``=IIPEVAL_SCORE(...)``:
    the two sheets as nested lists from A1, floats for numbers, None for empty cells."""
    from python_calamine import CalamineWorkbook

    from iipeval.addin import udfs

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
    return {"times": times}


def run_phase(argv: list[str]) -> None:
    """Entry point of a measuring child process: prints its figures as JSON."""
    name, listing = argv[0], argv[1] if len(argv) > 1 else ""
    files = [Path(p) for p in Path(listing).read_text().splitlines()] if listing else []
    fn = {"floor": phase_floor, "reference": phase_reference, "iipeval": phase_iipeval}
    out = fn[name](files) if name in fn else phase_udf()
    print(json.dumps(out))


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


IIPEVAL = [sys.executable, "-m", "iipeval.cli"]


def iipeval(*args: str, ok=(0, 1)) -> tuple[float, int]:
    proc, wall, rss = measured([*IIPEVAL, *args])
    if proc.returncode not in ok:
        raise SystemExit(f"iipeval {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return wall, rss


def interleaved(
    a: list[str], b: list[str], runs: int, before_b=None
) -> tuple[float, int, float, int]:
    """Wall time (shortest) and peak RSS (largest) of two commands run in turn ``runs``
    times: what other users of a shared machine add falls on both alike. ``before_b`` is
    called before each run of ``b`` (outside the timing)."""
    wa, ra, wb, rb = [], [], [], []
    for _ in range(runs):
        w, r = iipeval(*a)
        wa.append(w)
        ra.append(r)
        if before_b is not None:
            before_b()
        w, r = iipeval(*b)
        wb.append(w)
        rb.append(r)
    return min(wa), max(ra), min(wb), max(rb)


def child(phase: str, files: list[Path], tmp: Path) -> dict:
    listing = tmp / f"{phase}.txt"
    listing.write_text("\n".join(map(str, files)))
    proc, _, _ = measured([sys.executable, __file__, "--phase", phase, str(listing)])
    if proc.returncode:
        raise SystemExit(f"{phase} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_of(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Shortest wall time of ``runs`` runs: start-up is what is left without interference."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


def with_bytecode(tmp: Path) -> dict[str, str]:
    """An environment in which Python keeps compiled bytecode, as an installed package
    has it: without it (``PYTHONDONTWRITEBYTECODE``, set on some machines) iipeval's own
    modules were compiled on every run while click's came compiled from site-packages."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")  # the same for both sides
    return env


def ms(times: list[float]) -> tuple[float, float]:
    xs = sorted(t * 1000 for t in times)
    return statistics.median(xs), xs[min(len(xs) - 1, int(0.95 * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes: a check in a few minutes")
    ap.add_argument("--full", action="store_true", help="the memory check on 5000 workbooks")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="runs of each compared command, in turn (the shortest counts)",
    )
    ap.add_argument("--keep", type=Path, help="generate the corpus here and keep it")
    ap.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="measure only this section (repeatable); the goals table shows the sections run",
    )
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        run_phase(args.phase)
        return

    n_main, n_small, n_large = (200, 50, 1000) if args.quick else (1000, 100, 5000)
    n_panel, experts, sample = (40, 7, 60) if args.quick else (100, 7, 200)
    jobs = args.jobs
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="iipeval-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; iipeval --jobs {jobs}; corpus in {tmp}", flush=True)
    seed_files = seeds(tmp)
    goals = []
    only = set(args.only or SECTIONS)

    if "startup" in only:
        startup(tmp, seed_files, 5 if args.quick else 9, goals)
    if only & {"perfile", "outputs"}:
        # per file takes the first files of the main corpus: the same files whether or not
        # the rest is made
        folder = corpus(tmp, n_main, seed_files, first=None if "outputs" in only else sample)
    if "perfile" in only:
        per_file(sorted(folder.iterdir())[:sample], tmp, goals)
    if "outputs" in only:
        outputs(folder, n_main, tmp / "out", jobs, args.repeat, goals)
    if "memory" in only:
        memory(tmp, seed_files, (n_small, n_large), args.full, jobs, goals)
    if "panel" in only:
        panel(tmp, seed_files, n_panel, experts, jobs, args.repeat, goals)

    print("\ngoals (issue 15), ratios measured in this run:")
    print(f"  {'goal':<58} {'ratio':>7} {'target':>7}  status")
    for label, ratio, target in goals:
        status = "met" if ratio <= target else "NOT met"
        print(f"  {label:<58} {ratio:>7.2f} {'≤ ' + format(target, 'g'):>7}  {status}")
    if not args.keep:
        shutil.rmtree(tmp)


def startup(tmp: Path, seed_files: list[Path], runs: int, goals: list) -> None:
    """``import click`` against ``iipeval --help`` and ``validate one.xlsx``, best of ``runs``."""
    one = corpus(tmp, 1, seed_files, broken=False) / "app_00000.xlsx"
    env = with_bytecode(tmp)
    cmds = {
        "click": [sys.executable, "-c", "import click"],
        "help": [*IIPEVAL, "--help"],
        "validate": [*IIPEVAL, "validate", str(one)],
    }
    for cmd in cmds.values():  # a first run writes the bytecode
        best_of(cmd, 1, env)
    t_click, t_help, t_validate = (best_of(cmd, runs, env) for cmd in cmds.values())
    print(
        f"\nstart-up (best of {runs}, bytecode cached): import click {t_click * 1000:.0f} ms, "
        f"iipeval --help {t_help * 1000:.0f} ms, validate one.xlsx {t_validate * 1000:.0f} ms"
    )
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        cold = best_of(cmds["validate"], runs)
        print(
            f"  (this shell sets PYTHONDONTWRITEBYTECODE: validate one.xlsx without bytecode "
            f"{cold * 1000:.0f} ms, {cold / t_click:.2f}× import click; not a goal figure)"
        )
    goals.append(("iipeval --help ÷ python -c 'import click'", t_help / t_click, 4.0))
    goals.append(("validate one.xlsx ÷ python -c 'import click'", t_validate / t_click, 6.0))


def per_file(picked: list[Path], tmp: Path, goals: list) -> None:
    """iipeval, the pandas + calamine reference and the floor, each serially on one core."""
    mine = child("iipeval", picked, tmp)
    ref = child("reference", picked, tmp)
    floor = child("floor", picked, tmp)
    differ = [name for name, pts in mine["totals"].items() if pts != ref["totals"][name]]
    scored = sum(t is not None for t in mine["totals"].values())
    print(f"\nper file, one core, {len(picked)} files ({scored} scored, the others broken):")
    print(
        f"  {'pipeline':<28} {'CPU ms median':>14} {'p95':>7} {'wall ms median':>15} {'files/s/core':>13}"
    )
    for label, d in (
        ("iipeval (guard..explained)", mine),
        ("pandas+calamine reference", ref),
        ("floor (guard+calamine cells)", floor),
    ):
        med, p95 = ms(d["cpu"])
        print(
            f"  {label:<28} {med:>14.2f} {p95:>7.2f} {ms(d['times'])[0]:>15.2f} "
            f"{len(d['cpu']) / sum(d['cpu']):>13.1f}"
        )
    print(
        "  reference reproduces iipeval's totals: "
        + ("yes, every file" if not differ else f"NO, {len(differ)} differ: {differ[:5]}")
    )
    label = "per file CPU: iipeval ÷ pandas+calamine reference"
    if differ:
        label += " (VOID: points differ)"
    goals.append((label, sum(mine["cpu"]) / sum(ref["cpu"]), 2.0))

    udf = child("udf", [], tmp)
    med, p95 = ms(udf["times"])
    print(f"\nUDF path, one application in-process: median {med:.2f} ms, p95 {p95:.2f} ms")


def outputs(folder: Path, n_main: int, out: Path, jobs: int, repeat: int, goals: list) -> None:
    """``score -o results.json`` against ``-o results.xlsx`` on all cores, in turn."""
    w_json, r_json, w_xlsx, r_xlsx = interleaved(
        ["score", str(folder), "-o", str(out / "r.json"), "--force", "--jobs", str(jobs)],
        ["score", str(folder), "-o", str(out / "r.xlsx"), "--force", "--jobs", str(jobs)],
        repeat,
    )
    print(f"\nscore, N = {n_main} workbooks, --jobs {jobs} (start-up included):")
    for label, w, r in (
        ("-o results.json", w_json, r_json),
        ("-o results.xlsx (+.json, .csv)", w_xlsx, r_xlsx),
    ):
        print(
            f"  {label:<32} {w:>7.1f} s  {n_main / w:>6.1f} files/s  "
            f"{n_main / w / jobs:>6.1f} files/s/core  peak RSS {r / 2**20:>5.0f} MB"
        )
    goals.append((f"score -o results.xlsx ÷ -o results.json, N = {n_main}", w_xlsx / w_json, 1.5))


def memory(
    tmp: Path, seed_files: list[Path], sizes: tuple[int, int], full: bool, jobs: int, goals: list
) -> None:
    """Peak RSS of both outputs as the batch grows from ``sizes[0]`` to ``sizes[1]``."""
    n_small, n_large = sizes
    out = tmp / "out"
    kind = "workbooks" if full else "JSON applications"
    make = (
        (lambda n: corpus(tmp, n, seed_files))
        if full
        else (lambda n: json_corpus(tmp, n, seed_files))
    )
    rss = {}
    for n in (n_small, n_large):
        src = make(n)
        for suffix in ("json", "xlsx"):
            w, r = iipeval(
                "score", str(src), "-o", str(out / f"m{n}.{suffix}"), "--force", "--jobs", str(jobs)
            )
            rss[n, suffix] = (w, r)
        shutil.rmtree(src)
    print(f"\npeak RSS of the process tree, {kind}:")
    for (n, suffix), (w, r) in rss.items():
        print(f"  N = {n:>5} -o results.{suffix:<5} {w:>7.1f} s  peak RSS {r / 2**20:>5.0f} MB")
    for suffix in ("json", "xlsx"):
        goals.append(
            (
                f"peak RSS -o results.{suffix}: N = {n_large} ÷ N = {n_small}",
                rss[n_large, suffix][1] / rss[n_small, suffix][1],
                1.5,
            )
        )


def panel(
    tmp: Path, seed_files: list[Path], n_panel: int, experts: int, jobs: int, repeat: int, goals
) -> None:
    """``iipeval panel`` for ``n_panel`` applications and ``experts`` experts against ``score``."""
    out = tmp / "out"
    clean = corpus(tmp, n_panel, seed_files, broken=False)
    roster = tmp / "panel.toml"
    roster.write_text(
        'id = "第一评审组"\n'
        + "".join(
            f'\n[[experts]]\nid = "E{k:02d}"\nname = "专家{k}"\n' for k in range(1, experts + 1)
        )
    )
    record = tmp / "private" / "panel-record.json"  # never replaced: removed before each run
    panel_cmd = ["panel", str(clean), "--panel", str(roster), "-o", str(out / "panel")]
    w_score, _, w_panel, _ = interleaved(
        ["score", str(clean), "-o", str(out / "p.json"), "--force", "--jobs", str(jobs)],
        [*panel_cmd, "--record", str(record), "--force", "--jobs", str(jobs)],
        repeat,
        before_b=lambda: record.unlink(missing_ok=True),
    )
    print(
        f"\npanel, {n_panel} applications × {experts} experts: {w_panel:.1f} s "
        f"(--jobs {jobs}); score of the same {n_panel}: {w_score:.1f} s (--jobs {jobs})"
    )
    goals.append(
        (f"panel ÷ score, {n_panel} applications × {experts} experts", w_panel / w_score, 3.0)
    )


if __name__ == "__main__":
    main()
