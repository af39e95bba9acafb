"""Shared ground every stage stands on, importing nothing else of qa_lib.

In: nothing of a round. Out: the vocabulary (severities, statuses, answer states and
column names as enums and constants), the problem record and the registry of problem
codes, working days (England and Wales bank holidays), and the personal-data scan.
"""
