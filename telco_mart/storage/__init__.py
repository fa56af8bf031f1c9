"""Storage: where partitions live and how they are read and written, in one place.

* :mod:`telco_mart.storage.keys`: the partition keys of every zone, defined once;
* :mod:`telco_mart.storage.partitions`: partition folders by path (which exist, the latest on or
  before a date, row counts from the footers), no engine needed;
* :mod:`telco_mart.storage.spark_reads`: Spark reads of one, the latest or a range of partitions;
* :mod:`telco_mart.storage.restricted`: the one reader of the raw zone (full numbers) outside
  ingestion and the dbt build;
* :mod:`telco_mart.storage.files`: the one atomic-file writer every module uses for a whole file
  (control files, audit and reconciliation Parquet, stage records, summaries, reports).
"""
