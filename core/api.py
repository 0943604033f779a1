"""The one API every front end uses: CLI, workbooks and Excel functions are adapters.

>>> ev = Evaluator()                       # loads plugins, default parameters
>>> result = ev.score(application, reviews, source="a.json")
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from iipeval.core import __version__
from iipeval.core.errors import MESSAGES, plain_message
from iipeval.core.findings import Finding, Severity, bounded
from iipeval.core.host import Host, RegisteredFramework, UnknownFramework
from iipeval.core.intake import jsonfile
from iipeval.core.model.application import Application, ExpertReview, Submission
from iipeval.core.model.results import Provenance, Rejected, Result
from iipeval.core.scoring.engine import score as run_engine
from iipeval.core.scoring.params import Effective, InputLimits, Parameters, ParamsError, apply


class Evaluator:
    """Plugins loaded once, parameters applied once per (set, subtype), many scores."""

    def __init__(self, host: Host | None = None, params: Parameters | None = None) -> None:
        self._host = host
        self.params = params or Parameters()
        self._effective: dict[tuple[str, str | None], Effective] = {}
        self._snapshots: dict[tuple[str, str | None], tuple[dict, str]] = {}

    @cached_property
    def host(self) -> Host:
        return self._host or Host()

    def frameworks(self) -> list[RegisteredFramework]:
        return list(self.host.frameworks.values())

    def framework(self, framework_id: str) -> RegisteredFramework:
        return self.host.framework(framework_id)

    def _snapshot(self, fw_id: str, eff: Effective) -> tuple[dict, str]:
        """The effective parameters and their hash, computed once per (set, subtype)."""
        key = (fw_id, eff.subtype)
        if key not in self._snapshots:
            self._snapshots[key] = (eff.snapshot(), eff.hash())
        return self._snapshots[key]

    def parameters_of(self, result: Result) -> dict:
        """The parameters ``result`` was scored with: recorded once per batch under the
        result's ``parameters_hash``, not in every result (each would repeat ~9 KB)."""
        eff = self.effective(result.framework, result.subtype)
        snapshot, digest = self._snapshot(result.framework, eff)
        if digest != result.provenance.parameters_hash:
            raise ValueError(f"{result.source}：该结果不是用本评价器的参数评分的")
        return snapshot

    def check_parameters(self) -> None:
        """Apply the parameters to every set they name now, so a bad file fails at once
        (with its file and key) instead of halfway through a batch."""
        for fw_id in self.params.frameworks:
            if fw_id not in self.host.frameworks:
                known = "、".join(self.host.frameworks) or "（无）"
                raise ParamsError(
                    f"{self.params.source}: [frameworks.{fw_id}] 未加载该评价体系；已加载：{known}"
                )
        for rf in self.frameworks():
            for st in [None, *(s.id for s in rf.framework.subtypes)]:
                self.effective(rf.framework.id, st)

    def effective(self, framework_id: str, subtype: str | None = None) -> Effective:
        rf = self.framework(framework_id)
        st = rf.framework.subtype(subtype)
        key = (framework_id, st.id if st else None)
        if key not in self._effective:
            self._effective[key] = apply(rf.framework, self.params, key[1])
        return self._effective[key]

    def score(
        self,
        application: Application,
        reviews: Iterable[ExpertReview] = (),
        *,
        source: str = "",
        framework: str | None = None,
    ) -> Result | Rejected:
        """Score one application. ``framework`` overrides the one the application names."""
        fw_id = framework or application.framework
        if not fw_id:
            return _rejected(
                source,
                "no_framework",
                "未指明评价体系：请在申报数据中填写 framework，或使用 --framework",
            )
        try:
            rf = self.framework(fw_id)
        except UnknownFramework as exc:
            return _rejected(source, "unknown_framework", str(exc))
        eff = self.effective(fw_id, application.subtype)
        _, digest = self._snapshot(fw_id, eff)
        provenance = Provenance(
            framework=rf.framework.id,
            framework_version=rf.framework.version,
            plugin=rf.plugin,
            plugin_version=rf.plugin_version,
            tool_version=__version__,
            source_document=rf.framework.source.document,
            parameters_hash=digest,
            parameters_file=self.params.source,
            parameters_file_sha256=self.params.source_sha256,
            weights_origin=_origin_line(self.params.origin_for(rf.framework.id)),
            notices=eff.notices,
        )
        result = run_engine(
            eff,
            application,
            reviews,
            source=source,
            validators=rf.validators,
            exclusions=rf.exclusions,
            provenance=provenance,
        )
        if application.framework and framework and application.framework != framework:
            note = Finding(
                severity=Severity.notice,
                code="framework_override",
                message=f"申报数据标明的评价体系为 {application.framework}，本次按 {framework} 评分",
            )
            result = result.model_copy(update={"findings": [note, *result.findings]})
        return result

    def score_loaded(
        self,
        loaded: Loaded,
        framework: str | None = None,
        reviews: Iterable[ExpertReview] = (),
    ) -> Result | Rejected:
        """Score what a reader produced, with every finding located in its source.

        ``reviews`` are the panel's, already admitted (:mod:`.admission`); an application
        file never brings its own."""
        if loaded.submission is None:
            found = [loaded.locate(f) for f in loaded.findings] or [_unreadable(loaded.source)]
            return Rejected(source=loaded.source, findings=bounded(found))
        sub = loaded.submission
        out = self.score(sub.application, reviews, source=loaded.source, framework=framework)
        spoken = {f.item for f in loaded.findings}
        own = [
            f
            for f in out.findings
            if f.item not in loaded.rejected  # the reader said it, in its own words
            and not (f.code == "percent_fraction" and f.item in spoken)  # a cell it read
        ]
        findings = bounded([loaded.locate(f) for f in [*loaded.findings, *own]])
        if isinstance(out, Rejected):
            return out.model_copy(update={"findings": findings})
        accepted = out.accepted and not any(f.severity is Severity.error for f in loaded.findings)
        return out.model_copy(update={"findings": findings, "accepted": accepted})


