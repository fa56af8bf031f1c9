"""Ingestion: verify landed extracts against their control files, parse, quarantine, publish."""
