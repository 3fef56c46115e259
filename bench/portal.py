"""The citizens' portal over 500 hours of sessions: search latency and a session page.

    PYTHONPATH=src .venv/bin/python bench/portal.py [--hours 500] [--repeat 20] [--keep DIR]

Generates (seeded) one council's published sessions of 4 hours each, ``--hours``
in all (500: 125 sessions, about 4.5 million words at 2.5 words/s), plus a
second council with a tenth of that, so that every search is scoped to one
council among others. The speech is Spanish council talk (about 12 % of the
interventions in Catalan), built from phrases about council business, streets,
people, groups and figures. Every session goes through the project's own code
into a PostgreSQL database (127.0.0.1:5432, ``plenaria_bench_portal``, dropped
at the end) and a SQLite file, both migrated with ``plenaria.db.migrate.upgrade``:
the first session is published by ``publishing.publish`` (its transcript stored
as version 1), the others with the calls it makes (``portal.save_publication``
and ``portal.replace_index`` of ``search_pieces``), without storing their 4 MB
transcripts, which search never reads. Measured:

- search: ``portal.search`` (one database session per call, as a request) for a
  set of queries (common, rare, names, two words, Catalan, no hit) x ``--repeat``,
  in shuffled order after one warm-up round: p50/p95/max per database, and the
  p95 against the target (issue 16: < 50 ms on PostgreSQL, < 100 ms on SQLite);
  the same through the HTTP route ``/p/{council}/buscar?q=`` for three queries;
- the 4-hour session page ``/p/{council}/{session}`` served by the real app on
  uvicorn (loopback, httpx): time to first byte and the whole response (p50 of
  ``--pages`` requests), its weight in bytes and gzip-compressed (the app does not
  compress; a reverse proxy would).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from plenaria.live.rtmp_gate import free_loopback_port as free_port

PG_SERVER = os.environ.get("PLENARIA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_NAME = "plenaria_bench_portal"
TARGET_MS = {"postgresql": 50.0, "sqlite": 100.0}
SESSION_HOURS = 4.0
WORDS_PER_S = 2.5
QUERIES = [
    ("common", "presupuesto"),
    ("common", "vecinos"),
    ("very common", "ayuntamiento"),
    ("rare", "desfibriladores"),
    ("rare", "fotovoltaicas"),
    ("name", "Etxeberria"),
    ("name", "Pilar Romero"),
    ("two words", "recogida residuos"),
    ("two words", "calle Cervantes"),
    ("Catalan", "habitatge"),
    ("Catalan", "pressupost municipal"),
    ("no hit", "xilófono"),
]
HTTP_QUERIES = ["presupuesto", "Pilar Romero", "xilófono"]


def phrases(joined: str) -> list[str]:
    return joined.split("|")


# The speech: phrases of council business, weighted so that some words are everywhere.
ES_TOPICS = phrases(
    "el presupuesto municipal|la modificación de crédito|"
    "el plan general de ordenación|la ordenanza fiscal|el servicio de limpieza|"
    "la recogida de residuos|la vivienda pública|el alquiler social|"
    "el polideportivo municipal|la piscina cubierta|el carril bici|el autobús urbano|"
    "el contrato del alumbrado|las subvenciones a las asociaciones|"
    "las fiestas patronales|la escuela infantil|el centro de salud|"
    "la residencia de mayores|la biblioteca municipal|el mercado de abastos|"
    "la depuradora|el suministro de agua|la tasa de basuras|"
    "el impuesto de bienes inmuebles|la plantilla de la policía local|"
    "la seguridad ciudadana|el aparcamiento disuasorio|las obras de asfaltado|"
    "la rotonda de la entrada|los huertos urbanos|la zona de bajas emisiones|"
    "la casa de cultura|el cementerio municipal|los caminos rurales|"
    "la cuenta general|el reconocimiento extrajudicial de crédito|"
    "la relación de puestos|el convenio con la diputación|los fondos europeos|"
    "la plaza de toros|el vivero municipal|la oficina de turismo"
)
RARE_TOPICS = ["las placas fotovoltaicas", "los desfibriladores"]  # one topic in 1,000
CA_TOPICS = phrases(
    "el pressupost municipal|l'habitatge públic|la recollida de residus|"
    "la neteja dels carrers|el carril bici|la piscina coberta|l'escola bressol|"
    "el casal de la gent gran|la festa major|el pla d'ordenació urbanística|"
    "les ajudes al lloguer|l'enllumenat públic|la taxa d'escombraries"
)
ES_STREETS = phrases(
    "la calle Mayor|la avenida de la Constitución|la plaza de España|"
    "la calle San Roque|el paseo del Río|la calle Cervantes|la avenida de Andalucía|"
    "el camino de los Molinos|la calle Real|el barrio de San Antón|"
    "el polígono de Las Eras|la calle Goya|la travesía del Carmen|"
    "la urbanización Los Pinos|la carretera de la estación"
)
CA_STREETS = ["el carrer Major", "la plaça de la Vila", "el passeig de la Riera", "el carrer Nou"]
FIRST = phrases(
    "Pilar|José|María|Antonio|Carmen|Manuel|Laura|Javier|Nuria|Francisco|Ana|David|"
    "Montserrat|Jordi|Isabel|Alberto"
)
LAST = phrases(
    "García|Martínez|López|Sánchez|Romero|Navarro|Torres|Gil|Ruiz|Molina|Ortega|"
    "Castillo|Serrano|Vidal|Puig|Etxeberria"
)
GROUPS = phrases(
    "socialista|popular|de Izquierda Unida|de Vox|de Ciudadanos|independiente|de Compromís|vecinal"
)
ES_OPENERS = phrases(
    "Gracias, señor alcalde.|Muchas gracias, señora presidenta.|"
    "Buenas tardes a todos.|Bueno,|Sí, gracias.|Con su permiso,|Gracias, presidenta."
)
ES_CLAUSES = phrases(
    "yo creo que {topic} no puede esperar más|"
    "como ya dijimos en la comisión informativa,|"
    "desde el grupo {group} queremos dejar claro que {topic} es una prioridad|"
    "no es verdad que {topic} esté resuelto|"
    "los vecinos y vecinas de {street} nos piden|"
    "el equipo de gobierno ha traído {topic} sin el informe de intervención|"
    "hace ya {n} años que {topic} está pendiente|con un coste de {money} euros|"
    "en el ejercicio {year}|vamos a votar a favor de {topic}|nos vamos a abstener|"
    "votaremos en contra porque {topic} no llega a {street}|"
    "la concejala {name} explicó que|según el informe del secretario,|"
    "lo que pedimos es que {topic} se haga de una vez|"
    "en el punto {n} del orden del día|el señor {last} sabe perfectamente que|"
    "por lo tanto,|sin embargo, {topic} sigue igual|en definitiva,|"
    "y eso lo saben los comerciantes de {street}|"
    "se adjudicó por {money} euros en {year}|"
    "la propuesta del grupo {group} sobre {topic}|"
    "el ayuntamiento tiene que cumplir la ley|con el voto de calidad de la alcaldía,|"
    "según los técnicos municipales,"
)
CA_CLAUSES = phrases(
    "Moltes gràcies, senyor alcalde.|"
    "des del grup municipal volem dir que {topic} és urgent|"
    "els veïns i veïnes de {street} ens demanen|votarem a favor de {topic}|"
    "ens abstindrem perquè {topic} no arriba a {street}|"
    "com ja vam dir a la comissió,|amb un cost de {money} euros|"
    "la regidora {name} ha explicat que|per tant,|l'ajuntament ha de complir la llei|"
    "fa {n} anys que {topic} està pendent"
)


class Speech:
    """A seeded generator of council talk, Spanish or Catalan, word by word."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.es_weights = [1 / (k + 1) ** 0.8 for k in range(len(ES_TOPICS))]
        self.st_weights = [1 / (k + 1) for k in range(len(ES_STREETS))]

    def _fill(self, clause: str, catalan: bool) -> str:
        rng = self.rng
        if "{topic}" in clause:
            if catalan:
                topic = rng.choice(CA_TOPICS)
            elif rng.random() < 0.001:
                topic = rng.choice(RARE_TOPICS)
            else:
                topic = rng.choices(ES_TOPICS, self.es_weights)[0]
            clause = clause.replace("{topic}", topic)
        if "{street}" in clause:
            street = (
                rng.choice(CA_STREETS) if catalan else rng.choices(ES_STREETS, self.st_weights)[0]
            )
            clause = clause.replace("{street}", street)
        if "{" not in clause:
            return clause
        return clause.format(
            group=rng.choice(GROUPS),
            n=rng.randint(2, 25),
            money=f"{rng.randint(1, 999)}.{rng.randint(0, 999):03d}",
            year=rng.randint(2015, 2027),
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            last=rng.choice(LAST),
        )

    def words(self, n: int, catalan: bool) -> list[str]:
        rng = self.rng
        out = [] if catalan else rng.choice(ES_OPENERS).split()
        clauses = CA_CLAUSES if catalan else ES_CLAUSES
        while len(out) < n:
            out.extend(self._fill(rng.choice(clauses), catalan).split())
        return out[:n]


