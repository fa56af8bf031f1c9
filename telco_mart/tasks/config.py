"""The task configuration (``models/tasks.yaml``): generations, thresholds, windows, sub-tasks.

Loaded once per process and checked as it loads: every task code must be one of the contract's
``task_code`` list, every generation one of ``network_generation``, so a typo fails the run at
start with the file and key named, not as an empty target list at night.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from telco_mart.contract import load_contract
from telco_mart.settings import PROJECT_DIR

TASK_CONFIG_PATH = PROJECT_DIR / "models" / "tasks.yaml"
TASK_CLASSES = (
    "contract_renewal",
    "sim_change",
    "capable_handset",
    "package_fit",
    "high_value_retention",
    "churn_warning",
)


class TaskConfigError(ValueError):
    """The task configuration file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class LegacyGeneration:
    """A generation to migrate away from, and the package-fit sub-task that serves it."""

    generation: str
    package_fit_task: str
    package_scopes: tuple[str, ...]


@dataclass(frozen=True)
class MonthWindow:
    """Calendar months from the business date's month to the contract's end month, inclusive."""

    min_months_to_end: int
    max_months_to_end: int


@dataclass(frozen=True)
class SubTask:
    """One sub-task: its code, its class among the six, and its names for people."""

    code: str
    task_class: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class PackageFitRule:
    """The stated rule of package fit (see ``telco_mart.tasks.package_fit``)."""

    usage_months: int
    min_covered_share: float
    revenue_floor_share: float


@dataclass(frozen=True)
class TaskConfig:
    """Everything the rule tasks, package fit and the target assembly read."""

    path: Path
    target_generation: str
    generation_ranks: dict[str, int]
    legacy_generations: tuple[LegacyGeneration, ...]
    renewal_contract_kinds: tuple[str, ...]
    renewal_windows: dict[str, MonthWindow]
    sim_change_task: str
    legacy_sim_types: tuple[str, ...]
    capable_handset_task: str
    high_value_task: str
    high_value_min_arpu_by_generation: dict[str, float]
    high_value_recent_success_days: int
    high_value_success_outcomes: tuple[str, ...]
    churn_warning_task: str
    churn_min_forwarded_share: float
    churn_bill_months: int
    package_fit: PackageFitRule
    sub_tasks: dict[str, SubTask]

    @property
    def target_rank(self) -> int:
        """Rank of the target generation (2G=2 ... 5G=5)."""
        return self.generation_ranks[self.target_generation]

    def sub_task(self, code: str) -> SubTask:
        """The sub-task of a task code."""
        return self.sub_tasks[code]


def _require(mapping: dict[str, Any], key: str, where: str, path: Path) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise TaskConfigError(f"{path}: missing key {where}{key}")
    return mapping[key]


