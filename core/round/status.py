"""Where the round stands (``iipeval status``): per applicant, per expert, and what blocks
the next step. Computed from what the round remembers, never from a clerk's notes.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from iipeval.core.panel.record import PanelRecord
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


class RoundStatus(BaseModel):
    name: str
    stage: str
    applicants: list[ApplicantStatus]
    experts: list[ExpertStatus]
    blockers: list[str]
    next_step: str


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
    name: str, reg: Register, record: PanelRecord | None, names: dict[str, str] | None = None
) -> RoundStatus:
    """``names``: criteria-set id → its name, as a person reads it."""
    apps, exps = applicants(reg, record, names or {}), experts(reg, record, names or {})
    blockers = _blockers(apps, exps)
    if not apps:
        stage, step = "受理", "受理申报：iipeval receive 文件…"
    elif any(a.correction.startswith(("待补正", "需补正")) for a in apps):
        stage, step = (
            "符合性审查与补正",
            "退回补正：iipeval validate --return-to；收到补正后 iipeval receive",
        )
    elif record is None:
        stage, step = "待专家评审", "下发专家评分表：iipeval panel --panel 评审组.toml"
    elif any((not x.returned and not x.waived) or x.complete is False for x in exps):
        stage, step = (
            "专家评审中",
            "受理交回的评分表：iipeval receive；确实无法交回的，iipeval waive 专家 --reason …",
        )
    else:
        stage, step = "待评分", "评分与排名：iipeval score"
    return RoundStatus(
        name=name, stage=stage, applicants=apps, experts=exps, blockers=blockers, next_step=step
    )
