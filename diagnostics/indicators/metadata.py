"""Indicator metadata (labels, definitions, sources, polarity), read from ``metadata.yaml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from .declared import YAML_LOADER, declarations
from .families import FAMILY_LABELS

METADATA_FILE = Path(__file__).with_name("metadata.yaml")
REQUIRED = [
    "label",
    "family",
    "definition",
    "numerator",
    "denominator",
    "unit",
    "source",
    "method",
    "higher_is",
    "tested",
    "count_based",
    "decimals",
]


# the synthesis chart's indicators (« graphique de synthèse »), in this order, then the declared headlines
HEADLINE_INDICATORS = [
    "mortality_icm",
    "mortality_dsr",
    "premature_mortality_icm",
    "premature_mortality_dsr",
    "css_rate",
    "share_75_plus",
    "care_spending_per_capita",
    "care_spending_index",
    "equipment_elderly_rate",
    "equipment_disabled_children_rate",
    "equipment_disabled_adults_rate",
    # health status (issue 17)
    "life_expectancy_0",
    "avoidable_mortality_dsr",
    "cause_icm_cardio_neuro_vascular",
    # offre de soins de premier recours (issue 18)
    "density_general_practitioners",
    "gp_accessibility",
    # social context (issue 19)
    "unemployment_rate",
    "poverty_rate",
]


def headline_indicators() -> list[str]:
    return HEADLINE_INDICATORS + [d.id for d in declarations() if d.headline]


@cache
def indicator_metadata(path: Path = METADATA_FILE) -> dict[str, dict]:
    """The package's indicators (``metadata.yaml``) followed by the declared ones (``declared/``)."""
    with open(path, encoding="utf-8") as f:
        meta = yaml.load(f, Loader=YAML_LOADER)
    for d in declarations():
        if d.id in meta:
            raise ValueError(f"{d.path} : l'identifiant « {d.id} » est déjà celui d'un indicateur du paquet")
        meta[d.id] = {**d.meta, "declared": True}
    _check(path, meta)
    return meta


def _check(path: Path, meta: dict) -> None:
    """Each entry complete and valid; an error names the line of the entry or of the faulty field."""
    with open(path, encoding="utf-8") as f:
        root = yaml.compose(f, Loader=YAML_LOADER)
    lines = {
        k.value: (k.start_mark.line + 1, {kk.value: kk.start_mark.line + 1 for kk, _ in v.value})
        for k, v in root.value
        if isinstance(v, yaml.MappingNode)
    }
    for key, entry in meta.items():
        if key not in lines:  # a declared indicator, checked by its own reader
            continue
        line, fields = lines[key]
        unknown = [f for f in entry if f not in REQUIRED]
        if unknown:
            raise ValueError(
                f"{path}, ligne {fields[unknown[0]]} : indicateur « {key} » : champ « {unknown[0]} » inconnu ; "
                f"champs attendus : {', '.join(REQUIRED)}"
            )
        missing = [field for field in REQUIRED if field not in entry]
        if missing:
            raise ValueError(f"{path}, ligne {line} : indicateur « {key} » : champ(s) manquant(s) {', '.join(missing)}")
        if entry["higher_is"] not in ("worse", "better", "neither"):
            raise ValueError(
                f"{path}, ligne {fields['higher_is']} : indicateur « {key} » : higher_is doit valoir worse, "
                "better ou neither"
            )
        if entry["family"] not in FAMILY_LABELS:
            raise ValueError(
                f"{path}, ligne {fields['family']} : indicateur « {key} » : famille inconnue « {entry['family']} »"
            )
