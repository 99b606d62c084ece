"""APL (2SFCA) for all of France at commune level from coordinates; prints time, peak memory and pairs.

    python benchmarks/benchmark_accessibility.py [--communes 35000] [--seed 2024]

Synthetic, deterministic France: ≈ 35 000 communes inside a coarse outline of metropolitan France
(lon −4.8…8.2, lat 42.3…51.1), 60 % spread evenly and 40 % clustered around 400 towns (σ 8 km) whose
centres take Zipf-sized populations; 20 five-year age bands per commune drawn around France's age structure;
GPs ≈ 95 per 100 000 inhabitants, more concentrated in larger communes. The timed part is what a batch
runs: standardised population, travel times under 20 minutes from coordinates (k-d tree), then the 2SFCA.
Peak memory is the process's maximum resident size.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from matplotlib.path import Path as Outline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnostics.config import AGE_BANDS  # noqa: E402
from diagnostics.formatting import fr_number  # noqa: E402
from diagnostics.methods import accessibility as acc  # noqa: E402

# France's age structure by five-year band (rounded), as in benchmark_indicators.py
SHARE = np.array([5.5, 6, 6.2, 6.2, 5.6, 5.6, 6, 6.3, 6.2, 6.7, 6.6, 6.6, 6.1, 5.9, 5.2, 3.6, 2.9, 2.1, 1.0, 0.3]) / 100
FRANCE = Outline(
    [
        (-4.8, 48.4),
        (-1.6, 49.7),
        (1.6, 50.9),
        (2.6, 51.1),
        (4.2, 49.9),
        (8.2, 49.0),
        (7.5, 47.5),
        (6.1, 46.3),
        (7.7, 43.8),
        (3.1, 42.4),
        (-1.8, 43.3),
        (-1.2, 46.2),
        (-2.5, 47.3),
        (-4.8, 48.4),
    ]
)
GP_PER_100_000 = 95
KM_PER_DEGREE = acc.EARTH_RADIUS_KM * np.pi / 180


def _inside(rng: np.random.Generator, n: int) -> np.ndarray:
    points = np.empty((0, 2))
    while len(points) < n:
        draw = np.column_stack([rng.uniform(-4.8, 8.2, 2 * n), rng.uniform(42.3, 51.1, 2 * n)])
        points = np.vstack([points, draw[FRANCE.contains_points(draw)]])
    return points[:n]


def synthetic_communes(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """coordinates (commune, longitude, latitude), population by age band (long), GPs and FTE per commune."""
    n_towns, n_clustered = 400, int(0.4 * n)
    towns = _inside(rng, n_towns)
    around = rng.integers(0, n_towns, n_clustered)
    offset_km = rng.normal(0, 8, (n_clustered, 2))
    clustered = towns[around] + offset_km / KM_PER_DEGREE / np.column_stack(
        [np.cos(np.radians(towns[around, 1])), np.ones(n_clustered)]
    )
    lonlat = np.vstack([towns, clustered, _inside(rng, n - n_towns - n_clustered)])
    codes = np.array([f"{i:05d}" for i in range(n)])
    size = np.maximum(rng.lognormal(6.25, 1.1, n), 30)
    size[:n_towns] += 2_000_000 / np.arange(1, n_towns + 1)  # town centres, Zipf
    size[n_towns : n_towns + n_clustered] *= 2.5  # suburbs are larger than rural communes
    shares = rng.dirichlet(SHARE * 300, n)
    population = pd.DataFrame(
        {
            "commune": np.repeat(codes, len(AGE_BANDS)),
            "age_band": np.tile(AGE_BANDS, n),
            "population": np.round((shares * size[:, None]).ravel()),
        }
    )
    pull = size**0.3  # GPs settle in bourgs and towns more than in hamlets
    mean_gps = size * pull / (size * pull).sum() * size.sum() * GP_PER_100_000 / 100_000
    gps = rng.poisson(mean_gps)
    fte = gps * rng.uniform(0.6, 1.1, n)  # activity below or near a full-time equivalent
    coordinates = pd.DataFrame({"commune": codes, "longitude": lonlat[:, 0], "latitude": lonlat[:, 1]})
    return coordinates, population, pd.DataFrame({"gps": gps, "fte": fte}, index=codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    coordinates, population, gps = synthetic_communes(args.communes, np.random.default_rng(args.seed))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    start = time.perf_counter()
    demand = acc.standardised_population(population)
    t_demand = time.perf_counter()
    times = acc.travel_times_from_coordinates(coordinates)
    t_times = time.perf_counter()
    apl = acc.two_step_fca(gps["fte"], demand, times)
    t_apl = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    total_pop = population["population"].sum()
    mean_apl = (apl * demand.reindex(apl.index)).sum() / demand.sum()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"pandas {pd.__version__}; {platform.machine()}"
    )
    print(
        f"communes: {fr_number(len(coordinates))}; population: {fr_number(total_pop)}; "
        f"GPs: {fr_number(gps['gps'].sum())} ({fr_number(gps['gps'].sum() / total_pop * 1e5)} per 100 000), "
        f"FTE: {fr_number(gps['fte'].sum())}"
    )
    print(
        f"pairs under 20 min (both directions + self): {fr_number(len(times))} "
        f"({fr_number(len(times) / len(coordinates))} per commune)"
    )
    print(
        f"time: standardised population {t_demand - start:.2f} s, travel times {t_times - t_demand:.2f} s, "
        f"2SFCA {t_apl - t_times:.2f} s, total {t_apl - start:.2f} s"
    )
    print(f"peak resident memory: {peak:.0f} MiB (before the timed part: {rss_before:.0f} MiB)")
    print(
        f"APL (FTE per 100 000 standardised inhabitants): population-weighted mean {mean_apl:.1f}, "
        f"median {apl.median():.1f}, P10 {apl.quantile(0.1):.1f}, P90 {apl.quantile(0.9):.1f}, "
        f"communes at 0: {fr_number((apl == 0).sum())}"
    )


if __name__ == "__main__":
    main()
