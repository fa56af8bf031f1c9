"""The model registry: versions with metadata, champion promotion, and refusal of a changed file."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from telco_mart.modelling.registry import ModelIntegrityError, ModelRegistry, RegistryError
from telco_mart.settings import DataLayout

DAY = date(2026, 11, 30)


@pytest.fixture
def registry(tmp_path):
    return ModelRegistry(DataLayout(tmp_path))


def fitted(seed: int) -> LogisticRegression:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(200, 3))
    return LogisticRegression().fit(x, (x[:, 0] + rng.normal(size=200) > 0).astype(int))


def test_register_writes_metadata_with_the_checksum(registry, tmp_path):
    version = registry.register(
        "churn", fitted(1), {"trained_for_date": "2026-11-30", "training_rows": 200}, "v20261130"
    )
    assert version.path == tmp_path / "artifacts" / "models" / "churn" / version.version
    metadata = json.loads((version.path / "metadata.json").read_text())
    assert metadata["model_sha256"].startswith(version.version.split("-")[-1])
    assert metadata["training_rows"] == 200 and metadata["code_version"]
    loaded = registry.load("churn", version.version)
    assert loaded.model.predict_proba(np.zeros((1, 3))).shape == (1, 2)


def test_the_same_model_registered_twice_is_one_version(registry):
    first = registry.register("churn", fitted(1), {}, "v1")
    again = registry.register("churn", fitted(1), {}, "v1")
    assert first.version == again.version
    assert [v.version for v in registry.versions("churn")] == [first.version]


def test_a_changed_model_file_is_refused(registry):
    version = registry.register("churn", fitted(1), {}, "v1")
    with version.model_path.open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelIntegrityError, match="checksum mismatch") as error:
        registry.load("churn", version.version)
    assert str(version.model_path) in str(error.value)
    with pytest.raises(ModelIntegrityError):
        registry.promote("churn", version.version, "tester", "should be refused", DAY)


def test_a_swapped_model_file_is_refused(registry):
    one = registry.register("churn", fitted(1), {}, "v1")
    two = registry.register("churn", fitted(2), {}, "v2")
    one.model_path.write_bytes(two.model_path.read_bytes())
    with pytest.raises(ModelIntegrityError):
        registry.load("churn", one.version)


def test_promotion_names_the_champion_and_logs_who(registry):
    assert registry.champion("churn") is None
    with pytest.raises(RegistryError, match="no champion"):
        registry.load_champion("churn")
    one = registry.register("churn", fitted(1), {"trained_for_date": "2026-10-31"}, "v1")
    two = registry.register("churn", fitted(2), {"trained_for_date": "2026-11-30"}, "v2")
    registry.promote("churn", one.version, "alice", "first", DAY)
    record = registry.promote("churn", two.version, "bob", "better on 2026-09", DAY)
    assert registry.champion("churn") == two.version and record["previous_version"] == one.version
    log = [json.loads(line) for line in (registry.task_dir("churn") / "promotions.jsonl").read_text().splitlines()]
    assert [(r["version"], r["promoted_by"]) for r in log] == [(one.version, "alice"), (two.version, "bob")]
    assert {r["effective_date"] for r in log} == {"2026-11-30"}
    assert [v.version for v in registry.versions("churn")] == [one.version, two.version]


def test_unknown_version_lists_the_known_ones(registry):
    one = registry.register("churn", fitted(1), {}, "v1")
    with pytest.raises(RegistryError, match=one.version):
        registry.get("churn", "v9-deadbeef")
