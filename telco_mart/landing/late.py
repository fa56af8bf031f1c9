"""Late deliveries: the generator holds some extracts back; this lets them arrive."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from telco_mart.settings import DataLayout


def deliver_late_files(layout: DataLayout, business_date: date) -> list[Path]:
    """Move every held-back file of ``business_date`` into landing; control files last."""
    moved = []
    held = sorted(layout.late_landing.glob(f"*/{business_date:%Y%m%d}/*"), key=lambda p: p.suffix == ".ctl")
    for path in held:
        target = layout.landing / path.relative_to(layout.late_landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        moved.append(target)
    return moved
