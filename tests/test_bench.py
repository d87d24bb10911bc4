"""The benchmark script (bench/run.py) runs and writes its figures; it is not itself timed.

No test here asserts how fast anything is: benchmarks are not tests."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from conftest import READY, ROOT, run_in_group

SCRIPT = ROOT / "bench" / "run.py"


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_page_weighs_what_it_makes_the_browser_load(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "assets" / "fonts").mkdir(parents=True)
    (site / "lesson").mkdir()
    (site / "assets" / "fonts" / "a.woff2").write_bytes(b"f" * 700)
    (site / "assets" / "main.css").write_text(
        "@font-face{src:url('fonts/a.woff2')} .x{background:url(data:image/png;base64,AAAA)}"
    )
    (site / "assets" / "app.js").write_bytes(b"j" * 300)
    (site / "assets" / "worker.js").write_bytes(b"w" * 50)
    (site / "assets" / "light.svg").write_bytes(b"l" * 40)
    (site / "assets" / "dark.svg").write_bytes(b"d" * 4000)
    (site / "assets" / "unused.js").write_bytes(b"u" * 9000)
    page = site / "lesson" / "index.html"
    page.write_text(
        '<link rel="stylesheet" href="../assets/main.css">'
        '<script id="__config" type="application/json">'
        '{"base": "..", "search": "../assets/worker.js"}</script>'
        '<script src="../assets/app.js"></script><script src="../assets/app.js"></script>'
        '<img src="../assets/light.svg#only-light"><img src="../assets/dark.svg#only-dark">'
        '<a href="../assets/unused.js">not loaded</a>'
    )
    css = (site / "assets" / "main.css").stat().st_size
    shared = page.stat().st_size + css + 700 + 300  # the search worker loads on use only
    bench = bench_module()
    light = bench.page_weight(site, page, "light")
    dark = bench.page_weight(site, page, "dark")
    assert sum(light.files.values()) == shared + 40
    assert sum(dark.files.values()) == shared + 4000
    assert "assets/unused.js" not in light.files
    assert "assets/worker.js" not in light.files


def test_the_script_writes_its_figures_as_json(tmp_path: Path, site: Path) -> None:
    written = tmp_path / "bench.json"
    command = [sys.executable, str(SCRIPT), "--only", "site-weight", "--repeat", "1"]
    command += ["--site", str(site), "--json", str(written)]
    done = run_in_group(command, cwd=ROOT)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    report = json.loads(written.read_text())
    weights = report["site_weight"]
    assert [page["phase"] for page in weights["pages"]] == [p.number for p in READY if p.page]
    for page in weights["pages"]:
        html = (site / page["page"]).stat().st_size
        assert page["bytes"] > html and page["by_kind"]["html"] >= html
        assert page["with_diagram_library"] == page["bytes"] + weights["mermaid_bytes"]
    index = site / "search" / "search_index.json"
    assert weights["search_index_bytes"] == index.stat().st_size
    assert "Lesson pages" in done.stdout
