"""FDep, the French ecological deprivation index (indice de défavorisation sociale), at commune level.

Rey G, Jougla E, Fouillet A, Hémon D. Ecological association between a deprivation index and mortality
in France over the period 1997–2001. BMC Public Health 2009;9:33. The FDep is the first principal
component of four commune variables: median income per consumption unit (here Filosofi's médiane du
niveau de vie), share of baccalauréat holders (at least the bac) among the non-schooled aged 15 or more,
share of blue-collar workers (ouvriers) among the active, unemployment rate; its weights are negative for
income and the bac, positive for blue-collar workers and unemployment, so that higher means more deprived.

Method, on the communes the caller gives (all of France, or a région: the weights then describe that
région only):

* a commune with a missing input or population is left out of the analysis and gets no FDep (NaN);
* each variable is standardised with its population-weighted mean and standard deviation (divisor:
  the total population, i.e. the population's own moments);
* the weighted correlation matrix R = Σ wᵢ zᵢ zᵢᵀ / Σ wᵢ (4 × 4) is diagonalised (``numpy.linalg.eigh``);
  the eigenvector of the largest eigenvalue λ₁ gives the weights, FDep = z · weights (weighted mean 0,
  weighted variance λ₁), and λ₁ / 4 is the share of variance explained;
* an eigenvector is defined up to its sign: the sign is the one agreeing with most of the four expected
  signs (the paper's orientation); a weight still of the unexpected sign is reported, not hidden;
* quintiles of population: communes ranked by FDep, communes of equal FDep kept together, each placed
  in the fifth of the cumulative population where the middle of its own population falls; quintile 1
  is the least deprived, 5 the most; each holds about 20 % of the population (whole communes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.formatting import fr_number

FDEP_VARIABLES = ("median_income", "share_baccalaureate", "share_blue_collar", "unemployment_rate")
EXPECTED_SIGNS = {"median_income": -1, "share_baccalaureate": -1, "share_blue_collar": 1, "unemployment_rate": 1}
QUINTILES = 5
VARIABLE_LABELS = {
    "median_income": "niveau de vie médian",
    "share_baccalaureate": "part des bacheliers",
    "share_blue_collar": "part des ouvriers",
    "unemployment_rate": "taux de chômage",
}


def weighted_standardisation(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns of ``x`` centred and scaled by their ``w``-weighted mean and standard deviation."""
    total = w.sum()
    means = w @ x / total
    sds = np.sqrt(w @ (x - means) ** 2 / total)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant variable: the caller says why
        return (x - means) / sds, means, sds


