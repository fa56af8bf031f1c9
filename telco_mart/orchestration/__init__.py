"""What the Airflow DAGs call: one function per task, and the delivery sensor.

Nothing here imports Spark at module level, so DAG parsing stays fast.
"""
