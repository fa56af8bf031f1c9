"""The Great Expectations context of one checkpoint run, kept under ``<data root>/quality``.

An ephemeral context: suites, datasources and validation definitions live in memory (built from
``expectations/`` on every run, so two runs never race on a ``great_expectations.yml``), while
validation results and the Data Docs site are files under the data root. Nothing is written to
the repository or the working directory.
"""

from __future__ import annotations

from pathlib import Path

from telco_mart.quality.metrics import Batch
from telco_mart.quality.suites import SuiteSpec, build_suite
from telco_mart.settings import DataLayout

QUALITY_FOLDER = "quality"
DOCS_SITE = "local_site"
# Metric frames hold aggregates only: list the subjects that failed. Mart frames hold rows: list
# a few unexpected values, none at all for suites that read a mobile-number column.
METRIC_RESULT_FORMAT = {"result_format": "SUMMARY", "unexpected_index_column_names": ["subject"]}
MART_PARTIAL_UNEXPECTED = 5


def quality_root(layout: DataLayout) -> Path:
    """``<data root>/quality``: validation results and Data Docs."""
    return layout.root / QUALITY_FOLDER


def data_docs_index(layout: DataLayout) -> Path:
    """The Data Docs site's ``index.html``."""
    return quality_root(layout) / "data_docs" / "index.html"


def result_format(spec: SuiteSpec, batch: Batch) -> dict:
    """How much of each result GX keeps (and Data Docs shows). Expectation-level ``result_format``
    is ignored by ``ValidationDefinition.run`` in GX 1.x, so it is chosen here per suite."""
    if batch.engine == "pandas":
        return dict(METRIC_RESULT_FORMAT)
    listed = 0 if spec.touches_sensitive_column else MART_PARTIAL_UNEXPECTED
    return {"result_format": "BASIC", "partial_unexpected_count": listed}


class QualityContext:
    """One GX context per checkpoint run, with one pandas and one Spark datasource reused by all
    suites of the run."""

    def __init__(self, layout: DataLayout, suites: list[SuiteSpec]):
        import great_expectations as gx
        from great_expectations.data_context.types.base import DataContextConfig, InMemoryStoreBackendDefaults
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        root = quality_root(layout)
        defaults = InMemoryStoreBackendDefaults()
        stores = dict(defaults.stores)
        stores[defaults.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(root / "validations")},
        }
        docs_site = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(root / "data_docs")},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
        config = DataContextConfig(
            store_backend_defaults=defaults,
            stores=stores,
            data_docs_sites={DOCS_SITE: docs_site},
            analytics_enabled=False,
            progress_bars={"globally": False},
        )
        self.layout = layout
        self.context = gx.get_context(project_config=config, mode="ephemeral")
        self._datasources: dict[str, object] = {}
        # Every suite, not only this checkpoint's: the docs index deletes the pages of suites
        # missing from the (in-memory) expectations store.
        self._rendered: list = []  # the suite pages, then this run's result pages
        for spec in suites:
            self.context.suites.add(build_suite(spec))
            self._rendered.append(ExpectationSuiteIdentifier(name=spec.gx_name))

    def _datasource(self, engine: str):
        if engine not in self._datasources:
            sources = self.context.data_sources
            # persist=False: GX would otherwise cache every mart partition and never release it.
            self._datasources[engine] = (
                sources.add_pandas("metric_frames") if engine == "pandas" else sources.add_spark("mart", persist=False)
            )
        return self._datasources[engine]

    def validate(self, spec: SuiteSpec, batch: Batch, run_id):
        """Validate ``batch`` against the suite; the result is stored under the data root."""
        import great_expectations as gx
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        datasource = self._datasource(batch.engine)
        asset = datasource.add_dataframe_asset(name=spec.dataset)
        batch_definition = asset.add_batch_definition_whole_dataframe(spec.dataset)
        suite = self.context.suites.get(spec.gx_name)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=spec.gx_name, data=batch_definition, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": batch.frame},
            expectation_parameters=batch.parameters,
            result_format=result_format(spec, batch),
            run_id=run_id,
        )
        self._rendered.append(
            ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=spec.gx_name),
                run_id=run_id,
                batch_identifier=f"{datasource.name}-{asset.name}",
            )
        )
        return result

    def build_docs(self) -> Path:
        """Render this run's results into the Data Docs site and refresh its index (only this
        run's pages: a full rebuild would re-render every result ever stored)."""
        if self._rendered:
            self.context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=self._rendered)
        return data_docs_index(self.layout)
