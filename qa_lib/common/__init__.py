"""Shared ground every stage stands on, importing nothing else of qa_lib.

In: nothing of a round. Out: the vocabulary (severities, statuses, answer states and
column names as enums and constants), the problem record and the registry of problem
codes, working days (England and Wales bank holidays), the personal-data scan, and text
written into Excel cells as typed (never a formula, control characters shown).
"""