def make_transcript(speech: Speech, name: str, hours: float, catalan_share: float) -> Any:
    """A session of ``hours`` hours at 2.5 words/s: interventions of 40-400 words, 14
    councillors (named), agenda items of about 20 minutes."""
    from plenaria.domain import (
        Intervention,
        Recording,
        Segment,
        SessionInfo,
        Speaker,
        Transcript,
        Word,
    )

    rng = speech.rng
    speakers = tuple(
        Speaker(f"SPEAKER_{k:02d}", name=f"{FIRST[k % len(FIRST)]} {LAST[(3 * k) % len(LAST)]}")
        for k in range(14)
    )
    total = int(hours * 3600 * WORDS_PER_S)
    step = 1 / WORDS_PER_S
    items = []
    at = 0
    while at < total:
        size = min(total - at, rng.randint(40, 400))
        catalan = rng.random() < catalan_share
        texts = speech.words(size, catalan)
        words = tuple(
            Word(t, round((at + k) * step, 3), round((at + k) * step + 0.32, 3), 0.95, "")
            for k, t in enumerate(texts)
        )
        n = len(items)
        item = int(words[0].start // 1200) + 1
        seg = Segment(words[0].start, words[-1].end)
        lang = "ca" if catalan else "es"
        items.append(Intervention(speakers[n % 14].id, seg, words, lang, item, f"i{n:04d}"))
        at += size
    rec = Recording(f"{name}.mp4", "0" * 64, 10**9, hours * 3600, "mov,mp4")
    langs = ("es", "ca") if catalan_share else ("es",)
    return Transcript(rec, SessionInfo(id=name), speakers, (), tuple(items), langs, "bench")


def agenda(hours: float) -> list[dict[str, Any]]:
    titles = [
        "Aprobación del acta anterior",
        "Modificación de crédito",
        "Ordenanza fiscal",
        "Moción sobre vivienda",
        "Ruegos y preguntas",
        "Cuenta general",
        "Convenio",
    ]
    return [
        {"number": k, "title": titles[(k - 1) % len(titles)]} for k in range(1, int(hours * 3) + 2)
    ]


def pg_admin(sql: str) -> None:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


def fill(url: str, folder: Path, corpus: list[tuple[str, Any]], hours_b: int) -> dict[str, Any]:
    """Migrate the database at ``url`` and publish ``corpus`` (council A) and council B."""
    from plenaria.api import publishing
    from plenaria.assembly.redaction import search_pieces
    from plenaria.config import Settings
    from plenaria.db import accounts, civic, portal
    from plenaria.db.engine import Database
    from plenaria.db.migrate import upgrade
    from plenaria.db.transcripts import save_version

    settings = Settings(data_dir=folder, database_url=url)
    upgrade(settings)
    database = Database.from_settings(settings)
    with database.transaction() as s:
        a = accounts.create_council(s, "villa-a", "Ayuntamiento de Villa A")
        b = accounts.create_council(s, "vila-b", "Ajuntament de Vila B")
        user = accounts.create_user(
            s, a, "secretaria@villa-a.example.org", "bench password 1", "secretary"
        )
        user_b = accounts.create_user(
            s, b, "secretaria@vila-b.example.org", "bench password 1", "secretary"
        )
        ids = {"a": a.id, "b": b.id}
    page_id = ""
    for k, (council, transcript) in enumerate(corpus):
        with database.transaction() as s:
            council_row = s.get_one(type(a), ids[council])
            author = s.get_one(type(user), (user if council == "a" else user_b).id)
            hours = transcript.recording.duration_s / 3600
            plenary = civic.create_plenary_session(
                s,
                council_row.id,
                {
                    "slug": f"pleno-{k:03d}",
                    "date": f"{2026 - k // 12:04d}-{12 - k % 12:02d}-01",
                    "agenda": agenda(hours),
                },
            )
            if not page_id and council == "a":  # the page measured: the whole publishing path
                save_version(s, plenary, None, transcript.to_dict(), None)
                publishing.publish(s, settings.storage_path, council_row, plenary, author)
                pub = portal.get_publication(s, plenary)
                assert pub is not None
                pub.video_key = f"public/{plenary.id}/v1-bench.mp4"  # the page with its clips
                page_id = plenary.id
                continue
            language = publishing.session_language(transcript, council_row)
            portal.save_publication(s, plenary, author, 1, None, "", language)
            labels = publishing.speaker_labels(transcript, language)
            portal.replace_index(s, plenary, search_pieces(transcript, language, labels=labels))
    with database.session() as s:
        rows = s.execute(text("SELECT count(*), sum(length(text)) FROM public_segments")).one()
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    database.dispose()
    return {
        "settings": settings,
        "councils": ids,
        "page": page_id,
        "rows": rows[0],
        "chars": rows[1],
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure_search(url: str, council_id: str, repeat: int) -> dict[str, Any]:
    from plenaria.db import portal
    from plenaria.db.engine import Database

    database = Database(url)
    hits: dict[str, int] = {}
    times: dict[str, list[float]] = {q: [] for _kind, q in QUERIES}
    rng = random.Random(7)
    for rnd in range(repeat + 1):
        order = [q for _kind, q in QUERIES]
        rng.shuffle(order)
        for q in order:
            t0 = time.perf_counter()
            with database.session() as db:
                found = portal.search(db, council_id, q)
            ms = (time.perf_counter() - t0) * 1000
            if rnd:  # the first round warms the caches
                times[q].append(ms)
            hits[q] = len(found)
    database.dispose()
    return {"times": times, "hits": hits}


def serve(settings: Any) -> tuple[str, Any]:
    import uvicorn

    from plenaria.api.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def timed_get(client: httpx.Client, path: str) -> tuple[float, float, bytes]:
    """(ms to the first byte of the body, ms to the whole response, the body)."""
    t0 = time.perf_counter()
    with client.stream("GET", path) as response:
        response.raise_for_status()
        chunks: Iterator[bytes] = response.iter_raw()
        first = next(chunks, b"")
        ttfb = (time.perf_counter() - t0) * 1000
        body = first + b"".join(chunks)
    return ttfb, (time.perf_counter() - t0) * 1000, body


def measure_http(settings: Any, page_path: str, pages: int, repeat: int) -> dict[str, Any]:
    base, server = serve(settings)
    out: dict[str, Any] = {"search": {}, "ttfb": [], "total": [], "bytes": 0, "gzip": 0}
    try:
        with httpx.Client(
            base_url=base, timeout=120, headers={"Accept-Encoding": "identity"}
        ) as client:
            for q in HTTP_QUERIES:
                path = f"/p/villa-a/buscar?q={q.replace(' ', '+')}"
                timed_get(client, path)
                out["search"][q] = [timed_get(client, path)[1] for _ in range(repeat)]
            timed_get(client, page_path)
            for _ in range(pages):
                ttfb, total, body = timed_get(client, page_path)
                out["ttfb"].append(ttfb)
                out["total"].append(total)
            out["bytes"] = len(body)
            out["gzip"] = len(gzip.compress(body, 6))
            out["words"] = body.count(b'class="w"')
    finally:
        server.should_exit = True
        time.sleep(0.3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=500, help="council A's hours of sessions")
    ap.add_argument("--repeat", type=int, default=20, help="rounds over the queries")
    ap.add_argument("--pages", type=int, default=5, help="requests of the session page")
    ap.add_argument("--keep", type=Path, help="keep the SQLite file here and the PG database")
    ap.add_argument("--skip", default="", help="'postgresql' or 'sqlite': leave that one out")
    args = ap.parse_args()

    t0 = time.perf_counter()
    speech = Speech(seed=16)
    n_a = max(1, round(args.hours / SESSION_HOURS))
    hours_a = [min(SESSION_HOURS, args.hours)] * n_a
    n_b = max(1, round(args.hours / 10 / 2))
    corpus = [("a", make_transcript(speech, f"a{k:03d}", h, 0.12)) for k, h in enumerate(hours_a)]
    corpus += [
        ("b", make_transcript(speech, f"b{k:03d}", min(2.0, args.hours), 0.6)) for k in range(n_b)
    ]
    words = sum(len(i.words) for _c, t in corpus for i in t.interventions)
    gen_s = time.perf_counter() - t0
    print(
        f"corpus: council A {len(hours_a)} sessions, {sum(hours_a):.0f} h; council B {n_b}; "
        f"{words / 1e6:.2f} M words, generated in {gen_s:.1f} s"
    )

    folder = args.keep or Path(tempfile.mkdtemp(prefix="portalbench-"))
    folder.mkdir(parents=True, exist_ok=True)
    backends = {
        "postgresql": f"{PG_SERVER}/{PG_NAME}",
        "sqlite": f"sqlite:///{folder / 'portal.db'}",
    }
    for skip in filter(None, args.skip.split(",")):
        backends.pop(skip)
    results: dict[str, dict[str, Any]] = {}
    try:
        for name, url in backends.items():
            if name == "postgresql":
                pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
                pg_admin(f'CREATE DATABASE "{PG_NAME}"')
            else:
                (folder / "portal.db").unlink(missing_ok=True)
            t1 = time.perf_counter()
            info = fill(url, folder / name, corpus, 0)
            load_s = time.perf_counter() - t1
            print(f"{name}: {info['rows']} indexed pieces loaded in {load_s:.1f} s")
            found = measure_search(url, info["councils"]["a"], args.repeat)
            page = f"/p/villa-a/{info['page']}"
            http = measure_http(info["settings"], page, args.pages, max(3, args.repeat // 2))
            results[name] = {"load_s": load_s, **info, **found, "http": http}
    finally:
        if "postgresql" in backends and not args.keep:
            pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    report(results, args, words, os.getloadavg()[0])


def report(results: dict[str, dict[str, Any]], args: Any, words: int, load: float) -> None:
    names = list(results)
    print(
        f"\n{args.hours:g} hours of sessions, {words / 1e6:.2f} M words; "
        f"{args.repeat} rounds of {len(QUERIES)} queries; load average {load:.1f}\n"
    )
    print("| measure | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))

    def row(label: str, cells: list[str]) -> None:
        print(f"| {label} | " + " | ".join(cells) + " |")

    row("indexed pieces (about 20 words)", [f"{results[n]['rows']:,}" for n in names])
    row("load (migrate, publish, index)", [f"{results[n]['load_s']:.0f} s" for n in names])
    all_ms = {n: [v for vs in results[n]["times"].values() for v in vs] for n in names}
    row(
        "search p50 / p95 / max, ms (portal.search)",
        [
            f"{pct(all_ms[n], 50):.1f} / **{pct(all_ms[n], 95):.1f}** / {max(all_ms[n]):.1f}"
            for n in names
        ],
    )
    row(
        "p95 / target",
        [
            f"{pct(all_ms[n], 95) / TARGET_MS[n]:.2f}x of {TARGET_MS[n]:.0f} ms: "
            + ("PASS" if pct(all_ms[n], 95) < TARGET_MS[n] else "MISS")
            for n in names
        ],
    )
    for q in HTTP_QUERIES:
        row(
            f"GET /p/{{council}}/buscar?q={q}: p50 ms",
            [f"{statistics.median(results[n]['http']['search'][q]):.1f}" for n in names],
        )
    row(
        "4-hour session page: time to first byte, p50 ms",
        [f"{statistics.median(results[n]['http']['ttfb']):.0f}" for n in names],
    )
    row(
        "4-hour session page: whole response, p50 ms",
        [f"{statistics.median(results[n]['http']['total']):.0f}" for n in names],
    )
    h = results[names[0]]["http"]
    row(
        "4-hour session page: weight (gzip -6)",
        [
            f"{r['http']['bytes'] / 1e6:.2f} MB ({r['http']['gzip'] / 1e3:.0f} kB)"
            for r in (results[n] for n in names)
        ],
    )
    print(f"\nThe page holds {h['words']:,} words. Each query, p50 ms (hits, of at most 30):\n")
    print("| query | kind | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for kind, q in QUERIES:
        cells = [
            f"{statistics.median(results[n]['times'][q]):.1f} ({results[n]['hits'][q]})"
            for n in names
        ]
        print(f"| {q} | {kind} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
