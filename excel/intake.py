"""Every file from outside, read the one safe way: refused if special, guarded, in a worker.

Applications (``.xlsx``/``.xlsm`` 申报表, ``.json``) and review files (专家评分表 ``.xlsx``,
review ``.json``) come from applicants and experts. Each goes through
:func:`iipeval.core.intake.sandbox.refusal` (no FIFOs, devices, undecodable names), the size cap,
:func:`.guard.guard` for workbooks, and the reader its suffix calls for, inside a worker
of :mod:`iipeval.core.intake.sandbox` with a memory limit and a deadline. ``validate``, ``panel``,
``score`` and ``score --reviews`` all read through here, so one hostile file costs only
itself and becomes a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from iipeval.core.api import Evaluator, Loaded, load_json
from iipeval.core.findings import Finding, Severity
from iipeval.core.intake import sandbox
from iipeval.core.model.results import Rejected, Result
from iipeval.core.panel.bundle import ReviewBundle
from iipeval.core.scoring.params import InputLimits, Parameters

if TYPE_CHECKING:  # a round's machinery: ``validate`` neither needs nor loads it
    from iipeval.core.round.batch import ReviewIndex
    from iipeval.core.round.ranking import Standing
    from iipeval.core.round.spool import ResultSpool

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}  # .xls only to tell the applicant to re-save it
SUFFIXES = {".json"} | WORKBOOK_SUFFIXES


def _error(src: str, code: str, message: str) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, file=src)


def read_application(path: Path, ev: Evaluator) -> Loaded:
    """One application with the reader its suffix calls for (run it in a worker)."""
    path = Path(path)
    src = sandbox.display_name(path)
    suffix = path.suffix.lower()
    problem = sandbox.refusal(path)
    if problem:
        return Loaded(src, None, [_error(src, *problem)])
    if suffix == ".json":
        return load_json(path, ev.params.input)  # size, depth, numbers: core.jsonfile
    if suffix in WORKBOOK_SUFFIXES:
        from iipeval.excel.application.reader import read_workbook

        return read_workbook(path, ev)
    message = f"不支持的文件类型“{suffix or '无扩展名'}”：请提交 .xlsx 申报表或 .json 数据"
    return Loaded(src, None, [_error(src, "unsupported", message)])


def read_review(path: Path, limits: InputLimits) -> ReviewBundle:
    """One review file (专家评分表 or JSON), guarded first (run it in a worker)."""
    from iipeval.core.intake.guard import guard
    from iipeval.excel.review.reader import read_reviews

    path = Path(path)
    src = sandbox.display_name(path)
    problem = sandbox.refusal(path)
    if problem is None and path.suffix.lower() in WORKBOOK_SUFFIXES:  # JSON: core.jsonfile
        checked = guard(path, limits)
        problem = (checked.code, checked.problem) if checked.problem else None
    if problem:
        return ReviewBundle(src, findings=[_error(src, *problem)])
    return read_reviews(path, limits)


# -- in workers ---------------------------------------------------------------------------


def _failed(path: str, code: str, message: str) -> Rejected:
    src = sandbox.display_name(path)
    return Rejected(source=src, findings=[_error(src, code, message)])


def _failed_loaded(path: str, code: str, message: str) -> Loaded:
    src = sandbox.display_name(path)
    return Loaded(src, None, [_error(src, code, message)])


def _failed_review(path: str, code: str, message: str) -> ReviewBundle:
    src = sandbox.display_name(path)
    return ReviewBundle(src, findings=[_error(src, code, message)])


@dataclass(frozen=True)
class _Setup:
    """What each worker builds once: an evaluator with the plugins loaded.

    ``loaded`` is the caller's own evaluator for the same parameters: a forked worker
    inherits it, plugins and applied parameters included, instead of loading them again
    (a spawned worker, which gets a pickled copy of this, loads its own).
    """

    params: Parameters
    loaded: Evaluator | None = None

    def __call__(self) -> Evaluator:
        if self.loaded is not None and self.loaded.params is self.params:
            return self.loaded
        ev = Evaluator(params=self.params)
        ev.frameworks()
        return ev

    def __reduce__(self):
        return _Setup, (self.params,)  # plugin code does not cross a pickle


@dataclass(frozen=True)
class _Score:
    index: ReviewIndex
    framework: str | None
    spooled: bool

    def __call__(self, ev: Evaluator, path: str):
        from iipeval.core.round.batch import score_one
        from iipeval.core.round.ranking import Standing

        out = score_one(ev, read_application(Path(path), ev), self.index, self.framework)
        if self.spooled and isinstance(out, Result):
            # serialise here, in parallel; the parent only appends bytes and ranks
            return (out.model_dump_json().encode("utf-8"), Standing.of(out))
        return out


@dataclass(frozen=True)
class _Check:
    """``validate``'s task: what :class:`_Score` gives with no reviews (``score_one`` with
    an empty index scores an application alone), without loading a round's batch, its
    ranking, record and 核查 models (some 12 ms of ``iipeval validate``'s start)."""

    framework: str | None

    def __call__(self, ev: Evaluator, path: str):
        loaded = read_application(Path(path), ev)
        if loaded.submission is None:
            return ev.score_loaded(loaded)
        return ev.score_loaded(loaded, self.framework, [])


def _read_application(ev: Evaluator, path: str) -> Loaded:
    return read_application(Path(path), ev)


def _read_hashed(ev: Evaluator, path: str) -> tuple[Loaded, str]:
    """The application and the SHA-256 of the bytes read, both in the worker."""
    from iipeval.core.round.manifest import file_sha256

    loaded = read_application(Path(path), ev)
    return loaded, (file_sha256(path) if loaded.submission is not None else "")


def _failed_hashed(path: str, code: str, message: str) -> tuple[Loaded, str]:
    return _failed_loaded(path, code, message), ""


def _read_review(limits: InputLimits, path: str) -> ReviewBundle:
    return read_review(Path(path), limits)


def _same(value):
    return value


def score(
    paths: Sequence[str | Path],
    *,
    params: Parameters,
    index: ReviewIndex,
    framework: str | None = None,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    spool: ResultSpool | None = None,
    loaded: Evaluator | None = None,
) -> Iterator[Result | Standing | Rejected]:
    """Score every path in workers; yield one outcome per path, in completion order.

    With ``spool``, each full result goes to the spool and its :class:`Standing` is yielded
    instead, so the parent holds a small record per application, not the result. ``loaded``
    (the caller's evaluator for ``params``) spares forked workers loading the plugins again.
    """
    job = _application_job(_Score(index, framework, spool is not None), _failed, params, loaded)
    for _, outcome in sandbox.run_in_workers(
        [str(p) for p in paths], job, jobs=jobs, progress=progress
    ):
        if isinstance(outcome, tuple):
            data, outcome = outcome
            spool.add(outcome.source, data)
        yield outcome


def _application_job(task, fail, params: Parameters, loaded: Evaluator | None) -> sandbox.Job:
    """Workers that read applications: each with an evaluator, under the input limits."""
    return sandbox.Job(task, fail, _Setup(params, loaded), sandbox.Limits.of(params.input))


def _in_order(paths: Sequence[Path], job: sandbox.Job, jobs: int | None) -> Iterator:
    return sandbox.in_order(sandbox.run_in_workers([str(p) for p in paths], job, jobs=jobs))


def applications(
    paths: Sequence[Path],
    *,
    params: Parameters,
    jobs: int | None = None,
    loaded: Evaluator | None = None,
) -> Iterator[Loaded]:
    """Read every application in workers; yield them in the order of ``paths``."""
    job = _application_job(_read_application, _failed_loaded, params, loaded)
    return _in_order(paths, job, jobs)


def applications_hashed(
    paths: Sequence[Path],
    *,
    params: Parameters,
    jobs: int | None = None,
    loaded: Evaluator | None = None,
) -> Iterator[tuple[Loaded, str]]:
    """As :func:`applications`, each with the SHA-256 of the file it was read from (a 核查表
    names the exact submission it verifies)."""
    job = _application_job(_read_hashed, _failed_hashed, params, loaded)
    return _in_order(paths, job, jobs)


def files(
    reader: Callable[[str], object],
    paths: Sequence[Path],
    *,
    limits: InputLimits,
    jobs: int | None = None,
    guarded: bool = False,
) -> list[tuple[object | None, str | None]]:
    """Any other outside file (a 核查表, an AHP questionnaire, a matrix): each refused
    unopened if special, a workbook guarded (unless the reader is ``guarded`` itself and
    reports the guard's findings in its own terms), read by ``reader`` in a worker; in the
    order of ``paths``, ``(value, None)`` or ``(None, why in Chinese)``."""
    task = partial(_checked, reader, None if guarded else limits)
    job = sandbox.Job(task, _refused, partial(_same, None), sandbox.Limits.of(limits))
    return list(_in_order(paths, job, jobs))


def _checked(reader, limits: InputLimits | None, _state, path: str):
    problem = sandbox.refusal(path)
    if problem is None and limits and Path(path).suffix.lower() in WORKBOOK_SUFFIXES:
        from iipeval.core.intake.guard import guard

        checked = guard(path, limits)
        problem = (checked.code, checked.problem) if checked.problem else None
    if problem:
        return None, problem[1]
    return reader(path), None


def _refused(path: str, code: str, message: str) -> tuple[None, str]:
    return None, message


def validate(
    paths: Sequence[Path],
    *,
    params: Parameters,
    framework: str | None = None,
    jobs: int | None = None,
    loaded: Evaluator | None = None,
) -> list[Result | Rejected]:
    """Read and check every application in workers; outcomes in the order of ``paths``."""
    job = _application_job(_Check(framework), _failed, params, loaded)
    return list(_in_order(paths, job, jobs))


def reviews(
    paths: Sequence[Path], *, limits: InputLimits, jobs: int | None = None
) -> list[ReviewBundle]:
    """Read every review file in workers (guarded); bundles in the order of ``paths``."""
    job = sandbox.Job(
        _read_review, _failed_review, partial(_same, limits), sandbox.Limits.of(limits)
    )
    return list(_in_order(paths, job, jobs))


# -- 受理: whose is this file? ----------------------------------------------------------------


def _kind(path: Path) -> str:
    """application, review or verification, from what the file says of itself (run after the
    guard): a 核查表 has its ``_verify`` sheet, an expert workbook its ``评分`` sheet, a
    review JSON its format field."""
    import json
    import zipfile

    if path.suffix.lower() == ".json":
        try:
            head = json.loads(path.read_bytes()[: 4 * 2**20])
        except ValueError:
            return "application"
        fmt = head.get("format") if isinstance(head, dict) else None
        return "review" if fmt == "iipeval.review-form" else "application"
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode("utf-8", "replace")
    if 'name="_verify"' in book:
        return "verification"
    return "review" if 'name="评分"' in book and 'name="_calc"' in book else "application"


def _summary(findings, **extra) -> dict:
    errors = sum(f.severity == Severity.error for f in findings)
    warnings = sum(f.severity == Severity.warning for f in findings)
    return {"errors": errors, "warnings": warnings, **extra}


def _identify_application(path: Path, ev: Evaluator) -> dict:
    loaded = read_application(path, ev)
    result = ev.score_loaded(loaded)
    if isinstance(result, Rejected):
        return {"kind": "application", "problem": "；".join(f.message for f in result.findings)}
    vetoed = [h.name for h in result.exclusions]
    return {
        "kind": "application",
        "key": result.credit_code or result.applicant,
        "applicant": result.applicant,
        "framework": result.framework,
        "summary": _summary(result.findings, vetoed=vetoed),
    }


def _identify_review(path: Path, ev: Evaluator) -> dict:
    bundle = read_review(path, ev.params.input)
    if bundle.expert is None:
        return {"kind": "review", "problem": "；".join(f.message for f in bundle.findings)}
    filled = all(v is not None for r in bundle.reviews for v in r.scores.values())
    complete = bool(bundle.reviews) and filled
    return {
        "kind": "review",
        "key": bundle.expert,
        "expert": bundle.expert,
        "framework": bundle.framework,
        "summary": _summary(bundle.findings, complete=complete),
    }


def _identify_verification(path: Path, ev: Evaluator) -> dict:
    from iipeval.excel.verification.reader import read_verification

    v = read_verification(path, ev, ev.params.input)
    if not v.key:
        return {"kind": "verification", "problem": "；".join(f.message for f in v.findings)}
    return {
        "kind": "verification",
        "key": v.key,
        "applicant": v.applicant,
        "framework": v.framework or None,
        "summary": _summary(v.findings),
    }


def identify(path: Path, ev: Evaluator) -> dict:
    """Whose a received file is and what checking it found (run it in a worker): a plain
    dict, so it crosses the sandbox's pipe; ``problem`` when it cannot be read."""
    from iipeval.core.intake.guard import guard

    path = Path(path)
    problem = sandbox.refusal(path)
    if problem is None and path.suffix.lower() in WORKBOOK_SUFFIXES:
        checked = guard(path, ev.params.input)
        problem = (checked.code, checked.problem) if checked.problem else None
    if problem:
        return {"kind": "application", "problem": problem[1]}
    kind = _kind(path)
    reader = {
        "application": _identify_application,
        "review": _identify_review,
        "verification": _identify_verification,
    }[kind]
    return reader(path, ev)
