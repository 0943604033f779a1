#!/bin/bash
# The organiser round from the README alone, in a fresh clone: the README's commands exactly
# as written; in between, an applicant types the 申报表 in LibreOffice Calc (tests/
# libreoffice_typist.py, needs python3-uno) and the experts fill their forms (openpyxl).
# Usage: bash scripts/readme_walk.sh [REPO] > walk.log   (REPO defaults to this checkout)
set -u
REPO=$(cd "${1:-$(dirname "$0")/..}" && pwd)
D=$(mktemp -d)/fresh; git clone -q "$REPO" "$D"; cd "$D"; echo "fresh clone in $D"
export HOME="$D.home"; mkdir -p "$HOME"  # the README keeps the round's record in ~/私密/
step() { echo; echo "\$ $*"; "$@"; echo "[exit $?]"; }
echo "== set-up command (README, one line; pip's own output goes to pip.log)"
python3 -m venv .venv && .venv/bin/pip install -e . > pip.log 2>&1 && chmod 600 examples/panel-record.json && .venv/bin/iipeval score examples/applications --reviews examples/reviews --panel-record examples/panel-record.json; echo "[exit $?]"
source .venv/bin/activate
step iipeval frameworks
step iipeval template --all -o templates/
step iipeval template --all -o templates/
step iipeval template hunan_characteristic --subtype 区域级 -o 申报表.xlsx
mkdir -p submitted && cp examples/applications/*.json submitted/
fill_reviews() {  # experts: a score of 70-95 in every yellow 评分 cell
python - "$1" <<'PY'
import random, sys
from pathlib import Path
import openpyxl
random.seed(1)
n = 0
for p in sorted(Path(sys.argv[1]).glob("review_*.xlsx")):
    wb = openpyxl.load_workbook(p)
    ws = wb["评分"]
    for d in ws.data_validations.dataValidation:
        for rng in d.sqref.ranges:
            for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col, max_col=rng.max_col):
                for c in row:
                    if c.value is None:
                        c.value = random.randint(70, 95)
                        n += 1
    wb.save(p)
print(f"(experts typed {n} scores into their forms)")
PY
}
type_in_calc() {  # $1 source workbook, $2 target, $3 item typed wrong ("" for none)
python - "$1" "$2" "$3" <<'PY'
import json, subprocess, sys, tempfile
from pathlib import Path
from iipeval.core.api import Evaluator
from iipeval.excel.application.template import write
from iipeval.testing import sample
src, dst, wrong = sys.argv[1:]
fw = Evaluator().framework("hunan_characteristic").framework
st = next(s for s in fw.subtypes if s.name == "区域级")
tmp = Path(tempfile.mkdtemp())
plan = write(fw, tmp / "plan.xlsx", st.id)
slots = {s.key: (s.sheet, s.cell) for s in plan.slots}
answers = {f"applicant.{k}": v for k, v in sample.applicant(fw).items()}
answers["applicant.name"] = "（示例）株洲某某工业互联网有限公司"
answers.update(sample.figures(fw))
items = fw.item_map()
def typed(k, v):
    if k == wrong: return "约" + str(v)
    if isinstance(v, bool): return "是" if v else "否"
    if items.get(k) is not None and items[k].type == "percent": return f"{v:g}%"
    return str(v)
steps = [["type", *slots[k], typed(k, v)] for k, v in answers.items() if k in slots and v is not None]
job = {"profile": str(tmp / "profile"), "documents": [{"source": str(Path(src).resolve()), "target": str(Path(dst).resolve()), "steps": steps}]}
(tmp / "job.json").write_text(json.dumps(job, ensure_ascii=False), "utf-8")
subprocess.run(["/usr/bin/python3", "tests/libreoffice_typist.py", str(tmp / "job.json")], check=True, capture_output=True)
print(f"(applicant typed {len(steps)} cells into {dst} in LibreOffice Calc{'; ' + wrong + ' typed as 约…' if wrong else ''})")
PY
}
type_in_calc 申报表.xlsx submitted/株洲某某.xlsx devices_operating
step iipeval validate submitted/
step iipeval validate submitted/ --return-to 补正1/ --deadline 2026-12-15
ls 补正1
cp examples/panel.toml panel.toml
step iipeval panel submitted/ --panel panel.toml -o reviews/ --record ~/私密/第一轮登记.json
fill_reviews reviews
step iipeval score submitted/ --reviews reviews/ --panel-record ~/私密/第一轮登记.json -o out/results.xlsx
step iipeval score submitted/ --reviews reviews/ --panel-record ~/私密/第一轮登记.json -o out/results.xlsx
step iipeval score submitted/ --reviews reviews/ --panel-record ~/私密/第一轮登记.json -o out/results.xlsx --for committee --force
mkdir -p resubmitted && cp submitted/*.json resubmitted/
type_in_calc 申报表.xlsx resubmitted/株洲某某.xlsx ""
step iipeval compare submitted/ resubmitted/ -o 比对.xlsx
step iipeval verification resubmitted/ --panel-record ~/私密/第一轮登记.json -o 核查表/
step iipeval score resubmitted/ --reviews reviews/ --panel-record ~/私密/第一轮登记.json --verified 核查表/ -o out2/results.xlsx --publish out2/公示名单.docx
step iipeval reproduce out2/results.manifest.json
ls out out2
