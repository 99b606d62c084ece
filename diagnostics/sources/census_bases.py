"""INSEE recensement, « bases communales » (base-cc-*) and their IRIS versions (base-ic-*), as downloaded:
activité des résidents (``base-cc-emploi-pop-active-AAAA.CSV``), diplômes – formation
(``base-cc-diplomes-formation-AAAA.CSV``), couples – familles – ménages (``base-cc-coupl-fam-men-AAAA.CSV``).

A file is recognised by its variables, ``<P|C><AA>_<STEM>`` (``P`` exploitation principale, ``C``
complémentaire, ``AA`` the census year on two digits), whatever the vintage; a base repeats older
vintages (the 2020 activity base holds ``P20_``, ``P14_``, ``P09_``) and each vintage whose variables are
all there gives its rows. ``;``-separated, first column ``CODGEO`` (IRIS bases: ``IRIS`` and ``COM``,
summed to communes); values are weighted counts (decimals, kept as floats); an empty or ``s``/``nd``
cell stays missing. The .xlsx variant (title rows above the header, sheet ``COM…``) is read too.

Per commune and census year, numerator and denominator of (ratios of the same exploitation):

* ``unemployment_rate``: chômeurs 15–64 ans / actifs 15–64 ans (``P_CHOM1564`` / ``P_ACT1564``);
* ``share_blue_collar``: ouvriers actifs 15–64 ans / actifs 15–64 ans (``C_ACT1564_CS6`` / ``C_ACT1564``);
* ``share_no_diploma``: non-scolarisés de 15 ans ou plus sans diplôme **ou au plus le brevet des collèges**
  (BEPC, DNB) / non-scolarisés de 15 ans ou plus: ``P_NSCOL15P_DIPLMIN + P_NSCOL15P_BEPC`` from RP 2017,
  ``P_NSCOL15P_DIPLMIN`` in RP 2015–2016 (where it includes the brevet), ``_DIPL0 + _CEP + _BEPC`` before —
  the one definition every vintage allows;
* ``share_baccalaureate``: non-scolarisés de 15 ans ou plus titulaires **au moins du baccalauréat** (as the
  FDep): ``_BAC + _SUP2 + _SUP34 + _SUP5`` (RP 2017+), ``_BAC + _SUP`` (2015–2016), ``_BAC + _BACP2 + _SUP`` (before);
* ``share_single_parent_families``: familles monoparentales / familles (``C_FAMMONO`` / ``C_FAM``);
* ``share_80_plus_alone``: personnes de 80 ans ou plus vivant seules / personnes de 80 ans ou plus
  (``P_POP80P_PSEUL`` / ``P_POP80P``).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..formatting import fr_number
from .errors import RawDataError
from .filosofi import arrondissement_parent, check_codes, check_no_duplicates, fail_at, insee_numbers, read_insee_csv
from .workbooks import open_workbook, sheet_table

NO_DIPLOMA_DEFINITION = "sans diplôme ou au plus le brevet des collèges (BEPC, DNB)"
BACCALAUREATE_DEFINITION = "au moins le baccalauréat (ou brevet professionnel, équivalent)"

# indicator → layouts tried in order: (exploitation, numerator stems, denominator stem, stems that must exist)
SCHEMES = {
    "unemployment_rate": [("P", ("CHOM1564",), "ACT1564", ())],
    "share_blue_collar": [("C", ("ACT1564_CS6",), "ACT1564", ())],
    "share_no_diploma": [
        ("P", ("NSCOL15P_DIPLMIN", "NSCOL15P_BEPC"), "NSCOL15P", ("NSCOL15P_SUP2",)),
        ("P", ("NSCOL15P_DIPL0", "NSCOL15P_CEP", "NSCOL15P_BEPC"), "NSCOL15P", ()),
        ("P", ("NSCOL15P_DIPLMIN",), "NSCOL15P", ("NSCOL15P_SUP",)),
    ],
    "share_baccalaureate": [
        ("P", ("NSCOL15P_BAC", "NSCOL15P_SUP2", "NSCOL15P_SUP34", "NSCOL15P_SUP5"), "NSCOL15P", ()),
        ("P", ("NSCOL15P_BAC", "NSCOL15P_BACP2", "NSCOL15P_SUP"), "NSCOL15P", ()),
        ("P", ("NSCOL15P_BAC", "NSCOL15P_SUP"), "NSCOL15P", ()),
    ],
    "share_single_parent_families": [("C", ("FAMMONO",), "FAM", ())],
    "share_80_plus_alone": [("P", ("POP80P_PSEUL",), "POP80P", ())],
}
INDICATORS = list(SCHEMES)
INDICATOR_LABELS = {
    "unemployment_rate": "taux de chômage des 15-64 ans",
    "share_blue_collar": "part des ouvriers parmi les actifs de 15-64 ans",
    "share_no_diploma": f"part des non-scolarisés de 15 ans ou plus {NO_DIPLOMA_DEFINITION}",
    "share_baccalaureate": f"part des non-scolarisés de 15 ans ou plus titulaires d'{BACCALAUREATE_DEFINITION}",
    "share_single_parent_families": "part des familles monoparentales",
    "share_80_plus_alone": "part des 80 ans ou plus vivant seuls",
}
PAIR_COLUMNS = [f"{i}_{part}" for i in INDICATORS for part in ("numerator", "denominator")]
VARIABLE = re.compile(r"^([PC])(\d{2})_(.+)$")
TOLERANCE = 1e-6  # weighted counts: a part may exceed its whole by rounding only


def _variables(header: list[str]) -> dict[tuple[str, int, str], str]:
    """(exploitation, census year, stem) → column name."""
    found = {}
    for column in header:
        if m := VARIABLE.match(column):
            found[(m.group(1), 2000 + int(m.group(2)), m.group(3))] = column
    return found


def _layouts(path: Path, header: list[str]) -> dict[tuple[str, int], tuple[list[str], str]]:
    """(indicator, year) → (numerator columns, denominator column), for every vintage the file allows."""
    variables = _variables(header)
    years = sorted({y for _, y, _ in variables})
    chosen = {}
    for indicator, schemes in SCHEMES.items():
        for year in years:
            for letter, parts, whole, requires in schemes:
                names = [variables.get((letter, year, s)) for s in (*parts, whole, *requires)]
                if all(names):
                    chosen[(indicator, year)] = (names[: len(parts)], names[len(parts)])
                    break
    if not chosen:
        raise RawDataError(
            path,
            "aucune variable attendue (ex. P21_CHOM1564 et P21_ACT1564, P21_NSCOL15P et ses diplômes, "
            "C21_FAM et C21_FAMMONO, P21_POP80P et P21_POP80P_PSEUL) : est-ce bien une base communale "
            "du recensement (activité, diplômes-formation, couples-familles-ménages) ?",
            line=1,
        )
    _check_latest_complete(path, variables, chosen, max(y for _, y in chosen))
    return chosen


def _check_latest_complete(path: Path, variables: dict, chosen: dict, latest: int) -> None:
    """A numerator of the file's latest vintage without its denominator is a damaged file, not a
    missing vintage."""
    for indicator, schemes in SCHEMES.items():
        if (indicator, latest) in chosen:
            continue
        letter, parts, whole, _ = schemes[0]
        if any((letter, latest, s) in variables for s in parts):
            absent = [
                f"{letter}{latest % 100:02d}_{s}" for s in (*parts, whole) if (letter, latest, s) not in variables
            ]
            raise RawDataError(
                path, f"colonne(s) manquante(s) : {', '.join(absent)} ({INDICATOR_LABELS[indicator]})", line=1
            )


def _key_columns(path: Path, header: list[str]) -> list[str]:
    if "CODGEO" in header:
        return ["CODGEO"]
    if {"IRIS", "COM"} <= set(header):
        return ["IRIS", "COM"]
    raise RawDataError(path, "colonne CODGEO (base communale) ou IRIS et COM (base IRIS) introuvable", line=1)


def _read_text_table(path: Path) -> tuple[pd.DataFrame, dict, str | None]:
    """The needed columns as text (index = file line or spreadsheet row), the layouts, and the sheet."""
    if path.suffix.lower() in (".xlsx", ".xls"):
        wb = open_workbook(path)
        try:
            name = next((n for n in wb.sheetnames if n.strip().upper().startswith("COM")), wb.sheetnames[0])
            try:
                df = sheet_table(path, wb, name, ["CODGEO"])
            except RawDataError:
                df = sheet_table(path, wb, name, ["IRIS", "COM"])
        finally:
            wb.close()
        layouts = _layouts(path, list(df.columns))
        _key_columns(path, list(df.columns))
        return df, layouts, name
    state = {}

    def select(header):
        state["layouts"] = _layouts(path, header)
        needed = {c for parts, whole in state["layouts"].values() for c in (*parts, whole)}
        return _key_columns(path, header) + sorted(needed)

    df, _ = read_insee_csv(path, select)
    return df, state["layouts"], None


def _communes(df: pd.DataFrame, path: Path, sheet: str | None) -> pd.Series:
    if "CODGEO" in df:
        codes = check_codes(df, "CODGEO", "COM", path, sheet)
        check_no_duplicates(df.assign(CODGEO=codes), ["CODGEO"], path, "commune", sheet)
        return codes
    check_no_duplicates(df, ["IRIS"], path, "IRIS", sheet)
    return check_codes(df, "COM", "COM", path, sheet)


def _pairs(df: pd.DataFrame, layouts: dict, path: Path, sheet: str | None) -> dict[int, pd.DataFrame]:
    """Year → numerators and denominators on the file's rows, parts checked against their whole."""
    numbers = {
        c: insee_numbers(df, c, path, sheet=sheet)
        for c in sorted({c for parts, whole in layouts.values() for c in (*parts, whole)})
    }
    by_year: dict[int, dict] = {}
    for (indicator, year), (parts, whole) in layouts.items():
        denominator = numbers[whole]
        for part in parts:
            if (bad := numbers[part] > denominator * (1 + 1e-9) + TOLERANCE).any():
                fail_at(
                    path,
                    df,
                    bad,
                    part,
                    f"valeur « {{value}} » supérieure au total {whole} ({INDICATOR_LABELS[indicator]})",
                    sheet,
                )
        numerator = sum(numbers[p] for p in parts)  # NaN when any part is missing
        if (bad := numerator > denominator * (1 + 1e-9) + TOLERANCE).any():
            fail_at(
                path,
                df,
                bad,
                whole,
                f"total « {{value}} » inférieur à la somme {' + '.join(parts)} ({INDICATOR_LABELS[indicator]})",
                sheet,
            )
        by_year.setdefault(year, {})[f"{indicator}_numerator"] = numerator
        by_year[year][f"{indicator}_denominator"] = denominator
    return {year: pd.DataFrame(cols) for year, cols in by_year.items()}


