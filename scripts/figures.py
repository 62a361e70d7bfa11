#!/usr/bin/env python
"""Regenerate the figure gallery (MC over RS/1RSB theory) and its agreement.json.

The installed command ``hebbian-figures`` for checkouts: ``python scripts/figures.py --help`` lists the
options. The command line lives in :func:`hebbian.cli.figures_main`.
"""

import sys

from hebbian.cli import figures_main

if __name__ == "__main__":
    sys.exit(figures_main())
