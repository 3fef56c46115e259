"""The uploads router served by uvicorn (tests, bench), bare or inside Plenaria's own app.

Run: python upload_server.py STORAGE_DIR MAX_BYTES PORT EVENTS_FILE
A bare FastAPI app with only the router: the caller's council is the bearer token
itself ("Authorization: Bearer council-a"); each accepted upload appends one JSON
line to EVENTS_FILE.

Run: python upload_server.py --plenaria STORAGE_DIR MAX_BYTES PORT DATABASE_URL
``plenaria.api.app.create_app`` on that (migrated) database: real accounts and
tokens, accepted uploads recorded as its rows.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Header, HTTPException

from plenaria.api.uploads import uploads_router
from plenaria.config import Settings
from plenaria.domain import Recording


def bearer_council(authorization: Annotated[str | None, Header()] = None) -> str:
    """Test authentication: the token names the council."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "Authentication required.")
    return token


def create_app(storage: Path, max_bytes: int, events: Path) -> FastAPI:
    def record(upload_id: str, path: Path, metadata: dict[str, str], rec: Recording) -> None:
        line = {"id": upload_id, "path": str(path), **metadata, "recording": rec.to_dict()}
        with events.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    settings = Settings(storage_dir=storage, max_upload_bytes=max_bytes)
    app = FastAPI()
    app.include_router(uploads_router(settings, record, bearer_council))
    return app


def create_plenaria_app(storage: Path, max_bytes: int, database_url: str) -> FastAPI:
    from plenaria.api.app import create_app as plenaria_app

    settings = Settings(
        storage_dir=storage,
        max_upload_bytes=max_bytes,
        database_url=database_url,
        data_dir=storage.parent / "data",
        cache_dir=storage.parent / "cache",
    )
    return plenaria_app(settings)


if __name__ == "__main__":
    if sys.argv[1] == "--plenaria":
        storage, max_bytes, port, database_url = sys.argv[2:6]
        app = create_plenaria_app(Path(storage), int(max_bytes), database_url)
    else:
        storage, max_bytes, port, events = sys.argv[1:5]
        app = create_app(Path(storage), int(max_bytes), Path(events))
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning")
