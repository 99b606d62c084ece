"""Two-step floating catchment area (2SFCA) accessibility at commune level: the method of the DREES
« accessibilité potentielle localisée » (APL; Barlet, Coldefy, Collin & Lucas-Gabrielli 2012, DREES Études
et Résultats n° 795 and document de travail n° 124; Legendre 2020 for the current parameters).

With w(t) the weight of a travel time t (:data:`DECAY_BANDS`: 1 under 10 min, 2/3 from 10 to 15, 1/3 from
15 to 20, 0 from 20 on), S_j the supply of commune j and P_i the standardised population of commune i:

1. each commune's supply is shared among the population that can reach it: R_j = S_j / Σ_i w(t_ij)·P_i;
2. each commune adds up the shares it can reach: APL_i = multiplier × Σ_j w(t_ij)·R_j.

The weight enters both steps, as in the DREES APL (the « enhanced » 2SFCA of Luo & Qi 2009). Supply
counted once: Σ_i P_i·APL_i = multiplier × Σ_j S_j over the supply that some population can reach, so the
population-weighted mean APL of France is its plain density.

Units. Supply in full-time equivalents (ETP) or head counts with ``multiplier=100_000`` (default) gives
« ETP (ou médecins) pour 100 000 habitants standardisés », the unit of the 2012 APL. Supply in yearly
consultations and visits with ``multiplier=1`` gives « consultations/visites accessibles par an et par
habitant standardisé », the unit DREES has published since 2015.

Demand is the population weighted by the age-specific use of GP care (:func:`standardised_population`,
default table ``gp_use_by_age.csv``, whose header says where its values come from).

Travel times are a sparse table (origin = residents' commune, destination = GP commune, minutes), either
given (a road distancier) or estimated by :func:`travel_times_from_coordinates` from the communes'
coordinates, keeping only the pairs under 20 minutes found with a k-d tree: never a dense n × n matrix.
Values stay at commune level; :func:`diagnostics.indicators.common.to_areas` sums commune figures to areas.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from scipy import sparse

# (upper bound in minutes, exclusive; weight) — DREES APL, médecins généralistes
DECAY_BANDS: tuple[tuple[float, float], ...] = ((10.0, 1.0), (15.0, 2 / 3), (20.0, 1 / 3))

# Straight line → road time. Road distance / crow-fly distance ratios of 1.2–1.4 are usual on regional
# networks (circuity factors, e.g. Ballou, Rahardja & Sakai 2002, Transportation Research A 36: 843–848);
# 60 km/h is the project's assumption of a door-to-door average on mixed roads, not an official figure.
# Together: 1.3 min per crow-fly km, 20 min ≈ 15 km. Prefer a real road distancier when there is one.
ROAD_DETOUR = 1.3
ROAD_SPEED_KMH = 60.0
EARTH_RADIUS_KM = 6371.0088
PER_100_000 = 100_000

USE_BY_AGE_CSV = Path(__file__).with_name("gp_use_by_age.csv")


def gp_use_by_age(path: Path = USE_BY_AGE_CSV) -> pd.Series:
    """Relative use of GP care by age band (age_band → relative_use), read from ``path``."""
    table = pd.read_csv(path, comment="#", dtype={"age_band": str})
    return table.set_index("age_band")["relative_use"].astype(float)


def standardised_population(population: pd.DataFrame, use: pd.Series | None = None) -> pd.Series:
    """Population standardised by the age-specific use of GP care, per commune (« population
    standardisée par la consommation de soins par tranche d'âge »).

    ``population`` has commune, age_band and population (rows of other columns, e.g. sex, are summed:
    filter the year first). Rescaled so that the total equals the total population, as DREES does for
    France: a commune of average age structure keeps its population.
    """
    use = gp_use_by_age() if use is None else use
    unknown = sorted(set(population["age_band"].unique()) - set(use.index))
    if unknown:
        raise ValueError(f"tranches d'âge sans coefficient de recours aux soins : {unknown[:5]}")
    weighted = population["population"].to_numpy(float) * population["age_band"].map(use).to_numpy(float)
    by_commune = pd.Series(weighted, index=population["commune"].to_numpy()).groupby(level=0, sort=True).sum()
    total = population["population"].sum()
    scale = total / by_commune.sum() if by_commune.sum() > 0 else 0.0
    return (by_commune * scale).rename("standardised_population").rename_axis("commune")


def banded_decay(minutes, bands: tuple[tuple[float, float], ...] = DECAY_BANDS) -> np.ndarray:
    """Weight of each travel time: the weight of the first band whose upper bound exceeds it, 0 beyond
    the last band (and for missing times)."""
    t = np.asarray(minutes, dtype=float)
    uppers = np.array([b for b, _ in bands])
    weights = np.append([w for _, w in bands], 0.0)
    band = np.searchsorted(uppers, np.where(np.isnan(t), np.inf, t), side="right")
    return weights[band]


def _unit_vectors(longitude, latitude) -> np.ndarray:
    lon, lat = np.radians(np.asarray(longitude, float)), np.radians(np.asarray(latitude, float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def travel_times_from_coordinates(
    coordinates: pd.DataFrame, max_minutes: float = 20.0, speed_kmh: float = ROAD_SPEED_KMH, detour: float = ROAD_DETOUR
) -> pd.DataFrame:
    """Estimated road times between communes less than ``max_minutes`` apart, both directions and each
    commune to itself (0 min): origin, destination (categoricals of commune codes), minutes.

    ``coordinates`` has commune, longitude, latitude (WGS84 degrees, e.g. the mairie). Time = great-circle
    distance × ``detour`` / ``speed_kmh``. Pairs come from a k-d tree on 3-D unit-sphere points (chord radius
    of the maximal distance), so memory grows with the number of close pairs, not with n².
    """
    codes = pd.Index(coordinates["commune"])
    if codes.has_duplicates or coordinates[["longitude", "latitude"]].isna().any().any():
        raise ValueError("coordonnées des communes : un code en double ou une longitude/latitude manquante")
    xyz = _unit_vectors(coordinates["longitude"], coordinates["latitude"])
    km_per_minute = speed_kmh / 60 / detour
    max_angle = max_minutes * km_per_minute / EARTH_RADIUS_KM
    from scipy.spatial import cKDTree  # imported when computing: the report modules import this one

    pairs = cKDTree(xyz).query_pairs(2 * np.sin(max_angle / 2), output_type="ndarray")
    a, b = pairs[:, 0], pairs[:, 1]
    chord = np.linalg.norm(xyz[a] - xyz[b], axis=1)
    minutes = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2, 1.0)) / km_per_minute
    close = minutes < max_minutes
    a, b, minutes = a[close], b[close], minutes[close]
    self_ = np.arange(len(codes))
    origin = np.concatenate([a, b, self_])
    destination = np.concatenate([b, a, self_])
    return pd.DataFrame(
        {
            "origin": pd.Categorical.from_codes(origin, categories=codes),
            "destination": pd.Categorical.from_codes(destination, categories=codes),
            "minutes": np.concatenate([minutes, minutes, np.zeros(len(codes))]),
        }
    )


def _positions(values, communes: pd.Index) -> np.ndarray:
    """Position of each value in ``communes`` (-1 if absent); categoricals are mapped through their
    categories, not element by element."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.cat
        return np.where(cat.codes >= 0, communes.get_indexer(cat.categories)[cat.codes], -1)
    return communes.get_indexer(values)


def _labels(column: pd.Series):
    return column.cat.categories if isinstance(column.dtype, pd.CategoricalDtype) else column.unique()


def _commune_index(*indexes) -> pd.Index:
    union = pd.Index([], dtype=object)
    for index in indexes:
        union = union.union(pd.Index(np.asarray(index, dtype=object)))
    return union


def _weight_matrix(times: pd.DataFrame, communes: pd.Index, bands, include_self: bool) -> sparse.csr_matrix:
    """W[i, j] = w(t_ij), residents' commune i × supply commune j."""
    from scipy import sparse

    i, j = _positions(times["origin"], communes), _positions(times["destination"], communes)
    w = banded_decay(times["minutes"].to_numpy(float), bands)
    keep = (i >= 0) & (j >= 0) & (w > 0)
    i, j, w = i[keep], j[keep], w[keep]
    if include_self:  # a commune reaches its own GPs at once unless the table gives an intra-commune time
        has_self = np.zeros(len(communes), dtype=bool)
        has_self[i[i == j]] = True
        missing = np.flatnonzero(~has_self)
        i, j, w = np.concatenate([i, missing]), np.concatenate([j, missing]), np.concatenate([w, np.ones(missing.size)])
    matrix = sparse.coo_matrix((w, (i, j)), shape=(len(communes), len(communes))).tocsr()
    if matrix.nnz < w.size:
        raise ValueError("temps de trajet : un couple (origine, destination) figure plusieurs fois")
    return matrix


def two_step_fca(
    supply: pd.Series,
    demand: pd.Series,
    times: pd.DataFrame,
    bands: tuple[tuple[float, float], ...] = DECAY_BANDS,
    multiplier: float = PER_100_000,
    include_self: bool = True,
) -> pd.Series:
    """APL of every commune of ``supply``, ``demand`` and ``times`` (index: commune code, name « apl »).

    ``supply``: GP FTE (or counts, or yearly consultations) per commune; ``demand``: standardised population
    per commune (missing communes count 0); ``times``: origin, destination, minutes, the sparse table of
    residents' commune → GP commune times (pairs beyond the last band may be present and are ignored).
    ``include_self`` adds each commune to itself at weight 1 when the table lacks that pair.
    """
    communes = _commune_index(supply.index, demand.index, _labels(times["origin"]), _labels(times["destination"]))
    s = supply.reindex(communes).fillna(0).to_numpy(float)
    p = demand.reindex(communes).fillna(0).to_numpy(float)
    if (s < 0).any() or (p < 0).any():
        raise ValueError("APL : offre et population doivent être positives ou nulles")
    weights = _weight_matrix(times, communes, bands, include_self)
    reaching = weights.T @ p  # step 1: standardised population within reach of each supply commune
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(reaching > 0, s / reaching, 0.0)
    return pd.Series(multiplier * (weights @ share), index=communes, name="apl").rename_axis("commune")


def potential_accessibility(
    supply: pd.Series,
    demand: pd.Series,
    times: pd.DataFrame | None = None,
    coordinates: pd.DataFrame | None = None,
    *,
    bands: tuple[tuple[float, float], ...] = DECAY_BANDS,
    multiplier: float = PER_100_000,
    speed_kmh: float = ROAD_SPEED_KMH,
    detour: float = ROAD_DETOUR,
) -> pd.Series:
    """APL (« accessibilité potentielle localisée ») per commune, from a given travel-time table or, when
    there is none, from the communes' coordinates (:func:`travel_times_from_coordinates`).

    With coordinates, every commune with supply or population must have some: a commune left out would
    silently lose its GPs or its patients.
    """
    if times is None:
        if coordinates is None:
            raise ValueError("APL : il faut un distancier (times) ou les coordonnées des communes")
        needed = _commune_index(supply.index[supply > 0], demand.index[demand > 0])
        missing = needed.difference(pd.Index(coordinates["commune"]))
        if len(missing):
            raise ValueError(f"APL : {len(missing)} communes sans coordonnées, par exemple {list(missing[:5])}")
        times = travel_times_from_coordinates(coordinates, bands[-1][0], speed_kmh, detour)
    return two_step_fca(supply, demand, times, bands, multiplier)
