"""Schemathesis over the whole OpenAPI schema (SQLite): whatever it sends, no 5xx.

Each generated request is sent anonymously, as the admin (bearer token), and as
the admin with the ids of real objects of the council in the path.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from argon2 import PasswordHasher
from conftest import RecordingQueue, make_world
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

import plenaria.accounts as credentials
from plenaria.api.app import create_app
from plenaria.config import Settings
from plenaria.db.engine import make_engine
from plenaria.db.migrate import upgrade_engine

_root = Path(tempfile.mkdtemp(prefix="dbapi-schema-"))
atexit.register(shutil.rmtree, _root, ignore_errors=True)
_url = f"sqlite:///{_root / 'plenaria.db'}"


def _app():  # type: ignore[no-untyped-def]
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    original = credentials._hasher
    credentials._hasher = lambda: cheap  # type: ignore[assignment]
    try:
        engine = make_engine(_url)
        upgrade_engine(engine)
        engine.dispose()
        config = Settings(
            data_dir=_root / "data", database_url=_url, broker_url="redis://127.0.0.1:6379/3"
        )
        config.storage_path.mkdir(parents=True)
        app = create_app(config, job_queue=RecordingQueue(), events_poll_s=0.01)
        world = make_world(app.state.db, config.storage_path)
        ids = {"job_id": world.job("a", "done", outputs={"docx": b"PK docx"}), "kind": "docx"}
        return app, world, ids
    finally:
        credentials._hasher = original  # type: ignore[method-assign]


app, world, ids = _app()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])  # anonymous: 401, never 5xx
    admin = world.headers("admin")
    case.call_and_validate(headers=admin, checks=[not_a_server_error])
    if case.path_parameters:
        for name in list(case.path_parameters):
            if name in ids:
                case.path_parameters[name] = ids[name]
        case.call_and_validate(headers=admin, checks=[not_a_server_error])
