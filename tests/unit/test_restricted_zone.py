"""Full numbers are read in known places only: after ingestion, every read of the raw zone goes
through ``telco_mart.storage.restricted``; this test fails when another module builds a raw path."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "telco_mart"
# Who may name the raw zone: the layout that defines it, the restricted reader, ingestion (which
# writes it), the raw quality gate (which checks what ingestion wrote), the mart build plan (which
# hands raw partitions to dbt) and the summary of the data root's size per zone (no rows read).
ALLOWED = {
    "settings.py",
    "storage/restricted.py",
    "quality/metrics.py",
    "quality/raw_shares.py",
    "mart/plan.py",
    "cli/progress.py",
}
ALLOWED_FOLDERS = ("ingest/",)
RAW_ATTRIBUTES = {"raw", "raw_table"}


def _names_raw(node: ast.AST) -> bool:
    """``<x>.raw`` or ``<x>.raw_table``, or a path division with the literal ``"raw"``."""
    if isinstance(node, ast.Attribute):
        return node.attr in RAW_ATTRIBUTES
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return any(isinstance(side, ast.Constant) and side.value == "raw" for side in (node.left, node.right))
    return False


def raw_zone_references(source: str) -> list[int]:
    """Lines of ``source`` that name the raw zone through the data layout, or build a raw path by hand."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if _names_raw(node):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_the_restricted_reader_and_the_pipeline_name_the_raw_zone():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in ALLOWED or relative.startswith(ALLOWED_FOLDERS):
            continue
        offenders += [f"{relative}:{line}" for line in raw_zone_references(path.read_text(encoding="utf-8"))]
    assert not offenders, f"read the raw zone through telco_mart.storage.restricted, not directly: {offenders}"


def test_the_check_finds_a_raw_path_built_by_hand():
    assert raw_zone_references("rows = read(layout.raw_table('crm', 'crm_subscriber'))") == [1]
    assert raw_zone_references("folder = home / 'raw' / 'crm'") == [1]
    assert raw_zone_references("folder = layout.mart / 'dim_subscriber'") == []
