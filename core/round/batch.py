"""Batch scoring: many applications, the expert panel's reviews, rankings.

Three steps, so that the middle one can run in worker processes:

1. :func:`index_reviews` admits only the forms the panel's record issued
   (:mod:`.admission`) and files their reviews under the key of the application each
   names (统一社会信用代码, else the applicant name);
2. :func:`score_one` scores one read application with the reviews filed under its key;
3. :func:`assemble` ranks per criteria set and reports what does not add up: reviews for
   applications not in the batch, experts who have not scored an application, duplicates.

:func:`score_batch` runs the three in one process.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel, PrivateAttr

from iipeval.core import __version__
from iipeval.core.api import Evaluator, Loaded
from iipeval.core.findings import Finding, Severity
from iipeval.core.model.application import SUMMARY_ID, Application, ExpertReview
from iipeval.core.model.results import PanelCheck, RefusedReview, Rejected, Result
from iipeval.core.model.verified import Verification
from iipeval.core.panel.admission import admit
from iipeval.core.panel.bundle import ReviewBundle, application_key
from iipeval.core.panel.record import PanelRecord, application_sha256, normal_key
from iipeval.core.round import outcomes as recommend
from iipeval.core.round.ranking import Ranking, Standing, rank, result_key
from iipeval.core.round.spool import ResultSpool
from iipeval.core.round.verification import apply as verify
from iipeval.core.scoring.aggregation import rule_label
from iipeval.core.text import fmt
from iipeval.core.voice import item_labels

#: the rule a 会议评审 result says it was aggregated by
CONSENSUS_RULE = "评审组会议合议评分（一个合议分，不平均、不去掉最高最低）"


@dataclass
class ReviewIndex:
    """Every admitted review with scores in it, filed by the (normalised) application key,
    and what the workers need to say whose scores count in each result."""

    by_key: dict[str, list[tuple[str, ExpertReview]]] = field(default_factory=dict)
    #: ``None``: no review forms were given; else whether a panel record verified them
    verified: bool | None = None
    refused: dict[str, list[RefusedReview]] = field(default_factory=dict)
    #: application key → {expert: fingerprint of the application the expert was shown}
    shown: dict[str, dict[str, str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    record: PanelRecord | None = None
    #: (expert, criteria set) → file of every admitted form
    admitted: dict[tuple[str | None, str | None], str] = field(default_factory=dict)
    #: 调研核查 tables by normalised application key (core/round/verification.py)
    site_checks: dict[str, Verification] = field(default_factory=dict)
    #: application key → experts who recused from it (the record's, or unsigned files')
    recused: dict[str, list[str]] = field(default_factory=dict)
    #: criteria set → the experts of its panel (the record's, or the forms' roster)
    rosters: dict[str | None, list[str]] = field(default_factory=dict)
    #: a round waits for every form its record issued: (expert, criteria set) the organiser
    #: went on without (``None`` as the set: every form of that expert); ``None``: not a round
    waived: set[tuple[str, str | None]] | None = None

    def for_key(self, key: str) -> list[ExpertReview]:
        return [r for _, r in self.by_key.get(normal_key(key), [])]


def index_reviews(
    bundles: Iterable[ReviewBundle], record: PanelRecord | None = None
) -> ReviewIndex:
    """Admit the forms ``record`` issued (all of them, unverified, without one) and file
    their reviews by application key."""
    bundles = list(bundles)
    admission = admit(bundles, record)
    by_key: dict[str, list[tuple[str, ExpertReview]]] = defaultdict(list)
    for b in admission.bundles:
        for r in b.reviews:
            if any(v is not None for v in r.scores.values()):
                by_key[normal_key(r.application)].append((b.source, r))
    shown: dict[str, dict[str, str]] = defaultdict(dict)
    if record is not None:
        for fw in {b.framework for b in admission.bundles}:
            for expert, a in record.assigned(fw):
                shown[normal_key(a.key)][expert.id] = a.application_sha256
    recused, rosters = _who_recused(bundles, record)
    return ReviewIndex(
        dict(by_key),
        verified=admission.verified if bundles else None,
        refused=admission.refused,
        shown=dict(shown),
        findings=admission.findings,
        record=record,
        admitted={(b.expert, b.framework): b.source for b in admission.bundles},
        recused=recused,
        rosters=rosters,
    )


def _who_recused(
    bundles: list[ReviewBundle], record: PanelRecord | None
) -> tuple[dict[str, list[str]], dict[str | None, list[str]]]:
    """Who recused from each application, and each set's panel: from the record when there
    is one (what the organiser issued), else from what the forms say of themselves."""
    recused: dict[str, set[str]] = defaultdict(set)
    rosters: dict[str | None, dict[str, None]] = defaultdict(dict)
    if record is not None:
        for e in record.experts:
            for form in e.forms:
                rosters[form.framework][e.id] = None
                for a in form.recused:
                    recused[normal_key(a.key)].add(e.id)
    else:
        for b in bundles:
            rosters[b.framework].update(dict.fromkeys(b.panel_experts))
            for c in b.conflicts if b.expert else ():
                recused[normal_key(c)].add(b.expert)
    return {k: sorted(v) for k, v in recused.items()}, {k: list(v) for k, v in rosters.items()}


def score_one(
    ev: Evaluator, loaded: Loaded, index: ReviewIndex, framework: str | None = None
) -> Result | Rejected:
    """Score one application with the panel's admitted reviews for its key."""
    if loaded.submission is None:
        return ev.score_loaded(loaded)
    app = loaded.submission.application
    key = normal_key(application_key(app))
    reviews, declared_off = _not_recused(app, index.by_key.get(key, []), index.record)
    site_check = index.site_checks.get(key)
    if site_check is not None:  # 调研核查: scored with the verified values, change shown
        result = verify(loaded, site_check, lambda x: ev.score_loaded(x, framework, reviews))
    else:
        result = ev.score_loaded(loaded, framework, reviews)
    if isinstance(result, Rejected) or index.verified is None:
        return result
    check = _panel_check(ev, result, index, key, [r for r, _ in declared_off])
    counted = check.counted
    changed = _shown_other_data(app, counted, index.shown.get(key, {}), loaded.source)
    update: dict = {"panel_check": check}
    said = [f for _, f in declared_off] + ([changed] if changed else [])
    if said:
        update["findings"] = [*result.findings, *said]
    return result.model_copy(update=update)


