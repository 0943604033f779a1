"""Cell styles of the application workbook, in one place so every sheet looks alike.

Yellow means "type here" throughout; everything else is locked. 宋体 is the font every
Chinese Windows, WPS and LibreOffice-with-CJK-fonts machine has or substitutes cleanly.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

FONT_NAME = "宋体"

BODY = Font(name=FONT_NAME, size=11)
BOLD = Font(name=FONT_NAME, size=11, bold=True)
TITLE = Font(name=FONT_NAME, size=14, bold=True)
NOTE = Font(name=FONT_NAME, size=10, color="595959")
NOTE_ITALIC = Font(name=FONT_NAME, size=10, italic=True, color="595959")
REQUIRED = Font(name=FONT_NAME, size=11, bold=True, color="C00000")

HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
DIMENSION_FILL = PatternFill("solid", fgColor="BDD7EE")
INDICATOR_FILL = PatternFill("solid", fgColor="EDF3FA")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
FIXED_FILL = PatternFill("solid", fgColor="EDEDED")

_thin = Side(style="thin", color="A6A6A6")
GRID = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)

WRAP = Alignment(wrap_text=True, vertical="center")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
INPUT_ALIGN = Alignment(horizontal="right", vertical="center")
TEXT_INPUT_ALIGN = Alignment(horizontal="left", vertical="center", wrap_text=True)

UNLOCKED = Protection(locked=False)
