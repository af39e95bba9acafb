"""Stage 3, checking: the typed table in, every problem and the rows fit to score out.

In: the ingested table and the profile. Out: :class:`~qa_lib.checks.rules.Validated`
(problems, which rows may be scored, which were left out and why) and the catalogue of
every problem code the toolkit can raise.
"""
