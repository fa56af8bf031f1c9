"""Suite files: every checkpoint's suites load and build GX suites; malformed files are refused."""

from __future__ import annotations

import pytest

from telco_mart.quality.outcomes import mask_mobile_numbers
from telco_mart.quality.suites import SuiteDefinitionError, build_suite, load_checkpoint, load_suite


@pytest.mark.parametrize("checkpoint", ["raw", "mart"])
def test_every_suite_of_a_checkpoint_builds_with_severity_in_meta(checkpoint):
    for name in load_checkpoint(checkpoint).suites:
        spec = load_suite(name)
        suite = build_suite(spec)
        assert suite.name == name.replace("/", ".")
        assert [e.meta["severity"] for e in suite.expectations] == [e.severity for e in spec.expectations]
        assert all(e.meta["why"] for e in suite.expectations)


def test_an_unknown_checkpoint_or_a_bad_severity_is_refused(tmp_path):
    with pytest.raises(SuiteDefinitionError, match="no checkpoint 'nightly'"):
        load_checkpoint("nightly")
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "bad.yml").write_text(
        "suite: raw/bad\nexpectations:\n"
        "  - {type: expect_column_values_to_not_be_null, kwargs: {column: a}, severity: fatal, why: x}\n",
        encoding="utf-8",
    )
    with pytest.raises(SuiteDefinitionError, match="severity 'fatal'"):
        load_suite("raw/bad", tmp_path)


def test_mobile_numbers_are_masked_in_texts():
    assert mask_mobile_numbers("msisdn 13812345678, bytes 123456789012") == "msisdn 138****5678, bytes 123456789012"
