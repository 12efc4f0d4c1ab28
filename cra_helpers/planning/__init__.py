"""Assessment planning, the steps between prioritization and analysis.

The question bank and its loading (:mod:`.questions`), each key account's
knowledge gaps (:mod:`.knowledge`), interview guides (:mod:`.guide`),
executive letters (:mod:`.letters`), the interview schedule and its calendar
(:mod:`.schedule`), capture workbooks (:mod:`.capture`) and their merge into
one assessment (:mod:`.merge`). Import the modules themselves; this package
imports nothing so that each keeps its own layer.
"""
