"""The expert scoring workbook (专家评分表): layout, writer and reader."""
