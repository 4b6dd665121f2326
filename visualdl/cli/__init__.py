"""Command line: ``visualdl`` (no arguments) launches the app; subcommands script the engine.

Each subcommand lives in its own module exposing ``add_parser(subparsers)``
(which registers it and sets ``func``) so adding one is a one-line change to
``SUBCOMMANDS``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = ("visualdl.cli.train", "visualdl.cli.knn")


class CliError(Exception):
    """A user mistake: printed as one line, exit status 2, never a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="visualdl", description="VisualDL: see deep learning work.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("app", "gui"):
        from visualdl.ui.app import main as app_main

        return app_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"visualdl {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
