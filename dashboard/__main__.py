"""Command line of the dashboard: its report without a browser, and serving it as replicas.

    python -m dashboard report CORPUS [filters] [options] --out FILE.html [--pdf FILE.pdf]
    python -m dashboard serve [--replicas N] [--port P] [--address A]

``report`` writes the Overview's report (:mod:`dashboard.report_command`);
``serve`` runs N Streamlit replicas of the app behind one sticky proxy
(:mod:`dashboard.serve`). Each command imports only what it needs, so the
proxy process never loads pandas or the analysis package.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def run(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else ""
    if command == "serve":
        from dashboard import serve

        return serve.run(args[1:])
    if command == "report":
        from dashboard import report_command

        return report_command.run(args)
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("report", help="Write the Overview's report: one self-contained HTML file.")
    commands.add_parser("serve", help="Serve the app as N replicas behind one sticky proxy.")
    parser.parse_args(args)  # help, or the error naming the commands (exit 2)
    return 2


if __name__ == "__main__":
    raise SystemExit(run())
