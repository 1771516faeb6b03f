"""``fitroom-edge``: the edge's command line.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and ``main(args) -> int``;
register it in ``COMMANDS``. Only the chosen subcommand's module is imported, so one command works even
while another's module is missing or broken. A ``LayoutError`` escaping a command is printed to stderr
and exits 2, before anything started.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from edge.layout import LayoutError

__all__ = ["COMMANDS", "main"]

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("edge.compose", "serve the live edge: MQTT ingest, presence, web API and metrics"),
    "replay": ("edge.replay", "run a recorded trace through decode and presence; events as JSON Lines"),
    "record": ("edge.record", "record a live store's MQTT (and LLRP) traffic as a trace that replay runs"),
    "add-associate": ("edge.staff_cli", "create or update a store associate who signs in with a PIN"),
    "mirror-token": ("edge.mirror_cli", "issue a device token for one fitting room's mirror"),
    "display-token": ("edge.display_cli", "issue a device token for the entrance's queue screen (/queue)"),
    "devices": ("edge.devices_cli", "list the mirror and display device tokens issued, or revoke one"),
    "dead-letters": ("edge.deadletters_cli", "show the newest samples of rejected device messages"),
    "radio": (
        "edge.radio_cli",
        "show what presence learned of the store's radio (which rooms hear which), or forget it",
    ),
    "sync": ("cloud_sync.worker_cli", "drain the outbox to the central store in a process of its own"),
    "backup": ("edge.backup_cli", "copy the edge database consistently, even while the edge runs"),
    "restore": ("edge.restore_cli", "put a backup in place of the edge database (the edge stopped)"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fitroom-edge`` console script; returns the exit status."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen_command(args_in)
    parser = argparse.ArgumentParser(prog="fitroom-edge", description="Smart fitting-room edge service")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        type=str.upper,
        help="log level on stderr (INFO)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    module: ModuleType | None = None
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = _load(module_name, name)
            if module is None:
                return 2
            module.add_arguments(command_parser)
    args = parser.parse_args(args_in)
    if module is None:  # argparse already rejected an unknown command; this is for type checkers
        return 2
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        status = module.main(args)
    except LayoutError as exc:
        print(exc, file=sys.stderr)
        return 2
    return int(status)


def _chosen_command(argv: list[str]) -> str | None:
    """The subcommand named on the command line, skipping the global options before it."""
    skip_value = False
    for arg in argv:
        if skip_value:
            skip_value = False
            continue
        if arg == "--log-level":
            skip_value = True
            continue
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def _load(module_name: str, command: str) -> ModuleType | None:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        print(f"fitroom-edge {command}: not available ({module_name} is missing)", file=sys.stderr)
        return None


if __name__ == "__main__":
    sys.exit(main())
