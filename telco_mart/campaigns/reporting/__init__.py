"""Reporting: the day's campaign report (HTML and figures) from the run summary and the mart."""
