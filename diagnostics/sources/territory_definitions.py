"""Territory definitions: the plain file an epidemiologist edits (``territoires.csv``).

Layout: ``code;nom;type;communes``. ``communes`` lists INSEE commune codes separated by spaces,
and may use shorthands: ``DEP:961`` (every commune of a département), ``EPCI:200096001``
(every member commune of an EPCI). A commune may belong to several territories. ``type`` is one of
:data:`TERRITORY_TYPES` (or its abbreviation, any case), or a type declared in ``sources.toml``
(``territory_types = [...]``): a typo would otherwise become a kind of territory of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .errors import RawDataError
from .tables import check_commune_codes, check_unique, first_bad, read_delimited

COLUMNS = ["code", "nom", "type", "communes"]
# A territory's code names its report file: no path separator, no leading dot, nothing a shell or a
# browser would read otherwise.
SAFE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")
RESERVED_CODES = {"index", "synthese_regionale"}  # pages of the reports folder that are not a territory's
TERRITORY_TYPES = (
    "département",
    "territoire de santé",
    "territoire de démocratie sanitaire",
    "territoire de proximité",
    "EPCI",
    "contrat local de santé",
    "contrat local de santé mentale",
    "atelier santé ville",
    "quartier prioritaire de la politique de la ville",
    "territoire de projet",
    "bassin de vie",
    "zone d'emploi",
    "territoire",
)
TYPE_ABBREVIATIONS = {
    "CLS": "contrat local de santé",
    "CLSM": "contrat local de santé mentale",
    "ASV": "atelier santé ville",
    "QPV": "quartier prioritaire de la politique de la ville",
}
DEFAULT_TYPE = "territoire"


def territory_types(path: Path, column: pd.Series, declared=(), default: str = DEFAULT_TYPE) -> pd.Series:
    """The ``type`` column in the spelling of :data:`TERRITORY_TYPES` (or as declared in sources.toml);
    an empty type is ``default``; an unknown one is refused with the list of known types."""
    known = {t.casefold(): t for t in (*TERRITORY_TYPES, *declared)}
    known |= {a.casefold(): t for a, t in TYPE_ABBREVIATIONS.items()}
    types = column.replace("", default).map(lambda t: known.get(t.casefold()))
    if types.isna().any():
        line = first_bad(types.isna())
        raise RawDataError(
            path,
            f"type de territoire « {column.iloc[line - 2]} » inconnu ; types connus : "
            f"{', '.join(TERRITORY_TYPES)} (ou {', '.join(TYPE_ABBREVIATIONS)}) ; un autre type se déclare "
            f'dans sources.toml : territory_types = ["{column.iloc[line - 2]}"]',
            line=line,
            column="type",
        )
    return types


def check_territory_codes(df: pd.DataFrame, column: str, path: Path) -> None:
    bad = ~df[column].str.match(SAFE_CODE) | df[column].str.lower().isin(RESERVED_CODES)
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(
            path,
            f"code de territoire « {df[column].iloc[line - 2]} » inutilisable comme nom de fichier "
            "(attendu : lettres sans accent, chiffres, - _ . ; 81 caractères au plus ; ni "
            f"{' ni '.join(sorted(RESERVED_CODES))})",
            line=line,
            column=column,
        )


# shorthand → the communes' column; BV and ZE where the communes have them (bassins de vie, zones d'emploi)
SHORTHANDS = {"DEP": "departement_code", "EPCI": "epci_code", "BV": "bassin_de_vie", "ZE": "zone_emploi"}


def expand_member(token: str, communes: pd.DataFrame) -> list[str] | None:
    """The communes a token names (a commune code, ``DEP:``, ``EPCI:``, ``BV:``, ``ZE:``), or None when it
    names none; ``communes`` is indexed by commune code."""
    return _expand(token, communes)


def _expand(token: str, communes: pd.DataFrame) -> list[str] | None:
    kind, _, value = token.partition(":")
    if not value:
        return [token] if token in communes.index else None
    column = SHORTHANDS.get(kind.upper())
    if column is None or column not in communes:
        return None
    members = communes.index[communes[column] == value].tolist()
    return members or None


def read_territory_definitions(path: Path, communes: pd.DataFrame, declared_types=()) -> pd.DataFrame:
    """territory_code, territory_name, kind, commune — one row per member commune."""
    df = read_delimited(path, COLUMNS)
    check_unique(df, ["code"], path)
    check_territory_codes(df, "code", path)
    df["type"] = territory_types(path, df["type"], declared_types)
    known = communes.set_index("commune")
    rows = []
    for i, r in df.iterrows():
        line = int(i) + 2
        if not r["code"] or not r["nom"]:
            raise RawDataError(path, "code et nom du territoire obligatoires", line=line)
        members: list[str] = []
        for token in r["communes"].split():
            expanded = _expand(token, known)
            if expanded is None:
                raise RawDataError(
                    path,
                    f"territoire « {r['code']} » : « {token} » n'est ni une commune connue de la table "
                    "d'appartenance, ni un raccourci DEP:<code> ou EPCI:<siren> valide",
                    line=line,
                    column="communes",
                )
            members += expanded
        if not members:
            raise RawDataError(path, f"territoire « {r['code']} » : aucune commune", line=line, column="communes")
        duplicated = sorted({c for c in members if members.count(c) > 1})
        if duplicated:
            raise RawDataError(
                path,
                f"territoire « {r['code']} » : commune(s) citée(s) deux fois : {', '.join(duplicated)}",
                line=line,
                column="communes",
            )
        rows += [(r["code"], r["nom"], r["type"], c) for c in members]
    return pd.DataFrame(rows, columns=["territory_code", "territory_name", "kind", "commune"])


MAPPING_COLUMNS = ["commune", "code_territoire", "nom_territoire"]


def read_commune_territory_mapping(path: Path, communes: pd.DataFrame, declared_types=()) -> pd.DataFrame:
    """An ARS mapping commune → territoire (de santé, de démocratie sanitaire, de proximité):
    ``commune;code_territoire;nom_territoire[;type]``, one row per commune. Same output as
    :func:`read_territory_definitions`."""
    df = read_delimited(path, MAPPING_COLUMNS, optional=["type"])
    df["commune"] = df["commune"].where(~df["commune"].str.fullmatch(r"\d{4}"), df["commune"].str.zfill(5))
    check_commune_codes(df, "commune", path)
    check_unique(df, ["commune", "code_territoire"], path)
    check_territory_codes(df, "code_territoire", path)
    unknown = ~df["commune"].isin(set(communes["commune"]))
    if unknown.any():
        line = first_bad(unknown)
        raise RawDataError(
            path,
            f"commune « {df['commune'].iloc[line - 2]} » absente de la table d'appartenance",
            line=line,
            column="commune",
        )
    names = df.groupby("code_territoire")["nom_territoire"].nunique()
    if (names > 1).any():
        code = names[names > 1].index[0]
        line = first_bad(df["code_territoire"] == code)
        raise RawDataError(
            path, f"territoire « {code} » : plusieurs noms différents", line=line, column="nom_territoire"
        )
    kind = (
        territory_types(path, df["type"], declared_types, "territoire de santé")
        if "type" in df
        else "territoire de santé"
    )
    return pd.DataFrame(
        {
            "territory_code": df["code_territoire"],
            "territory_name": df["nom_territoire"],
            "kind": kind,
            "commune": df["commune"],
        }
    )
