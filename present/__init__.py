"""iipeval.present: what every front end shares in how it shows things.

The wording itself (severities, standings, the provisional total, a finding's place, the
one way to write a number, Chinese names of data items) is data about results and lives
in :mod:`iipeval.core.voice` and :mod:`iipeval.core.text`; this package holds the parts
about files a person opens: text made safe for a cell (:mod:`.cell_text`), outputs written
whole or not at all (:mod:`.atomic`), one reading of a batch (:mod:`.view`,
:mod:`.labels`), the A4 print setup and the clock-free ZIP writer (:mod:`.xlsx`), and
writers one front end needs from another, found by name (:mod:`.outputs`).

The CLI, the Excel front end and the reports import it; it imports no front end, so no
front end needs to import another (``tests/test_voice.py`` fails if one does).
"""
