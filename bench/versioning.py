"""Store growth, commit time and diff time of a new dataset version with 1% of records changed.

    python bench/versioning.py [--sizes 10000,100000] [--full] [--databases sqlite,postgresql]

For each size and database: writes version 1 (synthetic product records of about 1 KB, as the
confidence layer publishes them) through VersionWriter in batches of 500, as a crawl does; then
version 2, the same records with 1% changed (0.8% modified, 0.1% removed, 0.1% added); then
diffs 1 → 2 and reads version 2 in full. Prints, per size:

- growth: bytes version 2 added to the store, against version 1's size (goal: <= 5%). SQLite:
  the database file after a WAL checkpoint. PostgreSQL: pg_total_relation_size of the store's
  tables (heap, indexes, TOAST).
- commit: seconds of VersionWriter.commit() for version 2 (write: all its add() batches).
- diff: seconds of diff_versions(1, 2) (goal: < 2 s for 1% of 1M), and how many times faster
  it is than reading version 2 once (the baseline a diff by full comparison would pay twice).

--full adds the 1M size (about 10 minutes per database on 2 cores). PostgreSQL is the server of
DATAOPS_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); each size
gets a database of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from dataops_spiders.store import (  # noqa: E402
    VersionWriter,
    diff_versions,
    iter_records,
    make_engine,
    make_session_factory,
)
from dataops_spiders.store.models import Base  # noqa: E402
from dataops_spiders.store.testing import TemporaryPostgres, sqlite_url  # noqa: E402

BATCH = 500
CHANGE_SHARE = 0.01
BRANDS = ("Harbor & Pine", "Woodwright", "Lumen & Co", "Summit Forge", "Tinkerbox", "Verdana")
WORDS = [
    "organic",
    "cotton",
    "clean",
    "design",
    "ships",
    "plastic-free",
    "packaging",
    "recycle",
    "home",
    "matching",
    "set",
    "durable",
    "everyday",
    "studio",
    "heritage",
    "compact",
    "classic",
    "travel",
    "portable",
    "solid",
    "oak",
    "hand-finished",
]


def _fraction(index: int, salt: str) -> float:
    digest = hashlib.blake2b(f"{salt}/{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def change_of(index: int) -> str | None:
    """What version 2 does to record ``index``: None, "modified" or "removed"."""
    roll = _fraction(index, "change")
    if roll < CHANGE_SHARE * 0.8:
        return "modified"
    if roll < CHANGE_SHARE * 0.9:
        return "removed"
    return None


def product(index: int, version: int) -> dict:
    """One ~1 KB record shaped like the confidence layer's output."""
    rng = random.Random(index)
    brand = rng.choice(BRANDS)
    name = f"{brand} {' '.join(rng.choices(WORDS, k=3)).title()} #{index}"
    price = f"{rng.uniform(3, 900):.2f}"
    description = " ".join(rng.choices(WORDS, k=30)).capitalize() + "."
    if version == 2 and change_of(index) == "modified":
        price = f"{float(price) * 0.9:.2f}"
    url = f"https://shop.example/product/{index}.html"

    def field(value, source: str, confidence: float) -> dict:
        return {
            "value": value,
            "confidence": confidence,
            "source": source,
            "valid": True,
            "reasons": ["validated"],
        }

    fields = {
        "name": field(name, "css:main h1::text", 0.97),
        "price": field(price, "jsonld:Product.offers.price", 0.95),
        "currency": field("EUR", "jsonld:Product.offers.priceCurrency", 0.95),
        "sku": field(f"SKU-{index:08d}", "jsonld:Product.sku", 0.95),
        "brand": field(brand, "microdata:brand", 0.92),
        "availability": field("InStock", "microdata:offers.availability", 0.92),
        "description": field(description, "microdata:description", 0.9),
        "mainImage": field(f"https://shop.example/img/{index}.png", "microdata:image", 0.92),
    }
    return {
        "record_key": f"SKU-{index:08d}",
        "key_source": "fields:sku",
        "source_url": url,
        "canonical_url": url,
        "template": "bench",
        "intent": "product",
        "fields": fields,
        "record_confidence": 0.94,
        "low_confidence_fields": [],
        "fetched_at": f"2026-01-0{version}T00:00:00+00:00",
    }


