"""Train and cross-validate a churn model on any churn table (CSV or Parquet).

Backs ``telco-mart models train churn --table PATH --label COLUMN --id COLUMN``. A table from
outside the mart arrives with its own conventions: labels spelt Yes/No or 1/0 or churned/active,
numbers stored as text with blanks, identifier columns nobody mentioned. ``prepare_table``
decides what every column is and says so; nothing is dropped without a line in the report.
``cross_validate_table`` then runs stratified K-fold with the same ``build_classifier`` as the
mart's own churn model.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from telco_mart.errors import TelcoMartError
from telco_mart.modelling.estimator import build_classifier, limit_threads, resolve_params
from telco_mart.modelling.metrics import ranking_metrics
from telco_mart.table_files import read_table_file

DEFAULT_SEED = 20261124
DEFAULT_FOLDS = 5
# A text column is numeric when this share of its non-blank values parse as numbers; the rest
# (a stray "n/a", "-") become missing rather than turning the whole column into categories.
NUMERIC_SHARE = 0.95
# A non-numeric column whose non-blank values are this distinct is a key (a name, an e-mail),
# which no model can generalise from; it only takes effect from this many non-blank rows.
IDENTIFIER_SHARE = 0.95
IDENTIFIER_MIN_ROWS = 20

POSITIVE_LABELS = frozenset(
    {"1", "yes", "y", "true", "t", "churn", "churned", "churner", "left", "lost", "cancelled", "canceled"}
)
NEGATIVE_LABELS = frozenset(
    {"0", "no", "n", "false", "f", "active", "retained", "stayed", "stay", "current", "not churned", "no churn"}
)
# Spellings of "no value" in exported tables; in a label they mean "unknown", in a number missing.
BLANK_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
METRIC_KEYS = ("roc_auc", "pr_auc", "lift_at_10pct")
# Below this many rows the booster runs single-threaded (see _threads_for).
SINGLE_THREAD_ROWS = 100_000


class TabularError(TelcoMartError):
    """A churn table cannot be read or used; the message names the file or the column."""


@dataclass
class PreparedTable:
    """A churn table made ready for the classifier, with an account of everything left out.

    ``dropped_rows`` maps a reason to a row count; ``dropped_columns`` maps a column to why it
    was left out; ``notes`` records conversions that kept the column (blanks read as missing)."""

    features: pd.DataFrame
    y: np.ndarray
    numeric: list[str]
    categorical: list[str]
    ids: pd.Series | None
    label: str
    id_column: str | None
    rows_total: int
    dropped_rows: dict[str, int] = field(default_factory=dict)
    dropped_columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    source: str | None = None

    @property
    def rows(self) -> int:
        """Rows kept for modelling."""
        return int(self.y.size)

    @property
    def positives(self) -> int:
        """Rows labelled as churn."""
        return int(self.y.sum())


@dataclass
class TabularReport:
    """Cross-validation results of the churn classifier on one prepared table.

    ``folds_metrics`` holds one dict per fold; ``mean`` and ``std`` (population std, ddof=0)
    summarise them; ``overall`` is computed on the pooled out-of-fold probabilities.
    ``oof_probability`` and ``fold_of_row`` are per kept row and left out of ``to_dict``."""

    source: str | None
    label: str
    id_column: str | None
    seed: int
    folds: int
    params: dict[str, Any]
    rows_total: int
    rows_used: int
    positives: int
    dropped_rows: dict[str, int]
    dropped_columns: dict[str, str]
    notes: list[str]
    numeric: list[str]
    categorical: list[str]
    fold_metrics: list[dict[str, Any]]
    overall: dict[str, Any]
    mean: dict[str, float]
    std: dict[str, float]
    seconds: float
    oof_probability: np.ndarray = field(repr=False)
    fold_of_row: np.ndarray = field(repr=False)

    @property
    def positive_rate(self) -> float:
        """Share of kept rows labelled as churn."""
        return self.positives / self.rows_used

    def to_dict(self) -> dict[str, Any]:
        """Everything but the per-row arrays, as JSON-serialisable Python values."""
        return {
            "source": self.source,
            "label": self.label,
            "id_column": self.id_column,
            "seed": self.seed,
            "folds": self.folds,
            "params": dict(self.params),
            "rows_total": self.rows_total,
            "rows_used": self.rows_used,
            "rows_dropped": sum(self.dropped_rows.values()),
            "dropped_rows": dict(self.dropped_rows),
            "dropped_columns": dict(self.dropped_columns),
            "notes": list(self.notes),
            "positives": self.positives,
            "positive_rate": self.positive_rate,
            "numeric": list(self.numeric),
            "categorical": list(self.categorical),
            "fold_metrics": [dict(m) for m in self.fold_metrics],
            "overall": dict(self.overall),
            "mean": dict(self.mean),
            "std": dict(self.std),
            "seconds": self.seconds,
        }

    def format_report(self) -> str:
        """A readable text block: the table, rows kept and dropped, columns, and the metrics."""
        dropped = sum(self.dropped_rows.values())
        lines = [
            f"Churn model cross-validation: {self.source or '(in-memory table)'}",
            f"  label: {self.label} (churn rate {self.positive_rate:.2%}, {self.positives:,} of {self.rows_used:,} rows)",
            f"  id column: {self.id_column or '(none)'} (excluded from the features)",
            f"  rows: {self.rows_total:,} read, {self.rows_used:,} used, {dropped:,} dropped",
        ]
        lines += [f"    dropped {count:,}: {reason}" for reason, count in self.dropped_rows.items()]
        lines.append(f"  numeric columns ({len(self.numeric)}): {', '.join(self.numeric) or '-'}")
        lines.append(f"  categorical columns ({len(self.categorical)}): {', '.join(self.categorical) or '-'}")
        if self.dropped_columns:
            lines.append(f"  dropped columns ({len(self.dropped_columns)}):")
            lines += [f"    {column}: {reason}" for column, reason in self.dropped_columns.items()]
        if self.notes:
            lines.append("  notes:")
            lines += [f"    {note}" for note in self.notes]
        lines.append(
            f"  model: {self.params['model']}, {self.folds}-fold stratified cross-validation, seed {self.seed}"
        )
        lines.append(f"  {'fold':>8} {'rows':>7} {'churners':>8} {'ROC AUC':>8} {'PR AUC':>8} {'lift@10%':>8}")
        for m in self.fold_metrics:
            lines.append(
                f"  {m['fold']:>8} {m['rows']:>7,} {m['positives']:>8,} "
                f"{m['roc_auc']:>8.4f} {m['pr_auc']:>8.4f} {m['lift_at_10pct']:>8.3f}"
            )
        lines.append(
            f"  {'mean':>8} {'':>7} {'':>8} {self.mean['roc_auc']:>8.4f} {self.mean['pr_auc']:>8.4f} "
            f"{self.mean['lift_at_10pct']:>8.3f}"
        )
        lines.append(
            f"  {'std':>8} {'':>7} {'':>8} {self.std['roc_auc']:>8.4f} {self.std['pr_auc']:>8.4f} "
            f"{self.std['lift_at_10pct']:>8.3f}"
        )
        o = self.overall
        lines.append(
            f"  {'pooled':>8} {o['rows']:>7,} {o['positives']:>8,} "
            f"{o['roc_auc']:>8.4f} {o['pr_auc']:>8.4f} {o['lift_at_10pct']:>8.3f}"
        )
        lines.append(f"  time: {self.seconds:.1f} s")
        return "\n".join(lines)


def load_table(path: str | Path) -> pd.DataFrame:
    """Read a churn table: ``.csv`` (UTF-8, every column as text, blanks kept as "") or
    ``.parquet``/``.pq`` (types as stored). Raises ``TabularError`` naming the file when it is
    missing, of another kind, or unreadable. The path is kept in ``frame.attrs["source"]``."""
    path = Path(path)
    frame = read_table_file(path, "churn table", TabularError)
    frame.attrs["source"] = str(path)
    return frame


def _normalised_text(column: pd.Series) -> pd.Series:
    """Values as stripped strings; missing values become ""."""
    return column.astype("string").str.strip().fillna("")


def parse_labels(values: pd.Series) -> pd.Series:
    """Map a label column to 1 (churn), 0 (no churn) or <NA> (blank or unrecognised); case and
    surrounding spaces are ignored; 1.0 and 0.0 count as 1 and 0."""
    text = _normalised_text(values).str.lower()
    parsed = pd.Series(pd.NA, index=values.index, dtype="Int64")
    parsed[text.isin(POSITIVE_LABELS)] = 1
    parsed[text.isin(NEGATIVE_LABELS)] = 0
    # Numeric exports write 1.0/0.0 (or True as 1); compare as numbers for what the sets missed.
    numbers = pd.to_numeric(text.where(parsed.isna()), errors="coerce")
    parsed[numbers == 1] = 1
    parsed[numbers == 0] = 0
    return parsed


def _find_column(frame: pd.DataFrame, column: str, role: str) -> None:
    if column not in frame.columns:
        raise TabularError(f"{role} column {column!r} not found; the table's columns are: {list(frame.columns)}")


def prepare_table(
    frame: pd.DataFrame, label: str, id_column: str | None, *, source: str | None = None
) -> PreparedTable:
    """Split a raw churn table into features and a 0/1 label, deciding each column's type.

    * The label accepts yes/no, true/false, y/n, 1/0, churned/active... (case and spaces
      ignored); rows with a blank or unrecognised label are dropped and counted by reason.
    * ``id_column`` is kept aside as ``ids``, never a feature.
    * A column is numeric when stored as numbers, or when at least 95% of its non-blank text
      values parse as numbers (blanks and the rest become NaN, noted); otherwise categorical.
    * All-blank and constant columns, and text columns unique per row (identifier-like), are
      dropped and listed in ``dropped_columns``.

    Raises ``TabularError`` naming the column for a missing label or id column, and when the
    label leaves fewer than two classes or no feature is left."""
    source = source if source is not None else frame.attrs.get("source")
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise TabularError(f"column name(s) {duplicated} appear more than once")
    _find_column(frame, label, "label")
    if id_column is not None:
        _find_column(frame, id_column, "id")
        if id_column == label:
            raise TabularError(f"the label and the id are the same column {label!r}")
    rows_total = len(frame)

    labels = parse_labels(frame[label])
    label_text = _normalised_text(frame[label])
    blank = labels.isna() & label_text.str.lower().isin(BLANK_TOKENS)
    unknown = labels.isna() & ~blank
    dropped_rows: dict[str, int] = {}
    if blank.any():
        dropped_rows[f"blank label in {label!r}"] = int(blank.sum())
    if unknown.any():
        examples = label_text[unknown].value_counts().index[:5].tolist()
        dropped_rows[f"label in {label!r} not recognised as churn or no churn (values such as {examples})"] = int(
            unknown.sum()
        )
    keep = labels.notna().to_numpy()
    y = labels[keep].to_numpy(dtype=np.int64)
    counts = np.bincount(y, minlength=2) if y.size else np.zeros(2, dtype=int)
    if (counts == 0).any():
        seen = label_text.value_counts().index[:10].tolist()
        raise TabularError(
            f"label column {label!r} needs both churn and no-churn rows; after parsing it has "
            f"{int(counts[1])} churn and {int(counts[0])} no-churn rows (values seen: {seen})"
        )

    kept = frame.loc[keep].reset_index(drop=True)
    ids = kept[id_column].copy() if id_column is not None else None
    candidates = [c for c in kept.columns if c not in (label, id_column)]
    features: dict[str, pd.Series] = {}
    numeric: list[str] = []
    categorical: list[str] = []
    dropped_columns: dict[str, str] = {}
    notes: list[str] = []
    for column in candidates:
        kind, values, reason = _classify_column(kept[column], column, notes)
        if kind == "drop":
            dropped_columns[column] = reason
            continue
        features[column] = values
        (numeric if kind == "numeric" else categorical).append(column)
    if not features:
        raise TabularError(
            f"no usable feature columns left after the label and id (dropped: {dropped_columns or 'none'})"
        )
    return PreparedTable(
        features=pd.DataFrame(features),
        y=y,
        numeric=numeric,
        categorical=categorical,
        ids=ids,
        label=label,
        id_column=id_column,
        rows_total=rows_total,
        dropped_rows=dropped_rows,
        dropped_columns=dropped_columns,
        notes=notes,
        source=source,
    )


def _classify_column(values: pd.Series, column: str, notes: list[str]) -> tuple[str, pd.Series, str]:
    """("numeric" | "categorical" | "drop", converted values, reason for a drop)."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        number = pd.to_numeric(values, errors="coerce").astype(float)
        if number.nunique(dropna=False) <= 1:
            return "drop", values, "constant (a single value)"
        return "numeric", number.replace([np.inf, -np.inf], np.nan), ""

    text = _normalised_text(values)
    blank = text.str.lower().isin(BLANK_TOKENS)
    present = int((~blank).sum())
    if present == 0:
        return "drop", values, "all values blank"
    if text.nunique() <= 1:
        return "drop", values, f"constant (every value is {text.iloc[0]!r})"
    number = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
    number = number.replace([np.inf, -np.inf], np.nan)
    parsed = int(number.notna().sum())
    if parsed >= NUMERIC_SHARE * present:
        if number.nunique(dropna=False) <= 1:
            return "drop", values, "constant (a single number)"
        if blank.any():
            notes.append(f"{column}: {int(blank.sum()):,} blank value(s) read as missing numbers")
        if parsed < present:
            examples = text[~blank & number.isna()].value_counts().index[:3].tolist()
            notes.append(
                f"{column}: {present - parsed:,} non-numeric value(s) such as {examples} read as missing numbers"
            )
        return "numeric", number, ""

    distinct = text[~blank].nunique()
    if present >= IDENTIFIER_MIN_ROWS and distinct >= IDENTIFIER_SHARE * present:
        return "drop", values, f"identifier-like ({distinct:,} distinct values in {present:,} non-blank rows)"
    # Blanks become None so the classifier gives them its own "missing" level.
    return "categorical", text.astype(object).where(text != "", None), ""


