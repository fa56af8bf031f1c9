"""Storage: how telco-mart writes files so that readers never see half of one.

:mod:`telco_mart.storage.files` is the one atomic-file writer every module uses for a whole file
(control files, audit and reconciliation Parquet, stage records, summaries, reports).
"""