def _strict_sum(values: pd.DataFrame, by: pd.Series) -> pd.DataFrame:
    """Sum by commune; a commune with one missing IRIS value has no total (not a partial one)."""
    sums = values.groupby(by.to_numpy()).sum()
    gaps = values.isna().groupby(by.to_numpy()).any()
    return sums.mask(gaps)


def read_census_base(path: Path) -> pd.DataFrame:
    """One census base → ``commune, year`` and ``<indicator>_numerator, <indicator>_denominator`` for the
    indicators the file gives (one row per commune and census year found in its variables)."""
    path = Path(path)
    df, layouts, sheet = _read_text_table(path)
    communes = _communes(df, path, sheet)
    frames = []
    for year, pairs in _pairs(df, layouts, path, sheet).items():
        if "CODGEO" not in df:
            pairs = _strict_sum(pairs, communes)
            frame = pairs.rename_axis("commune").reset_index()
        else:
            frame = pairs.assign(commune=communes.to_numpy())
        frames.append(frame.assign(year=year))
    out = pd.concat(frames, ignore_index=True)
    out = _drop_covered_arrondissements(out)
    out = out[["commune", "year"] + [c for c in PAIR_COLUMNS if c in out]].sort_values(
        ["year", "commune"], ignore_index=True
    )
    out.attrs["indicators"] = {
        year: sorted({i for i, y in layouts if y == year}, key=INDICATORS.index)
        for year in sorted({y for _, y in layouts})
    }
    out.attrs["vintage"] = max(out.attrs["indicators"])
    out.attrs["iris"] = "CODGEO" not in df
    out.attrs["details"] = [f"{path.name} : " + _summary(out)]
    return out


