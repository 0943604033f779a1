"""Every command that reads or writes files, as a user runs it, over one small round.

``build(root)`` makes the round once (applications, a resubmission, an expert's scores,
unfilled 核查表, a panel, filled AHP questionnaires, a pairwise matrix, parameters with a
公示 period, and a scored run's manifest); :data:`COMMANDS` says, per command, its
arguments with the outputs in a folder of the test's choosing, what it writes there, and
which folder of outside files it reads (where a hostile file is put among the good ones).
``tests/test_door_cases.py`` and ``tests/test_door_trials.py`` run every case over all of
them, so a new command added here gets every case.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner
from support import REPO, code_for

from iipeval.cli.main import cli

EXAMPLES = REPO / "examples" / "applications"
PANEL = 'id = "第一评审组"\n' + "".join(
    f'[[experts]]\nid = "E{k}"\nname = "专家{k}"\n' for k in (1, 2, 3)
)
PARAMS = """[frameworks.national_2023.ranking]
quota = 2

[publication]
start = 2026-12-20
end = 2026-12-26
"""
MATRIX = "准则,A,B,C\nA,1,3,5\nB,1/3,1,2\nC,1/5,1/2,1\n"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


@dataclass
class Env:
    """One small round's files, made once and never modified by a test."""

    root: Path
    apps: Path  # five national applications (JSON), named a0.json … a4.json
    apps2: Path  # the same, resubmitted with one figure changed
    reviews: Path  # one expert's scores for their qualitative parts (a plain review file)
    sheets: Path  # the applications' 核查表, as issued (unfilled)
    panel: Path
    record: Path  # the round's record, kept apart from every form and sheet, private
    questionnaires: Path  # the panel's AHP questionnaires, filled
    matrix: Path  # one pairwise matrix (CSV)
    params: Path  # a quota and a 公示 period
    manifest: Path  # a scored run's record, for reproduce
    folders: dict[str, Path] = field(default_factory=dict)


def national_batch(out: Path, reviews: Path) -> None:
    """Five national applications with different figures, and scores for their qualitative
    parts, so every command that scores gets complete results."""
    from iipeval.core.api import Evaluator

    base = json.loads((EXAMPLES / "national_2023.json").read_text("utf-8"))
    fw = Evaluator().framework("national_2023").framework
    parts = [pid for pid, _, _ in fw.expert_parts()]
    out.mkdir()
    scored = []
    for k, s in enumerate([0.3, 0.7, 1.0, 1.6, 2.5]):
        a = copy.deepcopy(base)
        app = a["application"]
        app["applicant"]["name"] = f"示例单位{k}"
        app["applicant"]["credit_code"] = code_for(f"示例单位{k}")  # a blank one is an error
        for n, (key, v) in enumerate(sorted(app["items"].items())):
            if isinstance(v, int) and not isinstance(v, bool):
                app["items"][key] = int(v * s * (1 + 0.1 * ((n + k) % 5)))
        (out / f"a{k}.json").write_text(json.dumps(a, ensure_ascii=False), "utf-8")
        scores = {p: 60 + (7 * k + 3 * n) % 35 for n, p in enumerate(parts)}
        scored.append({"application": code_for(f"示例单位{k}"), "scores": scores})
    reviews.write_text(json.dumps({"expert": "E1", "reviews": scored}, ensure_ascii=False), "utf-8")


def build(root: Path) -> Env:
    from test_weights_questionnaire import consistent_judgement, fill

    env = Env(
        root=root,
        apps=root / "apps",
        apps2=root / "apps2",
        reviews=root / "reviews.json",
        sheets=root / "sheets",
        panel=root / "panel.toml",
        record=root / "私密" / "record.json",
        questionnaires=root / "q",
        matrix=root / "m.csv",
        params=root / "p.toml",
        manifest=root / "run" / "results.manifest.json",
    )
    national_batch(env.apps, env.reviews)
    shutil.copytree(env.apps, env.apps2)
    changed = json.loads((env.apps2 / "a0.json").read_text("utf-8"))
    items = changed["application"]["items"]
    key = next(k for k, v in sorted(items.items()) if isinstance(v, int) and v > 0)
    items[key] += 1
    (env.apps2 / "a0.json").write_text(json.dumps(changed, ensure_ascii=False), "utf-8")
    env.panel.write_text(PANEL, "utf-8")
    env.matrix.write_text(MATRIX, "utf-8")
    env.params.write_text(PARAMS, "utf-8")
    for args in (
        ["panel", env.apps, "--panel", env.panel, "-o", root / "forms", "--record", env.record],
        ["verification", env.apps, "--panel-record", env.record, "-o", env.sheets],
        [
            "weights",
            "questionnaire",
            "national_2023",
            "--panel",
            env.panel,
            "-o",
            env.questionnaires,
        ],
        ["score", env.apps, "--reviews", env.reviews, "-o", env.manifest.parent / "results.json"],
    ):
        res = invoke(*args)
        assert res.exit_code in (0, 1), res.output
    for p in env.questionnaires.glob("*.xlsx"):
        fill(p, consistent_judgement)
    env.folders = {"apps": env.apps, "sheets": env.sheets, "questionnaires": env.questionnaires}
    return env


