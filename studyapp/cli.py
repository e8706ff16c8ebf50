"""The command line: bare `studyapp` opens the app; subcommands run without the UI.

Only click is imported at module level so that `studyapp --help` stays fast; each
command imports what it needs when it runs.
"""

from __future__ import annotations

import click


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", envvar="STUDYAPP_DB", help="Database: a SQLite file path or a SQLAlchemy URL.")
@click.version_option(package_name="studyapp")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Study how neural networks work: SM-2 flashcards and engine-computed drills."""
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
