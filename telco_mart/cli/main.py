"""The ``telco-mart`` entry point: runs the app and turns every outcome into an exit code."""

from __future__ import annotations

import sys

import typer

from telco_mart.cli.app import app
from telco_mart.cli.console import console

# Exit codes of every command: 0 success, 1 an expected error (bad input, a failed stage),
# 2 a usage error (Typer's own message), 130 interrupted (Ctrl-C).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def run_cli(arguments: list[str]) -> int:
    """Run the app on ``arguments``; returns the exit code, having printed any error on one line."""
    from typer.exceptions import TyperException

    from telco_mart.errors import EXPECTED_ERRORS

    debug = "--debug" in arguments
    try:
        result = app(args=arguments, prog_name="telco-mart", standalone_mode=False)
    except TyperException as error:  # a usage error: Typer's own message and exit code
        error.show()
        return error.exit_code
    except typer.Exit as exit_:
        return exit_.exit_code
    except (typer.Abort, KeyboardInterrupt):
        console.print("interrupted")
        return EXIT_INTERRUPTED
    except EXPECTED_ERRORS as error:  # the contract's and control files' errors are ValueErrors
        if debug:
            raise
        console.print(f"[bold red]error:[/] {_one_line(error)}", highlight=False, soft_wrap=True)
        return EXIT_ERROR
    except Exception as error:  # an unexpected failure: one line, the traceback with --debug
        if debug:
            raise
        console.print(
            f"[bold red]error:[/] {type(error).__name__}: {_one_line(error)} (run with --debug for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        return EXIT_ERROR
    # Without standalone mode, Typer returns an Exit's code instead of raising it.
    return result if isinstance(result, int) else EXIT_OK


def main() -> None:
    """Entry point of the ``telco-mart`` command."""
    sys.exit(run_cli(sys.argv[1:]))
