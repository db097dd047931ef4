"""Extraction quality of the product intent on real shop pages, through the real crawl.

    python bench/extraction_quality.py [--devset PATH] [--direct] [--out DIR]

Serves the devset's pages (../shared/devsets/product-pages next to the repo: gzip HTML,
ground-truth.json, score.py) on 127.0.0.1 from a thread, gunzipping them; runs

    scrapy crawl intent -a template=generic_product -a strategy=direct_item \\
        -a urls_file=<urls.txt> -O <records.jsonl>

from the repo root; maps the records back to devset ids; writes predictions.json; runs the
devset's score.py on it; and prints F1 for price, availability and sku next to the figures the
devset's README publishes and next to a markup-only baseline measured in the same run (our own
extractors limited to JSON-LD, microdata, OpenGraph and meta tags), then how well confidence
tracks correctness: the accuracy of values scored >= 0.9 against that of values scored below.

--direct skips Scrapy and the HTTP server: the same cleaning, extraction and confidence
functions run in-process over the files, for a quick loop while working on an intent.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DEVSET = ROOT.parent / "shared" / "devsets" / "product-pages"
TEMPLATE = "generic_product"
ATTRIBUTES = ("price", "availability", "sku")
HIGH_CONFIDENCE = 0.9
MARKUP_KINDS = ("jsonld", "microdata", "opengraph", "meta")
# F1 on the whole upstream benchmark (these pages and others), as the devset's README gives them.
PUBLISHED = {
    "Zyte (commercial)": {"price": 0.918, "availability": 0.957, "sku": 0.841},
    "Diffbot": {"price": 0.824, "availability": 0.943, "sku": 0.765},
    "extruct + price-parser": {"price": 0.685, "availability": None, "sku": 0.537},
}


# ---------------------------------------------------------------------------- the devset


class Devset:
    """Pages by id (the file name), with the URL each was saved from and its ground truth."""

    def __init__(self, path: Path):
        self.path = path
        self.truth: dict[str, dict] = json.loads(
            (path / "ground-truth.json").read_text(encoding="utf-8")
        )
        missing = [i for i in self.truth if not self.file(i).is_file()]
        if missing:
            raise SystemExit(f"{len(missing)} pages of {path}/ground-truth.json have no HTML file")

    def file(self, page_id: str) -> Path:
        return self.path / "html" / f"{page_id}.html.gz"

    def body(self, page_id: str) -> bytes:
        return gzip.decompress(self.file(page_id).read_bytes())

    def original_url(self, page_id: str) -> str:
        return self.truth[page_id]["url"]

    def scorer(self) -> ModuleType:
        spec = importlib.util.spec_from_file_location("devset_score", self.path / "score.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


# ---------------------------------------------------------------------------- local server


def serve(devset: Devset) -> tuple[ThreadingHTTPServer, str]:
    """The devset's pages at http://127.0.0.1:<port>/<id>.html, gunzipped, until shutdown()."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            page_id = path.strip("/").removesuffix(".html")
            if path == "/robots.txt":
                self._send(200, "text/plain", b"User-agent: *\nAllow: /\n")
            elif path.endswith(".html") and page_id in devset.truth:
                # no charset: the crawl must find the encoding as it would on the live shop
                self._send(200, "text/html", devset.body(page_id))
            else:
                self._send(404, "text/plain", b"not found\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the crawl's own log says what was fetched

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


# ---------------------------------------------------------------------------- two ways to run


def crawl(devset: Devset, out: Path) -> dict[str, dict]:
    """The real crawl as a subprocess: records by devset id."""
    server, base = serve(devset)
    try:
        by_url = {f"{base}{page_id}.html": page_id for page_id in devset.truth}
        urls = out / "urls.txt"
        urls.write_text("".join(f"{url}\n" for url in by_url), encoding="utf-8")
        records_file = out / "records.jsonl"
        command = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "intent",
            "-a",
            f"template={TEMPLATE}",
            "-a",
            "strategy=direct_item",
            "-a",
            f"urls_file={urls}",
            "-a",
            f"run_dir={out / 'run'}",
            "-O",
            str(records_file),
            "-s",
            "LOG_LEVEL=WARNING",
        ]
        print("$", " ".join(command), flush=True)
        subprocess.run(command, cwd=ROOT, check=True)
    finally:
        server.shutdown()
    records: dict[str, dict] = {}
    for line in records_file.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        page_id = by_url.get(record.get("source_url"))
        if page_id is not None:
            records.setdefault(page_id, record)  # direct_item: one record per page
    return records


def direct(devset: Devset) -> dict[str, dict]:
    """Cleaning, extraction and confidence in-process, as the pipelines run them: by devset id."""
    from dataops_spiders.templates import load_template
    from pipelines.cleaning import clean_page, needs_main_text
    from pipelines.confidence import compact_record, score_record
    from pipelines.extraction import extract_page

    template = load_template(TEMPLATE)
    records = {}
    for page_id in devset.truth:
        item = {
            "url": devset.original_url(page_id),
            "status": 200,
            "headers": {"Content-Type": "text/html"},
            "body": devset.body(page_id),
            "page_kind": "item",  # what strategy=direct_item tells the pipeline
        }
        item.update(clean_page(item, needs_main_text(template)))
        found = extract_page(item, template)["records"]
        if found:
            records[page_id] = compact_record(score_record(found[0], template.min_confidence))
    return records


