"""Stage 2, reading: partner returns in, one typed table out.

In: a folder of return files (.xlsx, .xlsm, .xls, .csv) and a profile. Out:
:class:`~qa_lib.ingest.returns.Ingested`: every row with every value typed once (dates,
answers, choices), the file-by-file record, and the problems found while reading, each
naming file, sheet, Excel row and column letter. Inputs are only ever read.
"""
