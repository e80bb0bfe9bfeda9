"""Tables for docs/events.md, rendered from the schema constants so the docs cannot drift.

`python -m credo.events.eventdoc` prints them; tests/test_dataset.py checks that the doc
holds exactly these tables.
"""

from __future__ import annotations

from credo.events.schema import (
    BALANCE_CATEGORIES,
    COMMON_REQUIRED,
    EVENT_SCHEMA,
    INQUIRY_KINDS,
    PURPOSES,
    SOURCES,
    SQL_TYPES,
    TRANSFER_DIRECTIONS,
    TYPE_REQUIRED,
    TYPES,
)

BEGIN = "<!-- BEGIN generated from credo.events.schema: do not edit by hand -->"
END = "<!-- END generated -->"


def fields_table() -> str:
    lines = ["| field | Arrow type | SQL type | required for |", "|---|---|---|---|"]
    for field in EVENT_SCHEMA:
        if field.name in COMMON_REQUIRED:
            needed = "every event"
        else:
            types = [t for t in TYPES if field.name in TYPE_REQUIRED[t]]
            needed = ", ".join(f"`{t}`" for t in types) or "optional"
        lines.append(f"| `{field.name}` | {field.type} | {SQL_TYPES[field.name]} | {needed} |")
    return "\n".join(lines)


def types_table() -> str:
    lines = ["| type | required fields besides the common ones |", "|---|---|"]
    for event_type in TYPES:
        extra = ", ".join(f"`{name}`" for name in TYPE_REQUIRED[event_type]) or "(none)"
        lines.append(f"| `{event_type}` | {extra} |")
    return "\n".join(lines)


def vocabulary_table() -> str:
    def codes(values: tuple[str, ...]) -> str:
        return ", ".join(f"`{value}`" for value in values)

    rows = [
        ("`source`", codes(SOURCES)),
        ("`type`", codes(TYPES)),
        ("`category` of a `transfer`", codes(TRANSFER_DIRECTIONS) + " (required)"),
        ("`category` of a `balance`", codes(BALANCE_CATEGORIES) + " (or empty)"),
        ("`category` of an `inquiry`", codes(INQUIRY_KINDS) + " (or empty)"),
        ("consent `purpose`", codes(PURPOSES)),
    ]
    lines = ["| field | allowed values |", "|---|---|"]
    lines += [f"| {name} | {values} |" for name, values in rows]
    return "\n".join(lines)


def generated_block() -> str:
    """Everything between the BEGIN and END markers of docs/events.md."""
    common = ", ".join(f"`{name}`" for name in COMMON_REQUIRED)
    return "\n\n".join(
        [
            BEGIN,
            f"Every event requires {common}.",
            "### Fields",
            fields_table(),
            "### Required fields per type",
            types_table(),
            "### Closed vocabularies",
            vocabulary_table(),
            END,
        ]
    )


if __name__ == "__main__":
    print(generated_block())