def _drop_covered_arrondissements(table: pd.DataFrame) -> pd.DataFrame:
    """Arrondissements municipaux whose commune is given too would count Paris, Lyon, Marseille twice."""
    parent = arrondissement_parent(table["commune"])
    present = pd.MultiIndex.from_frame(table[["commune", "year"]])
    covered = parent.notna().to_numpy() & pd.MultiIndex.from_arrays([parent.fillna(""), table["year"]]).isin(present)
    return table[~covered]


def _summary(table: pd.DataFrame) -> str:
    parts = []
    for year, rows in table.groupby("year"):
        given = [i for i in INDICATORS if f"{i}_numerator" in rows and rows[f"{i}_denominator"].notna().any()]
        missing = {i: int((rows[f"{i}_numerator"].isna() | rows[f"{i}_denominator"].isna()).sum()) for i in given}
        gaps = ", ".join(f"{INDICATOR_LABELS[i]} {fr_number(n)}" for i, n in missing.items() if n)
        parts.append(
            f"recensement {year} : {fr_number(len(rows))} communes, {len(given)} indicateur(s)"
            + (f" (sans valeur : {gaps})" if gaps else "")
        )
    return " ; ".join(parts)


def read_census_bases(paths: list[Path]) -> pd.DataFrame:
    """Several census bases → one row per commune and census year with the 12 columns (NaN where no file
    gives an indicator). An indicator given for the same year by two files is taken from the most recent
    base (newest geography), at equal vintage from the commune base rather than the IRIS one (the same
    counts, summed); two bases of the same vintage and kind giving it is an error."""
    paths = [Path(p) for p in sorted(paths)]
    tables = [read_census_base(p) for p in paths]
    rank = [(t.attrs["vintage"], not t.attrs["iris"]) for t in tables]  # newest, then commune base first
    chosen: dict[tuple[str, int], int] = {}  # (indicator, year) → index of the file it is taken from
    for i, table in enumerate(tables):
        for year, indicators in table.attrs["indicators"].items():
            for indicator in indicators:
                j = chosen.get((indicator, year))
                if j is not None and rank[j] == rank[i]:
                    raise RawDataError(
                        paths[i],
                        f"{INDICATOR_LABELS[indicator]} {year} aussi donné(e) par {paths[j].name} "
                        "(même millésime) : n'en gardez qu'un",
                    )
                if j is None or rank[j] < rank[i]:
                    chosen[(indicator, year)] = i
    keys = pd.concat([t[["commune", "year"]] for t in tables]).drop_duplicates()
    out = keys.sort_values(["year", "commune"], ignore_index=True)
    for indicator in INDICATORS:
        cols = [f"{indicator}_numerator", f"{indicator}_denominator"]
        parts = [
            tables[i].loc[tables[i]["year"] == year, ["commune", "year", *cols]]
            for (name, year), i in chosen.items()
            if name == indicator
        ]
        if parts:
            out = out.merge(pd.concat(parts), on=["commune", "year"], how="left")
        else:
            out[cols] = np.nan
    out = out[["commune", "year", *PAIR_COLUMNS]]
    out.attrs["details"] = [d for t in tables for d in t.attrs["details"]] + [
        f"{INDICATOR_LABELS[name]} {year} : {paths[i].name}" for (name, year), i in sorted(chosen.items())
    ]
    return out


