"""The demo data are reproducible: the committed files are what the seeded script writes."""

import filecmp
import subprocess
import sys

from diagnostics import config


def test_generator_reproduces_the_committed_demo(tmp_path):
    subprocess.run(
        [sys.executable, str(config.PROJECT_ROOT / "scripts" / "generate_demo_data.py"), str(tmp_path)],
        check=True,
        timeout=300,
    )
    committed = sorted(p.relative_to(config.DEMO_RAW_DIR) for p in config.DEMO_RAW_DIR.rglob("*") if p.is_file())
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == generated
    for rel in committed:
        assert filecmp.cmp(config.DEMO_RAW_DIR / rel, tmp_path / rel, shallow=False), rel
