"""`python -m dataops_spiders.demo_site`: serve the fixture site, print its URL on one line."""

from __future__ import annotations

import argparse

from dataops_spiders.demo_site.content import EDITIONS, SIZES
from dataops_spiders.demo_site.server import make_server


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m dataops_spiders.demo_site",
        description="Serve the deterministic fixture site (shop, journal, careers).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (IPv4)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument(
        "--crawl-delay", type=float, default=0.0, help="Crawl-delay announced in robots.txt"
    )
    parser.add_argument("--edition", type=int, choices=EDITIONS, default=1)
    parser.add_argument("--size", choices=tuple(SIZES), default="small")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds every answer waits (a remote site)"
    )
    args = parser.parse_args(argv)
    if args.crawl_delay < 0:
        parser.error("--crawl-delay cannot be negative")
    if not 0 <= args.latency <= 10:
        parser.error("--latency must be between 0 and 10 seconds")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    server = make_server(
        args.host,
        args.port,
        size=args.size,
        edition=args.edition,
        crawl_delay=args.crawl_delay,
        verbose=args.verbose,
        latency=args.latency,
    )
    port = server.server_address[1]
    # The one line a parent process waits for; everything else goes to stderr.
    print(f"http://{args.host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
