#!/bin/bash
# The organiser round from the README alone, in a fresh clone: the README's commands exactly
# as written, the round in its folder first, then the same commands outside a round; in
# between, an applicant types the 申报表 in LibreOffice Calc (tests/libreoffice_typist.py,
# needs python3-uno), the experts fill their forms and a verifier the 核查表 (openpyxl).
# Usage: bash scripts/readme_walk.sh [REPO] > walk.log   (REPO defaults to this checkout)
set -u
REPO=$(cd "${1:-$(dirname "$0")/..}" && pwd)
D=$(mktemp -d)/fresh; git clone -q "$REPO" "$D"; cd "$D"; echo "fresh clone in $D"
export HOME="$D.home"; mkdir -p "$HOME"  # the README keeps the round's record in ~/私密/
unexpected=()
expect() {  # expect CODE COMMAND…: run it as the README writes it, print it and how it ended
  local want=$1; shift
  echo; echo "\$ $*"; "$@"; local got=$?; echo "[exit $got]"
  [ "$got" = "$want" ] || unexpected+=("$* (exit $got, expected $want)")
}
step() { expect 0 "$@"; }
echo "== set-up command (README, one line; pip's own output goes to pip.log)"
python3 -m venv .venv && .venv/bin/pip install -e . > pip.log 2>&1 && chmod 600 examples/panel-record.json && .venv/bin/iipeval score examples/applications --reviews examples/reviews --panel-record examples/panel-record.json; code=$?; echo "[exit $code]"
[ "$code" = 0 ] || unexpected+=("the set-up command (exit $code, expected 0)")
source .venv/bin/activate
step iipeval frameworks
step iipeval show national_2023
step iipeval template --all -o templates/
expect 2 iipeval template --all -o templates/  # exists: no command overwrites without --force
step iipeval template hunan_characteristic --subtype 区域级 -o 申报表.xlsx
mkdir -p submitted && cp examples/applications/*.json submitted/
fill_reviews() {  # experts: a score of 70-95 in every yellow 评分 cell of the forms in $1
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
fill_check() {  # a verifier on site: $2 found as $3 in the 核查表 $1, with evidence, name and date
python - "$1" "$2" "$3" <<'PY'
import datetime, sys
import openpyxl
from iipeval.excel.verification.sheet import META, SHEET
path, item, value = sys.argv[1], sys.argv[2], int(sys.argv[3])
wb = openpyxl.load_workbook(path)
ids = [r[1] for r in wb[META].iter_rows(values_only=True) if r[0] == "item"]
r = 5 + ids.index(item)
ws = wb[SHEET]
ws[f"F{r}"], ws[f"G{r}"], ws[f"I{r}"], ws[f"J{r}"] = value, "设备台账", "王核查", datetime.date(2026, 12, 10)
wb.save(path)
print(f"(the verifier wrote {item} = {value} into {path})")
PY
}
echo; echo "== the round, in its folder (README: Using it)"
mkdir -p submitted && cp examples/applications/*.json submitted/
type_in_calc 申报表.xlsx submitted/株洲某某.xlsx devices_operating
cp examples/panel.toml panel.toml
step iipeval round init 第一轮 --name 2026年省级平台认定
step cd 第一轮
step iipeval receive ../submitted/
expect 1 iipeval validate  # 株洲某某 typed 约… for a number: 需补正
expect 1 iipeval validate --return-to 2-补正/第1次 --deadline 2026-12-15
ls 2-补正/第1次
step iipeval status
mkdir -p ../resubmitted  # the applicant corrects the workbook sent back and sends it again
(cd .. && type_in_calc 申报表.xlsx resubmitted/株洲某某.xlsx "")
step iipeval receive ../resubmitted/
step iipeval compare
step iipeval panel --panel ../panel.toml
mkdir -p ../returned && cp 3-评分表/review_*_E0[1-4]_*.xlsx ../returned/  # E05 never sends one back
fill_reviews ../returned
step iipeval receive ../returned/
step iipeval status
step iipeval waive E05 --reason 出差未能参加评审
step iipeval verification
mkdir -p ../checked && cp 5-核查表/*national_2023*_核查表.xlsx ../checked/
fill_check ../checked/*national_2023*_核查表.xlsx devices_operating 1500000
step iipeval receive ../checked/
step iipeval score --publish 公示名单.docx
step iipeval status
step iipeval log --verify
step iipeval reproduce 9-结果/第1次/results.manifest.json
ls 9-结果/第1次
step cd ..
echo; echo "== outside a round, on named files (README: Using it)"
expect 1 iipeval validate submitted/ --return-to 补正1/ --deadline 2026-12-15
ls 补正1
step iipeval compare submitted/ resubmitted/ -o 比对.xlsx
step iipeval panel submitted/ --panel panel.toml -o reviews/ --record ~/私密/第一轮登记.json
fill_reviews reviews
expect 1 iipeval score submitted/ --reviews reviews/ --panel-record ~/私密/第一轮登记.json -o out/results.xlsx  # 株洲某某 needs 补正
expect 2 iipeval score submitted/ --reviews reviews/ --panel-record ~/私密/第一轮登记.json -o out/results.xlsx  # exists
expect 1 iipeval score submitted/ --reviews reviews/ --panel-record ~/私密/第一轮登记.json -o out/results.xlsx --for committee --force
ls out
echo
if [ ${#unexpected[@]} -eq 0 ]; then echo "readme walk: every command ended as expected"; exit 0; fi
echo "readme walk: ${#unexpected[@]} command(s) ended otherwise than expected:"; printf '  %s\n' "${unexpected[@]}"; exit 1
