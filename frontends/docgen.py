"""Generate docs/cli.md from the CLI's own --help, and docs/case-fields.md from the case schema,
so neither reference can drift (``python -m redress.frontends.docgen [cli|fields]``)."""

from __future__ import annotations

import sys

import click

from redress.frontends.cli import cli
from redress.kb.schema import CSV_NULL, FIELDS

HEADER = """# CLI reference

Generated from `redress --help` by `python -m redress.frontends.docgen > docs/cli.md`; a test fails when it
is out of date.
"""


def cli_reference() -> str:
    parts = [HEADER]
    ctx = click.Context(cli, info_name="redress", terminal_width=100, max_content_width=100)
    parts.append("## redress\n\n```text\n" + cli.get_help(ctx) + "\n```\n")
    assert isinstance(cli, click.Group)
    for name in sorted(cli.commands):
        command = cli.commands[name]
        sub = click.Context(command, info_name=name, parent=ctx, terminal_width=100, max_content_width=100)
        parts.append(f"## redress {name}\n\n```text\n" + command.get_help(sub) + "\n```\n")
    return "\n".join(parts)


FIELDS_HEADER = f"""# Case fields: absent versus null

Generated from `redress/kb/schema.py` by `python -m redress.frontends.docgen fields > docs/case-fields.md`; a
test fails when it is out of date.

The contract (shared/spec/contract.md) says: *an absent key is unknown. Where a field's vocabulary
lists `null` (e.g. `disagreement.stage`), or for an event date (mediation and recommendation
dates), `null` is a value: "none" / "has not happened".* So for each field:

- **absent** (the key is left out): unknown. Questions that turn on it are `undetermined`, and
  `missing` names it.
- **null**: unknown too, like absent, except for the fields below whose "null means" column is
  filled: there null is a known value. The rules see no fact for it, so nothing waits on it.
- **an empty list** (`[]`, for list fields): known, with no members.

In a CSV batch file an empty cell is absent; the cell `{CSV_NULL}` is null (for the fields whose
null has a meaning).
"""


def case_fields_reference() -> str:
    rows = ["| field | type | what it says | absent means | null means |", "|---|---|---|---|---|"]
    for path, spec in FIELDS.items():
        kind = spec.type + (f": {', '.join(f'`{v}`' for v in spec.values)}" if spec.values else "")
        absent = (f"`{spec.default}` (the default)" if spec.default is not None else
                  "today" if path == "as_of" else "national rules only" if path == "authority" else "unknown")
        null = f"known: {spec.null_means}" if spec.null_means else "unknown (as absent)"
        if spec.default is not None or path in ("as_of", "authority"):
            null = f"{absent} (as absent)"
        rows.append(f"| `{path}` | {kind} | {spec.description} | {absent} | {null} |")
    return FIELDS_HEADER + "\n" + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(case_fields_reference() if sys.argv[1:] == ["fields"] else cli_reference(), end="")
