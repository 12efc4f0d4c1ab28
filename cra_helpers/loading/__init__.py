"""Reading and checking an assessment, in phases; :mod:`cra_helpers.loader` is its public face.

* :mod:`.cells` — limits, wording of cell values, header normalisation.
* :mod:`.problems` — :class:`Problem`, :class:`AssessmentError` and the problem collector.
* :mod:`.raw` — cell grids split into header and data rows, unknown sheets and files.
* :mod:`.workbook` — xlsx workbooks (python-calamine, plus a scan for cells it reads as empty).
* :mod:`.csv_folder` — folders of ``<table>.csv`` files.
* :mod:`.columns` — typing one column by its kind.
* :mod:`.table` — building and checking one table.
* :mod:`.checks` — unique keys and references between tables.
* :mod:`.capture_rules` — what changes for a capture workbook written by ``cra plan``.
"""
