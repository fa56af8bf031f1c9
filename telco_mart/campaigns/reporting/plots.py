"""The plots of the daily HTML report, each returned as a base64 PNG to embed in the page.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot), so no global backend or
figure registry is touched and nothing opens a window. Axes are labelled with campaign ids and
channel names only: the default fonts lack Chinese glyphs, and the tables beside the plots
carry the names.
"""

from __future__ import annotations

import base64
import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

TREATMENT_COLOUR = "#1f6fb2"
CONTROL_COLOUR = "#b0b7bf"
DROP_COLOUR = "#c0504d"
DPI = 96


def _png_base64(figure: Figure) -> str:
    """The figure as PNG bytes, base64-encoded for a ``data:`` URL."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _finite(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def forest_plot(labels: list[str], uplift: list[float], low: list[float], high: list[float]) -> str:
    """Uplift (percentage points) with its 95% interval per campaign, and a line at 0."""
    figure = Figure(figsize=(7.0, 1.2 + 0.45 * len(labels)))
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    for position, centre, left, right in zip(positions, uplift, low, high, strict=True):
        excludes_zero = left > 0 or right < 0
        colour = TREATMENT_COLOUR if excludes_zero else CONTROL_COLOUR
        axes.plot([left, right], [position, position], color=colour, linewidth=2.5)
        axes.plot([centre], [position], marker="o", color=colour, markersize=7)
    axes.axvline(0.0, color="black", linewidth=1)
    axes.set_yticks(positions, labels)
    axes.set_ylim(-0.7, len(labels) - 0.3)
    axes.set_xlabel("uplift, percentage points (95% interval; blue: excludes 0)")
    axes.grid(axis="x", alpha=0.3)
    return _png_base64(figure)


def rate_bars(labels: list[str], treatment_rates: list[float | None], control_rates: list[float | None]) -> str:
    """Success rate (%) of contacted and control subjects, side by side per campaign and channel."""
    figure = Figure(figsize=(max(6.0, 0.8 * len(labels) + 2.0), 3.6))
    axes = figure.add_subplot()
    width = 0.38
    positions = list(range(len(labels)))
    for offset, rates, colour, name in (
        (-width / 2, treatment_rates, TREATMENT_COLOUR, "contacted"),
        (width / 2, control_rates, CONTROL_COLOUR, "control"),
    ):
        heights = [100.0 * rate if _finite(rate) else 0.0 for rate in rates]
        axes.bar([p + offset for p in positions], heights, width, color=colour, label=name)
    axes.set_xticks(positions, labels, rotation=30, ha="right")
    axes.set_ylabel("success rate, %")
    axes.legend(frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return _png_base64(figure)


def funnel_plot(title: str, steps: list[str], remaining: list[int], dropped: list[int]) -> str:
    """Subscribers remaining after each policy step (top to bottom), the drop written beside each bar."""
    figure = Figure(figsize=(7.0, 1.0 + 0.32 * len(steps)))
    axes = figure.add_subplot()
    positions = list(range(len(steps)))[::-1]
    axes.barh(positions, remaining, color=TREATMENT_COLOUR)
    widest = max(remaining, default=0) or 1
    for position, left, drop in zip(positions, remaining, dropped, strict=True):
        if drop:
            axes.text(left + widest * 0.01, position, f"-{drop:,}", va="center", fontsize=8, color=DROP_COLOUR)
    axes.set_yticks(positions, steps, fontsize=8)
    axes.set_xlim(0, widest * 1.15)
    axes.set_xlabel("subscribers remaining (red: dropped at the step)")
    axes.set_title(title, fontsize=10)
    return _png_base64(figure)


def capacity_plot(channels: list[str], capacity: list[int | None], used: list[int]) -> str:
    """Work orders sent against the capacity of each channel (no capacity bar where unlimited)."""
    figure = Figure(figsize=(max(5.0, 1.1 * len(channels) + 2.0), 3.2))
    axes = figure.add_subplot()
    width = 0.38
    positions = list(range(len(channels)))
    capacities = [value if _finite(value) else 0 for value in capacity]
    axes.bar([p - width / 2 for p in positions], capacities, width, color=CONTROL_COLOUR, label="capacity")
    axes.bar([p + width / 2 for p in positions], used, width, color=TREATMENT_COLOUR, label="used")
    axes.set_xticks(positions, channels)
    axes.set_ylabel("work orders")
    axes.legend(frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return _png_base64(figure)