@dataclass(frozen=True)
class Spec:
    """How a user runs one command. ``args(env, out, batch)``: the arguments, with every
    output in the folder ``out`` and the batch of outside files read from ``batch`` (the
    env's folder named by ``reads``, or a copy with hostile files added). ``writes``: what
    a complete run leaves in ``out`` (a name, or a folder name ending in ``/``). ``named``:
    options (or ``ARG``) naming one outside file, a place for a FIFO. ``workers``: whether
    it reads in sandboxed workers (where Ctrl-C and kill -9 must not orphan one)."""

    args: Callable[[Env, Path, Path], list]
    writes: tuple[str, ...] = ()
    reads: str | None = "apps"
    force: bool = False
    named: tuple[str, ...] = ()
    workers: bool = True
    #: with one bad input among the batch, whether the good ones are still written (a
    #: panel's forms and objective weights are refused whole: one missing application
    #: would change every expert's forms, or every weight)
    partial: bool = True


def _new(env: Env) -> Path:
    """A place for a new record, outside the test's outputs: a record is never replaced,
    so every run of ``panel`` gets its own."""
    return env.root / "records" / f"{uuid.uuid4().hex}.json"


def _named(args: list, option: str, path: Path) -> list:
    """``args`` with the file ``option`` names replaced by ``path`` (``ARG``: the first
    argument after the command's words)."""
    args = list(args)
    if option == "ARG":
        k = next(i for i, a in enumerate(args) if isinstance(a, Path))
    else:
        k = args.index(option) + 1
    args[k] = path
    return args


COMMANDS: dict[str, Spec] = {
    "score": Spec(
        lambda e, o, b: ["score", b, "--reviews", e.reviews, "-o", o / "results.xlsx"],
        ("results.xlsx", "results.json", "results.csv", "results.manifest.json"),
        force=True,
        named=("--params", "--panel-record"),
    ),
    "score --verified": Spec(
        lambda e, o, b: [
            "score",
            e.apps,
            "--reviews",
            e.reviews,
            "--panel-record",
            e.record,
            "--verified",
            b,
            "-o",
            o / "results.json",
        ],
        ("results.json", "results.manifest.json"),
        reads="sheets",
        force=True,
        named=("--panel-record",),
    ),
    "score --publish": Spec(
        lambda e, o, b: [
            "score",
            b,
            "--reviews",
            e.reviews,
            "--params",
            e.params,
            "-o",
            o / "results.json",
            "--publish",
            o / "公示名单.docx",
        ],
        ("results.json", "公示名单.docx", "results.manifest.json"),
        force=True,
        named=("--params",),
    ),
    "validate": Spec(lambda e, o, b: ["validate", b]),
    "validate --return-to": Spec(
        lambda e, o, b: ["validate", b, "--return-to", o / "补正"], ("补正/",)
    ),
    "panel": Spec(
        lambda e, o, b: ["panel", b, "--panel", e.panel, "-o", o / "评分表", "--record", _new(e)],
        ("评分表/",),
        force=True,
        named=("--panel", "--params"),
        partial=False,
    ),
    "compare": Spec(
        lambda e, o, b: ["compare", b, e.apps2, "-o", o / "比对.xlsx"], ("比对.xlsx",), force=True
    ),
    "verification": Spec(
        lambda e, o, b: ["verification", b, "--panel-record", e.record, "-o", o / "核查表"],
        ("核查表/",),
        named=("--panel-record",),
    ),
    "reproduce": Spec(
        lambda e, o, b: ["reproduce", e.manifest, "--keep", o / "复现"],
        ("复现/",),
        reads=None,
        named=("ARG",),
    ),
    "weights questionnaire": Spec(
        lambda e, o, b: [
            "weights",
            "questionnaire",
            "national_2023",
            "--panel",
            e.panel,
            "-o",
            o / "调查表",
        ],
        ("调查表/",),
        reads=None,
        force=True,
        named=("--panel",),
        workers=False,
    ),
    "weights derive": Spec(
        lambda e, o, b: ["weights", "derive", b, "--panel", e.panel, "-o", o / "weights.toml"],
        ("weights.toml",),
        reads="questionnaires",
        force=True,
        named=("--panel",),
    ),
    "weights ahp": Spec(lambda e, o, b: ["weights", "ahp", e.matrix], reads=None, named=("ARG",)),
    "weights objective": Spec(
        lambda e, o, b: [
            "weights",
            "objective",
            b,
            "--reviews",
            e.reviews,
            "--framework",
            "national_2023",
            "--method",
            "critic",
            "-o",
            o / "obj.toml",
        ],
        ("obj.toml",),
        force=True,
        named=("--panel-record",),
        partial=False,
    ),
    "robustness": Spec(
        lambda e, o, b: [
            "robustness",
            b,
            "--reviews",
            e.reviews,
            "--draws",
            "50",
            "--resamples",
            "0",
            "-o",
            o / "稳健性.xlsx",
        ],
        ("稳健性.xlsx", "稳健性.manifest.json"),
        force=True,
        named=("--params", "--panel-record"),
    ),
    "robustness --ahp": Spec(
        lambda e, o, b: [
            "robustness",
            e.apps,
            "--reviews",
            e.reviews,
            "--ahp",
            b,
            "--draws",
            "50",
            "--resamples",
            "0",
            "-o",
            o / "稳健性.json",
        ],
        ("稳健性.json", "稳健性.manifest.json"),
        reads="questionnaires",
        force=True,
    ),
    "template": Spec(
        lambda e, o, b: ["template", "national_2023", "-o", o / "申报表.xlsx"],
        ("申报表.xlsx",),
        reads=None,
        force=True,
        workers=False,
    ),
}

