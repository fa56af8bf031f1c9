"""The marketing mart: the dbt project's generated inputs, the build plan and the dbt run."""
