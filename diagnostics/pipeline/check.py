"""``run_all.py --check``: every raw file recognised, validated and described; nothing is built."""

from __future__ import annotations

import sys
from pathlib import Path

from diagnostics.formatting import fr_number
from diagnostics.indicators.declared import declarations
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.pipeline.processing import processed_tables
from diagnostics.sources.assemble import read_all, unknown_files_message
from diagnostics.sources.catalog import BY_KEY
from diagnostics.sources.declared_files import declared_files, read_declared_file
from diagnostics.sources.errors import RawDataError
from diagnostics.sources.social_context import describe_deprivation  # issue 19
from diagnostics.sources.tables import collected_warnings


def check_raw_folder(raw_dir: Path, options: dict, out=sys.stdout) -> int:
    """Print the check of ``raw_dir``; 0 when the folder can be built, 2 otherwise."""
    try:
        results, checks, unknown, manifest = read_all(raw_dir, options, check=True, indicators=indicator_metadata())
    except RawDataError as exc:
        print(f"[ERREUR] {exc}", file=out)
        return 2
    problems = 0
    print(f"Vérification de {raw_dir}", file=out)
    for c in checks:
        label = BY_KEY[c.source].label
        status = "ERREUR" if c.error else "ok"
        print(f"\n[{status}] {c.path.name if c.path.is_file() else c.path} — {label}", file=out)
        if c.rows:
            print(f"    {fr_number(c.rows)} lignes", file=out)
        for d in c.details:
            print(f"    {d}", file=out)
        for w in c.warnings:
            print(f"    attention : {w}", file=out)
        if c.error:
            problems += 1
            print(f"    {c.error}", file=out)
    for d in declarations():  # the raw files of the declared indicators are theirs, not unknown
        files = declared_files(raw_dir, d.raw_file)
        unknown = [u for u in unknown if u not in files]
        if files:
            try:
                rows = len(read_declared_file(files[-1], d.id, d.columns, bool(d.meta["count_based"])))
                print(
                    f"\n[ok] {files[-1].name} — indicateur déclaré « {d.meta['label']} »\n    {fr_number(rows)} lignes",
                    file=out,
                )
            except RawDataError as exc:
                problems += 1
                print(f"\n[ERREUR] {files[-1].name} — indicateur déclaré « {d.meta['label']} »\n    {exc}", file=out)
    if unknown:
        problems += 1
        print("\n[ERREUR] " + unknown_files_message(unknown), file=out)
    if not problems:
        try:  # everything the build computes, so that a folder that passes the check builds
            with collected_warnings() as warnings:
                tables = processed_tables(Path(raw_dir), results, manifest.options)
        except RawDataError as exc:
            named = exc.path.is_file() and Path(raw_dir).resolve() in exc.path.resolve().parents
            print(f"\n[ERREUR] {exc}" if named else f"\n[ERREUR] ensemble des fichiers : {exc.problem}", file=out)
            return 2
        except ValueError as exc:  # as the build reports it (batch.run)
            print(f"\n[ERREUR] ensemble des fichiers : {exc}", file=out)
            return 2
        terr = tables["territory_definitions"]
        sources = tables["sources"].iloc[0]
        by_departement = sources["spending_level"] == "département"
        print(
            f"\nEnsemble : {terr['territory_code'].nunique()} territoire(s) à produire, "
            f"{tables['communes']['commune'].nunique()} communes de la région, "
            f"population {tables['population']['year'].min()}–{tables['population']['year'].max()} "
            f"({sources['population_source']}), décès "
            f"{tables['deaths']['year'].min()}–{tables['deaths']['year'].max()} "
            f"(au {sources['deaths_basis']}), dépenses de soins par {sources['spending_level']}"
            + (" (valeur départementale pour les territoires infra-départementaux)" if by_departement else "")
            + ".",
            file=out,
        )
        if social := describe_deprivation(tables["deprivation_model"]):  # issue 19
            print(f"    {social}", file=out)
        for w in warnings:
            print(f"    attention : {w}", file=out)
        print("Aucun problème : la construction peut être lancée (sans --check).", file=out)
        return 0
    print(f"\n{problems} problème(s) : corrigez-les puis relancez avec --check.", file=out)
    return 2
