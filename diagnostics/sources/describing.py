"""What ``--check`` says of a source's table: rows, years, coverage and totals, in French."""

from __future__ import annotations

import pandas as pd

from ..formatting import fr_number

TOTALS = (
    ("population", "population"),
    ("deaths", "décès"),
    ("places", "places"),
    ("beneficiaries", "bénéficiaires"),
    ("amount", "montant (€)"),
    ("insured", "personnes protégées"),
)
STOCKS = ("population", "beneficiaries", "amount", "insured")  # summed over the latest year only


def describe_table(df: pd.DataFrame, national_spending: bool = False) -> tuple[int, list[str], list[str]]:
    """Rows, details and warnings of a tidy table (the readers' own details and warnings first)."""
    warnings = list(df.attrs.get("warnings", []))
    details = list(df.attrs.get("details", []))
    for col in ("year", "census_year"):
        if col in df and len(df):
            details.append(
                f"années {df[col].min()}–{df[col].max()}" if df[col].nunique() > 1 else f"année {df[col].min()}"
            )
    if "commune" in df:
        details.append(f"{fr_number(df['commune'].nunique())} commune(s)")
    elif "departement_code" in df:
        details.append(f"{df['departement_code'].nunique()} département(s)")
    if "level" in df and "code" in df:
        levels = sorted(df["level"].unique())
        details.append(
            f"niveaux : {', '.join(levels)}"
            + (f", {df.loc[df['level'] == 'DEP', 'code'].nunique()} département(s)" if "DEP" in levels else "")
        )
    for col, label in TOTALS[1:] if national_spending else TOTALS:
        if col in df and len(df):
            sub = df
            if "year" in df and col in STOCKS:
                sub = df[df["year"] == df["year"].max()]
                if "level" in sub:
                    sub = sub[sub["level"] == sub["level"].iloc[0]]
            year = (
                f" ({sub['year'].max()})"
                if "year" in sub and sub["year"].nunique() == 1 and df["year"].nunique() > 1
                else ""
            )
            details.append(f"{label}{year} : {fr_number(sub[col].sum())}")
    return len(df), details, warnings
