"""run_all.py on two territories into a temporary folder: the reports a CTS would receive."""

import re
import subprocess
import sys
from html.parser import HTMLParser

import pandas as pd
import pytest
from report_text import table_column

from diagnostics import config
from diagnostics.formatting import parse_fr_number

TERRITORIES = ["CLS-VALLONS", "TS-SUD"]
SECTIONS = [
    "Synthèse",
    "Population",
    "Mortalité",
    "Espérance de vie",  # issue 17
    "Causes de décès",  # issue 17
    "Précarité : Complémentaire santé solidaire",
    "Consommation de soins",
    "Équipement médico-social",
    "Offre de soins de premier recours",
    "Contexte social et inégalités de santé",  # issue 19
    "Le territoire dans sa région",
    "Méthodes et sources",
]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.alts, self.refs, self.h2 = [], [], [], []
        self._in_h2 = self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._in_h2 = tag == "h2"
        self._in_style = tag == "style"
        if "alt" in a:
            self.alts.append(a["alt"])
        for key in ("src", "href"):
            if key in a:
                self.refs.append(a[key])

    def handle_endtag(self, tag):
        self._in_h2 = False if tag == "h2" else self._in_h2
        self._in_style = False if tag == "style" else self._in_style

    def handle_data(self, data):
        if self._in_style:
            return
        self.text.append(data)
        if self._in_h2:
            self.h2.append(data.strip())


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    processed = tmp_path_factory.mktemp("processed")
    proc = subprocess.run(
        [
            sys.executable,
            str(config.PROJECT_ROOT / "run_all.py"),
            *TERRITORIES,
            "--output",
            str(out),
            "--processed",
            str(processed),
            "--jobs",
            "2",
            "--keep-notebooks",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return proc, out, processed


def _parse(path):
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.mark.slow
def test_the_regional_overview_is_written_and_linked(batch):
    _, out, _ = batch
    page = (out / "synthese_regionale.html").read_text(encoding="utf-8")
    for heading in (
        "Tous les territoires, tous les indicateurs",
        "Classements, avec leurs intervalles de confiance",
        "La mortalité selon la taille des territoires",
        "Typologie des territoires",
        "Méthodes",
    ):
        assert heading in page
    assert 'href="synthese_regionale.html"' in (out / "index.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "http" not in page.split("<body", 1)[1].replace("http://www.w3.org", "")


@pytest.mark.slow
def test_territories_under_contract_have_their_follow_up(batch):
    _, out, _ = batch
    text = " ".join(_parse(out / "CLS-VALLONS.html").text)
    assert "Suivi des objectifs" in text and "Contrat local de santé (CLS), en cours d'élaboration." in text
    overview = " ".join(_parse(out / "synthese_regionale.html").text)
    assert (
        "État des contrats territoriaux" in overview
        and "signé : 2 ; en cours d'élaboration : 1 ; intention : 1 ; échu : 1" in overview
    )


@pytest.mark.slow
def test_batch_succeeds_and_writes_every_file(batch):
    proc, out, _ = batch
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "2 rapport(s) écrit(s)" in proc.stdout
    for code in TERRITORIES:
        assert (out / f"{code}.html").stat().st_size > 50_000
        assert (out / f"{code}.csv").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="CLS-VALLONS.html"' in index and 'href="TS-SUD.csv"' in index
    assert not list(out.glob(".*.tmp")), "temporary files left behind"
    kept = sorted(p.name for p in (out / "_notebooks").glob("*.ipynb"))
    assert kept == sorted([f"{c}.ipynb" for c in TERRITORIES] + ["synthese_regionale.ipynb"])  # --keep-notebooks


@pytest.mark.slow
def test_report_has_every_section_and_no_code(batch):
    _, out, _ = batch
    html_text = (out / "CLS-VALLONS.html").read_text(encoding="utf-8")
    parsed = _parse(out / "CLS-VALLONS.html")
    assert parsed.h2 == SECTIONS[:-1] + ["Suivi des objectifs", SECTIONS[-1]]  # CLS-VALLONS has a contract
    assert _parse(out / "TS-SUD.html").h2 == SECTIONS[:-1] + [
        "Suivi des objectifs",
        SECTIONS[-1],
    ]  # a CLSM in intention
    assert "CLS des Hauts-Vallons" in " ".join(parsed.text)
    for code_marker in ("import ", "display(HTML", "load_territory(", "territory = ", "Traceback"):
        assert code_marker not in html_text
    assert 'class="input' not in html_text and "jp-InputArea" not in html_text


@pytest.mark.slow
def test_report_loads_nothing_from_the_network(batch):
    _, out, _ = batch
    for code in TERRITORIES:
        parsed = _parse(out / f"{code}.html")
        external = [
            r for r in parsed.refs if not (r.startswith(("data:", "#")) or re.match(r"^[\w.-]+\.(html|csv)$", r))
        ]
        assert external == []
        text = (out / f"{code}.html").read_text(encoding="utf-8")
        assert "require.js" not in text and "mathjax" not in text.lower() and "<script" not in text


@pytest.mark.slow
def test_key_figures_in_html_equal_indicators_parquet(batch):
    _, out, processed = batch
    ind = pd.read_parquet(processed / "indicators.parquet")
    text = " ".join(_parse(out / "TS-SUD.html").text)
    for indicator in ("mortality_icm", "premature_mortality_icm"):
        row = ind[(ind.territory_code == "TS-SUD") & (ind.indicator == indicator) & (ind.sex == "ensemble")].iloc[0]
        m = re.search(
            r"ICM (\d+) \[(\d+)\s–\s(\d+)\]",
            text[text.index("mortalité générale" if indicator == "mortality_icm" else "mortalité prématurée") :],
        )
        assert m, indicator
        assert [int(x) for x in m.groups()] == [round(row.value), round(row.ci_low), round(row.ci_high)]
    css = ind[(ind.territory_code == "TS-SUD") & (ind.indicator == "css_rate")].sort_values("period").iloc[-1]
    expected = f"{css.value:.1f}".replace(".", ",") + "\u00a0%"
    assert expected in text


@pytest.mark.slow
def test_csv_holds_the_report_figures(batch):
    _, out, processed = batch
    csv = pd.read_csv(out / "TS-SUD.csv", sep=";", decimal=",", encoding="utf-8-sig", dtype={"effectif": str})
    ind = pd.read_parquet(processed / "indicators.parquet")
    row = ind[(ind.territory_code == "TS-SUD") & (ind.indicator == "mortality_icm") & (ind.sex == "ensemble")].iloc[0]
    got = csv[(csv.indicateur == "mortality_icm") & (csv.sexe == "ensemble")].iloc[0]
    assert got.valeur == round(row.value)
    assert got.ic95_bas == round(row.ci_low) and got.ic95_haut == round(row.ci_high)
    assert got.effectif == str(int(row.numerator))
    assert set(csv.indicateur) >= {"mortality_dsr", "css_rate", "care_spending_per_capita", "equipment_elderly_rate"}


@pytest.mark.slow
def test_no_small_count_is_published(batch):
    """Every count of 1–10 in indicators.parquet must be absent from the CSV and masked in HTML."""
    _, out, processed = batch
    ind = pd.read_parquet(processed / "indicators.parquet")
    for code in TERRITORIES:
        csv = pd.read_csv(out / f"{code}.csv", sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
        small = ind[(ind.territory_code == code) & ind.small_count]
        masked = csv[csv.secret_statistique.notna()]
        assert len(masked) == len(small)
        if code == "CLS-VALLONS":
            assert len(small) >= 6, "the tiny CLS must exercise the rule"
            text = " ".join(_parse(out / f"{code}.html").text)
            assert "non calculable (effectif trop faible)" in text
        assert set(masked.effectif) <= {"<\u00a011"}
        assert masked.valeur.isna().all() and masked.ic95_bas.isna().all()
        numbers = pd.to_numeric(csv.effectif.str.replace(",", "."), errors="coerce").dropna()
        assert not ((numbers > 0) & (numbers < 11)).any()


@pytest.mark.slow
def test_failing_territory_is_reported_and_others_built(tmp_path, demo_processed):
    from diagnostics.pipeline.worker import build_report

    bad_nb = tmp_path / "broken.ipynb"
    src = config.REPORT_NOTEBOOK.read_text(encoding="utf-8")
    bad_nb.write_text(
        src.replace(
            "t = load_territory(territory, processed_dir)",
            't = load_territory(territory, processed_dir)\\n",\n    "1 / 0',
        ),
        encoding="utf-8",
    )
    outcome = build_report("TS-SUD", str(demo_processed), str(tmp_path / "out"), False, "01/01/2026", str(bad_nb))
    assert not outcome.ok
    assert "ZeroDivisionError" in outcome.error and "cellule" in outcome.error
    assert outcome.debug_notebook and (tmp_path / "out" / "_notebooks" / "TS-SUD.ipynb").exists()
    assert not (tmp_path / "out" / "TS-SUD.html").exists()


def test_help_documents_the_options():
    proc = subprocess.run(
        [sys.executable, str(config.PROJECT_ROOT / "run_all.py"), "--help"], capture_output=True, text=True
    )
    for option in ("--jobs", "--output", "--raw", "--keep-notebooks", "TERRITOIRE"):
        assert option in proc.stdout


@pytest.mark.slow
def test_html_count_cells_never_show_a_small_count(batch):
    _, out, _ = batch
    cells = table_column((out / "CLS-VALLONS.html").read_text(encoding="utf-8"), "Effectif")
    assert "<\u00a011" in cells  # the masked counts are there, as « < 11 »
    numbers = [parse_fr_number(c) for c in cells if c and not c.startswith("<")]
    assert numbers and not any(0 < n < 11 for n in numbers)


@pytest.mark.slow
def test_bad_raw_file_stops_before_writing_anything(tmp_path, raw_copy):
    deaths = next((raw_copy / "deces").glob("*.csv"))
    lines = deaths.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].rsplit(";", 1)[0] + ";quatre"
    deaths.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, processed = tmp_path / "reports", tmp_path / "processed"
    out.mkdir()
    processed.mkdir()
    (out / "previous.html").write_text("ancien rapport")
    (processed / "indicators.parquet").write_bytes(b"previous")
    proc = subprocess.run(
        [
            sys.executable,
            str(config.PROJECT_ROOT / "run_all.py"),
            "--raw",
            str(raw_copy),
            "--output",
            str(out),
            "--processed",
            str(processed),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert f"{deaths}, ligne 5, colonne « deces » : valeur « quatre » : un entier positif ou nul attendu" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["previous.html"]
    assert (processed / "indicators.parquet").read_bytes() == b"previous"
    assert sorted(p.name for p in processed.iterdir()) == ["indicators.parquet"]


@pytest.mark.slow
def test_unknown_territory_is_refused(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(config.PROJECT_ROOT / "run_all.py"),
            "NOWHERE",
            "--output",
            str(tmp_path / "o"),
            "--processed",
            str(tmp_path / "p"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    assert "territoire(s) inconnu(s) : NOWHERE" in proc.stderr and "CLS-VALLONS" in proc.stderr


@pytest.mark.slow
def test_every_figure_has_alt_text_and_caption_and_the_synthesis_agrees_with_the_table(batch):
    from diagnostics.reporting.readings import judgement

    _, out, processed = batch
    text = (out / "TS-SUD.html").read_text(encoding="utf-8")
    parsed = _parse(out / "TS-SUD.html")
    figures = text.count("<figure")
    assert figures >= 10 and figures == len(parsed.alts) == text.count("<figcaption>")
    assert all(len(a) > 40 for a in parsed.alts)
    ind = pd.read_parquet(processed / "indicators.parquet")
    spine = next(a for a in parsed.alts if a.startswith("Graphique de synthèse"))
    words = {
        "pire": "significativement pire que la France",
        "meilleur": "significativement meilleur que la France",
        "similaire": "pas de différence significative",
        "non testé": "non testé (données exhaustives)",
    }
    for indicator, label, higher in (
        ("mortality_icm", "Indice comparatif de mortalité (ICM)", "worse"),
        ("css_rate", "Bénéficiaires de la CSS (ex CMU-C)", "worse"),
        ("care_spending_index", "Indice de dépense à âge égal", "neither"),
    ):
        row = (
            ind[
                (ind.territory_code == "TS-SUD")
                & (ind.indicator == indicator)
                & (ind.sex == "ensemble")
                & (ind.category == "total")
            ]
            .sort_values("period")
            .iloc[-1]
        )
        part = spine[spine.index(label + " :") :].split(" ; ")[0]
        assert part.endswith(words[judgement(row.sig_france, higher)]), part
    assert "Carte des territoires de santé de la région" in text  # the map, with its alt text


@pytest.mark.slow
def test_index_colours_each_headline_by_its_significance(batch):
    from diagnostics.reporting.readings import judgement

    _, out, processed = batch
    text = (out / "index.html").read_text(encoding="utf-8")
    ind = pd.read_parquet(processed / "indicators.parquet")
    row = ind[(ind.territory_code == "TS-SUD") & (ind.indicator == "mortality_icm") & (ind.sex == "ensemble")].iloc[0]
    tr = text[text.index('href="TS-SUD.html"') :]
    tr = tr[: tr.index("</tr>")]
    verdict = judgement(row.sig_france, "worse")
    assert f'class="sig-{verdict}"' in tr and f'data-sort="{row.value:.6g}"' in tr
    assert (
        text.count("<tr>")
        == 1
        + ind.merge(pd.read_parquet(processed / "territories.parquet").query("reported"), on="territory_code")[
            "territory_code"
        ].nunique()
    )
    assert "<h2>Cartes</h2>" in text and "Carte des départements de la région" in text
