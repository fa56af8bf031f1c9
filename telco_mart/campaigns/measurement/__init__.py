"""Measurement: each assignment's outcome, the effect against the control group and its
statistics, and the marketing knowledge base with the acceptance-propensity model."""
