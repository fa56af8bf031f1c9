"""Suite and checkpoint definitions: read from ``expectations/`` and checked before any data is.

A suite file ``expectations/<layer>/<dataset>.yml`` names the dataset it validates, the
parameters of the metric frame, and its expectations: the GX type in snake_case, its kwargs, a
severity (critical or warning) and a one-line why. ``expectations/checkpoints.yml`` names the
checkpoints and their suites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from telco_mart.errors import TelcoMartError
from telco_mart.settings import PROJECT_DIR

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
CHECKPOINTS_FILE = "checkpoints.yml"
SEVERITIES = ("critical", "warning")
LAYERS = ("raw", "mart")
PARTITION_KEYS = ("business_date", "billing_month")
# Columns whose values must never be listed in a result (Data Docs, messages): the number itself.
SENSITIVE_COLUMN_MARK = "msisdn"


class SuiteDefinitionError(TelcoMartError):
    """A suite or checkpoint file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite file."""

    type: str
    kwargs: dict[str, Any]
    severity: str
    why: str

    @property
    def column(self) -> str | None:
        """The column the expectation is about, if any."""
        return self.kwargs.get("column")

    @property
    def label(self) -> str:
        """``type(kwarg=value, ...)``, the name messages and results use for it."""
        arguments = ", ".join(f"{key}={_show(value)}" for key, value in self.kwargs.items())
        return f"{self.type}({arguments})"


@dataclass(frozen=True)
class SuiteSpec:
    """One suite file: ``name`` is ``<layer>/<dataset>``."""

    name: str
    dataset: str
    description: str
    expectations: tuple[ExpectationSpec, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    partition: str | None = None  # mart suites: the partition key of the model's folders

    @property
    def layer(self) -> str:
        """``raw`` or ``mart``."""
        return self.name.split("/", 1)[0]

    @property
    def gx_name(self) -> str:
        """The name inside GX: its filesystem stores reject ``/`` in keys, so ``raw.gn_traffic``."""
        return self.name.replace("/", ".")

    @property
    def touches_sensitive_column(self) -> bool:
        """Whether an expectation reads a mobile-number column (its values are never listed)."""
        return any(SENSITIVE_COLUMN_MARK in (spec.column or "") for spec in self.expectations)


@dataclass(frozen=True)
class CheckpointSpec:
    """A named list of suites run together for one business date."""

    name: str
    description: str
    suites: tuple[str, ...]


def load_checkpoint(name: str, directory: Path = EXPECTATIONS_DIR) -> CheckpointSpec:
    """The checkpoint called ``name`` from ``checkpoints.yml``."""
    path = directory / CHECKPOINTS_FILE
    checkpoints = (_read_yaml(path).get("checkpoints") or {}) if path.exists() else {}
    if name not in checkpoints:
        known = ", ".join(sorted(checkpoints)) or "none"
        raise SuiteDefinitionError(f"{path}: no checkpoint {name!r}; known checkpoints: {known}")
    raw = checkpoints[name]
    suites = tuple(raw.get("suites") or ())
    if not suites:
        raise SuiteDefinitionError(f"{path}: checkpoint {name!r} names no suites")
    return CheckpointSpec(name=name, description=raw.get("description", ""), suites=suites)


def load_all_suites(directory: Path = EXPECTATIONS_DIR) -> list[SuiteSpec]:
    """Every suite named by any checkpoint, once each."""
    path = directory / CHECKPOINTS_FILE
    checkpoints = (_read_yaml(path).get("checkpoints") or {}) if path.exists() else {}
    names = dict.fromkeys(name for raw in checkpoints.values() for name in (raw or {}).get("suites") or ())
    return [load_suite(name, directory) for name in names]


def load_suite(name: str, directory: Path = EXPECTATIONS_DIR) -> SuiteSpec:
    """The suite ``<layer>/<dataset>`` from ``<directory>/<layer>/<dataset>.yml``, checked."""
    path = directory / f"{name}.yml"
    if not path.exists():
        raise SuiteDefinitionError(f"no suite file {path} for suite {name!r}")
    raw = _read_yaml(path)
    if raw.get("suite") != name:
        raise SuiteDefinitionError(f"{path}: 'suite' must be {name!r}, found {raw.get('suite')!r}")
    layer = name.split("/", 1)[0]
    if layer not in LAYERS:
        raise SuiteDefinitionError(f"{path}: layer {layer!r} is not one of {LAYERS}")
    partition = raw.get("partition")
    if layer == "mart" and partition not in PARTITION_KEYS:
        raise SuiteDefinitionError(f"{path}: a mart suite needs 'partition', one of {PARTITION_KEYS}")
    entries = raw.get("expectations") or []
    if not entries:
        raise SuiteDefinitionError(f"{path}: no expectations")
    return SuiteSpec(
        name=name,
        dataset=str(raw.get("dataset") or name.split("/", 1)[1]),
        description=" ".join(str(raw.get("description", "")).split()),
        expectations=tuple(
            _expectation(entry, f"{path} expectation {number}") for number, entry in enumerate(entries, 1)
        ),
        parameters=dict(raw.get("parameters") or {}),
        partition=partition,
    )


def build_suite(spec: SuiteSpec):
    """The ``gx.ExpectationSuite`` of a suite, each expectation carrying severity and why in meta."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=spec.gx_name, meta={"description": spec.description})
    for expectation in spec.expectations:
        meta = {"severity": expectation.severity, "why": expectation.why, "label": expectation.label}
        suite.add_expectation(
            expectation_class(expectation.type)(**expectation.kwargs, severity=expectation.severity, meta=meta)
        )
    return suite


def expectation_class(type_name: str):
    """The GX expectation class of a snake_case type (``expect_column_values_to_be_between``)."""
    import great_expectations as gx

    class_name = "".join(part.capitalize() for part in type_name.split("_"))
    found = getattr(gx.expectations, class_name, None)
    if found is None:
        raise SuiteDefinitionError(f"unknown Great Expectations expectation type {type_name!r}")
    return found


def _expectation(entry: dict, where: str) -> ExpectationSpec:
    if not isinstance(entry, dict):
        raise SuiteDefinitionError(f"{where}: expected a mapping, found {entry!r}")
    missing = [key for key in ("type", "kwargs", "severity", "why") if not entry.get(key)]
    if missing:
        raise SuiteDefinitionError(f"{where}: missing {', '.join(missing)}")
    if entry["severity"] not in SEVERITIES:
        raise SuiteDefinitionError(f"{where}: severity {entry['severity']!r} is not one of {SEVERITIES}")
    why = " ".join(str(entry["why"]).split())
    if not entry["type"].startswith("expect_"):
        raise SuiteDefinitionError(f"{where}: type {entry['type']!r} is not a GX expectation type")
    return ExpectationSpec(type=entry["type"], kwargs=dict(entry["kwargs"]), severity=entry["severity"], why=why)


def _read_yaml(path: Path) -> dict:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SuiteDefinitionError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(loaded, dict):
        raise SuiteDefinitionError(f"{path}: expected a mapping at the top")
    return loaded


def _show(value: Any) -> str:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return f"${{{value['$PARAMETER']}}}"
    return str(value)
