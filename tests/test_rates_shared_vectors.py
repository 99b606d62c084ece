"""Every usable case of the PHEindicatormethods vectors in ../shared, when that folder is present.

The suite does not need ../shared (test_stats.py holds typed copies); this test widens the check
to all rows where the vectors are available.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostics.methods import rates

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "phe_vectors"
pytestmark = pytest.mark.skipif(not VECTORS.exists(), reason="../shared/reference/phe_vectors absent")
REL = 1e-8


def test_all_rate_cases():
    df = pd.read_csv(VECTORS / "rate_expected.csv").dropna(subset=["numerator", "denominator"])
    for conf, lo_col, hi_col in ((0.95, "lower95_0cl", "upper95_0cl"), (0.998, "lower99_8cl", "upper99_8cl")):
        out = rates.crude_rate(df.numerator, df.denominator, multiplier=1, confidence=conf)
        m = df.multiplier.to_numpy()
        np.testing.assert_allclose(out.value * m, df.value, rtol=REL)
        np.testing.assert_allclose(out.ci_low * m, df[lo_col], rtol=REL)
        np.testing.assert_allclose(out.ci_high * m, df[hi_col], rtol=REL)


def test_all_proportion_cases():
    df = pd.read_csv(VECTORS / "proportion_expected.csv").dropna(subset=["numerator", "denominator"])
    for conf, lo_col, hi_col in ((0.95, "lower95_0cl", "upper95_0cl"), (0.998, "lower99_8cl", "upper99_8cl")):
        out = rates.wilson_proportion(df.numerator, df.denominator, multiplier=1, confidence=conf)
        m = df.multiplier.to_numpy()
        np.testing.assert_allclose(out.ci_low * m, df[lo_col], rtol=REL)
        np.testing.assert_allclose(out.ci_high * m, df[hi_col], rtol=REL)


def test_all_dsr_cases_of_independent_events():
    inputs = pd.read_csv(VECTORS / "dsr_inputs.csv")
    expected = pd.read_csv(VECTORS / "dsr_expected.csv")
    expected = expected[(expected.input_file == "dsr_inputs.csv")]
    for r in expected.itertuples():
        for conf, lo, hi in ((0.95, r.lower95_0cl, r.upper95_0cl), (0.998, r.lower99_8cl, r.upper99_8cl)):
            out = rates.directly_standardised_rate(
                inputs.rename(columns={"count": "deaths", "pop": "population"}),
                by=["area"],
                weight="esp2013",
                multiplier=r.multiplier,
                confidence=conf,
            )
            got = out.set_index("area").loc[r.area]
            assert got.numerator == r.total_count
            np.testing.assert_allclose([got.value, got.ci_low, got.ci_high], [r.value, lo, hi], rtol=REL)


def test_all_isratio_cases():
    inputs = pd.read_csv(VECTORS / "isr_inputs.csv").fillna(0)
    ref = pd.read_csv(VECTORS / "isr_refdata.csv")
    expected = pd.read_csv(VECTORS / "isratio_expected.csv")
    expected = expected[expected.input_files == "isr_inputs.csv + isr_refdata.csv"]
    for r in expected.itertuples():
        area = inputs[inputs.area == r.area]
        e = float(np.sum(area["pop"].to_numpy() * ref.refcount.to_numpy() / ref.refpop.to_numpy()))
        np.testing.assert_allclose(e, r.expected, rtol=REL)
        for conf, lo, hi in ((0.95, r.lower95_0cl, r.upper95_0cl), (0.998, r.lower99_8cl, r.upper99_8cl)):
            out = rates.indirectly_standardised_ratio(
                [area["count"].sum()], [e], refvalue=r.refvalue, confidence=conf
            ).iloc[0]
            np.testing.assert_allclose([out.value, out.ci_low, out.ci_high], [r.value, lo, hi], rtol=REL)
            assert out.method == r.method
