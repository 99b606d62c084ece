#!/usr/bin/env python3
"""Build every territory's health diagnostic: ``python run_all.py --help``."""

import sys

from diagnostics.pipeline.collection import pause_collection

pause_collection()  # during the start-up's imports (diagnostics/pipeline/collection.py)

from diagnostics.pipeline.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
