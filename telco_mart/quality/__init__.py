"""Quality gates with Great Expectations: raw and mart checkpoints, critical vs warning.

Suites are YAML under ``expectations/<layer>/<dataset>.yml``, checkpoints in
``expectations/checkpoints.yml``. ``run_checkpoint`` validates small metric frames (raw) or mart
partitions (mart) for one business date; ``enforce`` raises ``QualityGateFailed`` on a critical
failure. Great Expectations itself is imported only when a checkpoint runs.
"""

from telco_mart.quality.checkpoint import CheckpointResult, QualityGateFailed, enforce, run_checkpoint
from telco_mart.quality.outcomes import Outcome

__all__ = ["CheckpointResult", "Outcome", "QualityGateFailed", "enforce", "run_checkpoint"]
