import shutil
from pathlib import Path

import pytest

from diagnostics import config
from diagnostics.pipeline.processing import build_processed


@pytest.fixture(scope="session")
def demo_processed(tmp_path_factory) -> Path:
    """The demo region's processed tables, built once for the session."""
    out = tmp_path_factory.mktemp("processed")
    build_processed(config.DEMO_RAW_DIR, out)
    return out


@pytest.fixture(scope="session")
def demo_tables(demo_processed):
    from diagnostics.reporting.territory import load_tables

    return load_tables(demo_processed)


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    """A writable copy of the demo raw folder, to break files in."""
    dst = tmp_path / "raw"
    shutil.copytree(config.DEMO_RAW_DIR, dst)
    return dst
