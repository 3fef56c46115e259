"""``plenaria export-site``: the portal as static files, with nothing redacted in any of them.

The sessions are published through the API (SQLite and PostgreSQL, as every API test);
the command runs as a user runs it, in its own process, against the same database.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from test_portal import SECRET, V1, make_session, proxy_bytes, publish  # noqa: F401 (fixture)

from conftest import World


def export(settings: Any, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PLENARIA_DATA_DIR": str(settings.data_dir),
        "PLENARIA_DATABASE_URL": settings.database_url,
        "COLUMNS": "300",  # one line as a wide terminal shows it
    }
    return subprocess.run(
        [sys.executable, "-m", "plenaria", "export-site", str(folder), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def every_text(folder: Path) -> dict[str, str]:
    """Each file's text; Pagefind's compressed index files unpacked first."""
    out = {}
    for path in folder.rglob("*"):
        if not path.is_file() or path.suffix == ".mp4":
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        out[str(path.relative_to(folder))] = data.decode("utf-8", "replace")
    return out


def test_the_static_site_holds_the_public_pages_and_nothing_redacted(
    client: TestClient,
    world: World,
    proxy_bytes: bytes,  # noqa: F811 (the fixture imported above)
    settings: Any,
    tmp_path: Path,
) -> None:
    sid = make_session(world, proxy_bytes)
    other = make_session(world, None, council="b")
    url = publish(client, world, sid)
    publish(client, world, other, who="other")  # villa-b's admin
    body = {"start": SECRET[0], "end": SECRET[1], "reason": "Datos personales de un vecino"}
    r = client.post(f"{V1}/sessions/{sid}/redactions", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text

    look = {"accent_color": "#0b5cad", "header_color": "#1b1b1b"}
    assert client.put(f"{V1}/council", json=look, headers=world.headers("admin")).status_code == 200
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    r = client.put(
        f"{V1}/council/logo", files={"file": ("escudo.png", png)}, headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    site = tmp_path / "sitio"
    done = export(settings, site, "--council", "villa-a", "--url", "https://sede.example.es")
    assert done.returncode == 0, done.stderr
    assert "1 sesiones, 1 vídeos" in done.stdout

    page = site / url.lstrip("/") / "index.html"
    html = page.read_text()
    assert '<html lang="es">' in html and "Interviniente 2" in html
    assert 'src="/p/villa-a/' in html and "/static/web/public.js" in html
    assert "/fragmentos/" not in html  # clips are cut by the live portal only
    # the council's own look goes with the site
    assert 'href="/p/villa-a/estilo.css"' in html and 'src="/p/villa-a/logo.png"' in html
    assert "--header: #1b1b1b;" in (site / "p/villa-a/estilo.css").read_text()
    assert (site / "p/villa-a/logo.png").read_bytes() == png
    assert (site / "static/web/public.css").is_file()
    assert (site / "static/web/portal-search.js").is_file()
    video = (site / url.lstrip("/") / "video.mp4").read_bytes()
    assert video[4:8] == b"ftyp" and video != proxy_bytes  # the redacted public copy
    data = json.loads((site / url.lstrip("/") / "transcript.json").read_text())
    assert [i["id"] for i in data["interventions"]] == ["i1", "i2"]
    feed = (site / "p/villa-a/feed.atom").read_text()
    assert f"https://sede.example.es{url}" in feed
    search = (site / "p/villa-a/buscar/index.html").read_text()
    assert 'data-index="/p/villa-a/pagefind/pagefind.js"' in search
    assert 'action="/p/villa-a/buscar/"' in search
    assert (site / "p/villa-a/pagefind/pagefind.js").is_file()

    texts = every_text(site)
    index = {k: v for k, v in texts.items() if "pagefind/fragment" in k}
    assert index and any("vecino" in v and "calle" in v for v in index.values())
    assert any(f"{url}/?t=2" in v for v in index.values())  # a hit opens at its second
    for name, text in texts.items():
        assert "Juan" not in text and "García" not in text, name
    assert other not in "".join(texts.values())  # another council's session is not there

    again = export(settings, site, "--council", "villa-a")  # an earlier export: rewritten
    assert again.returncode == 0, again.stderr


def test_a_bad_target_or_council_is_one_line(settings: Any, tmp_path: Path) -> None:
    busy = tmp_path / "ocupada"
    busy.mkdir()
    (busy / "notas.txt").write_text("x")
    done = export(settings, busy)
    assert done.returncode == 2
    assert "no está vacía y no es una exportación anterior" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 2
    nobody = export(settings, tmp_path / "nuevo", "--council", "nadie")
    assert nobody.returncode != 0 and "Traceback" not in nobody.stderr
    assert "nadie" in nobody.stderr
    bad = export(settings, tmp_path / "otro", "--base-path", "plenos")
    assert bad.returncode == 2 and "Escríbala como /plenos" in bad.stderr