def _panel_check(
    ev: Evaluator, result: Result, index: ReviewIndex, key: str, declared_off: list
) -> PanelCheck:
    """Who counted, who recused, who is missing (assigned, or on the roster, with no score
    and no refusal), and the rule: said alike on every result. ``declared_off``: the
    scores left out at scoring for a conflict the record declares (:func:`_not_recused`)."""
    counted = sorted({e for p in result.panels for e in p.experts})
    refused = [*index.refused.get(key, []), *declared_off]
    by_name = index.recused.get(normal_key(result.applicant), [])  # a conflict named by name
    recused = sorted(e for e in {*index.recused.get(key, []), *by_name} if e not in counted)
    if index.record is not None:
        expected = list(index.shown.get(key, {}))
    else:
        expected = index.rosters.get(result.framework) or index.rosters.get(None) or []
    gone = set(counted) | set(recused) | {r.expert for r in refused}
    expert_parts = any(True for _ in ev.framework(result.framework).framework.expert_parts())
    rule = rule_label(ev.params.policy_for(result.framework)) if expert_parts else ""
    if counted == [SUMMARY_ID]:  # 会议评审: the panel's one agreed figure per part
        rule = CONSENSUS_RULE
    return PanelCheck(
        verified=index.verified,
        counted=counted,
        refused=refused,
        recused=recused,
        missing=sorted(e for e in dict.fromkeys(expected) if e not in gone),
        rule=rule,
    )


