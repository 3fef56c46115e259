"""The shape of a job: its steps, what each needs first, its queue and its weight.

The graph grows once: the transcription steps (one per chunk) are known when
the chunk plan is done. A live job's graph grows while its ``record`` step runs:
that step writes probe, audio, speech and the plan as the stream comes, a
``transcribe:i`` step appears (ready at once) each time a chunk closes, and what
needs the whole session (diarization, the proxy, assembly) waits for ``record``.
Every executor (in-process, Celery) asks :func:`graph_nodes` which steps exist
given those done, and runs the ready ones.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from plenaria.graph.options import JobSpec

# Relative cost of each step per second of recording on a CPU worker, measured on the
# bundled base model (bench/pipeline.py): the job's progress is these weights times
# the fraction of each step done, so a percentage moves at a steady pace and gives an ETA.
WEIGHTS: dict[str, float] = {
    "record": 0.1,  # a live job's recording: done when the session ends
    "probe": 0.02,
    "audio": 0.03,
    "speech": 0.04,
    "plan": 0.005,
    "transcribe": 0.6,  # shared among the chunks by their length
    "diarize": 0.2,
    "name": 0.005,
    "assemble": 0.01,
    "outputs": 0.02,
    "proxy": 0.07,
}

QUEUES: dict[str, str] = {
    "record": "live",
    "probe": "media",
    "audio": "media",
    "speech": "media",
    "plan": "media",
    "proxy": "media",
    "transcribe": "asr",
    "diarize": "diarization",
    "name": "default",
    "assemble": "default",
    "outputs": "default",
}

# The steps whose results a job's outputs are.
FINAL = ("outputs", "proxy")


@dataclass(frozen=True, slots=True)
class Node:
    name: str  # "probe", "transcribe:3"
    deps: tuple[str, ...]
    weight: float

    @property
    def kind(self) -> str:
        return self.name.split(":", 1)[0]

    @property
    def index(self) -> int:
        return int(self.name.split(":", 1)[1]) if ":" in self.name else -1

    @property
    def queue(self) -> str:
        return QUEUES[self.kind]


def graph_nodes(spec: JobSpec, chunk_lengths_s: Sequence[float] | None) -> tuple[Node, ...]:
    """Every step of the job; ``chunk_lengths_s`` is None until the chunk plan is done."""
    opts = spec.options
    if spec.live:
        return _live_nodes(spec, chunk_lengths_s or ())
    nodes = [
        Node("probe", (), WEIGHTS["probe"]),
        Node("audio", ("probe",), WEIGHTS["audio"]),
        Node("speech", ("audio",), WEIGHTS["speech"]),
        Node("plan", ("speech",), WEIGHTS["plan"]),
    ]
    if opts.make_proxy:
        nodes.append(Node("proxy", ("probe",), WEIGHTS["proxy"]))
    needs = ["plan"]
    if chunk_lengths_s is None:
        # Until the plan is known, one placeholder weight stands for all the chunks.
        needs.append("transcribe:*")
    else:
        total = sum(chunk_lengths_s) or 1.0
        for i, length in enumerate(chunk_lengths_s):
            name = f"transcribe:{i}"
            nodes.append(Node(name, ("plan",), WEIGHTS["transcribe"] * length / total))
            needs.append(name)
    if opts.diarize:
        nodes.append(Node("diarize", ("speech",), WEIGHTS["diarize"]))
        nodes.append(Node("name", ("diarize",), WEIGHTS["name"]))
        needs.append("name")
    nodes.append(Node("assemble", tuple(needs), WEIGHTS["assemble"]))
    nodes.append(Node("outputs", ("assemble",), WEIGHTS["outputs"]))
    return tuple(nodes)


def _live_nodes(spec: JobSpec, chunk_lengths_s: Sequence[float]) -> tuple[Node, ...]:
    opts = spec.options
    nodes = [Node("record", (), WEIGHTS["record"])]
    if opts.make_proxy:
        nodes.append(Node("proxy", ("record",), WEIGHTS["proxy"]))
    needs = ["record"]
    total = sum(chunk_lengths_s) or 1.0
    for i, length in enumerate(chunk_lengths_s):
        name = f"transcribe:{i}"
        nodes.append(Node(name, (), WEIGHTS["transcribe"] * length / total))
        needs.append(name)
    if opts.diarize:
        nodes.append(Node("diarize", ("record",), WEIGHTS["diarize"]))
        nodes.append(Node("name", ("diarize",), WEIGHTS["name"]))
        needs.append("name")
    nodes.append(Node("assemble", tuple(needs), WEIGHTS["assemble"]))
    nodes.append(Node("outputs", ("assemble",), WEIGHTS["outputs"]))
    return tuple(nodes)


def ready(nodes: Sequence[Node], done: Collection[str], busy: Collection[str] = ()) -> list[Node]:
    """Steps not done nor busy whose every dependency is done, in graph order."""
    names = {n.name for n in nodes}
    return [
        n
        for n in nodes
        if n.name not in done
        and n.name not in busy
        and all(d in done for d in n.deps)
        and all(d in names for d in n.deps)
    ]


def finished(nodes: Sequence[Node], done: Collection[str]) -> bool:
    return all(n.name in done for n in nodes) and any(n.kind == "outputs" for n in nodes)


def job_progress(nodes: Sequence[Node], fractions: dict[str, float]) -> float:
    """0..1: each step's weight times the fraction of it done (1 for a done step)."""
    total = sum(n.weight for n in nodes)
    if not any(n.kind == "transcribe" for n in nodes):
        total += WEIGHTS["transcribe"]  # the chunks are not planned yet
    if total <= 0:
        return 0.0
    got = sum(n.weight * min(1.0, max(0.0, fractions.get(n.name, 0.0))) for n in nodes)
    return min(1.0, got / total)
