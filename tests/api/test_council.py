"""The council's own data: settings, roster, plenary sessions, users; with audit rows."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import World
from plenaria.db.models import AuditEntry

V1 = "/api/v1"


def _audit(world: World) -> list[tuple[str, str]]:
    with world.db.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.at))
        return [(e.action, e.user_id or "") for e in rows]


def test_council_settings(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    r = client.get(f"{V1}/council", headers=world.headers("clerk"))
    assert r.json()["slug"] == "villa-a" and r.json()["acta_lang"] == "es"
    body = {
        "video_url_template": "https://sede.example.es/plenos/{session}?t={seconds}",
        "acta_lang": "ca",
        "vocabulary": ["Villanueva", "Guadalquivir"],
    }
    r = client.put(f"{V1}/council", json=body, headers=h)
    assert r.status_code == 200 and r.json() == {**r.json(), **body}
    r = client.put(f"{V1}/council", json={"acta_lang": "fr"}, headers=h)
    assert r.status_code == 422 and "acta_lang" in r.json()["detail"]
    r = client.put(f"{V1}/council", json={"slug": "stolen"}, headers=h)
    assert r.status_code == 422 and "slug" in r.json()["detail"]
    assert client.get(f"{V1}/council", headers=world.headers("other")).json()["acta_lang"] == "es"
    assert ("council.update", world.users["admin"]) in _audit(world)


def test_roster_crud(client: TestClient, world: World) -> None:
    h = world.headers("secretary")
    r = client.post(
        f"{V1}/roster", json={"name": "Ana Pérez", "role": "alcaldesa", "group": "PSOE"}, headers=h
    )
    assert r.status_code == 201, r.text
    person = r.json()
    r = client.patch(
        f"{V1}/roster/{person['id']}", json={"group": "IU", "active": False}, headers=h
    )
    assert r.json() == {**person, "group": "IU", "active": False}
    assert client.get(f"{V1}/roster", headers=h).json() == [r.json()]
    assert client.post(f"{V1}/roster", json={"name": ""}, headers=h).status_code == 422
    assert client.delete(f"{V1}/roster/{person['id']}", headers=h).status_code == 204
    r = client.get(f"{V1}/roster/{person['id']}", headers=h)
    assert r.status_code == 404
    assert r.json()["detail"].startswith(f"No existe el miembro de la corporación {person['id']}.")
    actions = [a for a, _ in _audit(world)]
    assert [a for a in actions if a.startswith("roster")] == [
        "roster.create",
        "roster.update",
        "roster.delete",
    ]


def test_sessions_crud(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    body = {
        "slug": "2024-05-pleno",
        "date": "2024-05-30",
        "start_time": "19:00",
        "agenda": [{"number": 1, "title": "Aprobación del acta anterior"}],
        "vocabulary": ["Villanueva"],
    }
    r = client.post(f"{V1}/sessions", json=body, headers=h)
    assert r.status_code == 201, r.text
    plenary = r.json()
    assert plenary["session_type"] == "ordinaria" and plenary["agenda"] == body["agenda"]
    r = client.patch(f"{V1}/sessions/{plenary['id']}", json={"place": "Salón de plenos"}, headers=h)
    assert r.json()["place"] == "Salón de plenos" and r.json()["date"] == "2024-05-30"
    for bad in ({"date": "30/05/2024"}, {"start_time": "7pm"}, {"agenda": ["x"]}):
        r = client.post(f"{V1}/sessions", json=bad, headers=h)
        assert r.status_code == 422 and "\n" not in r.json()["detail"], bad
    assert [s["id"] for s in client.get(f"{V1}/sessions", headers=h).json()] == [plenary["id"]]
    assert client.delete(f"{V1}/sessions/{plenary['id']}", headers=h).status_code == 204
    assert client.get(f"{V1}/sessions", headers=h).json() == []
    actions = {a for a, _ in _audit(world)}
    assert {"session.create", "session.update", "session.delete"} <= actions


def test_user_management(client: TestClient, world: World) -> None:
    h = world.headers("admin")
    body = {"email": "New.Clerk@a.example.org", "password": "long enough pw", "role": "clerk"}
    r = client.post(f"{V1}/users", json=body, headers=h)
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["email"] == "new.clerk@a.example.org" and "password" not in str(user)
    r = client.post(f"{V1}/users", json=body, headers=h)
    assert r.status_code == 409 and "No se puede crear una cuenta" in r.json()["detail"]
    r = client.post(f"{V1}/users", json={**body, "email": "x@a.org", "role": "mayor"}, headers=h)
    assert r.status_code == 422
    r = client.patch(f"{V1}/users/{user['id']}", json={"role": "secretary"}, headers=h)
    assert r.json()["role"] == "secretary"
    login = {"email": body["email"], "password": body["password"]}
    assert client.post(f"{V1}/auth/login", json=login).status_code == 200
    client.cookies.clear()
    r = client.patch(
        f"{V1}/users/{user['id']}", json={"active": False, "password": "another long"}, headers=h
    )
    assert r.json()["active"] is False
    assert client.post(f"{V1}/auth/login", json=login).status_code == 401
    me = world.users["admin"]
    r = client.patch(f"{V1}/users/{me}", json={"role": "clerk"}, headers=h)
    assert r.status_code == 409
    assert client.delete(f"{V1}/users/{me}", headers=h).status_code == 409
    assert client.delete(f"{V1}/users/{user['id']}", headers=h).status_code == 204
    emails = {u["email"] for u in client.get(f"{V1}/users", headers=h).json()}
    assert emails == {world.emails[w] for w in ("admin", "secretary", "clerk")}
    actions = {a for a, _ in _audit(world)}
    assert {"user.create", "user.update", "user.delete"} <= actions