def _not_recused(
    app: Application, filed: list[tuple[str, ExpertReview]], record: PanelRecord | None
) -> tuple[list[ExpertReview], list[tuple[RefusedReview, Finding]]]:
    """The reviews that count for ``app``: none from an expert whose conflicts in the
    record name this application, by its credit code or its name as it is now (admission
    checked the names the forms were issued with; an application renamed since is
    checked here). Each one left out is said on the form it came from."""
    if record is None:
        return [r for _, r in filed], []
    mine = {normal_key(app.applicant.credit_code), normal_key(app.applicant.name)} - {""}
    kept, out = [], []
    for source, r in filed:
        expert = record.expert(r.expert)
        if expert is None or not mine & {normal_key(c) for c in expert.conflicts}:
            kept.append(r)
            continue
        message = (
            f"专家“{r.expert}”对申报“{app.applicant.name}”的评分未计入：该专家已声明回避该申报"
        )
        out.append(
            (
                RefusedReview(expert=r.expert, file=source, reason=message),
                Finding(
                    severity=Severity.warning, code="review_recused", file=source, message=message
                ),
            )
        )
    return kept, out


def _shown_other_data(
    app: Application, counted: list[str], shown: dict[str, str], source: str
) -> Finding | None:
    """Experts who scored this application from other figures than those scored now."""
    if not shown:
        return None
    mine = application_sha256(app)
    stale = [e for e in counted if shown.get(e) not in (None, mine)]
    if not stale:
        return None
    return Finding(
        severity=Severity.warning,
        code="review_application_changed",
        file=source,
        message=f"专家{'、'.join(stale)}评分时看到的申报数据与本次评分的数据不同（评分表下发后申报已修改，"
        "如经补正）；专家评分照常计入，必要时请专家按新数据复核",
    )


class Batch(BaseModel):
    """A scored batch. ``results`` holds the full results, unless they wait in a spool on
    disk (a large batch), where ``results`` is empty; outputs read them through
    :meth:`iter_results` and :meth:`result`, which work either way, and counts come from
    the standings kept for ranking."""

    tool_version: str
    results: list[Result]
    rejected: list[Rejected]
    rankings: list[Ranking]
    findings: list[Finding]
    parameters: dict[str, dict]
    parameters_file: str | None = None
    parameters_file_sha256: str | None = None
    #: how review forms were admitted (``None``: no forms given); see :mod:`.admission`
    review_panel: dict | None = None
    parameters_origin: dict[str, dict] | None = None  # criteria set → where its weights came from
    run_id: str | None = None  # the run that wrote an output set; the same in every member
    _spool: ResultSpool | None = PrivateAttr(default=None)
    _standings: list[Standing] = PrivateAttr(default_factory=list)
    _by_source: dict[str, Result] = PrivateAttr(default_factory=dict)
    #: criteria set id → data-item id → its Chinese label, for outputs a person reads
    _item_labels: dict[str, dict[str, str]] = PrivateAttr(default_factory=dict)
    #: criteria sets written in points (a document's table): their cards speak in points
    _points_sets: set[str] = PrivateAttr(default_factory=set)

    def in_points(self, framework: str) -> bool:
        """Whether ``framework`` is a points table, whose results read in its own points."""
        return framework in self._points_sets

    def item_label(self, framework: str | None, item: str | None) -> str | None:
        """The Chinese label of a data item (``devices_mobile`` → 行走设备连接数量); the id
        itself when the set does not know it (an applicant's stray key). With no
        ``framework`` (a finding about the batch), the first set that knows the item."""
        if item is None:
            return None
        if framework is None:
            sets = sorted(self._item_labels)  # deterministic: the same text every run
            known = (self._item_labels[fw][item] for fw in sets if item in self._item_labels[fw])
            return next(known, item)
        return self._item_labels.get(framework, {}).get(item, item)

    @property
    def standings(self) -> list[Standing]:
        """One small record per scored application, in source order."""
        return self._standings

    @property
    def failed(self) -> bool:
        """An input rejected, an application needing 补正, or a review form refused."""
        return (
            bool(self.rejected)
            or any(not s.accepted for s in self._standings)
            or any(f.severity is Severity.error for f in self.findings)
        )

    def iter_results(self) -> Iterator[Result]:
        """Every full result, in source order, one at a time."""
        return iter(self._spool) if self._spool is not None else iter(self.results)

    def iter_result_json(self) -> Iterator[str]:
        """Every full result as JSON (``Result.model_dump_json``), in source order; from a
        spool, the bytes the worker wrote, which that dump reproduces exactly."""
        if self._spool is None:
            return (r.model_dump_json() for r in self.results)
        return (raw.decode("utf-8") for raw in self._spool.iter_raw())

    def result(self, source: str, view: type[BaseModel] | None = None) -> Result:
        """The full result of ``source``; with ``view`` (a model declaring some of
        :class:`Result`'s fields), from a spool only those fields are built, and an
        in-memory result serves as it is."""
        if self._spool is not None:
            return self._spool.get(source, view or Result)
        if len(self._by_source) != len(self.results):  # indexed once: writers ask per row
            self._by_source = {r.source: r for r in self.results}
        return self._by_source[source]


