"""Drive LibreOffice Calc as a person would: open a workbook, type into cells, save as .xlsx.

Runs under Debian's ``python3`` with ``python3-uno`` (the bridge is not on PyPI), started
by ``tests/test_typed_in_libreoffice.py``::

    /usr/bin/python3 tests/libreoffice_typist.py JOB.json

JOB is ``{"profile": DIR, "documents": [{"source", "target", "steps"}]}``. A step is
``["type", sheet, cell, text]``: the text is entered as Calc enters what is typed into a
cell (numbers, ``35%`` with its percent format, ``=…`` formulas, text; see
:func:`type_into`); or
``["hide_row", sheet, row]`` (1-based), as a person hides a row. It prints, per document,
what each typed cell became (type and shown text), as JSON.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import uuid

import uno  # Debian's python3-uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

XLSX_FILTER = "Calc MS Excel 2007 XML"


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe: str, proc: subprocess.Popen):
    """The office's component context, once LibreOffice has opened its pipe."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    for _ in range(1200):  # start-up takes seconds on a loaded machine; ~2 minutes at most
        try:
            return resolver.resolve(url)
        except NoConnectException:
            try:
                proc.wait(timeout=0.1)  # returns only if soffice died
            except subprocess.TimeoutExpired:
                continue
            raise SystemExit(f"soffice exited early with {proc.returncode}") from None
    raise SystemExit("soffice did not open its pipe")


def type_into(formatter, cell, text: str) -> None:
    """Enter the text as Calc's input line does: Calc parses it (numbers, ``=…`` formulas,
    text), and a cell still in the General format takes the format Calc recognised in the
    input, so ``35%`` is 0.35 shown as 35%. (Dispatching ``.uno:EnterString`` would be the
    literal keystroke path, but it crashes a headless office.)"""
    cell.setFormula(text)
    if text.startswith("=") or cell.getType().value != "VALUE":
        return
    formats = formatter.getNumberFormatsSupplier().getNumberFormats()
    if formats.getByKey(cell.NumberFormat).FormatString in ("General", "Standard"):
        cell.NumberFormat = formatter.detectNumberFormat(cell.NumberFormat, text)


def fill(ctx, desktop, doc_job: dict) -> list:
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(doc_job["source"]), "_blank", 0, (prop("Hidden", True),)
    )
    formatter = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.util.NumberFormatter", ctx
    )
    formatter.attachNumberFormatsSupplier(doc)
    seen = []
    try:
        for step in doc_job["steps"]:
            kind, sheet = step[0], doc.Sheets.getByName(step[1])
            if kind == "type":
                cell = sheet.getCellRangeByName(step[2])
                type_into(formatter, cell, step[3])
                seen.append([step[1], step[2], cell.getType().value, cell.getString()])
            elif kind == "hide_row":
                sheet.getRows().getByIndex(step[2] - 1).IsVisible = False
            else:
                raise SystemExit(f"unknown step {kind}")
        doc.storeToURL(
            uno.systemPathToFileUrl(doc_job["target"]), (prop("FilterName", XLSX_FILTER),)
        )
    finally:
        doc.close(True)
    return seen


def main(job_path: str) -> None:
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    pipe = f"iipeval-{uuid.uuid4().hex}"
    proc = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            f"-env:UserInstallation={uno.systemPathToFileUrl(job['profile'])}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ctx = connect(pipe, proc)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        seen = [fill(ctx, desktop, d) for d in job["documents"]]
        print(json.dumps(seen, ensure_ascii=False))
        with contextlib.suppress(Exception):  # the bridge closes as the office quits
            desktop.terminate()
    finally:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main(sys.argv[1])
