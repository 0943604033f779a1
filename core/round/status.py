"""Where the round stands (``iipeval status``): per applicant, per expert, and what blocks
the next step. Computed from what the round remembers, never from a clerk's notes.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from iipeval.core.panel.record import PanelRecord
from iipeval.core.round.logbook import Entry, manifest_of
from iipeval.core.round.register import Receipt, Register
from iipeval.core.text import normal_key


class ApplicantStatus(BaseModel):
    key: str
    applicant: str
    framework: str | None
    framework_name: str = ""
    number: str = Field(description="现行版本的受理编号")
    version: int
    correction: str = Field(description="补正状态")
    errors: int
    warnings: int
    vetoed: list[str]
    forms_issued: int = 0
    forms_back: int = 0
    verified: str | None = Field(default=None, description="核查表的受理编号")


class ExpertStatus(BaseModel):
    expert: str
    name: str = ""
    framework: str
    framework_name: str = ""
    issued: int = Field(description="下发的申报数")
    returned: str | None = Field(default=None, description="交回评分表的受理编号")
    complete: bool | None = None
    waived: str | None = Field(default=None, description="免于交回的理由")


class RunStatus(BaseModel):
    """The round's last scoring run that wrote its results (and its record)."""

    seq: int = Field(description="日志序号")
    manifest: str = Field(description="运行记录，相对于本轮文件夹")
    published: bool = Field(description="是否写出了公示名单")
    current: bool = Field(description="此后没有再受理、免交或下发评分表")


class RoundStatus(BaseModel):
    name: str
    stage: str
    applicants: list[ApplicantStatus]
    experts: list[ExpertStatus]
    blockers: list[str]
    next_step: str
    last_run: RunStatus | None = None


#: commands that change what a scoring run reads: after one, the results are out of date
CHANGES_INPUTS = {"receive", "waive", "panel"}


def last_run(entries: list[Entry]) -> RunStatus | None:
    """The last ``score`` that wrote its record, and whether anything it reads came later."""
    found = None
    for e in entries:
        name = e.command[1] if len(e.command) > 1 else ""
        manifest = manifest_of(e) if name == "score" else None
        if manifest is not None:
            found = RunStatus(
                seq=e.seq, manifest=manifest, published="--publish" in e.command, current=True
            )
        elif found is not None and name in CHANGES_INPUTS and e.exit == 0:
            found.current = False
    return found


def _correction(reg: Register, r: Receipt, version: int) -> str:
    ret = reg.open_return(r.key)
    if ret is not None:
        due = f"，截止{ret.deadline}" if ret.deadline else ""
        return f"待补正（{ret.id}{due}）"
    if r.summary.errors:
        return f"需补正（第{version}版仍有错误，尚未退回）" if r.answers else "需补正（尚未退回）"
    if r.answers:
        return f"已补正（第{version}版）"
    return "无需补正"


def applicants(
    reg: Register, record: PanelRecord | None, names: dict[str, str]
) -> list[ApplicantStatus]:
    checks = {normal_key(r.key): r.number for r in reg.current("verification").values()}
    out = []
    for key, r in sorted(reg.current("application").items(), key=lambda kv: kv[1].number):
        issued = back = 0
        for e, a in record.assigned(r.framework) if record else ():
            if normal_key(a.key) != key:
                continue
            issued += 1
            form = reg.current("review").get(f"{e.id}|{r.framework or ''}")
            back += form is not None
        out.append(
            ApplicantStatus(
                key=r.key,
                applicant=r.applicant,
                framework=r.framework,
                framework_name=names.get(r.framework or "", r.framework or ""),
                number=r.number,
                version=len(reg.versions(r.key)),
                correction=_correction(reg, r, len(reg.versions(r.key))),
                errors=r.summary.errors,
                warnings=r.summary.warnings,
                vetoed=r.summary.vetoed,
                forms_issued=issued,
                forms_back=back,
                verified=checks.get(key),
            )
        )
    return out