def parse_task_config(raw: dict[str, Any], path: Path) -> TaskConfig:
    """Check and convert the parsed YAML of a task configuration."""
    contract = load_contract()
    task_codes = set(contract.code_lists["task_code"])
    generations = list(contract.code_lists["network_generation"])
    ranks = {generation: int(generation.rstrip("G")) for generation in generations}

    def task_code(value: str, where: str) -> str:
        if value not in task_codes:
            raise TaskConfigError(
                f"{path}: {where} = {value!r} is not a task code of the contract ({sorted(task_codes)})"
            )
        return value

    def generation(value: str, where: str) -> str:
        if value not in ranks:
            raise TaskConfigError(f"{path}: {where} = {value!r} is not a network generation ({generations})")
        return value

    gens = _require(raw, "generations", "", path)
    target = generation(_require(gens, "target", "generations.", path), "generations.target")
    legacy = []
    for index, item in enumerate(_require(gens, "legacy", "generations.", path)):
        where = f"generations.legacy[{index}]"
        legacy_generation = generation(_require(item, "generation", where + ".", path), where + ".generation")
        if ranks[legacy_generation] >= ranks[target]:
            raise TaskConfigError(
                f"{path}: {where}.generation {legacy_generation} is not older than the target {target}"
            )
        legacy.append(
            LegacyGeneration(
                generation=legacy_generation,
                package_fit_task=task_code(_require(item, "package_fit_task", where + ".", path), where),
                package_scopes=tuple(_require(item, "package_scopes", where + ".", path)),
            )
        )

    renewal = _require(raw, "contract_renewal", "", path)
    windows = {}
    for code, window in _require(renewal, "windows", "contract_renewal.", path).items():
        task_code(code, "contract_renewal.windows")
        windows[code] = MonthWindow(int(window["min_months_to_end"]), int(window["max_months_to_end"]))
        if windows[code].min_months_to_end > windows[code].max_months_to_end:
            raise TaskConfigError(f"{path}: contract_renewal.windows.{code}: min_months_to_end > max_months_to_end")

    sim = _require(raw, "sim_change", "", path)
    handset = _require(raw, "capable_handset", "", path)
    high_value = _require(raw, "high_value", "", path)
    churn = _require(raw, "churn_warning", "", path)
    fit = _require(raw, "package_fit", "", path)
    sub_tasks = {}
    for code, item in _require(raw, "sub_tasks", "", path).items():
        task_code(code, "sub_tasks")
        if item.get("task_class") not in TASK_CLASSES:
            raise TaskConfigError(f"{path}: sub_tasks.{code}.task_class must be one of {TASK_CLASSES}")
        sub_tasks[code] = SubTask(code, item["task_class"], str(item["name_zh"]), str(item["name_en"]))
    config = TaskConfig(
        path=path,
        target_generation=target,
        generation_ranks=ranks,
        legacy_generations=tuple(legacy),
        renewal_contract_kinds=tuple(_require(renewal, "contract_kinds", "contract_renewal.", path)),
        renewal_windows=windows,
        sim_change_task=task_code(_require(sim, "task", "sim_change.", path), "sim_change.task"),
        legacy_sim_types=tuple(_require(sim, "legacy_sim_types", "sim_change.", path)),
        capable_handset_task=task_code(_require(handset, "task", "capable_handset.", path), "capable_handset.task"),
        high_value_task=task_code(_require(high_value, "task", "high_value.", path), "high_value.task"),
        high_value_min_arpu_by_generation={
            generation(key, "high_value.min_arpu_yuan_by_generation"): float(value)
            for key, value in (high_value.get("min_arpu_yuan_by_generation") or {}).items()
        },
        high_value_recent_success_days=int(_require(high_value, "recent_success_days", "high_value.", path)),
        high_value_success_outcomes=tuple(_require(high_value, "success_outcomes", "high_value.", path)),
        churn_warning_task=task_code(_require(churn, "task", "churn_warning.", path), "churn_warning.task"),
        churn_min_forwarded_share=float(_require(churn, "min_forwarded_share", "churn_warning.", path)),
        churn_bill_months=int(_require(churn, "bill_months", "churn_warning.", path)),
        package_fit=PackageFitRule(
            usage_months=int(_require(fit, "usage_months", "package_fit.", path)),
            min_covered_share=float(_require(fit, "min_covered_share", "package_fit.", path)),
            revenue_floor_share=float(_require(fit, "revenue_floor_share", "package_fit.", path)),
        ),
        sub_tasks=sub_tasks,
    )
    used = (
        set(windows)
        | {item.package_fit_task for item in legacy}
        | {config.sim_change_task, config.capable_handset_task, config.high_value_task, config.churn_warning_task}
    )
    unnamed = sorted(used - set(sub_tasks))
    if unnamed:
        raise TaskConfigError(f"{path}: sub_tasks has no names for {unnamed}")
    return config


@cache
def load_task_config(path: Path = TASK_CONFIG_PATH) -> TaskConfig:
    """The task configuration at ``path`` (``models/tasks.yaml`` by default)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise TaskConfigError(f"{path}: task configuration not found") from error
    return parse_task_config(raw, Path(path))
