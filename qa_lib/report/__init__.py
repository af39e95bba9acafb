"""Stage 5, reporting: the stored round in, pages and workbooks out.

In: a round folder's data (:class:`~qa_lib.report.round_data.RoundData`). Out: report
sections as accessible HTML, charts, the publishing policy that suppresses small
counts, ``summary.xlsx``, the validation report and self-contained pages.
"""