def assemble(
    ev: Evaluator,
    outcomes: Iterable[Result | Standing | Rejected],
    bundles: list[ReviewBundle],
    index: ReviewIndex,
    spool: ResultSpool | None = None,
) -> Batch:
    """Rank the scored applications and report what does not add up across the batch.

    Outcomes are full results, or, with ``spool``, standings whose full results are in it.
    """
    results, standings, rejected = [], [], []
    for o in outcomes:
        if isinstance(o, Rejected):
            rejected.append(o)
        elif isinstance(o, Result):
            results.append(o)
            standings.append(Standing.of(o))
        else:
            standings.append(o)
    results.sort(key=lambda r: r.source)
    standings.sort(key=lambda s: s.source)
    rejected.sort(key=lambda r: r.source)
    batch = _assemble(ev, results, standings, rejected, bundles, index)
    batch._spool = spool
    batch._standings = standings
    return batch


def _assemble(ev, results, standings, rejected, bundles, index) -> Batch:
    """The batch: what the reviews and the standings say, then one ranking per set."""
    findings = _round_findings(ev, standings, bundles, index)
    if index.waived is not None and index.record is not None:
        standings = [_awaiting(s, index) for s in standings]
    groups: dict[tuple[str, str | None], list[Standing]] = defaultdict(list)
    for r in standings:
        groups[(r.framework, r.subtype)].append(r)
    rankings, params = [], {}
    for (fw_id, subtype), group in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        ranking, record = _ranking(ev, fw_id, subtype, group)
        rankings.append(ranking)
        findings.extend(ranking.findings)
        params[f"{fw_id}/{subtype}" if subtype else fw_id] = record
    batch = Batch(
        tool_version=__version__,
        results=results,
        rejected=rejected,
        rankings=rankings,
        findings=findings,
        parameters=params,
        parameters_file=ev.params.source,
        parameters_file_sha256=ev.params.source_sha256,
        review_panel=_panel_summary(index),
        parameters_origin=_origins(ev, {fw for fw, _ in groups}),
    )
    for fw_id in {fw for fw, _ in groups}:
        fw = ev.effective(fw_id, None).framework
        batch._item_labels[fw_id] = item_labels(fw)
        if fw.written_in_points:
            batch._points_sets.add(fw_id)
    return batch


def _round_findings(ev, standings, bundles, index) -> list[Finding]:
    """What the forms and the standings say of the round: each form's own findings, the
    admission's, stale or unreturned forms, applications in two files, reviews for
    applications not in the batch, and what each application lacks."""
    findings: list[Finding] = [f for b in bundles for f in b.findings]
    findings.extend(index.findings)
    findings.extend(_stale_bundles(ev, bundles))
    findings.extend(
        _unissued_returns(index.record, bundles, index.waived or set())
        if index.record
        else _unreturned(bundles)
    )
    by_key: dict[str, list[Standing]] = defaultdict(list)
    for r in standings:
        by_key[normal_key(result_key(r))].append(r)
    for same in by_key.values():
        if len(same) > 1:
            findings.append(
                Finding(
                    severity=Severity.warning,
                    code="duplicate_application",
                    message=f"同一申报单位（{result_key(same[0])}）出现在多个文件中："
                    f"{'、'.join(x.source for x in same)}，专家评分将同时计入各文件",
                )
            )
    for key, reviews in sorted(index.by_key.items()):
        if key in by_key:
            continue
        for source, r in reviews:
            findings.append(
                Finding(
                    severity=Severity.warning,
                    code="review_unknown_application",
                    file=source,
                    message=f"专家“{r.expert}”评分的申报“{r.application}”不在本批申报中，已忽略",
                )
            )
    waiting: dict[tuple[str, tuple[str, ...]], list[Standing]] = defaultdict(list)
    for r in standings:
        findings.extend(_unscored(r, index) if index.record else _missing_reviews(r, bundles))
        if r.pending and not r.experts and not index.record and not _panel_of(r, bundles):
            waiting[r.framework, r.pending].append(r)
    findings.extend(_awaiting_reviews(group) for group in waiting.values())
    return findings