def _origin_line(origin: dict | None) -> str | None:
    """``[origin].summary`` as text, whatever a hand-written file put there."""
    if not origin or origin.get("summary") in (None, ""):
        return None
    return str(origin["summary"])


def _unreadable(source: str) -> Finding:
    """What a rejected file says when its reader found nothing more precise to say."""
    return Finding(
        severity=Severity.error,
        code="not_an_application",
        file=source,
        message="文件中没有申报数据（应为一个 JSON 对象或 iipeval 申报表），请检查后重新提交",
    )


def _rejected(source: str, code: str, message: str) -> Rejected:
    return Rejected(
        source=source,
        findings=[Finding(severity=Severity.error, code=code, message=message, file=source)],
    )


@dataclass
class Loaded:
    """What a reader hands the evaluator: the submission (if readable), the reader's own
    findings, and where each item came from so findings can name the file, sheet and cell."""

    source: str
    submission: Submission | None
    findings: list[Finding] = field(default_factory=list)
    locations: dict[str, dict[str, str]] = field(default_factory=dict)
    #: items the reader already rejected in its own, more specific words
    rejected: set[str] = field(default_factory=set)

    def locate(self, finding: Finding) -> Finding:
        where = self.locations.get(finding.item or "", {})
        return finding.located(file=finding.file or self.source, **where)


def load_json(path: str | Path, limits: InputLimits | None = None) -> Loaded:
    """Read a JSON application (bare, or as ``{"application": ...}``) strictly
    (:mod:`.jsonfile`): every problem is a finding, nothing raises."""
    path = Path(path)
    src = str(path)
    data, findings = jsonfile.read(path, limits or InputLimits())
    if data is None:  # unreadable (with its findings), or the file is a JSON ``null``
        return Loaded(src, None, findings or [_unreadable(src)])
    refused = []
    if isinstance(data, dict) and "reviews" in data:
        data = {k: v for k, v in data.items() if k != "reviews"}
        refused.append(
            Finding(
                severity=Severity.error,
                code="reviews_in_application",
                file=src,
                item="reviews",
                message="申报数据中不得包含专家评分（reviews）：专家评分只来自评审组下发并交回的"
                "专家评分表，本文件中的评分一概不计入；请删除 reviews 后重新提交",
            )
        )
    try:
        return Loaded(src, Submission.model_validate(data), refused)
    except ValidationError as exc:
        return Loaded(src, None, [*refused, *(_field_error(src, err) for err in exc.errors())])


#: pydantic's error types as a JSON file's writer reads them
JSON_WORDS = {
    "extra_forbidden": "不允许的键（申报文件中没有这一项）",
    "model_type": "应为 JSON 对象（{…}）",
    "model_attributes_type": "应为 JSON 对象（{…}）",
    "dict_type": "应为 JSON 对象（{…}）",
    "list_type": "应为 JSON 数组（[…]）",
    "string_type": "应为文本（用英文双引号括起）",
}


def _field_error(src: str, err: dict) -> Finding:
    """One pydantic error as a finding at its key path, in Chinese (never pydantic's English)."""
    path = ".".join(str(x) for x in err["loc"])
    message = plain_message(err, {**MESSAGES, **JSON_WORDS})
    return Finding(
        severity=Severity.error,
        code="unknown_key" if err["type"] == "extra_forbidden" else "bad_field",
        file=src,
        item=path or None,
        message=f"{path}：{message}" if path else f"文件内容{message}",
    )
