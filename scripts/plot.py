#!/usr/bin/env python
"""Figures of one sweep result: one figure (PDF and PNG) per observable.

The installed command ``hebbian-plot`` for checkouts: ``python scripts/plot.py --help`` lists the
options. The command line lives in :func:`hebbian.cli.plot_main`.
"""

import sys

from hebbian.cli import plot_main

if __name__ == "__main__":
    sys.exit(plot_main())
