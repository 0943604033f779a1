"""iipeval.present: what every front end shares in how it shows things.

The wording itself (severities, standings, the provisional total, a finding's place) is
data about results and lives in :mod:`iipeval.core.voice`; this package holds the parts
that are about files a person opens: the A4 print setup and the clock-free ZIP writer of
a workbook. The CLI, the Excel front end and the reports import it; it imports no front
end, so no front end needs to import another for these.
"""
