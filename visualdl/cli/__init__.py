"""Command line: ``visualdl`` (no arguments) launches the app; subcommands script the engine.

Each subcommand lives in its own module exposing ``add_parser(subparsers)``
(which registers it and sets ``func``) so adding one is a one-line change to
``SUBCOMMANDS``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = ("visualdl.cli.train", "visualdl.cli.knn", "visualdl.cli.figures")


class CliError(Exception):
    """A user mistake: printed as one line, exit status 2, never a traceback."""


def check_writable(targets, what: str) -> None:
    """Prove each target can be written, before any work: its folder is made (as saving would) and a
    temporary file is created and removed beside it. CliError naming the path and the reason otherwise."""
    from visualdl.atomic import temporary_beside

    for target in targets:
        if target.is_dir():
            raise CliError(f"{what}: {target} is a folder")
        try:
            temporary_beside(target).unlink()
        except OSError as exc:
            raise CliError(f"{what}: {exc.strerror or exc} ({exc.filename or target.parent})") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="visualdl", description="VisualDL: see deep learning work.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def _top_level_error(message: str):
    """e.g. an unknown COMMAND: one line naming the commands, exit status 2 (no usage dump)."""
    print(f"visualdl: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # No command, or only the app's own options (--lab, --settings, --play): launch the app.
    launches_app = not argv or argv[0] in ("app", "gui") or (argv[0].startswith("--") and argv[0] != "--help")
    if launches_app:
        from visualdl.ui.app import main as app_main

        return app_main(argv[1:] if argv and argv[0] in ("app", "gui") else argv)
    parser = build_parser()
    parser.error = _top_level_error
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # argparse would print the top-level usage and "visualdl: error": one line instead
        print(f"visualdl {args.command}: error: unrecognized arguments: {' '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"visualdl {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
