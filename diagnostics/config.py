"""Every path and project-wide convention, derived from the project root."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_RAW_DIR = PROJECT_ROOT / "data" / "raw" / "demo"
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
REPORT_NOTEBOOK = NOTEBOOKS_DIR / "diagnostic_territorial.ipynb"
OVERVIEW_NOTEBOOK = NOTEBOOKS_DIR / "synthese_regionale.ipynb"
COMPARISON_NOTEBOOK = NOTEBOOKS_DIR / "comparer_des_perimetres.ipynb"  # issue 20

KERNEL_NAME = "diagnostic-territorial"
KERNEL_DISPLAY_NAME = "Diagnostic territorial (Python 3)"

# Secret statistique: counts from 1 to threshold - 1 are never published (SNDS rule: 11).
DISCLOSURE_THRESHOLD = 11

# Deaths are pooled over this many years for mortality indicators (small territories).
MORTALITY_PERIOD_YEARS = 5

# Five-year age bands of INSEE estimates, used by every table.
AGE_BANDS: list[str] = [f"{a:02d}-{a + 4:02d}" for a in range(0, 95, 5)] + ["95+"]
PREMATURE_BANDS: list[str] = AGE_BANDS[:13]  # 00-04 … 60-64: deaths before 65 (mortalité prématurée)
SEXES = {"M": "hommes", "F": "femmes"}
FRANCE_CODE = "FRANCE"
TOTAL = "total"  # category of an indicator row that is not a part (item, family of places…)
