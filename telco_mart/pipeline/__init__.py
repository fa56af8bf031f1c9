"""The daily pipeline as plain functions: the CLI, the Airflow tasks and the tests call these."""
