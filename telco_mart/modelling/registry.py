"""The model registry: trained models under ``$TELCO_MART_HOME/artifacts/models/<task>/<version>/``.

Each version folder holds ``model.joblib`` and ``metadata.json`` (code version, data window,
parameters, feature list, training rows, metrics, the SHA-256 of the model file). A version is
written to a hidden folder and renamed into place, so a reader never sees half of one. Loading
recomputes the checksum and refuses a file that changed since it was registered: a model file
is code that runs on every subscriber, so a changed one must never score silently.

``champion.json`` names the version scoring uses; ``promotions.jsonl`` logs every promotion
(who, from which business date, why). Nothing here ever lives in git.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import joblib

from telco_mart.errors import TelcoMartError
from telco_mart.settings import PROJECT_DIR, DataLayout
from telco_mart.storage.files import write_text_atomic

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
CHAMPION_FILE = "champion.json"
PROMOTION_LOG = "promotions.jsonl"


class RegistryError(TelcoMartError):
    """A model version is missing, or the registry was asked something it cannot do."""


class ModelIntegrityError(RegistryError):
    """A model file does not match the checksum recorded when it was registered."""


@dataclass(frozen=True)
class ModelVersion:
    """One registered version: its folder and its metadata."""

    task: str
    version: str
    path: Path
    metadata: dict[str, Any]

    @property
    def model_path(self) -> Path:
        """The model file."""
        return self.path / MODEL_FILE


@dataclass(frozen=True)
class LoadedModel:
    """A model whose file matched its checksum, with its metadata."""

    version: ModelVersion
    model: Any

    @property
    def name(self) -> str:
        """``<task>/<version>``, as the targets and reports record it."""
        return f"{self.version.task}/{self.version.version}"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(PROJECT_DIR), *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()


def code_version() -> str:
    """The git commit of the code (with ``-dirty`` for local changes), or the package version."""
    try:
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        return _git("rev-parse", "--short=12", "HEAD") + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return f"telco-mart {version('telco-mart')}"


class ModelRegistry:
    """The registry of one data root."""

    def __init__(self, layout: DataLayout) -> None:
        self.root = layout.artifacts / "models"

    def task_dir(self, task: str) -> Path:
        """The folder of a task's versions."""
        return self.root / task

    def register(self, task: str, model: Any, metadata: dict[str, Any], version_prefix: str) -> ModelVersion:
        """Store a fitted model and its metadata as a new version ``<prefix>-<sha8>``; an identical
        model (same bytes) registered again returns the existing version."""
        task_dir = self.task_dir(task)
        task_dir.mkdir(parents=True, exist_ok=True)
        staging = task_dir / f".staging-{os.getpid()}"
        staging.mkdir(exist_ok=True)
        joblib.dump(model, staging / MODEL_FILE)
        checksum = file_sha256(staging / MODEL_FILE)
        version = f"{version_prefix}-{checksum[:8]}"
        final = task_dir / version
        if final.exists():
            _remove_tree(staging)
            return self.get(task, version)
        full = {
            **metadata,
            "task": task,
            "version": version,
            "model_file": MODEL_FILE,
            "model_sha256": checksum,
            "code_version": metadata.get("code_version") or code_version(),
        }
        (staging / METADATA_FILE).write_text(json.dumps(full, indent=2, sort_keys=True, default=str), encoding="utf-8")
        staging.rename(final)
        return ModelVersion(task, version, final, full)

    def get(self, task: str, version: str) -> ModelVersion:
        """A version's folder and metadata (no checksum check: see ``load``)."""
        path = self.task_dir(task) / version
        metadata_path = path / METADATA_FILE
        if not metadata_path.is_file():
            known = ", ".join(v.version for v in self.versions(task)) or "none"
            raise RegistryError(
                f"no version {version!r} of model {task!r} under {self.task_dir(task)} (known: {known})"
            )
        return ModelVersion(task, version, path, json.loads(metadata_path.read_text(encoding="utf-8")))

    def versions(self, task: str) -> list[ModelVersion]:
        """Every version of a task, oldest first (by the business date it was trained for, then name)."""
        task_dir = self.task_dir(task)
        if not task_dir.is_dir():
            return []
        found = [self.get(task, p.name) for p in task_dir.iterdir() if p.is_dir() and (p / METADATA_FILE).is_file()]
        return sorted(found, key=lambda v: (str(v.metadata.get("trained_for_date", "")), v.version))

    def load(self, task: str, version: str) -> LoadedModel:
        """The model of a version, after checking its file against the recorded SHA-256."""
        entry = self.get(task, version)
        expected = entry.metadata.get("model_sha256")
        if not entry.model_path.is_file():
            raise ModelIntegrityError(f"{entry.model_path}: the model file of {task}/{version} is missing")
        actual = file_sha256(entry.model_path)
        if actual != expected:
            raise ModelIntegrityError(
                f"{entry.model_path}: checksum mismatch for {task}/{version} (recorded {expected}, file has {actual}); "
                "the file changed after it was registered and will not be loaded. Retrain, or restore the file."
            )
        return LoadedModel(entry, joblib.load(entry.model_path))

    def champion(self, task: str) -> str | None:
        """The champion version of a task, if one was promoted."""
        path = self.task_dir(task) / CHAMPION_FILE
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))["version"]

    def champion_on(self, task: str, business_date: date) -> str | None:
        """The champion in effect on ``business_date``: the last promotion effective on or before
        it, so that a rerun of an old date uses the model that date used."""
        log = self.task_dir(task) / PROMOTION_LOG
        if not log.is_file():
            return None
        chosen, chosen_date = None, date.min
        for line in log.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                # Promotions logged before effective dates were recorded count from the start.
                effective = date.fromisoformat(record["effective_date"]) if "effective_date" in record else date.min
                # The latest effective date wins; on the same date, the later entry.
                if chosen_date <= effective <= business_date:
                    chosen, chosen_date = record["version"], effective
        return chosen

    def load_champion(self, task: str) -> LoadedModel:
        """The champion's model (checksum checked)."""
        version = self.champion(task)
        if version is None:
            raise RegistryError(f"model {task!r} has no champion: train one with `telco-mart models train {task}`")
        return self.load(task, version)

    def promote(self, task: str, version: str, promoted_by: str, reason: str, effective_date: date) -> dict[str, Any]:
        """Make ``version`` the champion from business date ``effective_date`` on, logging who
        promoted it and why. The record carries the business date, never the wall clock, so a
        replayed promotion writes the same record."""
        self.load(task, version)  # refuse to promote a missing or changed file
        record = {
            "task": task,
            "version": version,
            "previous_version": self.champion(task),
            "promoted_by": promoted_by,
            "reason": reason,
            "effective_date": effective_date.isoformat(),
        }
        task_dir = self.task_dir(task)
        write_text_atomic(task_dir / CHAMPION_FILE, json.dumps(record, indent=2))
        with (task_dir / PROMOTION_LOG).open("a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        return record


def _remove_tree(path: Path) -> None:
    for child in sorted(path.rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    path.rmdir()
