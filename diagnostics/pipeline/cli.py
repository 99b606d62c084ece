"""``run_all.py``'s command line: options, stop signals, exit codes."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from diagnostics import config
from diagnostics.pipeline.batch import run


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="run_all.py",
        description="Produit le diagnostic territorial de santé (HTML + CSV) de chaque territoire, "
        "et la page d'index, à partir des fichiers bruts.",
    )
    p.add_argument(
        "territories",
        nargs="*",
        metavar="TERRITOIRE",
        help="codes des territoires à produire (par défaut : tous ceux du fichier territoires.csv)",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="nombre de rapports produits en parallèle (par défaut : tous les cœurs, %(default)s ici)",
    )
    p.add_argument(
        "-o", "--output", type=Path, default=config.REPORTS_DIR, help="dossier des rapports (par défaut : %(default)s)"
    )
    p.add_argument(
        "--raw",
        type=Path,
        default=config.DEMO_RAW_DIR,
        help="dossier des fichiers bruts (par défaut : la région de démonstration, %(default)s)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="reconnaître et vérifier chaque fichier brut (lignes, années, couverture, totaux, problèmes) "
        "sans rien construire",
    )
    p.add_argument(
        "--region",
        help="code Insee de la région des rapports quand les fichiers couvrent toute la France "
        "(sinon : option region de sources.toml, ou région des territoires définis)",
    )
    p.add_argument(
        "--processed",
        type=Path,
        default=config.PROCESSED_DIR,
        help="dossier des tables produites (par défaut : %(default)s)",
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HÔTE:PORT",
        help="produire les rapports sur une grappe Dask distributed existante (ordonnanceur à cette adresse ; "
        "le projet installé sur les workers suffit, sans dossier partagé) ; par défaut : les cœurs de cette machine",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="reconstruire tous les rapports, même ceux déjà à jour (mêmes données, notebook, modèle et paramètres)",
    )
    p.add_argument(
        "--keep-notebooks",
        action="store_true",
        help="conserver les notebooks exécutés (dans <sortie>/_notebooks) pour le débogage ; "
        "ceux des territoires en échec sont toujours conservés",
    )
    p.add_argument(
        "--standard",
        choices=["france", "esp2013"],
        default=None,
        help="population standard des taux standardisés (par défaut : option standard de sources.toml, sinon france)",
    )
    p.add_argument(
        "--threshold",
        type=int,
        default=None,
        help="seuil du secret statistique : effectifs de 1 à seuil − 1 masqués "
        f"(par défaut : option threshold de sources.toml, sinon {config.DISCLOSURE_THRESHOLD})",
    )
    p.add_argument(
        "--communes",
        nargs="+",
        metavar="COMMUNES",
        help="un périmètre à la demande : codes Insee des communes séparés par des virgules, ou raccourcis "
        "EPCI:<siren>, DEP:<code>, BV:<code> ; son rapport seul est produit (avec --nom), à partir des tables "
        "produites, sans reconstruire les autres territoires ni l'index",
    )
    p.add_argument("--nom", help="nom du périmètre à la demande (nomme aussi ses fichiers)")
    p.add_argument(
        "--comparer",
        nargs="+",
        metavar="NOM=COMMUNES",
        help="comparer de 2 à 6 périmètres candidats (« Nom A=96001,96002 » « Nom B=EPCI:… ») : une page "
        "comparaison-….html, à partir des tables produites",
    )
    args = p.parse_args(argv)
    if args.nom is not None and args.communes is None:
        p.error("--nom accompagne --communes")
    if args.jobs < 1:
        p.error("--jobs doit être au moins 1")
    if args.threshold is not None and args.threshold < 1:
        p.error("--threshold doit être au moins 1")
    # absolute: the notebooks run from their own folder
    args.output, args.raw, args.processed = (Path(f).absolute() for f in (args.output, args.raw, args.processed))
    return args


class Stopped(KeyboardInterrupt):
    """SIGTERM (or SIGINT) received: the batch stops as after Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__()
        self.signal = signum


@contextlib.contextmanager
def stop_signals_as_interrupt():
    """SIGTERM handled like Ctrl-C (by default it kills the process on the spot, leaving temporary
    files and workers behind)."""

    def stop(signum, _frame):
        raise Stopped(signum)

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def main(argv=None) -> int:
    args = parse_args(argv)
    with stop_signals_as_interrupt():
        try:
            if args.comparer is not None:
                from diagnostics.pipeline.perimeter import run_comparison

                return run_comparison(args)
            if args.communes is not None:
                from diagnostics.pipeline.perimeter import run_perimeter

                return run_perimeter(args)
            return run(args)
        except KeyboardInterrupt as stop:  # while reading the raw files or writing the tables
            print(
                f"\nInterrompu avant la production des rapports : {args.output} inchangé ; {args.processed} contient "
                "l'ancien jeu de tables ou le nouveau, complet.",
                file=sys.stderr,
            )
            return 128 + getattr(stop, "signal", signal.SIGINT)
