"""The editor's live stream: who has a transcript open, and each colleague's save.

The streams are read in threads; every wait is on an event arriving, with a
generous timeout, never a fixed sleep, so a slow, loaded machine only waits longer.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from test_transcripts import processed_session, url

from conftest import World

TIMEOUT_S = 60.0
Event = tuple[str, dict[str, Any]]


def events_of(lines: Any) -> Any:
    """(name, data) for each event of a server-sent event stream's lines."""
    name = ""
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name, json.loads(line[6:])


class Reader(threading.Thread):
    """Reads one stream into ``got`` until ``done`` says so (or the test gives up)."""

    def __init__(
        self, client: TestClient, path: str, headers: dict[str, str], done: Callable[[Event], bool]
    ) -> None:
        super().__init__(daemon=True)
        self.client, self.path, self.headers, self.done = client, path, headers, done
        self.got: queue.Queue[Event] = queue.Queue()
        self.status = 0
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            with self.client.stream("GET", self.path, headers=self.headers) as r:
                self.status = r.status_code
                for ev in events_of(r.iter_lines()):
                    self.got.put(ev)
                    if self.done(ev):
                        return
        except Exception as e:  # the app's error, raised by the test client: the test's to see
            self.error = e

    def next(self, name: str) -> dict[str, Any]:
        """The next event called ``name`` (others are skipped)."""
        while True:
            got, data = self.got.get(timeout=TIMEOUT_S)
            if got == name:
                return data


def user_ids(data: dict[str, Any]) -> list[str]:
    return sorted(u["id"] for u in data["users"])


def test_presence_lists_everyone_with_the_stream_open(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    clerk, secretary = world.users["clerk"], world.users["secretary"]
    seen_both = threading.Event()

    def clerk_done(ev: Event) -> bool:
        name, data = ev
        if name == "presence" and user_ids(data) == sorted([clerk, secretary]):
            seen_both.set()
        return name == "presence" and seen_both.is_set() and user_ids(data) == [clerk]

    reader = Reader(client, url(sid, "transcript/events"), world.headers("clerk"), clerk_done)
    reader.start()
    first = reader.next("presence")
    assert first == {
        "you": clerk,
        "users": [{"id": clerk, "name": world.emails["clerk"], "role": "clerk"}],
    }
    assert reader.status == 200
    # The secretary opens the session too: both streams list both.
    path = url(sid, "transcript/events")
    with client.stream("GET", path, headers=world.headers("secretary")) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = events_of(r.iter_lines())  # kept: a generator dropped closes the stream
        for name, data in events:
            if name == "presence" and len(data["users"]) == 2:
                assert data["you"] == secretary
                assert {u["name"] for u in data["users"]} == {
                    world.emails["clerk"],
                    world.emails["secretary"],
                }
                break
        assert seen_both.wait(TIMEOUT_S)
    # The secretary left: the clerk's stream is told, and then lists the clerk alone.
    reader.join(TIMEOUT_S)
    assert not reader.is_alive()
    last = None
    while not reader.got.empty():
        last = reader.got.get()
    assert last is not None and last[0] == "presence" and user_ids(last[1]) == [clerk]
    # Every row went with its stream.
    from plenaria.db.models import TranscriptPresence

    with world.db.session() as s:
        assert s.query(TranscriptPresence).count() == 0


def test_a_save_reaches_the_open_stream_with_what_changed(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("secretary")
    content = client.get(url(sid), headers=h).json()["transcript"]
    item = content["interventions"][2]
    reader = Reader(
        client, url(sid, "transcript/events"), world.headers("clerk"), lambda e: e[0] == "saved"
    )
    reader.start()
    reader.next("presence")  # the stream is open: what is saved from now on is sent
    text = " ".join(["nueva", *(w["text"] for w in item["words"])])
    r = client.patch(
        url(sid), json={"parent": 1, "interventions": [{**item, "text": text}]}, headers=h
    )
    assert r.status_code == 201, r.text
    saved = reader.next("saved")
    reader.join(TIMEOUT_S)
    assert saved["number"] == 2
    assert saved["author"] == world.emails["secretary"]
    assert saved["author_id"] == world.users["secretary"]
    assert saved["changed"] == [item["id"]]
    assert saved["saved_at"] == r.json()["created_at"]


def test_the_stream_is_the_council_s_own(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    assert client.get(url(sid, "transcript/events")).status_code == 401
    r = client.get(url(sid, "transcript/events"), headers=world.headers("other"))
    assert r.status_code == 404


def test_a_reconnection_is_sent_what_was_saved_meanwhile(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    h = world.headers("clerk")
    content = client.get(url(sid), headers=h).json()["transcript"]
    item = content["interventions"][2]
    text = " ".join(["nueva", *(w["text"] for w in item["words"])])
    body = {"parent": 1, "interventions": [{**item, "text": text}]}
    assert client.patch(url(sid), json=body, headers=world.headers("secretary")).status_code == 201
    # The browser had version 1 (the id of the last event it got) when its connection dropped.
    headers = {**h, "Last-Event-ID": "1"}
    reader = Reader(client, url(sid, "transcript/events"), headers, lambda e: e[0] == "saved")
    reader.start()
    saved = reader.next("saved")
    reader.join(TIMEOUT_S)
    assert saved["number"] == 2 and saved["changed"] == [item["id"]]
    with client.stream("GET", url(sid, "transcript/events"), headers=h) as r:
        first = next(line for line in r.iter_lines() if line.startswith("event: "))
    assert first == "event: presence"  # a new connection: nothing from before it


def test_the_stream_ends_when_its_session_is_deleted(client: TestClient, world: World) -> None:
    sid = processed_session(world)
    reader = Reader(client, url(sid, "transcript/events"), world.headers("clerk"), lambda e: False)
    reader.start()
    reader.next("presence")
    r = client.delete(f"/api/v1/sessions/{sid}", headers=world.headers("admin"))
    assert r.status_code == 204, r.text
    reader.join(TIMEOUT_S)
    assert not reader.is_alive() and reader.error is None, reader.error
