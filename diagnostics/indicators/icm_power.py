"""Statistical power of each area's ICM (« Pour quel périmètre ? », issue 20): ``icm_power.parquet``.

From the expected deaths E of the pooled period (the ICM's denominator), :mod:`diagnostics.methods.power`
gives the smallest excess and deficit shown as significant with 80 % power at 5 % (exact Poisson / Byar's
limits, the test of the report), and the pooled years needed to show ±10 %. Computed with the indicators, for
every area at once: a report reads its row and needs no scipy (≈ 0,13 s of a one-territory report).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.config import FRANCE_CODE
from diagnostics.methods.disclosure import period_years
from diagnostics.methods.power import SIDE_DEFICIT, minimum_detectable_icm, years_needed

from .common import ENSEMBLE, TOTAL

POWER, CONFIDENCE, EFFECT = 0.8, 0.95, 0.10
COLUMNS = ["territory_code", "expected", "years", "excess", "deficit", "years_excess", "years_deficit"]


def icm_power_values(expected, years) -> dict[str, np.ndarray]:
    """expected, excess and deficit (in % of the French level), years to cumulate for +10 % and −10 %, for
    each E of ``expected`` pooled over ``years`` years (NaN where E is missing or not positive)."""
    e = np.asarray(expected, dtype=float)
    per_year = e / np.maximum(np.asarray(years), 1)
    return {
        "expected": e,
        "excess": minimum_detectable_icm(e, POWER, CONFIDENCE) - 100,
        "deficit": 100 - minimum_detectable_icm(e, POWER, CONFIDENCE, side=SIDE_DEFICIT),
        "years_excess": years_needed(per_year, EFFECT, POWER, CONFIDENCE),
        "years_deficit": years_needed(per_year, EFFECT, POWER, CONFIDENCE, side=SIDE_DEFICIT),
    }


def icm_power_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per area of ``indicators`` with an ICM (both sexes, latest period, as the report shows it), France
    excepted: :data:`COLUMNS`."""
    rows = indicators[
        (indicators["indicator"] == "mortality_icm")
        & (indicators["sex"] == ENSEMBLE)
        & (indicators["category"] == TOTAL)
        & (indicators["territory_code"] != FRANCE_CODE)  # the reference (ICM 100 by construction)
    ]
    rows = rows.sort_values("period", kind="stable").drop_duplicates("territory_code", keep="last")
    years = np.array([len(period_years(p)) for p in rows["period"]], dtype=int)
    values = icm_power_values(rows["denominator"].to_numpy(dtype=float), years)
    return pd.DataFrame({"territory_code": rows["territory_code"].to_numpy(), "years": years, **values})[COLUMNS]
