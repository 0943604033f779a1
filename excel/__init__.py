"""Workbooks people fill in, one folder per kind (申报表, 专家评分表, AHP 调查表, 核查表), and the cell-level pieces they share."""
