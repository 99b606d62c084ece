#!/usr/bin/env python3
"""Build every territory's health diagnostic: ``python run_all.py --help``."""

import sys

from diagnostics.pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main())
