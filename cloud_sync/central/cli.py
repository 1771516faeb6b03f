"""``fitroom-central``: ``add-store``, ``rotate-key``, ``serve``, ``migrate``, ``load-catalog`` and
``rebuild-figures``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session

from catalog.model import load_catalog
from cloud_sync.central.catalog import upsert_online_stock, upsert_store_stock, upsert_styles
from cloud_sync.central.db import make_engine, migrate
from cloud_sync.central.figures import rebuild_figures
from cloud_sync.central.models import Store
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import StoreExists, create_store, rotate_key

__all__ = ["main"]


def _add_store(args: argparse.Namespace, settings: CentralSettings) -> int:
    engine = make_engine(settings.db_url)
    migrate(engine)
    with Session(engine) as session:
        try:
            key = create_store(session, store_id=args.id, name=args.name, now=time.time())
        except StoreExists:
            print(f"fitroom-central: store {args.id!r} already exists", file=sys.stderr)
            return 1
        session.commit()
    print(key)
    print(
        f"store {args.id} created; the key above is shown once, keep it as FITROOM_STORE_KEY", file=sys.stderr
    )
    return 0


def _rotate_key(args: argparse.Namespace, settings: CentralSettings) -> int:
    engine = make_engine(settings.db_url)
    migrate(engine)
    with Session(engine) as session:
        key = rotate_key(session, store_id=args.id)
        if key is None:
            print(f"fitroom-central: no store {args.id!r}", file=sys.stderr)
            return 1
        session.commit()
    print(key)
    print(f"store {args.id}: new key above (shown once); the old key no longer works", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace, settings: CentralSettings) -> int:
    import uvicorn

    from cloud_sync.central.app import create_app

    if (args.ssl_certfile is None) != (args.ssl_keyfile is None):
        print("fitroom-central: --ssl-certfile and --ssl-keyfile go together", file=sys.stderr)
        return 2
    for flag, path in (("--ssl-certfile", args.ssl_certfile), ("--ssl-keyfile", args.ssl_keyfile)):
        if path is not None and not path.is_file():
            print(f"fitroom-central: {flag}: file not found: {path}", file=sys.stderr)
            return 2
    certfile = str(args.ssl_certfile) if args.ssl_certfile else None
    keyfile = str(args.ssl_keyfile) if args.ssl_keyfile else None
    # The app's own loggers at the same level as uvicorn's (uvicorn configures only its own).
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Access logs would carry member ids (profile URLs): off.
    if args.workers > 1:
        migrate(make_engine(settings.db_url))  # once, before the workers start
        uvicorn.run(
            "cloud_sync.central.app:create_worker_app",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
    return 0


def _migrate(_args: argparse.Namespace, settings: CentralSettings) -> int:
    migrate(make_engine(settings.db_url))
    print("schema at head")
    return 0


def _load_catalog(args: argparse.Namespace, settings: CentralSettings) -> int:
    try:
        catalog = load_catalog(args.file)
    except (OSError, ValidationError) as err:
        print(f"fitroom-central: cannot load {args.file}: {err}", file=sys.stderr)
        return 1
    engine = make_engine(settings.db_url)
    migrate(engine)
    with Session(engine) as session:
        changed = upsert_styles(session, catalog.styles, catalog.co_purchases)
        changed += upsert_online_stock(session, [(s.gtin, s.online) for s in catalog.stock])
        for store_id in args.store:
            if session.get(Store, store_id) is None:
                print(f"fitroom-central: no store {store_id!r} (add-store first)", file=sys.stderr)
                return 1
            changed += upsert_store_stock(
                session, store_id, [(s.gtin, s.floor, s.stockroom) for s in catalog.stock]
            )
        session.commit()
    print(json.dumps({"styles": len(catalog.styles), "changed": changed}))
    return 0


def _rebuild_figures(_args: argparse.Namespace, settings: CentralSettings) -> int:
    engine = make_engine(settings.db_url)
    migrate(engine)
    with Session(engine) as session:
        read = rebuild_figures(session)
    print(json.dumps({"events_read": read}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fitroom-central", description="The fitroom central profile store")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-store", help="register a store and print its key (once)")
    add.add_argument("--id", required=True)
    add.add_argument("--name", required=True)
    add.set_defaults(run=_add_store)
    rot = sub.add_parser("rotate-key", help="give a store a new key (printed once); the old one stops")
    rot.add_argument("--id", required=True)
    rot.set_defaults(run=_rotate_key)
    serve = sub.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8100)
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--ssl-certfile",
        type=Path,
        help="serve HTTPS with this certificate chain (PEM); else put a TLS proxy in front",
    )
    serve.add_argument("--ssl-keyfile", type=Path, help="the certificate's private key (PEM)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (the store is stateless; use PostgreSQL with more than one)",
    )
    serve.set_defaults(run=_serve)
    mig = sub.add_parser("migrate", help="bring the database schema to the latest version")
    mig.set_defaults(run=_migrate)
    cat = sub.add_parser("load-catalog", help="load a catalog JSON file (styles, online stock, store stock)")
    cat.add_argument("file", type=Path)
    cat.add_argument(
        "--store",
        action="append",
        default=[],
        help="also set this store's floor/stockroom stock from the file (repeatable)",
    )
    cat.set_defaults(run=_load_catalog)
    fig = sub.add_parser(
        "rebuild-figures", help="count the stored sessions and claims into head office's figures (idempotent)"
    )
    fig.set_defaults(run=_rebuild_figures)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = CentralSettings()
    except ValidationError as err:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in err.errors())
        print(f"fitroom-central: invalid settings: {problems}", file=sys.stderr)
        return 2
    code: int = args.run(args, settings)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
