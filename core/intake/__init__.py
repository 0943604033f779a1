"""Every file from outside, one way: strict JSON, the workbook guard, and the sandbox of worker processes."""
