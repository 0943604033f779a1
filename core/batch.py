"""Batch scoring: many applications, the expert panel's reviews, rankings.

Applications and reviews arrive from readers as :class:`~iipeval.core.api.Loaded` and
:class:`ReviewBundle` objects; this module matches reviews to applications by key (the
统一社会信用代码, else the applicant name), reports reviews that match nothing and experts
who have not scored an application, scores everything and ranks per criteria set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel

from . import __version__
from .api import Evaluator, Loaded
from .application import Application, ExpertReview
from .findings import Finding, Severity
from .ranking import Ranking, rank
from .results import Rejected, Result


@dataclass
class ReviewBundle:
    """The reviews one file holds (typically one expert's 专家评分表)."""

    source: str
    reviews: list[ExpertReview] = field(default_factory=list)
    expert: str | None = None
    framework: str | None = None
    conflicts: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def application_key(app: Application) -> str:
    return (app.applicant.credit_code or "").strip().upper() or app.applicant.name.strip()


class Batch(BaseModel):
    tool_version: str
    results: list[Result]
    rejected: list[Rejected]
    rankings: list[Ranking]
    findings: list[Finding]
    parameters: dict[str, dict]
    parameters_file: str | None = None
    parameters_file_sha256: str | None = None

    @property
    def failed(self) -> bool:
        return bool(self.rejected) or any(not r.accepted for r in self.results)


def score_batch(
    ev: Evaluator,
    inputs: Iterable[Loaded],
    bundles: Iterable[ReviewBundle] = (),
    *,
    framework: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Batch:
    bundles = list(bundles)
    findings: list[Finding] = [f for b in bundles for f in b.findings]
    rejected: list[Rejected] = []
    apps: list[Loaded] = []
    for loaded in inputs:
        if loaded.submission is None:
            rejected.append(ev.score_loaded(loaded))
        else:
            apps.append(loaded)
        if progress:
            progress(1)

    by_key: dict[str, list[Loaded]] = defaultdict(list)
    for loaded in apps:
        by_key[application_key(loaded.submission.application)].append(loaded)
    for key, same in by_key.items():
        if len(same) > 1:
            findings.append(
                Finding(
                    severity=Severity.warning,
                    code="duplicate_application",
                    message=f"同一申报单位（{key}）出现在多个文件中：{'、'.join(x.source for x in same)}，专家评分将同时计入各文件",
                )
            )

    matched: dict[str, list[ExpertReview]] = defaultdict(list)
    for b in bundles:
        for r in b.reviews:
            key = (r.application or "").strip().upper()
            key = next((k for k in by_key if k.upper() == key), None)
            if key is None:
                findings.append(
                    Finding(
                        severity=Severity.warning,
                        code="review_unknown_application",
                        file=b.source,
                        message=f"专家“{r.expert}”评分的申报“{r.application}”不在本批申报中，已忽略",
                    )
                )
                continue
            if any(v is not None for v in r.scores.values()):
                matched[key].append(r)

    results: list[Result] = []
    for loaded in apps:
        key = application_key(loaded.submission.application)
        sub = loaded.submission
        reviews = [*sub.reviews, *matched.get(key, [])]
        scored = Loaded(
            loaded.source,
            sub.model_copy(update={"reviews": reviews}),
            loaded.findings,
            loaded.locations,
        )
        out = ev.score_loaded(scored, framework)
        if isinstance(out, Rejected):
            rejected.append(out)
            continue
        results.append(out)
        findings.extend(_missing_reviews(out, key, bundles, reviews))

    results.sort(key=lambda r: r.source)
    rejected.sort(key=lambda r: r.source)
    rankings, params = [], {}
    groups: dict[tuple[str, str | None], list[Result]] = defaultdict(list)
    for r in results:
        groups[(r.framework, r.subtype)].append(r)
    for (fw_id, subtype), group in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        eff = ev.effective(fw_id, subtype)
        entries, rank_findings = rank(group, eff.framework.tie_break, eff.ranking)
        rankings.append(
            Ranking(
                framework=fw_id,
                framework_name=eff.framework.name,
                subtype=subtype,
                subtype_name=st.name if (st := eff.framework.subtype(subtype)) else None,
                tie_break=eff.framework.tie_break,
                policy=eff.ranking,
                entries=entries,
                findings=rank_findings,
            )
        )
        findings.extend(rank_findings)
        params[f"{fw_id}/{subtype}" if subtype else fw_id] = {
            "hash": eff.hash(),
            "framework_version": eff.framework.version,
            "values": eff.snapshot(),
        }
    return Batch(
        tool_version=__version__,
        results=results,
        rejected=rejected,
        rankings=rankings,
        findings=findings,
        parameters=params,
        parameters_file=ev.params.source,
        parameters_file_sha256=ev.params.source_sha256,
    )


def _missing_reviews(result: Result, key: str, bundles, reviews) -> list[Finding]:
    """Experts of this set's panel who neither scored this application nor declared a conflict."""
    pending = [i.name for i in result.indicators if i.status == "pending"]
    panel = [b for b in bundles if b.expert and b.framework in (None, result.framework)]
    done = {r.expert for r in reviews if any(v is not None for v in r.scores.values())}
    out = []
    for b in panel:
        conflicts = {c.strip().upper() for c in b.conflicts}
        if b.expert in done or key.upper() in conflicts:
            continue
        out.append(
            Finding(
                severity=Severity.warning,
                code="review_missing",
                file=b.source,
                message=f"专家“{b.expert}”未对“{result.applicant}”评分",
            )
        )
    if pending and not panel and not reviews:
        out.append(
            Finding(
                severity=Severity.notice,
                code="awaiting_reviews",
                file=result.source,
                message=f"“{result.applicant}”尚无专家评分：{'、'.join(pending)}待专家评分",
            )
        )
    return out