def source_kind(columns) -> str | None:
    """The SOURCE_INFO key of a census base from its header columns, whatever the vintage."""
    columns = list(columns)
    return next(
        (k["key"] for k in SOURCE_INFO if all(any(fnmatch.fnmatchcase(c, h) for c in columns) for h in k["header"])),
        None,
    )


READER = "diagnostics.sources.census_bases.read_census_bases"
_Y = "[0-9][0-9][0-9][0-9]"
SOURCE_INFO = [
    {
        "key": "census_activity",
        "label": "Recensement : activité des résidents (base communale emploi - population active)",
        "publisher": "Insee, recensement de la population, « Emploi - population active » "
        "(base-cc-emploi-pop-active-AAAA_csv.zip) "
        "ou « Activité des résidents » par IRIS (base-ic-activite-residents-AAAA_csv.zip)",
        "use": "taux de chômage des 15-64 ans, part des ouvriers parmi les actifs ; indice FDep",
        "patterns": (
            f"base-cc-emploi-pop-active-{_Y}.csv",
            f"base-cc-emploi-pop-active-{_Y}_v[0-9].csv",
            f"base-cc-emploi-pop-active-{_Y}.xlsx",
            f"base-ic-activite-residents-{_Y}.csv",
        ),
        "header": ("P[0-9][0-9]_ACT1564", "P[0-9][0-9]_CHOM1564", "C[0-9][0-9]_ACT1564_CS6"),
        "reader": READER,
    },
    {
        "key": "census_diplomas",
        "label": "Recensement : diplômes - formation (base communale)",
        "publisher": "Insee, recensement de la population, « Diplômes - formation » "
        "(base-cc-diplomes-formation-AAAA_csv.zip ; "
        "IRIS : base-ic-diplomes-formation-AAAA_csv.zip)",
        "use": "part des non-scolarisés de 15 ans ou plus sans diplôme (au plus le brevet) et avec au moins le "
        "baccalauréat ; indice FDep",
        "patterns": (
            f"base-cc-diplomes-formation-{_Y}.csv",
            f"base-cc-diplomes-formation-{_Y}.xlsx",
            f"base-ic-diplomes-formation-{_Y}.csv",
        ),
        "header": ("P[0-9][0-9]_NSCOL15P", "P[0-9][0-9]_NSCOL15P_BAC"),
        "reader": READER,
    },
    {
        "key": "census_families",
        "label": "Recensement : couples - familles - ménages (base communale)",
        "publisher": "Insee, recensement de la population, « Couples - familles - ménages » "
        "(base-cc-coupl-fam-men-AAAA_csv.zip ; "
        "IRIS : base-ic-couples-familles-menages-AAAA_csv.zip)",
        "use": "part des familles monoparentales, part des 80 ans ou plus vivant seuls",
        "patterns": (
            f"base-cc-coupl-fam-men-{_Y}.csv",
            f"base-cc-coupl-fam-men-{_Y}.xlsx",
            f"base-ic-couples-familles-menages-{_Y}.csv",
        ),
        "header": ("C[0-9][0-9]_FAM", "C[0-9][0-9]_FAMMONO", "P[0-9][0-9]_POP80P_PSEUL"),
        "reader": READER,
    },
]