def _origins(ev: Evaluator, frameworks: set[str]) -> dict[str, dict] | None:
    """Per criteria set, where its weights came from (only the sets a record names)."""
    out = {fw: o for fw in sorted(frameworks) if (o := ev.params.origin_for(fw))}
    return out or None


def _awaiting(s: Standing, index: ReviewIndex) -> Standing:
    """``s`` with the experts it still waits for: issued a form for its set that covers it,
    and no score of theirs counted (the form not back, or back without this applicant
    scored in full), and not waived."""
    key, waived = normal_key(result_key(s)), index.waived or set()
    waiting = tuple(
        e.id
        for e, a in index.record.assigned(s.framework)
        if normal_key(a.key) == key
        and e.id not in s.experts
        and not {(e.id, s.framework), (e.id, None)} & waived
    )
    return dataclasses.replace(s, awaiting=waiting) if waiting else s


def _ranking(ev, fw_id: str, subtype: str | None, group: list[Standing]) -> tuple[Ranking, dict]:
    """One set's (and sub-type's) ranking with its outcomes, and its parameters' record."""
    eff = ev.effective(fw_id, subtype)
    tie_break = recommend.tie_keys(eff.framework, eff.ranking)
    entries, rank_findings = rank(group, tie_break, eff.ranking)
    entries = recommend.decide(entries, eff.ranking)
    st = eff.framework.subtype(subtype)
    ranking = Ranking(
        framework=fw_id,
        framework_name=eff.framework.name,
        framework_short_name=eff.framework.short_name or eff.framework.name,
        subtype=subtype,
        subtype_name=st.name if st else None,
        tie_break=tie_break,
        policy=eff.ranking,
        entries=entries,
        findings=rank_findings,
    )
    record = {
        "hash": eff.hash(),
        "framework_version": eff.framework.version,
        "weights_note": eff.framework.weights_note,
        "values": eff.snapshot(),
    }
    return ranking, record


def _panel_summary(index: ReviewIndex) -> dict | None:
    """How the batch's review forms were admitted, for the results' 参数 sheet and JSON."""
    if index.verified is None:
        return None
    rec = index.record
    return {
        "verified": index.verified,
        "round": rec.round if rec else None,
        "panel": rec.panel if rec else None,
        "record": rec.source if rec else None,
        "roster": rec.roster() if rec else [],
    }