def _fold_assignment(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    fold_of_row = np.empty(y.size, dtype=np.int64)
    for number, (_, test) in enumerate(splitter.split(np.zeros(y.size), y), start=1):
        fold_of_row[test] = number
    return fold_of_row


def _check_class_counts(prepared: PreparedTable, folds: int, params: dict[str, Any]) -> None:
    minority = int(min(prepared.positives, prepared.rows - prepared.positives))
    if folds < 2:
        raise TabularError(f"cross-validation needs at least 2 folds, not {folds}")
    if minority < folds:
        raise TabularError(
            f"label {prepared.label!r}: the smaller class has {minority} rows, fewer than the {folds} folds"
        )
    calibration_folds = params["calibration_folds"]
    # Each training fold is calibrated by its own inner stratified split; it needs one per class per split.
    if params["model"] != "logistic" and minority - int(np.ceil(minority / folds)) < calibration_folds:
        raise TabularError(
            f"label {prepared.label!r}: the smaller class has {minority} rows, too few for {folds} folds "
            f"with {calibration_folds}-fold calibration inside each"
        )


def _threads_for(rows: int, threads: int | None) -> int | None:
    """The thread cap for fitting on ``rows`` rows; None means no cap.

    A tree on a few thousand rows is too little work to share: OpenMP's barriers then cost more
    than they save, and on a machine busy with Spark the spinning threads made a 5 s
    cross-validation of IBM Telco take 110 s on 2 cores. Large tables get every core."""
    if threads is not None:
        return threads
    return 1 if rows < SINGLE_THREAD_ROWS else None


def cross_validate_table(
    prepared: PreparedTable,
    *,
    folds: int = DEFAULT_FOLDS,
    seed: int = DEFAULT_SEED,
    params: dict[str, Any] | None = None,
    threads: int | None = None,
) -> TabularReport:
    """Stratified ``folds``-fold cross-validation (shuffled with ``seed``) of ``build_classifier``.

    Each fold's model is fitted on the other folds and scores its own rows; the report has the
    per-fold ROC AUC, PR AUC and lift at 10%, their mean and std, and the same metrics on the
    pooled out-of-fold probabilities. Deterministic given the table, ``seed`` and ``params``
    (the thread count changes the speed, not the result). ``threads`` caps OpenMP/BLAS
    threads; by default one thread below 100,000 rows, every core above."""
    effective = resolve_params(params)
    _check_class_counts(prepared, folds, effective)
    started = time.perf_counter()
    fold_of_row = _fold_assignment(prepared.y, folds, seed)
    oof = np.full(prepared.rows, np.nan)
    fold_metrics = []
    cap = _threads_for(prepared.rows, threads)
    for number in range(1, folds + 1):
        test = fold_of_row == number
        fold_started = time.perf_counter()
        model = build_classifier(prepared.numeric, prepared.categorical, seed=seed, params=params)
        with limit_threads(cap) if cap is not None else nullcontext():
            model.fit(prepared.features.loc[~test], prepared.y[~test])
            oof[test] = model.predict_proba(prepared.features.loc[test])[:, 1]
        metrics = ranking_metrics(prepared.y[test], oof[test])
        fold_metrics.append({"fold": number, **metrics, "seconds": time.perf_counter() - fold_started})
    mean = {key: float(np.mean([m[key] for m in fold_metrics])) for key in METRIC_KEYS}
    std = {key: float(np.std([m[key] for m in fold_metrics])) for key in METRIC_KEYS}
    return TabularReport(
        source=prepared.source,
        label=prepared.label,
        id_column=prepared.id_column,
        seed=seed,
        folds=folds,
        params=effective,
        rows_total=prepared.rows_total,
        rows_used=prepared.rows,
        positives=prepared.positives,
        dropped_rows=dict(prepared.dropped_rows),
        dropped_columns=dict(prepared.dropped_columns),
        notes=list(prepared.notes),
        numeric=list(prepared.numeric),
        categorical=list(prepared.categorical),
        fold_metrics=fold_metrics,
        overall=ranking_metrics(prepared.y, oof),
        mean=mean,
        std=std,
        seconds=time.perf_counter() - started,
        oof_probability=oof,
        fold_of_row=fold_of_row,
    )


def fit_table_model(
    prepared: PreparedTable,
    *,
    seed: int = DEFAULT_SEED,
    params: dict[str, Any] | None = None,
    threads: int | None = None,
) -> Pipeline:
    """The classifier fitted on every kept row, for saving after cross-validation has vouched for it."""
    model = build_classifier(prepared.numeric, prepared.categorical, seed=seed, params=params)
    cap = _threads_for(prepared.rows, threads)
    with limit_threads(cap) if cap is not None else nullcontext():
        return model.fit(prepared.features, prepared.y)


def train_churn_table(
    path: str | Path,
    label: str,
    id_column: str | None,
    *,
    folds: int = DEFAULT_FOLDS,
    seed: int = DEFAULT_SEED,
    params: dict[str, Any] | None = None,
    threads: int | None = None,
) -> TabularReport:
    """Load, prepare and cross-validate a churn table in one call (what the CLI runs)."""
    prepared = prepare_table(load_table(path), label, id_column, source=str(path))
    return cross_validate_table(prepared, folds=folds, seed=seed, params=params, threads=threads)


def format_report(report: TabularReport, table: str | Path | None = None) -> str:
    """``report.format_report()``, naming ``table`` as the source when given (the path the user typed)."""
    if table is not None and report.source != str(table):
        report = replace(report, source=str(table))
    return report.format_report()
