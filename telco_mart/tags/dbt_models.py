"""Turn the tag library into dbt models: ``fct_subscriber_tags`` and ``tag_catalogue``.

Written by ``telco-mart tags generate`` (and ``make docs``, which runs it) and committed, so a deployment from a
read-only checkout, an image or a git-synced bundle runs the very models that were reviewed; a
mart build refuses stale ones, and a test fails when they differ from the tag library. Never
edited by hand: adding a tag is a YAML change plus ``telco-mart tags generate``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from telco_mart.settings import PROJECT_DIR
from telco_mart.tags.compile import sql_string_literal, to_spark_sql
from telco_mart.tags.library import INPUT_MODEL, Tag, TagLibraryError, load_tag_library

OUTPUT_DIR = PROJECT_DIR / "dbt_project" / "models" / "marts" / "tags"
HEADER = "-- Generated from dbt_project/tags/*.yml by telco_mart.tags.dbt_models; do not edit.\n"
_CATALOGUE_TEXT_COLUMNS = ("name_zh", "name_en", "category", "value_type", "definition", "owner")


_SQL_TYPES = {"boolean": "boolean", "string": "string", "number": "double"}


def _tag_column_sql(tag: Tag) -> str:
    if tag.retired:
        # A retired tag keeps its column (null from now on) so earlier partitions keep their values
        # and the table's schema only ever grows.
        return f"        cast(null as {_SQL_TYPES[tag.value_type]}) as `{tag.id}`"
    expression = to_spark_sql(tag.expression)
    # A boolean tag is true or false for everyone: unknown inputs do not make a subscriber match.
    if tag.value_type == "boolean":
        expression = f"coalesce({expression}, false)"
    return f"        {expression} as `{tag.id}`"


def render_subscriber_tags(tags: list[Tag]) -> str:
    """The SQL of ``fct_subscriber_tags``: one row per subscriber per date, one column per tag."""
    columns = ",\n".join(_tag_column_sql(tag) for tag in tags)
    # A new tag adds a column to the existing table; history is kept (earlier dates read null).
    return f"""{HEADER}{{{{ config(partition_by=['business_date'], on_schema_change='append_new_columns') }}}}

with

tag_inputs as (

    select * from {{{{ ref('{INPUT_MODEL}') }}}}
    where business_date = {{{{ business_date() }}}}

),

final as (

    select
        subscriber_id,
{columns},
        business_date

    from tag_inputs

)

select * from final
"""


def render_tag_catalogue(tags: list[Tag]) -> str:
    """The SQL of ``tag_catalogue``: one row per tag per date with its coverage and its change."""
    tags = [t for t in tags if not t.retired]
    counts = ",\n".join(
        f"        {'count_if' if t.value_type == 'boolean' else 'count'}(`{t.id}`) as `{t.id}`" for t in tags
    )
    stacked = ",\n".join(f"            '{t.id}', `{t.id}`" for t in tags)
    definitions = ",\n".join(
        "        ("
        + ", ".join(sql_string_literal(v) for v in (t.id, *(getattr(t, c) for c in _CATALOGUE_TEXT_COLUMNS)))
        + ")"
        for t in tags
    )
    return f"""{HEADER}{{{{ config(partition_by=['business_date']) }}}}

with

subscriber_tags as (

    select * from {{{{ ref('fct_subscriber_tags') }}}}
    where business_date = {{{{ business_date() }}}}

),

coverage as (

    select
        count(*) as subscribers,
{counts}

    from subscriber_tags

),

coverage_by_tag as (

    select
        subscribers,
        stack(
            {len(tags)},
{stacked}
        ) as (tag_id, coverage_count)

    from coverage

),

definitions as (

    select * from values
{definitions}
    as definitions (tag_id, {", ".join(_CATALOGUE_TEXT_COLUMNS)})

),

previous_coverage as (

{{% if is_incremental() %}}
    select
        tag_id,
        coverage_share as previous_coverage_share

    from {{{{ this }}}}
    where business_date = (
        select max(business_date) from {{{{ this }}}}
        where business_date < {{{{ business_date() }}}}
    )
{{% else %}}
    select
        cast(null as string) as tag_id,
        cast(null as double) as previous_coverage_share
    where false
{{% endif %}}

),

