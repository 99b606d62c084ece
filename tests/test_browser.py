"""Every demo report, the index and the regional overview, opened in Debian's chromium (headless, driven by Playwright):
no console error, no request leaving the file, every image loaded, no horizontal scroll on a
375 px phone, a full-page screenshot of each kept in the test's temporary folder."""

import os
import shutil
import subprocess
import sys
import time

import pytest

from diagnostics import config

pytestmark = pytest.mark.slow  # runs the batch or a Jupyter kernel

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError(
            "chromium absent : `make test` l'installe (apt-get) ; les tests navigateur ne sont pas facultatifs en CI"
        )
    pytest.skip("chromium absent (make browser l'installe)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

PAGE_CHECKS = """() => ({
  images: Array.from(document.images).map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0})),
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  h2: Array.from(document.querySelectorAll("h2")).map(h => h.textContent.replace("¶", "").trim()),
})"""


@pytest.fixture(scope="module")
def all_reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    proc = subprocess.run(
        [
            sys.executable,
            str(config.PROJECT_ROOT / "run_all.py"),
            "--output",
            str(out),
            "--processed",
            str(tmp_path_factory.mktemp("processed")),
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _open(browser, path, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems, outside = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    started = time.perf_counter()
    page.goto(path.as_uri(), wait_until="load")
    return page, problems, outside, time.perf_counter() - started


def test_every_report_and_the_index_render_offline_on_desktop_and_phone(all_reports, browser, tmp_path):
    pages = sorted(all_reports.glob("*.html"))
    assert len(pages) == 15  # 13 demo territories, the index and the regional overview
    timings = []
    for path in pages:
        for width in (1280, 375):
            page, problems, outside, seconds = _open(browser, path, width)
            checks = page.evaluate(PAGE_CHECKS)
            page.screenshot(path=str(tmp_path / f"{path.stem}-{width}.png"), full_page=True)
            page.close()
            assert problems == [], (path.name, width, problems)
            assert outside == [], (path.name, width, outside)
            assert checks["images"] and all(i["ok"] for i in checks["images"]), (
                path.name,
                [i for i in checks["images"] if not i["ok"]],
            )
            assert all(i["alt"].strip() for i in checks["images"]), path.name
            assert checks["scrollWidth"] <= checks["innerWidth"], (path.name, width, checks["scrollWidth"])
            if path.name == "synthese_regionale.html":
                assert (
                    checks["h2"][0] == "Tous les territoires, tous les indicateurs" and checks["h2"][-1] == "Méthodes"
                ), checks["h2"]
            elif path.name != "index.html":
                assert checks["h2"][0] == "Synthèse" and checks["h2"][-1] == "Méthodes et sources", checks["h2"]
            timings.append((seconds, path.name, width))
    slowest = max(timings)
    print(f"\nslowest load: {slowest[1]} at {slowest[2]} px in {slowest[0]:.2f} s; screenshots in {tmp_path}")
    assert (tmp_path / "TS-SUD-375.png").stat().st_size > 50_000


def test_index_sorts_by_a_column_in_the_browser(all_reports, browser):
    page, problems, _, _ = _open(browser, all_reports / "index.html", 1280)
    first_column = (
        "Array.from(document.querySelectorAll('table.sortable tbody tr'))"
        ".map(r => r.cells[4].getAttribute('data-sort'))"
    )
    page.get_by_role("button", name="ICM (France = 100)").click()
    values = [float(v) for v in page.evaluate(first_column) if v]
    assert values == sorted(values) and len(values) >= 12
    page.get_by_role("button", name="ICM (France = 100)").click()
    values = [float(v) for v in page.evaluate(first_column) if v]
    assert values == sorted(values, reverse=True)
    assert page.locator("th[aria-sort='descending']").count() == 1
    assert problems == []
    page.close()
