"""The regional seminar's overview (« synthèse régionale »), as pure functions on the processed
tables: every territory on every headline indicator (the Fingertips « tartan rug »), the funnel
plot of the ICM, and a typology of territories by their indicator profile."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.config import FRANCE_CODE, TOTAL
from diagnostics.indicators.common import ENSEMBLE
from diagnostics.methods.chi_square import chi2_quantile
from diagnostics.territories.areas import KIND_DEPARTEMENT, KIND_REGION

FUNNEL_LEVELS = (0.95, 0.998)  # two and three standard deviations, as in Spiegelhalter's funnel plots
NOTABLE_Z = 0.5  # a group differs on an indicator when its mean is half a standard deviation from the others'


def latest(ind: pd.DataFrame, indicators: list[str] | None = None) -> pd.DataFrame:
    """Both sexes, total, latest period: one row per (territory, indicator) (of ``indicators``, or all)."""
    d = ind[
        (ind.indicator.isin(indicators) if indicators is not None else True)
        & (ind.sex == ENSEMBLE)
        & (ind.category == TOTAL)
    ].sort_values("period")
    return d.drop_duplicates(["territory_code", "indicator"], keep="last")


def compared_kind(territories: pd.DataFrame, kind: str | None = None) -> str:
    """The kind of territory the overview compares: ``kind``, else the most numerous reported kind
    other than départements and régions (EPCI, territoires de santé…), else the départements."""
    reported = territories[territories["reported"]].drop_duplicates("territory_code")
    if kind:
        if kind not in set(reported["kind"]):
            raise ValueError(
                f"aucun territoire de type « {kind} » ; types : {', '.join(sorted(set(reported['kind'])))}"
            )
        return kind
    counts = reported.loc[~reported["kind"].isin([KIND_DEPARTEMENT, KIND_REGION]), "kind"].value_counts()
    return counts.index[0] if len(counts) and counts.iloc[0] > 1 else KIND_DEPARTEMENT


def overview_rows(territories: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(territories of the rug: every reported one but the région; reference rows: région, départements, France)."""
    reported = territories[territories["reported"]].drop_duplicates("territory_code")
    areas = reported.loc[~reported["kind"].isin([KIND_REGION]), "territory_code"].tolist()
    regions = reported.loc[reported["kind"] == KIND_REGION, "territory_code"].tolist()
    deps = reported.loc[reported["kind"] == KIND_DEPARTEMENT, "territory_code"].tolist()
    return areas, regions + deps + [FRANCE_CODE]


def funnel_points(ind: pd.DataFrame, codes: list[str], indicator: str = "mortality_icm") -> pd.DataFrame:
    """territory_code, observed, expected, ratio (France = 100) of the areas whose ICM is published."""
    d = latest(ind, [indicator])
    d = d[d.territory_code.isin(codes) & d.value.notna() & d.numerator.notna()]
    return pd.DataFrame(
        {"territory_code": d.territory_code, "observed": d.numerator, "expected": d.denominator, "ratio": d.value}
    ).reset_index(drop=True)


def funnel_limits(expected, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Control limits of an indirectly standardised ratio (×100) for a territory with ``expected``
    deaths that has the national rates: exact Poisson quantiles (chi-square form) around ``expected``.
    A point outside is a territory whose difference is not explained by its size."""
    e = np.asarray(expected, dtype=float)
    alpha = 1 - confidence
    low = chi2_quantile(alpha / 2, 2 * e) / 2
    high = chi2_quantile(1 - alpha / 2, 2 * (e + 1)) / 2
    return low / e * 100, high / e * 100


def typology(
    ind: pd.DataFrame, codes: list[str], indicators: list[str], groups: int = 4
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Territories grouped by indicator profile (« typologie »): each indicator standardised (z-score
    over the territories), a value that is masked or missing replaced by the mean (z = 0), indicators
    missing for more than half of the territories left out; Ward hierarchical clustering cut into
    ``groups`` groups. Deterministic: the same table gives the same groups, whatever its row order.

    Returns (territory_code → group « A », « B »…; group × indicator mean z-score with its size)."""
    d = latest(ind, indicators)
    values = d[d.territory_code.isin(codes)].pivot(index="territory_code", columns="indicator", values="value")
    values = values.reindex(index=sorted(codes), columns=[i for i in indicators if i in values.columns])
    values = values.loc[:, values.notna().mean() > 0.5]
    z = (values - values.mean()) / values.std(ddof=0)
    z = z.loc[:, values.std(ddof=0) > 0].fillna(0.0)
    n = min(groups, max(2, len(z) // 3))  # at least three territories per group on average
    if n < 2 or z.shape[1] == 0:
        return pd.DataFrame({"territory_code": z.index, "group": "A"}), pd.DataFrame()
    from scipy.cluster.hierarchy import fcluster, linkage

    labels = fcluster(linkage(z.to_numpy(), method="ward"), t=n, criterion="maxclust")
    # name groups by size, then by their first territory's code, so that names do not depend on scipy's numbering
    order = sorted(set(labels), key=lambda g: (-(labels == g).sum(), z.index[labels == g][0]))
    names = {g: chr(ord("A") + i) for i, g in enumerate(order)}
    assignment = pd.DataFrame({"territory_code": z.index, "group": [names[g] for g in labels]})
    profile = z.groupby(assignment["group"].to_numpy()).mean()
    profile.insert(0, "size", assignment["group"].value_counts().reindex(profile.index))
    return assignment, profile


def describe_group(profile_row: pd.Series, meta: dict) -> str:
    """A group's profile in plain French: the indicators where it stands apart, strongest first."""
    z = profile_row.drop("size").astype(float)
    notable = z[z.abs() >= NOTABLE_Z].sort_values(key=np.abs, ascending=False)
    if notable.empty:
        return "proche de la moyenne des territoires sur tous les indicateurs"
    parts = []
    for indicator, value in notable.head(4).items():
        m = meta[indicator]
        strength = "nettement " if abs(value) >= 1 else ""
        side = "au-dessus" if value > 0 else "en dessous"
        reading = {
            "worse": " (défavorable)" if value > 0 else " (favorable)",
            "better": " (favorable)" if value > 0 else " (défavorable)",
        }.get(m["higher_is"], "")
        parts.append(f"{m['label']} {strength}{side} de la moyenne{reading}")
    return " ; ".join(parts)
