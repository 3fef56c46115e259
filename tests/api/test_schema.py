"""Schemathesis over the whole OpenAPI schema (SQLite and PostgreSQL): whatever it sends, no 5xx.

The examples, coverage (boundary and out-of-schema values: 2**64 in a path, ``false``
for a number) and fuzzing phases run over every operation, derandomized so that a
run is reproducible. Each generated request is sent anonymously, as the admin
(bearer token) with the generated ids, and as the admin with the ids of real
objects of the council in the path (a session with transcript versions, and one
without, a finished job, a stored upload...) and in the body (``upload_id``,
``session_id``), so the code past the lookups is reached. Deleting and
state-changing operations get objects made to be spent, so the others stay.

The app has no workers: a created job only reaches :class:`RecordingQueue`.
The apps are built at import: schemathesis's fixture-based loader does not run
under pytest 9.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import schemathesis
from argon2 import PasswordHasher
from dbfixtures import create_pg_database, drop_pg_database, pg_reachable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

import plenaria.accounts as credentials
from conftest import RecordingQueue, World, make_world
from plenaria.api.app import create_app
from plenaria.assembly.interventions import with_ids
from plenaria.config import Settings
from plenaria.db import accounts, civic
from plenaria.db.engine import make_engine
from plenaria.db.migrate import upgrade_engine
from plenaria.db.models import Council, User
from plenaria.db.transcripts import save_version

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from transcripts import sample_transcript

# Fuzzing: up to 20 generated cases per operation; the examples and coverage phases add
# their own (boundaries, wrong types, missing fields).
CONFIG = SchemathesisConfig.from_dict(
    {
        "suppress-health-check": ["all"],
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "generation": {
            "mode": "all",
            "max-examples": 20,
            "deterministic": True,
            "database": "none",
        },
    }
)

Ids = dict[tuple[str, str], str]  # (HTTP method or "*", parameter name) -> a real object's id


@dataclass
class Served:
    schema: Any
    world: World
    ids: Ids
    empty_session: str  # a session without transcript versions

    def real(self, method: str, name: str) -> str | None:
        return self.ids.get((method, name), self.ids.get(("*", name)))


def _real_objects(world: World) -> tuple[Ids, str]:
    """Objects of council A for the path and body ids; and the session without versions."""
    t = sample_transcript()
    t = replace(t, interventions=with_ids(t.interventions))
    with world.db.transaction() as s:
        council = s.get(Council, world.councils["a"])
        admin = s.get(User, world.users["admin"])
        assert council is not None and admin is not None
        cid = council.id
        edited = civic.create_plenary_session(s, cid, {"slug": "2026-11-24", "date": "2026-11-24"})
        save_version(s, edited, None, t.to_dict(), None)
        save_version(s, edited, admin, t.to_dict(), 1)
        empty = civic.create_plenary_session(s, cid, {"slug": "sin-transcripcion"})
        spare_session = civic.create_plenary_session(s, cid, {"slug": "para-borrar"})
        person = civic.create_person(s, cid, {"name": "Ana Gómez", "role": "Concejala"})
        spare_person = civic.create_person(s, cid, {"name": "Luis Martín"})
        spare_user = accounts.create_user(s, council, "spare@a.example.org", "x" * 16, "clerk")
        spare_token = accounts.create_token(s, admin, "spare")[0]
        ids: Ids = {
            ("*", "session_id"): edited.id,
            ("DELETE", "session_id"): spare_session.id,
            ("*", "person_id"): person.id,
            ("DELETE", "person_id"): spare_person.id,
            ("*", "user_id"): spare_user.id,
            ("*", "token_id"): spare_token.id,
        }
        empty_id = empty.id
    ids[("*", "job_id")] = world.job("a", "done", outputs={"docx": b"PK docx", "json": b"{}"})
    # retried, then cancelled: the finished job's event stream ends at once, this one's not
    ids[("POST", "job_id")] = ids[("DELETE", "job_id")] = world.job("a", "failed")
    ids[("*", "uuid")] = ids[("*", "upload_id")] = world.upload("a")
    return ids, empty_id


def _served(url: str) -> Served:
    """A migrated database at ``url``, the app on it (no workers), its world and real ids."""
    root = Path(tempfile.mkdtemp(prefix="dbapi-schema-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    original = credentials._hasher
    credentials._hasher = lambda: cheap  # type: ignore[assignment]
    try:
        engine = make_engine(url)
        upgrade_engine(engine)
        engine.dispose()
        config = Settings(
            data_dir=root / "data", database_url=url, broker_url="redis://127.0.0.1:6379/3"
        )
        config.storage_path.mkdir(parents=True)
        app = create_app(config, job_queue=RecordingQueue(), events_poll_s=0.01)
        world = make_world(app.state.db, config.storage_path)
        ids, empty = _real_objects(world)
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG)
        # The editor's event stream ends only when its client leaves, so a call here would
        # never return; test_matrix and test_transcript_events send it requests of their own.
        schema = schema.exclude(path_regex=r"/transcript/events$")
        return Served(schema, world, ids, empty)
    finally:
        credentials._hasher = original  # type: ignore[method-assign]


def _databases() -> dict[str, str]:
    """SQLite; and PostgreSQL (a database of this module's own, dropped at exit) if it answers.

    In CI (``CI=true``) a PostgreSQL that does not answer is an error, not a skip.
    """
    folder = Path(tempfile.mkdtemp(prefix="dbapi-schema-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    urls = {"sqlite": f"sqlite:///{folder / 'plenaria.db'}"}
    why = pg_reachable()
    if why and os.environ.get("CI") == "true":
        raise RuntimeError(why)
    if not why:
        urls["postgresql"] = create_pg_database()
        atexit.register(drop_pg_database, urls["postgresql"])
    return urls


SERVED = {name: _served(url) for name, url in _databases().items()}
BY_APP = {id(s.schema.app): s for s in SERVED.values()}


@schemathesis.pytest.parametrize(**{name: s.schema for name, s in SERVED.items()})
def test_no_server_error(case: schemathesis.Case) -> None:
    served = BY_APP[id(case.operation.schema.app)]
    admin = served.world.headers("admin")
    method = case.method.upper()
    case.call_and_validate(checks=[not_a_server_error])  # anonymous: 401, never 5xx
    case.call_and_validate(headers=admin, checks=[not_a_server_error])
    swapped = False
    for name in list(case.path_parameters or {}):
        if (real := served.real(method, name)) is not None:
            case.path_parameters[name] = real
            swapped = True
    if isinstance(case.body, dict):
        for name in ("upload_id", "session_id"):
            if name in case.body and (real := served.real(method, name)) is not None:
                case.body[name] = real
                swapped = True
    if swapped:
        case.call_and_validate(headers=admin, checks=[not_a_server_error])
    if "session_id" in (case.path_parameters or {}) and method != "DELETE":
        case.path_parameters["session_id"] = served.empty_session  # no transcript versions
        case.call_and_validate(headers=admin, checks=[not_a_server_error])