def version_records(size: int, version: int) -> Iterator[dict]:
    for index in range(size):
        if version == 2 and change_of(index) == "removed":
            continue
        yield product(index, version)
    if version == 2:
        added = round(size * CHANGE_SHARE * 0.1)
        for index in range(size, size + added):
            yield product(index, version)


def write(engine, size: int, version: int) -> tuple[float, float]:
    """(seconds of all add() batches, seconds of commit())."""
    writer = VersionWriter(engine)
    writer.open("bench")
    started = time.perf_counter()
    batch = []
    for record in version_records(size, version):
        batch.append(record)
        if len(batch) == BATCH:
            writer.add(batch)
            batch = []
    writer.add(batch)
    added = time.perf_counter()
    writer.commit()
    return added - started, time.perf_counter() - added


def store_bytes(engine) -> int:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return Path(engine.url.database).stat().st_size
        tables = list(Base.metadata.tables)
        return sum(
            connection.execute(text("SELECT pg_total_relation_size(:t)"), {"t": t}).scalar()
            for t in tables
        )


def measure(url: str, size: int) -> dict:
    engine = make_engine(url)
    try:
        write1, commit1 = write(engine, size, 1)
        size1 = store_bytes(engine)
        write2, commit2 = write(engine, size, 2)
        size2 = store_bytes(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            started = time.perf_counter()
            diff = diff_versions(session, "bench", 1, 2)
            diff_seconds = time.perf_counter() - started
        with sessions() as session:
            started = time.perf_counter()
            read = sum(1 for _ in iter_records(session, "bench", 2, batch=2000))
            read_seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return {
        "records": size,
        "v1_mb": size1 / 2**20,
        "growth_mb": (size2 - size1) / 2**20,
        "growth": (size2 - size1) / size1,
        "write1": write1 + commit1,
        "write2": write2,
        "commit2": commit2,
        "changes": sum(diff.counts().values()),
        "diff": diff_seconds,
        "read": read_seconds,
        "read_records": read,
    }


def report(database: str, row: dict) -> str:
    return (
        f"{database:<10} {row['records']:>9,} {row['v1_mb']:>8.1f} {row['growth_mb']:>9.2f} "
        f"{row['growth']:>7.2%} {row['write1']:>8.1f} {row['write2']:>8.1f} "
        f"{row['commit2']:>8.2f} {row['changes']:>8,} {row['diff']:>7.3f} "
        f"{row['read']:>7.1f} {row['read'] / row['diff']:>8.0f}x"
    )


HEADER = (
    f"{'database':<10} {'records':>9} {'v1 MB':>8} {'+v2 MB':>9} {'growth':>7} "
    f"{'write v1':>8} {'write v2':>8} {'commit':>8} {'changes':>8} {'diff s':>7} "
    f"{'read s':>7} {'read/diff':>9}"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated record counts")
    parser.add_argument("--full", action="store_true", help="also 1,000,000 records")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.full and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]

    postgres = TemporaryPostgres(prefix="dataops_bench") if "postgresql" in databases else None
    if postgres is not None and (reason := postgres.unreachable_reason()):
        print(f"PostgreSQL skipped: {reason}")
        databases.remove("postgresql")
        postgres = None
    print(HEADER, flush=True)
    worst_growth, slowest_diff = 0.0, {}
    try:
        with tempfile.TemporaryDirectory(prefix="dataops-bench-") as workdir:
            for size in sizes:
                for database in databases:
                    if database == "sqlite":
                        url = sqlite_url(Path(workdir) / f"bench-{size}.sqlite3")
                    else:
                        assert postgres is not None
                        url = postgres.create()
                    row = measure(url, size)
                    print(report(database, row), flush=True)
                    worst_growth = max(worst_growth, row["growth"])
                    slowest_diff[(database, size)] = row["diff"]
                    if postgres is not None and database == "postgresql":
                        postgres.drop(url)
                    elif database == "sqlite":
                        Path(make_engine(url).url.database).unlink()
    finally:
        if postgres is not None:
            postgres.close()
    print(f"\nworst growth: {worst_growth:.2%} of version 1 (goal <= 5%)")
    for (database, size), seconds in slowest_diff.items():
        if size >= 1_000_000:
            verdict = "meets" if seconds < 2 else "MISSES"
            print(f"diff of 1% of {size:,} on {database}: {seconds:.2f} s ({verdict} the 2 s goal)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