final as (

    select
        definitions.tag_id,
        {", ".join(f"definitions.{c}" for c in _CATALOGUE_TEXT_COLUMNS)},
        coverage_by_tag.subscribers,
        coverage_by_tag.coverage_count,
        coverage_by_tag.coverage_count / nullif(coverage_by_tag.subscribers, 0) as coverage_share,
        previous_coverage.previous_coverage_share,
        coverage_by_tag.coverage_count / nullif(coverage_by_tag.subscribers, 0)
        - previous_coverage.previous_coverage_share as coverage_share_change,
        {{{{ business_date() }}}} as business_date

    from definitions
    inner join coverage_by_tag
        on definitions.tag_id = coverage_by_tag.tag_id
    left join previous_coverage
        on definitions.tag_id = previous_coverage.tag_id

)

select * from final
"""


def render_models_yaml(tags: list[Tag]) -> str:
    """Docs and tests of the two generated models; every tag column is described."""
    tag_columns = [
        {
            "name": t.id,
            "description": f"{t.name_en} ({t.name_zh}); {t.category}, {t.value_type}: `{t.definition}`."
            + (" Retired: null from its retirement on." if t.retired else ""),
        }
        for t in tags
    ]
    key_tests = {"where": "business_date = '{{ var(\"business_date\") }}'"}
    document = {
        "version": 2,
        "models": [
            {
                "name": "fct_subscriber_tags",
                "description": "The customer tag library applied: one row per subscriber per business date, "
                "one column per tag (boolean tags are never null). Generated from dbt_project/tags/*.yml.",
                "columns": [
                    {
                        "name": "subscriber_id",
                        "description": "Subscriber (key with business_date).",
                        "data_tests": [
                            {"unique": {"config": key_tests}},
                            {"not_null": {"config": key_tests}},
                            {
                                "relationships_on_date": {
                                    "arguments": {"to": "ref('dim_subscriber')", "field": "subscriber_id"},
                                    "config": key_tests,
                                }
                            },
                        ],
                    },
                    *tag_columns,
                    {"name": "business_date", "description": "Business date of the tags (partition)."},
                ],
            },
            {
                "name": "tag_catalogue",
                "description": "One row per tag per business date: its definition and today's coverage "
                "(share of subscribers for whom a boolean tag is true, or whose value is not null) with "
                "the change against the previous date built.",
                "columns": [
                    {
                        "name": "tag_id",
                        "description": "Tag identifier (a column of fct_subscriber_tags).",
                        "data_tests": [{"unique": {"config": key_tests}}, {"not_null": {"config": key_tests}}],
                    },
                    {"name": "name_zh", "description": "Chinese name."},
                    {"name": "name_en", "description": "English name."},
                    {"name": "category", "description": "Category (basic, value, terminal, interest, channel...)."},
                    {"name": "value_type", "description": "boolean, string or number."},
                    {"name": "definition", "description": "The tag expression over int_subscriber_tag_inputs."},
                    {"name": "owner", "description": "Team that owns the definition."},
                    {"name": "subscribers", "description": "Subscribers in the base on the date."},
                    {"name": "coverage_count", "description": "Subscribers covered by the tag."},
                    {"name": "coverage_share", "description": "coverage_count over subscribers."},
                    {"name": "previous_coverage_share", "description": "coverage_share on the previous date built."},
                    {"name": "coverage_share_change", "description": "coverage_share minus previous_coverage_share."},
                    {"name": "business_date", "description": "Business date (partition)."},
                ],
            },
        ],
    }
    return "# Generated from dbt_project/tags/*.yml by telco_mart.tags.dbt_models; do not edit.\n" + yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=120
    )


def render_tag_models(tags: list[Tag] | None = None) -> dict[str, str]:
    """The generated models' file names and texts, from the tag library."""
    tags = tags if tags is not None else load_tag_library()
    return {
        "fct_subscriber_tags.sql": render_subscriber_tags(tags),
        "tag_catalogue.sql": render_tag_catalogue(tags),
        "_tags__models.yml": render_models_yaml(tags),
    }


def generate_tag_models(output_dir: Path = OUTPUT_DIR, tags: list[Tag] | None = None) -> list[Path]:
    """Write the generated models; returns the files written."""
    files = render_tag_models(tags)
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (output_dir / name).write_text(text, encoding="utf-8")
    return [output_dir / name for name in files]


def stale_tag_models(output_dir: Path = OUTPUT_DIR, tags: list[Tag] | None = None) -> list[Path]:
    """The generated model files that are missing or differ from what the tag library renders."""
    stale = []
    for name, text in render_tag_models(tags).items():
        path = output_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


def check_tag_models(output_dir: Path = OUTPUT_DIR) -> None:
    """Refuse to build on tag models that do not match the tag library."""
    stale = stale_tag_models(output_dir)
    if stale:
        raise TagLibraryError(
            f"the generated tag models are stale ({', '.join(p.name for p in stale)} in {output_dir}): "
            "run `telco-mart tags generate` and commit the result"
        )
