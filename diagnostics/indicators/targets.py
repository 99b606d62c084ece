"""Following a contract's targets (suivi des objectifs): each target indicator's value over the
successive periods, the change since the baseline and whether it is significant, and a plain status.

The change is tested on the difference between the latest period that shares no year with the
baseline and the baseline itself: z = (latest − baseline) / √(se₁² + se₂²), each standard error
taken from the 95 % confidence interval (width / 3,92); significant when |z| > 1,96. Two periods
with a year in common are not independent, hence never compared.
"""

from __future__ import annotations

import math

import pandas as pd

from diagnostics.methods.disclosure import period_years
from diagnostics.methods.rates import z_value

REACHED = "objectif atteint"
PROGRESS = "en progrès significatif"
NO_CHANGE = "pas d'évolution significative"
SETBACK = "en recul"
NOT_YET = "pas encore de période postérieure à la référence"
NOT_COMPUTABLE = "non calculable (effectif trop faible)"
STATUSES = [REACHED, PROGRESS, NO_CHANGE, SETBACK, NOT_YET, NOT_COMPUTABLE]


def change_z(base: pd.Series, latest: pd.Series) -> float:
    """z statistic of latest − base (rows with value, ci_low, ci_high)."""
    z95 = 2 * z_value(0.95)
    se = math.hypot((base.ci_high - base.ci_low) / z95, (latest.ci_high - latest.ci_low) / z95)
    return (latest.value - base.value) / se if se > 0 else 0.0


def latest_independent(series: pd.DataFrame, baseline_period: str) -> pd.Series | None:
    """The last period of ``series`` (sorted) that shares no year with the baseline and comes after it."""
    base_years = set(period_years(baseline_period))
    later = [
        r
        for r in series.itertuples(index=False)
        if not base_years & set(period_years(r.period)) and min(period_years(r.period)) > max(base_years)
    ]
    return pd.Series(later[-1]._asdict()) if later else None


def target_status(base: pd.Series, latest: pd.Series | None, target: float, direction: int) -> str:
    """The plain status of one target: reached, significant progress, no significant change, setback.

    ``target`` is NaN for a direction-only target (« baisse », « hausse »), reached when the change is
    significant in that direction."""
    if latest is None:
        return NOT_YET
    if any(pd.isna(v) for v in (base.value, latest.value, base.ci_low, latest.ci_low)):
        return NOT_COMPUTABLE
    z = change_z(base, latest)
    significant = abs(z) > z_value(0.95)
    towards = significant and (z > 0) == (direction > 0)
    if (pd.isna(target) and towards) or (not pd.isna(target) and (latest.value - target) * direction >= 0):
        return REACHED
    if towards:
        return PROGRESS
    return SETBACK if significant else NO_CHANGE


def follow_up(targets: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per target of ``targets``: baseline and latest rows, the series, z and the status.

    ``indicators``: the published rows (both sexes, total) of the territories concerned."""
    out = []
    for t in targets.itertuples(index=False):
        series = indicators[(indicators.territory_code == t.territory_code) & (indicators.indicator == t.indicator)]
        series = series.sort_values("period")
        base = series[series.period.astype(str) == t.baseline_period]
        base = base.iloc[0] if len(base) else None
        latest = latest_independent(series, t.baseline_period)
        status = NOT_COMPUTABLE if base is None else target_status(base, latest, t.target, t.direction)
        z = change_z(base, latest) if status not in (NOT_YET, NOT_COMPUTABLE) else float("nan")
        out.append({**t._asdict(), "series": series, "baseline": base, "latest": latest, "z": z, "status": status})
    return pd.DataFrame(out)
