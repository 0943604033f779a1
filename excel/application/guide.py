"""The 填报说明 sheet's text, written from the Framework model.

Applicants read this before anything else, so it says in plain Chinese which document
the set comes from, how to fill in, and the three answers people confuse: empty
(missing), 0 (zero) and 不适用. What is for the organiser and not the applicant (the
transcription corrections, a year to confirm before use, that the weights are proposals)
is not written here: ``iipeval template`` prints it to the organiser who makes the
workbook, and ``iipeval show`` and the results carry it.
"""

from __future__ import annotations

from iipeval.core.model.criteria import Framework
from iipeval.excel.application.layout import DATA, INFO, TEMPLATE_VERSION, Plan


def _source(fw: Framework) -> list[tuple[str, str]]:
    s = fw.source
    doc = f"《{s.document}》"
    if s.attachment:
        doc = f"{s.attachment}{doc}"
    return [("依据文件", doc), ("发布单位", s.issuer), ("年份", f"{s.year}年")]


def _units(fw: Framework) -> str:
    units = sorted({i.unit for i in fw.items if i.unit}, key=lambda u: (len(u), u))
    return "、".join(units)


def sections(p: Plan) -> list[tuple[str, str]]:
    """(heading, text) pairs, in reading order."""
    fw = p.framework
    rows: list[tuple[str, str]] = [("评价体系", fw.name), *_source(fw)]
    if fw.subtypes:
        kinds = "；".join(
            s.name + (f"：{s.description.rstrip('。')}" if s.description else "")
            for s in fw.subtypes
        )
        how = (
            f"本申报表为{p.subtype.name}专用。"
            if p.subtype
            else f"请在“{INFO}”表的“申报类型”栏选择。"
        )
        rows.append(("申报类型", f"{kinds}。{how}"))
    if fw.intro:
        rows.append(("总体要求", fw.intro))
    rows += _how_to_fill(fw)
    rows += [
        _required(fw),
        (
            "定性指标",
            "标有“专家评价”的行由专家按评分细则评分，申报单位无需填写，可在"
            "“佐证材料”栏列明支撑材料。",
        ),
        (
            "模板信息",
            f"模板版本 {TEMPLATE_VERSION}（评价体系版本 {fw.version}）。工作表已保护（无密码），"
            "仅黄色单元格可填写。",
        ),
    ]
    return rows


def _how_to_fill(fw: Framework) -> list[tuple[str, str]]:
    """The steps, and the answers people confuse: empty, 0 and 不适用; numbers and units."""
    na_items = [i.label for i in fw.items if i.allow_na]
    return [
        (
            "填报步骤",
            f"1. 在“{INFO}”表填写申报单位信息，并如实填写声明事项。\n"
            f"2. 在“{DATA}”表逐项填写黄色单元格：“填报值”填数字，“佐证材料”填所附材料的"
            "文件名及页码。\n"
            "3. 填报口径见每行最右一栏；鼠标选中单元格时也会显示提示。\n"
            "4. 保存为 .xlsx 格式提交。请勿修改工作表名称，勿插入、删除或移动行列，"
            "勿复制其他表格的内容覆盖本表。",
        ),
        (
            "空白、0与不适用",
            "三者含义不同，请区分：\n"
            "· 留空 = 未填报（缺失），符合性审查时会被列为需补正的问题；\n"
            "· 0 = 确实为零（例如没有该类设备），请填数字0；\n"
            "· 不适用 = 该项对本单位不适用，只有填报口径注明“不适用的填‘不适用’”的数据项"
            "才可以在填报值单元格中输入“不适用”三个字"
            + (
                f"（本表中为：{'、'.join(na_items)}）。"
                if na_items
                else "（本表中没有此类数据项）。"
            ),
        ),
        (
            "数字与单位",
            f"按“单位”栏的单位填写纯数字，不要在单元格中写单位或“万”“亿”等字样；"
            f"金额以万元计（如1.2亿元填12000）；百分比只填数字（如35%填35）。"
            f"本表用到的单位：{_units(fw)}。",
        ),
        (
            "统一社会信用代码",
            "18位，按营业执照抄录。该单元格已设为文本格式；如从其他表格粘贴，请使用"
            "“选择性粘贴—数值”，并确认没有变成“9.14301E+17”之类的科学计数法。",
        ),
    ]


def _required(fw: Framework) -> tuple[str, str]:
    """How many items must be filled in; a set with 加分项 or 扣分项 says their items too."""
    items = fw.items
    required = sum(1 for i in items if i.required)
    text = (
        f"共{len(items)}个数据项，其中必填{required}个（“必填”栏标注）。选填项留空不影响"
        "受理，但可能影响相应指标的得分。"
    )
    if fw.adjustments():
        names = "、".join(label for label, _ in fw.adjustments())
        text += f"{names}的数据项同样必填：没有的请填0或“否”，不要留空。"
    return ("必填与选填", text)