def experts(reg: Register, record: PanelRecord | None, names: dict[str, str]) -> list[ExpertStatus]:
    out = []
    for e in record.experts if record else ():
        for form in e.forms:
            back = reg.current("review").get(f"{e.id}|{form.framework}")
            waiver = reg.waived(e.id, form.framework)
            out.append(
                ExpertStatus(
                    expert=e.id,
                    name=e.name,
                    framework=form.framework,
                    framework_name=names.get(form.framework, form.framework),
                    issued=len(form.applications),
                    returned=back.number if back else None,
                    complete=back.summary.complete if back else None,
                    waived=waiver.reason if waiver else None,
                )
            )
    return out


def _blockers(apps: list[ApplicantStatus], exps: list[ExpertStatus]) -> list[str]:
    out = []
    waiting = [a.applicant for a in apps if a.correction.startswith("待补正")]
    if waiting:
        out.append(f"{len(waiting)}份申报待补正：{'、'.join(waiting)}")
    unreturned = [x.applicant for x in apps if x.correction.startswith("需补正")]
    if unreturned:
        out.append(f"{len(unreturned)}份申报有错误尚未退回补正：{'、'.join(unreturned)}")
    missing = [f"{x.expert}（{x.framework_name}）" for x in exps if not x.returned and not x.waived]
    if missing:
        out.append(f"{len(missing)}份专家评分表未交回：{'、'.join(missing)}")
    partial = [
        f"{x.expert}（{x.framework_name}）" for x in exps if x.returned and x.complete is False
    ]
    if partial:
        out.append(f"{len(partial)}份专家评分表未填完：{'、'.join(partial)}")
    return out


def status(
    name: str,
    reg: Register,
    record: PanelRecord | None,
    names: dict[str, str] | None = None,
    entries: list[Entry] | None = None,
    altered: list[str] | None = None,
) -> RoundStatus:
    """``names``: criteria-set id → its name, as a person reads it; ``entries``: the round's
    log, which says whether it has been scored since the last form came in; ``altered``:
    received files that are no longer what was received (each blocks the round)."""
    apps, exps = applicants(reg, record, names or {}), experts(reg, record, names or {})
    blockers = [*(altered or []), *_blockers(apps, exps)]
    run = last_run(entries or [])
    stage, step = _stage(apps, exps, record, run)
    if altered:  # the evidence comes first: nothing that follows can be trusted until it holds
        step = f"查明受理后被改动或删除的文件：iipeval log --verify（其后：{step}）"
    return RoundStatus(
        name=name,
        stage=stage,
        applicants=apps,
        experts=exps,
        blockers=blockers,
        next_step=step,
        last_run=run,
    )


def _stage(apps, exps, record, run: RunStatus | None) -> tuple[str, str]:
    if not apps:
        stage, step = "受理", "受理申报：iipeval receive 文件…"
    elif any(a.correction.startswith("需补正") for a in apps):
        stage, step = (
            "符合性审查与补正",
            "退回补正：iipeval validate --return-to；收到补正后 iipeval receive",
        )
    elif any(a.correction.startswith("待补正") for a in apps):  # every one already sent back
        stage, step = "符合性审查与补正", "等待补正：收到补正后的申报，iipeval receive 受理"
    elif record is None:
        stage, step = "待专家评审", "下发专家评分表：iipeval panel --panel 评审组.toml"
    elif any((not x.returned and not x.waived) or x.complete is False for x in exps):
        stage, step = (
            "专家评审中",
            "受理交回的评分表：iipeval receive；确实无法交回的，iipeval waive 专家 --reason …",
        )
    elif run is None:
        stage, step = "待评分", "评分与排名：iipeval score"
    elif not run.current:
        stage, step = (
            "待重新评分",
            f"第{run.seq}条日志的评分之后又受理了文件或免交了评分表：请重新评分 iipeval score",
        )
    else:
        stage = "已评分并写出公示名单" if run.published else "已评分"
        step = f"核验日志：iipeval log --verify；复现评分：iipeval reproduce {run.manifest}"
        if not run.published:
            step = f"写出公示名单：iipeval score --publish 公示名单.docx；{step}"
    return stage, step
