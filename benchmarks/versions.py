"""The library versions a benchmark ran with, printed first: figures from different installs are not comparable."""

from __future__ import annotations

import os
import platform
from importlib import metadata

LIBRARIES = [
    "pandas",
    "numpy",
    "matplotlib",
    "pyarrow",
    "scipy",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "jupyter_client",
    "ipython",
    "matplotlib-inline",
    "mistune",
    "jinja2",
    "shapely",
]


def versions() -> str:
    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} absent")
    return (
        f"Python {platform.python_version()} ({platform.machine()}, {os.cpu_count()} cœurs, {platform.system()}) ; "
        + ", ".join(found)
    )
