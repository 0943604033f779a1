"""The sections of ``benchmarks/batch.py``; each prints its figures and returns its goals."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import corpus
import measure
from batch import Goal, agree
from measure import Series

HERE = Path(__file__).resolve().parent
PY = sys.executable


def _ms(s: Series) -> str:
    return f"{s.min * 1000:8.2f} {s.median * 1000:8.2f}"


# --- start-up -----------------------------------------------------------------------------


def startup(tmp: Path, seeded: dict, sizes: dict, args) -> list[Goal]:
    """``import click`` against ``iipeval --help`` and ``iipeval validate one.xlsx`` (one
    clean national workbook), CPU of each whole command, bytecode cached on both sides."""
    one = corpus.workbooks(tmp, "one", corpus.NATIONAL, 1, seeded, broken=False) / "app_00000.xlsx"
    env = measure.bench_env(tmp)
    cmds = {
        "python -c 'import click'": [PY, "-c", "import click"],
        "iipeval --help": measure.iipeval_cmd("--help"),
        "iipeval validate one.xlsx": measure.iipeval_cmd("validate", str(one)),
    }
    for cmd in cmds.values():  # the first run writes the bytecode
        measure.run(cmd, env)
    before = measure.load()
    cpu = {k: Series() for k in cmds}
    ratio = {k: Series() for k in list(cmds)[1:]}
    for _ in range(max(args.rounds, 5) * 2):
        got = {k: measure.run(c, env).cpu for k, c in cmds.items()}
        for k, v in got.items():
            cpu[k].values.append(v)
        for k in ratio:
            ratio[k].values.append(got[k] / got["python -c 'import click'"])
    print(f"\nstart-up, CPU ms of the whole command ({before}; rounds {len(ratio[k].values)}):")
    print(f"  {'command':<30} {'min':>8} {'median':>8}   ÷ import click (min, median)")
    for k, s in cpu.items():
        r = f"{ratio[k].min:6.2f} {ratio[k].median:6.2f}" if k in ratio else ""
        print(f"  {k:<30} {_ms(s)}   {r}")
    if args.instructions:
        _instructions(cmds, env, tmp)
    return [
        Goal("iipeval --help ÷ import click (CPU)", ratio["iipeval --help"], 2.0),
        Goal("validate one.xlsx ÷ import click (CPU)", ratio["iipeval validate one.xlsx"], 3.5),
    ]


def _instructions(cmds: dict, env: dict, tmp: Path) -> None:
    """Instructions executed by each command and every process it forks (callgrind)."""
    if not shutil.which("valgrind"):
        print("  (valgrind not installed: no instruction counts)")
        return
    counts = {k: _callgrind(cmd, tmp, env) for k, cmd in cmds.items()}
    base = counts["python -c 'import click'"]
    print("  instructions (callgrind, all processes):")
    for k, n in counts.items():
        print(f"  {k:<30} {n / 1e6:10.1f} M   {n / base:6.2f} × import click")


def _callgrind(cmd: list[str], tmp: Path, env: dict | None = None) -> int:
    """Instructions ``cmd`` executes, in every process it forks. The parent's counts are
    dumped (and reset) before each fork, so a worker's file holds only its own work and
    the files add up to the whole command."""
    out = tmp / "callgrind"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    valgrind = ["valgrind", "--tool=callgrind", "--dump-before=os_fork"]
    subprocess.run(
        [*valgrind, f"--callgrind-out-file={out}/cg.%p", *cmd],
        env=env,
        capture_output=True,
        check=False,
    )
    return sum(_summary(p) for p in out.iterdir())


def _summary(path: Path) -> int:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    return 0


# --- per file -----------------------------------------------------------------------------


SIDES = ("iipeval", "calamine", "pandas")


def perfile(tmp: Path, seeded: dict, sizes: dict, args) -> list[Goal]:
    """Each side on the same files, each in its own process, in turn, every round."""
    rounds = {
        "national": corpus.workbooks(
            tmp, "pf_national", corpus.NATIONAL, sizes["national"], seeded
        ),
        "hunan": corpus.workbooks(tmp, "pf_hunan", corpus.HUNAN, sizes["hunan"], seeded),
    }
    before = measure.load()
    per = {(c, s): Series() for c in rounds for s in SIDES}
    ratio = {(c, s): Series() for c in rounds for s in SIDES[1:]}
    differ: dict[tuple[str, str], list[str]] = {}
    for _ in range(args.rounds):
        for c, folder in rounds.items():
            files = sorted(folder.iterdir())
            got = {s: _phase(s, files, seeded, tmp) for s in SIDES}
            for s in SIDES:
                per[c, s].values.append(sum(got[s]["cpu"]) / len(files))
            for s in SIDES[1:]:
                ratio[c, s].values.append(sum(got["iipeval"]["cpu"]) / sum(got[s]["cpu"]))
                differ[c, s] = agree(got["iipeval"]["points"], got[s]["points"])
    _perfile_table(rounds, per, ratio, differ, before)
    if args.instructions:
        _perfile_instructions(rounds, seeded, tmp)
    void = " (VOID: points differ)" if any(differ[("national", s)] for s in SIDES[1:]) else ""
    return [
        Goal(
            f"per national workbook CPU: iipeval ÷ calamine reference{void}",
            ratio["national", "calamine"],
            3.0,
        ),
        Goal(
            f"per national workbook CPU: iipeval ÷ pandas.read_excel reference{void}",
            ratio["national", "pandas"],
            1.0,
        ),
    ]


def _phase(side: str, files: list[Path], seeded: dict, tmp: Path) -> dict:
    listing = tmp / f"perfile_{side}.txt"
    listing.write_text("\n".join(map(str, files)), "utf-8")
    seeds = next(iter(seeded.values())).parent
    r = measure.run([PY, str(HERE / "perfile.py"), side, str(seeds), str(listing)])
    if r.returncode:
        raise SystemExit(f"per-file phase {side} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _perfile_instructions(rounds: dict, seeded: dict, tmp: Path) -> None:
    """Instructions per file of each side (callgrind: the run on 20 files minus the run on
    the first 2, over the 18 between; both runs warm their caches on the same two files
    first, as the timed runs do), which no load on the machine changes."""
    print("  instructions per file (callgrind):")
    seeds = next(iter(seeded.values())).parent
    for c, folder in rounds.items():
        files = sorted(folder.iterdir())[:20]
        counts = {}
        for side in SIDES:
            runs = []
            for listed in (files, files[:2]):  # both warmed up alike: the difference is files
                listing = tmp / f"ir_{side}.txt"
                listing.write_text("\n".join(map(str, listed)), "utf-8")
                # the process counted whole: --count reads no points back
                cmd = [PY, str(HERE / "perfile.py"), side, str(seeds), str(listing), "--count"]
                runs.append(_callgrind(cmd, tmp))
            counts[side] = (runs[0] - runs[1]) / (len(files) - 2)
        base = counts["iipeval"]
        line = ", ".join(f"{k} {v / 1e6:.1f} M" for k, v in counts.items())
        ratios = ", ".join(f"÷ {k} {base / v:.2f}" for k, v in counts.items() if k != "iipeval")
        print(f"  {c:<10} {line}; iipeval {ratios}")


def _perfile_table(rounds, per, ratio, differ, before) -> None:
    print(
        f"\nper file, one process, CPU ms per file ({before}; {len(next(iter(per.values())).values)} rounds):"
    )
    print(f"  {'corpus':<10} {'side':<10} {'min':>8} {'median':>8}   iipeval ÷ side (min, median)")
    for c, folder in rounds.items():
        n = len(list(folder.iterdir()))
        for s in SIDES:
            r = ratio.get((c, s))
            tail = f"{r.min:6.2f} {r.median:6.2f}" if r else ""
            print(f"  {c + f' ({n})':<10} {s:<10} {_ms(per[c, s])}   {tail}")
    for (c, s), names in differ.items():
        verdict = "yes, every file" if not names else f"NO, {len(names)} differ: {names[:4]}"
        print(f"  {s} reference reproduces iipeval's points on the {c} files: {verdict}")


# --- outputs -------------------------------------------------------------------------------


def outputs(tmp: Path, seeded: dict, sizes: dict, args) -> list[Goal]:
    """``score -o results.json`` and ``-o results.xlsx`` (+ .json, .csv) on all cores, in
    turn, on a national round; the results.json they write, per application."""
    n = sizes["outputs"]
    folder = corpus.workbooks(tmp, "round_national", corpus.NATIONAL, n, seeded)
    out, env = tmp / "out", measure.bench_env(tmp)
    cmds = {
        s: measure.iipeval_cmd("score", str(folder), "-o", str(out / f"r.{s}"), "--force")
        for s in ("json", "xlsx")
    }
    before = measure.load()
    cpu = {s: Series() for s in cmds}
    wall = {s: Series() for s in cmds}
    ratio = Series()
    for _ in range(args.rounds):
        got = {s: _ok(measure.run(c, env)) for s, c in cmds.items()}
        for s, r in got.items():
            cpu[s].values.append(r.cpu)
            wall[s].values.append(r.wall)
        ratio.values.append(got["xlsx"].cpu / got["json"].cpu)
    size = _json_size(out / "r.json")
    print(f"\nscore, a national round of N = {n} workbooks, all cores ({before}):")
    for s in cmds:
        print(
            f"  -o results.{s:<5} CPU s min {cpu[s].min:7.1f} median {cpu[s].median:7.1f}; "
            f"wall s median {wall[s].median:6.1f}; {n / wall[s].median:6.1f} files/s"
        )
    print(
        f"  results.json: {size['total'] / 2**20:.1f} MB, {size['per'] / 1024:.1f} KB per application "
        f"(largest {size['largest'] / 1024:.1f} KB); the parameters once per criteria set"
    )
    per = Series([size["per"] / 1024])
    return [
        Goal(f"score -o results.xlsx ÷ -o results.json, CPU, N = {n}", ratio, 1.2),
        Goal("results.json per application (KB, national round)", per, 40, " KB"),
    ]


def _ok(r: measure.Run) -> measure.Run:
    if r.returncode not in (0, 1):
        raise SystemExit(f"a measured command failed:\n{r.stderr[-3000:]}")
    return r


def _json_size(path: Path) -> dict:
    text = path.read_bytes()
    results = json.loads(text)["results"]
    lines = [
        len(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode()) for r in results
    ]
    return {
        "total": len(text),
        "per": len(text) / max(len(results), 1),
        "largest": max(lines, default=0),
    }


# --- memory --------------------------------------------------------------------------------


def memory(tmp: Path, seeded: dict, sizes: dict, args) -> list[Goal]:
    """The parent's own peak memory (its workers apart) and the largest worker's, as the
    batch grows from ``small`` to ``large`` JSON applications, for both outputs."""
    env, out = measure.bench_env(tmp), tmp / "out"
    small, large = sizes["small"], sizes["large"]
    peaks = {}
    for n in (small, large):
        folder = corpus.json_applications(tmp, n, seeded)
        for s in ("json", "xlsx"):
            cmd = measure.iipeval_cmd(
                "score", str(folder), "-o", str(out / f"m{n}.{s}"), "--force", wrapped=True
            )
            peaks[n, s] = _ok(measure.run(cmd, env, sample=True))
    print(f"\nmemory per process, JSON applications ({measure.load()}):")
    print(f"  {'N':>6} {'output':<14} {'parent MB':>10} {'largest worker MB':>18} {'CPU s':>7}")
    for (n, s), r in peaks.items():
        own = r.own_peak / 2**20 if r.own_peak else float("nan")
        print(f"  {n:>6} results.{s:<6} {own:>10.1f} {r.worker_peak / 2**20:>18.1f} {r.cpu:>7.1f}")
    goals = []
    for s in ("json", "xlsx"):
        ratio = Series([peaks[large, s].own_peak / peaks[small, s].own_peak])
        goals.append(
            Goal(f"parent's own peak memory, -o results.{s}: N = {large} ÷ N = {small}", ratio, 1.5)
        )
    return goals


# --- robustness ----------------------------------------------------------------------------


def robustness(tmp: Path, seeded: dict, sizes: dict, args) -> list[Goal]:
    """``benchmarks/robustness.py`` in a fresh process each round: CPU of scoring the
    applications with their panel, and of the analysis on top."""
    ratio, score, extra = Series(), Series(), Series()
    before = measure.load()
    for _ in range(args.rounds):
        r = measure.run(
            [
                PY,
                str(HERE / "robustness.py"),
                "--n",
                str(sizes["apps"]),
                "--draws",
                str(sizes["draws"]),
                "--json",
            ]
        )
        if r.returncode:
            raise SystemExit(f"robustness failed:\n{r.stderr[-3000:]}")
        got = json.loads(r.stdout.strip().splitlines()[-1])
        score.values.append(got["scoring_cpu"])
        extra.values.append(got["analysis_cpu"])
        ratio.values.append(got["analysis_cpu"] / got["scoring_cpu"])
    print(
        f"\nrobustness, {sizes['draws']:,} draws on {sizes['apps']:,} applications, one process ({before}):"
        f"\n  scoring CPU s min {score.min:.2f} median {score.median:.2f}; "
        f"analysis CPU s min {extra.min:.2f} median {extra.median:.2f}"
    )
    label = f"robustness ({sizes['draws']:,} draws × {sizes['apps']:,}) ÷ scoring pass, CPU"
    return [Goal(label, ratio, 0.5)]


# --- panel ---------------------------------------------------------------------------------


def panel(tmp: Path, seeded: dict, sizes: dict, args) -> list[Goal]:
    """``iipeval panel`` for 100 applications and 7 experts against ``score`` of the same."""
    n, experts = 100, 7
    clean = corpus.workbooks(tmp, "panel", corpus.NATIONAL + corpus.HUNAN, n, seeded, broken=False)
    roster = tmp / "panel.toml"
    roster.write_text(
        'id = "第一评审组"\n'
        + "".join(
            f'\n[[experts]]\nid = "E{k:02d}"\nname = "专家{k}"\n' for k in range(1, experts + 1)
        ),
        "utf-8",
    )
    env, out = measure.bench_env(tmp), tmp / "out"
    record = tmp / "private" / "panel-record.json"  # never replaced: removed before each run
    cmds = {
        "score": measure.iipeval_cmd("score", str(clean), "-o", str(out / "p.json"), "--force"),
        "panel": measure.iipeval_cmd(
            "panel",
            str(clean),
            "--panel",
            str(roster),
            "-o",
            str(out / "panel"),
            "--force",
            "--record",
            str(record),
        ),
    }
    ratio, cpu = Series(), {k: Series() for k in cmds}
    before = measure.load()
    for _ in range(args.rounds):
        record.unlink(missing_ok=True)
        got = {k: _ok(measure.run(c, env)).cpu for k, c in cmds.items()}
        for k, v in got.items():
            cpu[k].values.append(v)
        ratio.values.append(got["panel"] / got["score"])
    print(
        f"\npanel, {n} applications × {experts} experts ({before}): CPU s panel median "
        f"{cpu['panel'].median:.1f}, score median {cpu['score'].median:.1f}"
    )
    return [Goal(f"panel ÷ score, CPU, {n} applications × {experts} experts", ratio, 3.0)]
