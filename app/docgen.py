"""Generate docs/cli.md from the CLI's own --help, so the reference cannot drift."""

from __future__ import annotations

import click

from redress.cli import cli

HEADER = """# CLI reference

Generated from `redress --help` by `python -m redress.docgen > docs/cli.md`; a test fails when it
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


if __name__ == "__main__":
    print(cli_reference(), end="")
