"""The application workbook (申报表): layout, template, reader, and the 补正 returns."""
