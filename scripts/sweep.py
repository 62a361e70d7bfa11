#!/usr/bin/env python
"""Run a phase-diagram sweep from a TOML file, serially or under MPI, crash-safe.

The installed command ``hebbian-sweep`` for checkouts: ``python scripts/sweep.py --help`` lists the
options. The command line lives in :func:`hebbian.cli.sweep_main`.
"""

import sys

from hebbian.cli import sweep_main

if __name__ == "__main__":
    sys.exit(sweep_main())