#: the commands that write files, and the ones that read a batch of outside files
WRITERS = [name for name, s in COMMANDS.items() if s.writes]
READERS = [name for name, s in COMMANDS.items() if s.reads]


def args_of(name: str, env: Env, out: Path, batch: Path | None = None) -> list:
    spec = COMMANDS[name]
    return spec.args(env, out, batch or env.folders.get(spec.reads or "", env.apps))


def named_args(name: str, env: Env, out: Path, option: str, path: Path) -> list:
    """The command's arguments with one named input replaced (added if not given)."""
    args = args_of(name, env, out)
    if option == "ARG" or option in args:
        return _named(args, option, path)
    return [*args, option, path]


def written(out: Path) -> list[str]:
    """What a run left in ``out``: files by name, a folder as ``name/``."""
    return sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir())


def residue(out: Path) -> list[str]:
    """Temporary files, locks and commit records anywhere under ``out``."""
    from iipeval.present.atomic import LOCK_NAME, TEMP_PREFIX

    return sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.name.startswith(TEMP_PREFIX) or p.name == LOCK_NAME
    )


#: Files whose names an applicant or a careless unzip may produce, each a copy of a good
#: input of the batch: bytes that are not UTF-8, control characters, a legal 254-byte name,
#: and injection payloads (formula, shell, format string, markup).
def hostile_names(suffix: str) -> list[bytes]:
    long_stem = "长" * 80 + "x" * (254 - 240 - len(suffix))
    names = [
        "\x1b[31m红\x07" + suffix,
        "换\n行\t" + suffix,
        long_stem + suffix,
        '=HYPERLINK("x.example","点我")' + suffix,
        "$(touch pwned)`id`" + suffix,
        "{0.__class__}%s%n" + suffix,
        "<script>alert(1)<\\script>" + suffix,
    ]
    return [b"\xc9\xea\xb1\xa8" + suffix.encode(), *(os.fsencode(n) for n in names)]


def hostile_batch(env: Env, reads: str, into: Path) -> tuple[Path, list[bytes]]:
    """A copy of the env's folder ``reads`` with hostile-named copies of its first file."""
    source = env.folders[reads]
    shutil.copytree(source, into)
    first = sorted(p for p in source.iterdir() if p.is_file())[0]
    names = hostile_names(first.suffix)
    for n, raw in enumerate(names):
        target = os.path.join(os.fsencode(into), raw)
        if first.suffix == ".json":  # an applicant of its own, so only the name is hostile
            data = json.loads(first.read_text("utf-8"))
            data["application"]["applicant"]["name"] = f"另一单位{n}"
            Path(os.fsdecode(target)).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        else:
            shutil.copyfile(first, target)
    assert len(os.fsencode(names[3])) == 254
    return into, names
