"""What every workbook is made of: cell values and what a person sees of them, styles and text widths, rows written as XML, printing and saving."""
