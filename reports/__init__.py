"""Batch outputs: the results workbook, JSON and CSV, written whole or not at all."""