def score_batch(
    ev: Evaluator,
    inputs: Iterable[Loaded],
    bundles: Iterable[ReviewBundle] = (),
    *,
    record: PanelRecord | None = None,
    framework: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Batch:
    """Score a batch in this process (see :mod:`iipeval.excel.intake` for the parallel one)."""
    bundles = list(bundles)
    index = index_reviews(bundles, record)
    outcomes = []
    for loaded in inputs:
        outcomes.append(score_one(ev, loaded, index, framework))
        if progress:
            progress(1)
    return assemble(ev, outcomes, bundles, index)


def _missing_reviews(result: Standing, bundles: list[ReviewBundle]) -> list[Finding]:
    """Experts of this set's panel who neither scored this application nor declared a conflict."""
    key = normal_key(result_key(result))
    scored = result.experts
    panel = [b for b in bundles if b.expert and b.framework in (None, result.framework)]
    out = []
    for b in panel:
        if b.expert in scored or key in {normal_key(c) for c in b.conflicts}:
            continue
        if normal_key(result.applicant) in {normal_key(c) for c in b.conflicts}:
            continue
        out.append(
            Finding(
                severity=Severity.warning,
                code="review_missing",
                file=b.source,
                message=f"专家“{b.expert}”未对“{result.applicant}”评分",
            )
        )
    return out


def _panel_of(result: Standing, bundles: list[ReviewBundle]) -> bool:
    return any(b.expert and b.framework in (None, result.framework) for b in bundles)


def _awaiting_reviews(group: list[Standing]) -> Finding:
    """Applications no expert has scored yet, with the same parts waiting: one notice
    for them all (a round before the panel sits has thousands, each 待定 in its ranking
    already); one alone is named."""
    pending = "、".join(group[0].pending)
    if len(group) == 1:
        r = group[0]
        return Finding(
            severity=Severity.notice,
            code="awaiting_reviews",
            file=r.source,
            message=f"“{r.applicant}”尚无专家评分的指标：{pending}",
        )
    return Finding(
        severity=Severity.notice,
        code="awaiting_reviews",
        message=f"{fmt(len(group))}份申报尚无专家评分的指标：{pending}"
        "（各申报的推荐结果均为“待定”，暂不排名）",
    )


def _stale_bundles(ev: Evaluator, bundles: list[ReviewBundle]) -> list[Finding]:
    """Review workbooks generated under other parameters showed the expert other figures."""
    out = []
    for b in bundles:
        if not (b.parameters_hash and b.framework and b.framework in ev.host.frameworks):
            continue
        fw = ev.framework(b.framework).framework
        effective = [ev.effective(fw.id, st) for st in [None, *(s.id for s in fw.subtypes)]]
        current = {h for e in effective for h in (e.expert_hash(), e.hash())}  # hash(): older forms
        if b.parameters_hash not in current:
            out.append(
                Finding(
                    severity=Severity.error,
                    code="review_parameters_changed",
                    file=b.source,
                    message="该评分表下发后，专家看到的参数（权重、计分规则、等级或专家评分汇总规则）"
                    "已改动：专家当时看到的定量得分与合计与本次不同。请撤回改动，或重新下发评分表"
                    "（推荐名额、公示等排名之后的设置可以随时改动）",
                )
            )
    return out


def _unreturned(bundles: list[ReviewBundle]) -> list[Finding]:
    """Experts on a panel's roster (as every workbook records it) whose workbook is absent."""
    rosters: dict[str | None, dict[str, None]] = defaultdict(dict)
    returned: dict[str | None, set[str]] = defaultdict(set)
    for b in bundles:
        rosters[b.framework].update(dict.fromkeys(b.panel_experts))
        if b.expert:
            returned[b.framework].add(b.expert)
    out = []
    for fw, roster in sorted(rosters.items(), key=lambda kv: kv[0] or ""):
        for expert in roster:
            if expert not in returned[fw]:
                where = f"（{fw}）" if fw else ""
                out.append(
                    Finding(
                        severity=Severity.warning,
                        code="review_not_returned",
                        message=f"专家“{expert}”的评分表{where}未交回，其评分未计入本次结果",
                    )
                )
    return out


def _unscored(result: Standing, index: ReviewIndex) -> list[Finding]:
    """Experts the record assigned this application to, whose admitted form has no score for
    it (a form that never came back, or was refused, is reported once, on its own)."""
    key = normal_key(result_key(result))
    assigned = [
        e
        for e, a in index.record.assigned(result.framework)
        if normal_key(a.key) == key and (e.id, result.framework) in index.admitted
    ]
    return [
        Finding(
            severity=Severity.warning,
            code="review_missing",
            file=index.admitted[e.id, result.framework],
            message=f"专家“{e.id}”未对“{result.applicant}”评分",
        )
        for e in assigned
        if e.id not in result.experts
    ]


def _unissued_returns(
    record: PanelRecord, bundles: list[ReviewBundle], waived: set[tuple[str, str | None]]
) -> list[Finding]:
    """Forms the record issued that did not come back (said so when the round's organiser
    went on without them: ``iipeval waive``)."""
    returned = {(b.expert, b.framework) for b in bundles}
    out = []
    for e in record.experts:
        for form in e.forms:
            if (e.id, form.framework) not in returned:
                excused = {(e.id, form.framework), (e.id, None)} & waived
                how = "未交回（组织方已决定免于交回）" if excused else "未交回"
                out.append(
                    Finding(
                        severity=Severity.warning,
                        code="review_not_returned",
                        message=f"专家“{e.id}”的评分表（{form.file}）{how}，其评分未计入本次结果",
                    )
                )
    return out
