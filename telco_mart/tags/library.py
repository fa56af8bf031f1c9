"""The tag library: tags declared in YAML under ``dbt_project/tags/``, checked as they load.

Each tag has an id, Chinese and English names, a category, a value type (boolean, string,
number) and a definition in the tag-expression language over the columns of
``int_subscriber_tag_inputs`` (whose types are declared in that model's YAML). A library that
loads has unique ids, known categories, and definitions that parse and type-check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from telco_mart.errors import TelcoMartError
from telco_mart.settings import PROJECT_DIR
from telco_mart.tags.expression import Expression, TagExpressionError, check_expression, parse_expression

TAG_DIR = PROJECT_DIR / "dbt_project" / "tags"
INPUT_MODEL = "int_subscriber_tag_inputs"
INPUT_MODEL_YAML = PROJECT_DIR / "dbt_project" / "models" / "intermediate" / "subscriber" / "_subscriber__models.yml"
CATEGORIES = ("basic", "value", "terminal", "interest", "channel", "product", "business_action")
VALUE_TYPES = ("boolean", "string", "number")
FIELDS = ("id", "name_zh", "name_en", "category", "value_type", "definition", "owner")
# dbt/Spark data types of the input columns, as the expression checker sees them.
_EXPRESSION_TYPES = {
    "boolean": "boolean",
    "string": "string",
    "date": "date",
    "int": "number",
    "bigint": "number",
    "double": "number",
    "decimal": "number",
}
_TAG_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class TagLibraryError(TelcoMartError):
    """The tag YAML is invalid; the message names the file and the tag."""


@dataclass(frozen=True)
class Tag:
    """One tag of the library."""

    id: str
    name_zh: str
    name_en: str
    category: str
    value_type: str
    definition: str
    owner: str
    description: str
    expression: Expression
    file: str
    retired: bool = False


@cache
def input_columns(model_yaml: Path = INPUT_MODEL_YAML) -> dict[str, str]:
    """The tag input columns and their expression types, from the input model's YAML."""
    document = yaml.safe_load(model_yaml.read_text(encoding="utf-8"))
    for model in document["models"]:
        if model["name"] == INPUT_MODEL:
            return {c["name"]: _EXPRESSION_TYPES[c["data_type"]] for c in model["columns"]}
    raise TagLibraryError(f"{model_yaml}: model {INPUT_MODEL} is not described")


def _load_tag(raw: dict, file: Path, columns: dict[str, str]) -> Tag:
    where = f"{file.name}: tag {raw.get('id', '?')!r}"
    missing = [f for f in FIELDS if not raw.get(f)]
    if missing:
        raise TagLibraryError(f"{where}: missing {', '.join(missing)}")
    if not _TAG_ID.match(raw["id"]):
        raise TagLibraryError(f"{where}: an id is lower case letters, digits and underscores")
    if raw["category"] not in CATEGORIES:
        raise TagLibraryError(f"{where}: unknown category {raw['category']!r}; known: {', '.join(CATEGORIES)}")
    if raw["value_type"] not in VALUE_TYPES:
        raise TagLibraryError(f"{where}: value_type must be one of {', '.join(VALUE_TYPES)}")
    try:
        expression = parse_expression(str(raw["definition"]))
        result_type = check_expression(expression, columns, expect_boolean=raw["value_type"] == "boolean")
    except TagExpressionError as error:
        raise TagLibraryError(f"{where}: definition: {error}") from error
    if result_type != raw["value_type"]:
        raise TagLibraryError(f"{where}: the definition gives a {result_type}, the tag is declared {raw['value_type']}")
    return Tag(
        **{f: str(raw[f]) for f in FIELDS},
        description=str(raw.get("description", raw["name_en"])),
        expression=expression,
        file=file.name,
        retired=bool(raw.get("retired", False)),
    )


def load_tag_library(tag_dir: Path = TAG_DIR, model_yaml: Path = INPUT_MODEL_YAML) -> list[Tag]:
    """Every tag of the library, in file and declaration order; raises on the first invalid tag.

    Tags are never deleted: ``retired: true`` keeps the column (null from then on) so that the
    history of ``fct_subscriber_tags`` stays readable; retired tags cannot be counted.
    """
    columns = input_columns(model_yaml)
    tags: list[Tag] = []
    seen: dict[str, str] = {}
    for file in sorted(tag_dir.glob("*.yml")):
        document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for raw in document.get("tags", []):
            tag = _load_tag(raw, file, columns)
            if tag.id in seen:
                raise TagLibraryError(f"{file.name}: tag {tag.id!r} is already declared in {seen[tag.id]}")
            seen[tag.id] = file.name
            tags.append(tag)
    if not tags:
        raise TagLibraryError(f"no tags declared under {tag_dir}")
    return tags