def first_component(z: np.ndarray, w: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights of the first principal component of the weighted correlation matrix, oriented by the
    ``expected`` signs, and the eigenvalues (largest first)."""
    correlation = (z * w[:, None]).T @ z / w.sum()
    eigenvalues, vectors = np.linalg.eigh(correlation)
    weights = vectors[:, -1]
    if expected @ np.sign(weights) < 0 or (expected @ np.sign(weights) == 0 and expected @ weights < 0):
        weights = -weights
    return weights, eigenvalues[::-1]


def population_quintiles(score: np.ndarray, w: np.ndarray, n: int = QUINTILES) -> np.ndarray:
    """Quantile (1 … n) of each score by the population mid-point of its tie group."""
    values, group = np.unique(score, return_inverse=True)  # sorted, equal scores share a group
    group_weight = np.bincount(group, weights=w, minlength=len(values))
    middle = (np.cumsum(group_weight) - group_weight / 2) / w.sum()
    return np.minimum((middle * n).astype(int), n - 1)[group] + 1


def _not_computed(df: pd.DataFrame, reason: str, info: dict) -> tuple[pd.DataFrame, dict]:
    out = pd.DataFrame(
        {"commune": df["commune"].to_numpy(), "fdep": np.nan, "quintile": pd.array([pd.NA] * len(df), dtype="Int64")}
    )
    info.update(reason=reason, details=info["details"] + [f"FDep non calculé : {reason}"])
    return out, info


def fdep(
    df: pd.DataFrame, population_col: str = "population", variables=FDEP_VARIABLES, scope: str = ""
) -> tuple[pd.DataFrame, dict]:
    """``commune, fdep, quintile`` (input order; NaN / <NA> for the communes left out) and a dict:
    ``weights``, ``loadings`` (correlation of each variable with the FDep), ``explained_variance``,
    ``eigenvalues``, ``means``, ``sds``, ``signs_as_expected``, counts and population of the communes
    used and left out (``missing_by_variable``), ``quintile_population_share``, ``quintile_upper_bound``,
    ``reason`` (None when computed) and French ``details`` saying which communes have no FDep and why
    (``scope`` names the communes given, « France », « région Bretagne », in that sentence)."""
    variables = list(variables)
    x, w = _checked_arrays(df, population_col, variables)
    used = np.isfinite(x).all(axis=1) & np.isfinite(w)
    info = _coverage(x, w, used, variables, population_col, scope)
    if used.sum() <= len(variables) or w[used].sum() <= 0:
        return _not_computed(df, f"{int(used.sum())} commune(s) complète(s) peuplée(s) : trop peu pour l'analyse", info)
    z, means, sds = weighted_standardisation(x[used], w[used])
    if not (sds > 0).all():
        constant = [VARIABLE_LABELS.get(v, v) for v, s in zip(variables, sds) if not s > 0]
        return _not_computed(df, f"variable(s) constante(s) sur les communes : {', '.join(constant)}", info)
    expected = np.array([EXPECTED_SIGNS.get(v, 1) for v in variables], dtype=float)
    weights, eigenvalues = first_component(z, w[used], expected)
    score = np.full(len(df), np.nan)
    score[used] = z @ weights
    quintile = pd.array([pd.NA] * len(df), dtype="Int64")
    quintile[used] = population_quintiles(score[used], w[used])
    info |= {
        "variables": variables,
        "weights": dict(zip(variables, weights.tolist())),
        "loadings": dict(zip(variables, (weights * np.sqrt(eigenvalues[0])).tolist())),
        "explained_variance": float(eigenvalues[0] / len(variables)),
        "eigenvalues": eigenvalues.tolist(),
        "means": dict(zip(variables, means.tolist())),
        "sds": dict(zip(variables, sds.tolist())),
        "signs_as_expected": bool((np.sign(weights) == expected).all()),
        **_quintile_summary(score[used], quintile[used].to_numpy(dtype=int), w[used]),
    }
    if not info["signs_as_expected"]:
        info["details"].append(
            "Attention : un poids n'a pas le signe attendu (revenu et bacheliers négatifs, ouvriers et "
            "chômage positifs) sur ces communes ; l'indice s'y lit avec prudence"
        )
    return pd.DataFrame({"commune": df["commune"].to_numpy(), "fdep": score, "quintile": quintile}), info


def _checked_arrays(df: pd.DataFrame, population_col: str, variables: list[str]) -> tuple[np.ndarray, np.ndarray]:
    missing_columns = [c for c in ["commune", population_col, *variables] if c not in df]
    if missing_columns:
        raise ValueError(f"columns missing: {missing_columns}")
    if df["commune"].duplicated().any():
        raise ValueError("one row per commune expected (filter one year first)")
    w = df[population_col].to_numpy(dtype=float)
    if (w < 0).any():
        raise ValueError("negative population")
    return df[variables].to_numpy(dtype=float), w


def _coverage(
    x: np.ndarray, w: np.ndarray, used: np.ndarray, variables: list[str], population_col: str, scope: str
) -> dict:
    info = {
        "scope": scope,
        "communes_used": int(used.sum()),
        "communes_excluded": int((~used).sum()),
        "population_used": float(w[used].sum()),
        "population_excluded": float(np.nansum(w[~used])),
        "missing_by_variable": {v: int(np.isnan(x[:, j]).sum()) for j, v in enumerate(variables)}
        | {population_col: int(np.isnan(w).sum())},
        "reason": None,
    }
    info["details"] = [_exclusion_sentence(info)]
    return info


def _quintile_summary(score: np.ndarray, quintile: np.ndarray, w: np.ndarray) -> dict:
    shares = np.bincount(quintile - 1, weights=w, minlength=QUINTILES) / w.sum()
    upper = pd.Series(score).groupby(quintile).max().reindex(range(1, QUINTILES + 1))
    return {"quintile_population_share": shares.tolist(), "quintile_upper_bound": upper.tolist()}


def _exclusion_sentence(info: dict) -> str:
    """Which communes enter the FDep, and why the others have none (the module's French text, with the
    sign caveat and the reasons of ``_not_computed``)."""
    where = f" ({info['scope']})" if info["scope"] else ""
    text = (
        f"Communes retenues pour le FDep{where} : {fr_number(info['communes_used'])}, "
        f"{fr_number(info['population_used'])} habitants"
    )
    if info["communes_excluded"]:
        gaps = ", ".join(
            f"{VARIABLE_LABELS.get(v, v)} {fr_number(n)}" for v, n in info["missing_by_variable"].items() if n
        )
        people = f" ({fr_number(info['population_excluded'])} habitants)" if info["population_excluded"] else ""
        text += (
            f" ; {fr_number(info['communes_excluded'])} communes{people} sans FDep car une donnée manque "
            f"(secret statistique ou absence : {gaps}), exclues de l'analyse"
        )
    return text


def fdep_inputs(census: pd.DataFrame, income: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """``commune, median_income, share_baccalaureate, share_blue_collar, unemployment_rate, population``
    (shares in %), from one year of the census bases table (``<id>_numerator``, ``<id>_denominator``),
    of the Filosofi commune table (``median_income``) and a ``commune, population`` table. Every commune
    of any of the three is kept: one missing input leaves its FDep missing, not its row out."""
    for name, table in (("census", census), ("income", income), ("population", population)):
        if "year" in table and table["year"].nunique() > 1:
            raise ValueError(f"{name}: one year expected, got {sorted(table['year'].unique())}")
    shares = pd.DataFrame({"commune": census["commune"].to_numpy()})
    for indicator in FDEP_VARIABLES[1:]:
        denominator = census[f"{indicator}_denominator"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            shares[indicator] = np.where(
                denominator > 0, census[f"{indicator}_numerator"].to_numpy(dtype=float) / denominator * 100, np.nan
            )
    out = shares.merge(income[["commune", "median_income"]], on="commune", how="outer").merge(
        population[["commune", "population"]], on="commune", how="outer"
    )
    return out[["commune", *FDEP_VARIABLES, "population"]].sort_values("commune", ignore_index=True)