def markup_only(devset: Devset) -> dict[str, dict]:
    """Baseline of the same run: our extractors limited to schema.org markup and meta tags."""
    from dataops_spiders.intents.product import ProductIntent
    from dataops_spiders.page import Page
    from pipelines.cleaning import decode_body
    from pipelines.extraction import resolve_field

    intent = ProductIntent()
    predictions = {}
    for page_id in devset.truth:
        html, _encoding = decode_body(devset.body(page_id), {"Content-Type": "text/html"}, None)
        page = Page(url=devset.original_url(page_id), html=html)
        found = intent.candidates(page)
        predictions[page_id] = {
            name: resolve_field(
                intent.fields[name],
                [c for c in found.get(name, []) if c.kind in MARKUP_KINDS],
                page.url,
            )["value"]
            for name in ATTRIBUTES
        }
    return predictions


# ---------------------------------------------------------------------------- scoring


def predictions_of(records: dict[str, dict]) -> dict[str, dict]:
    return {
        page_id: {name: (record["fields"].get(name) or {}).get("value") for name in ATTRIBUTES}
        for page_id, record in records.items()
    }


def confidence_buckets(records: dict[str, dict], devset: Devset, scorer: ModuleType) -> dict:
    """Per attribute and overall: (fields, correct) with confidence >= HIGH_CONFIDENCE and below."""
    buckets: dict[str, dict[bool, list[int]]] = {}
    for page_id, truth in devset.truth.items():
        fields = records.get(page_id, {}).get("fields", {})
        for name in ATTRIBUTES:
            normal = scorer.NORMAL[name]
            want = {normal(v) for v in truth.get(name, [])} - {None}
            field = fields.get(name) or {}
            if not want or field.get("value") in (None, ""):
                continue
            high = (field.get("confidence") or 0.0) >= HIGH_CONFIDENCE
            correct = normal(field["value"]) in want
            for key in (name, "all"):
                tally = buckets.setdefault(key, {True: [0, 0], False: [0, 0]})[high]
                tally[0] += 1
                tally[1] += correct
    return buckets


def report(
    results: dict[str, dict], baseline: dict[str, dict], buckets: dict, mode: str, count: int
) -> None:
    def f1(value: float | None) -> str:
        return f"{value:>14.3f}" if value is not None else f"{'–':>14}"

    print(f"\nF1 on {count} real shop pages (higher is better)")
    print(f"{'':36}" + "".join(f"{name:>14}" for name in ATTRIBUTES))
    rows = [
        (f"this run ({mode})", {a: results[a]["f1"] for a in ATTRIBUTES}),
        ("markup only (same run)", {a: baseline[a]["f1"] for a in ATTRIBUTES}),
        *((f"{name}, published", figures) for name, figures in PUBLISHED.items()),
    ]
    for label, figures in rows:
        print(f"{label:36}" + "".join(f1(figures[a]) for a in ATTRIBUTES))
    ours = results
    print(
        f"{'ratio to markup only':36}"
        + "".join(
            f"{ours[a]['f1'] / baseline[a]['f1']:>13.2f}x" if baseline[a]["f1"] else f"{'–':>14}"
            for a in ATTRIBUTES
        )
    )
    print(f"\nConfidence against correctness (threshold {HIGH_CONFIDENCE})")
    print(f"{'':14}{'>= ' + str(HIGH_CONFIDENCE):>22}{'< ' + str(HIGH_CONFIDENCE):>22}")
    for key in (*ATTRIBUTES, "all"):
        if key not in buckets:
            continue
        cells = []
        for high in (True, False):
            total, correct = buckets[key][high]
            share = f"{correct / total:.1%}" if total else "–"
            cells.append(f"{share:>8} of {total:>3} right")
        print(f"{key:14}" + "".join(f"{cell:>22}" for cell in cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET, help="devset folder")
    parser.add_argument("--direct", action="store_true", help="no crawl: in-process pipeline")
    parser.add_argument("--out", type=Path, help="output folder (default runs/bench/...)")
    args = parser.parse_args(argv)

    devset = Devset(args.devset.resolve())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = (args.out or ROOT / "runs" / "bench" / f"extraction_quality-{stamp}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    mode = "direct" if args.direct else "crawl"
    records = direct(devset) if args.direct else crawl(devset, out)
    print(f"{len(records)} of {len(devset.truth)} pages gave a record")

    predictions_file = out / "predictions.json"
    predictions_file.write_text(json.dumps(predictions_of(records), indent=1), encoding="utf-8")
    score_py = [sys.executable, str(devset.path / "score.py")]
    subprocess.run(
        [*score_py, str(devset.path / "ground-truth.json"), str(predictions_file)], check=True
    )
    scorer = devset.scorer()
    results = scorer.score(devset.truth, predictions_of(records))
    baseline = scorer.score(devset.truth, markup_only(devset))
    report(results, baseline, confidence_buckets(records, devset, scorer), mode, len(devset.truth))
    print(f"\npredictions and records: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
