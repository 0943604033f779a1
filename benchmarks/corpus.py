"""The benchmark's applications: filled workbooks and JSON files, like a real round's.

One filled workbook per built-in set is made through the product's own template and the
tests' filler; every application is a variant of one of them, with its own applicant
name and 统一社会信用代码 and its figures scaled (some beyond an item's bounds, as real
figures sometimes are), and about 1% of them truncated in transit. The files are the
same for every run with the same sizes (one seeded stream).

A round is weighted as it comes: a national round is national workbooks only; a Hunan
round mixes the three Hunan sets (综合型, 特色型 and 专业型, in equal parts). The
benchmark reports each, never a blend that would hide the larger national workbook.
"""

from __future__ import annotations

import io
import json
import random
import re
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # workbook_helpers: the same filler the tests use

SETS = [
    ("national_2023", None),
    ("hunan_comprehensive", None),
    ("hunan_characteristic", "区域级"),
    ("hunan_professional", None),
]
NATIONAL = ["national_2023"]
HUNAN = ["hunan_comprehensive", "hunan_characteristic", "hunan_professional"]
BAD_EVERY = 100  # one broken file in a hundred
SEED_CODE, SEED_NAME = "91430100MA4L16JQ9D", "湖南示例工业互联网有限公司"
NUMBER = re.compile(rb'(<c r="E\d+"[^>]*><v>)(\d+)(</v>)')


def seeds(folder: Path) -> dict[str, Path]:
    """One filled workbook per built-in set, made through the product's own template."""
    from workbook_helpers import figures, fill

    from iipeval.core.api import Evaluator
    from iipeval.excel.application import template

    ev = Evaluator()
    out = {}
    for fw_id, subtype in SETS:
        fw = ev.framework(fw_id).framework
        path = folder / f"seed_{fw_id}.xlsx"
        if not path.exists():
            template.write(fw, path)
            fill(path, figures(fw), subtype=subtype)
        out[fw_id] = path
    return out


def variant(seed: bytes, n: int, rng: random.Random) -> bytes:
    """The seed with scaled figures and its own applicant name and credit code."""
    from iipeval.core.scoring.validation import credit_code_check_char

    first17 = f"9143{n:04d}MA4L{n % 100000:05d}"[:17].ljust(17, "0")
    code = first17 + credit_code_check_char(first17)
    src = zipfile.ZipFile(io.BytesIO(seed))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            # strings may be inline (openpyxl) or shared (Excel): replace them wherever
            if info.filename.startswith("xl/worksheets/") or info.filename.endswith(
                "sharedStrings.xml"
            ):
                factor = rng.uniform(0.3, 3.0)
                body = NUMBER.sub(
                    lambda m, f=factor: m[1] + str(max(0, int(int(m[2]) * f))).encode() + m[3],
                    body,
                )
                body = body.replace(SEED_CODE.encode(), code.encode())
                name = f"湖南示例{n:05d}号工业互联网有限公司"
                body = body.replace(SEED_NAME.encode(), name.encode())
                body = body.replace(_refs(SEED_NAME), _refs(name))  # openpyxl's &#NNNNN;
            dst.writestr(info, body)
    return buf.getvalue()


def _refs(text: str) -> bytes:
    """``text`` as openpyxl writes it into a sheet: every non-ASCII character as &#N;."""
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in text).encode()


def workbooks(
    folder: Path, name: str, sets: list[str], n: int, seeded: dict[str, Path], broken: bool = True
) -> Path:
    """``n`` workbooks of ``sets`` in turn, in ``folder/name`` (made once, then reused)."""
    out = folder / name
    if out.is_dir() and len(list(out.iterdir())) == n:
        return out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{name}/{n}")
    blobs = [seeded[s].read_bytes() for s in sets]
    for k in range(n):
        data = variant(blobs[k % len(blobs)], k, rng)
        if broken and k % BAD_EVERY == BAD_EVERY - 1:
            data = data[: len(data) // 3]  # truncated in transit
        (out / f"app_{k:05d}.xlsx").write_bytes(data)
    return out


def json_applications(folder: Path, n: int, seeded: dict[str, Path]) -> Path:
    """``n`` JSON applications (``iipeval schema``) over the four sets: the seeds as iipeval
    reads them, each with its own applicant and scaled figures. They score without a
    workbook to parse, which lets the memory check reach a large N in a few minutes."""
    from iipeval.core.api import Evaluator
    from iipeval.core.scoring.validation import credit_code_check_char
    from iipeval.excel import intake

    out = folder / f"json{n}"
    if out.is_dir() and len(list(out.iterdir())) == n:
        return out
    out.mkdir(parents=True, exist_ok=True)
    ev = Evaluator()
    apps = [intake.read_application(p, ev).submission.application for p in seeded.values()]
    rng = random.Random(n)
    for k in range(n):
        data = apps[k % len(apps)].model_dump(mode="json")
        first17 = f"9143{k:04d}MA4L{k % 100000:05d}"[:17].ljust(17, "0")
        data["applicant"]["name"] = f"湖南示例{k:05d}号工业互联网有限公司"
        data["applicant"]["credit_code"] = first17 + credit_code_check_char(first17)
        f = rng.uniform(0.3, 3.0)
        data["items"] = {
            i: (int(v * f) if isinstance(v, int) and not isinstance(v, bool) else v)
            for i, v in data["items"].items()
        }
        text = json.dumps({"application": data}, ensure_ascii=False)
        (out / f"app_{k:05d}.json").write_text(text, "utf-8")
    return out
