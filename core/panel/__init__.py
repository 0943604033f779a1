"""The expert panel: its roster, its signed record, the forms it is issued and which returns count."""

#: The record's usual file name (:mod:`.record`), here so that finding inputs can skip it
#: without loading the record's models. A file of this name among the returned forms is
#: never read as a record nor as a form (:mod:`.location`).
RECORD_NAME = "panel-record.json"
