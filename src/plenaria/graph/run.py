"""Running the graph: one step by name, and the in-process executor.

The Celery tasks call :func:`run_node` too; only the executor differs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from plenaria.graph import steps
from plenaria.graph.nodes import Node, finished, graph_nodes, job_progress, ready
from plenaria.graph.steps import StepContext, chunks_of
from plenaria.progress import Progress

STEPS: dict[str, Callable[[StepContext], dict[str, Any]]] = {
    "probe": steps.probe,
    "audio": steps.audio,
    "speech": steps.speech,
    "plan": steps.plan,
    "diarize": steps.diarize,
    "name": steps.name,
    "outputs": steps.outputs,
    "proxy": steps.proxy,
}


def current_nodes(ctx: StepContext) -> tuple[Node, ...]:
    """The job's steps as far as they are known (chunks once the plan is done)."""
    lengths = [c.segment.duration for c in chunks_of(ctx)] if ctx.is_done("plan") else None
    return graph_nodes(ctx.spec, lengths)


def done_steps(ctx: StepContext, nodes: tuple[Node, ...]) -> set[str]:
    return {n.name for n in nodes if ctx.is_done(n.name)}


def run_node(name: str, ctx: StepContext) -> dict[str, Any]:
    """Run one step (nothing when its result is under its key already); returns its pointer."""
    kind, _, index = name.partition(":")
    if kind == "transcribe":
        return steps.transcribe(ctx, int(index))
    if kind == "assemble":
        return steps.assemble(ctx, len(chunks_of(ctx)))
    try:
        return STEPS[kind](ctx)
    except KeyError:
        raise ValueError(f"Unknown step {name!r}") from None


def run_local(
    ctx: StepContext,
    timings: dict[str, float] | None = None,
    beside: frozenset[str] = frozenset({"proxy"}),
) -> dict[str, Any]:
    """Walk the graph in this process; the steps of the kinds in ``beside`` run in threads
    beside the others: the proxy (its own ffmpeg) always, the diarizer where the machine has
    room for it next to the transcription (see :func:`beside_transcription`).

    Returns where the final steps' results are. Interrupted (Ctrl-C, a crash), a rerun
    skips every step already done.
    """
    clock: dict[str, float] = {} if timings is None else timings
    overall = _Overall(ctx)

    def timed(node: Node) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            pointer = run_node(node.name, replace(ctx, progress=overall.reporter(node.name)))
            overall.step_done(node.name)
            return pointer
        finally:
            clock[node.kind] = clock.get(node.kind, 0.0) + time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=len(beside), thread_name_prefix="beside") as pool:
        background: dict[str, Future[dict[str, Any]]] = {}
        while True:
            nodes = current_nodes(ctx)
            done = done_steps(ctx, nodes)
            overall.update(nodes, done)
            for name, fut in list(background.items()):
                if fut.done():
                    fut.result()  # raises the proxy's error here
                    del background[name]
            if finished(nodes, done):
                break
            todo = ready(nodes, done, busy=background)
            for node in [n for n in todo if n.kind in beside]:
                background[node.name] = pool.submit(timed, node)
            foreground = [n for n in todo if n.kind not in beside]
            if foreground:
                timed(foreground[0])
            elif background:
                next(iter(background.values())).result()
            else:
                raise steps.StepError(f"run {ctx.spec.run_id}: no step can run; done {done}")
    return final_results(ctx, nodes)


def final_results(ctx: StepContext, nodes: tuple[Node, ...]) -> dict[str, Any]:
    """Where the job's outputs and proxy are, found by their keys."""
    found: dict[str, Any] = {}
    for node in nodes:
        if node.kind == "outputs":
            found["outputs"] = {"key": ctx.key_of("outputs"), "files": steps.output_files(ctx)}
        elif node.kind == "proxy":
            found["proxy"] = {"key": ctx.key_of("proxy")}
    return found


def beside_transcription(device: str, cpu_count: int | None = None) -> frozenset[str]:
    """The step kinds :func:`run_local` runs in threads: the proxy, and the diarizer when
    the transcription runs on a GPU or the machine has 8 cores or more (on fewer, the two
    would only share the same cores, and one after the other is as fast and lighter)."""
    cores = (os.cpu_count() or 1) if cpu_count is None else cpu_count
    return frozenset({"proxy", "diarize"} if device != "cpu" or cores >= 8 else {"proxy"})


class _Overall:
    """One progress figure for the whole job: seconds of recording, weighted by step.

    Reported as the stage ``job`` next to each step's own progress, so the command
    line shows one percentage and an ETA for everything.
    """

    def __init__(self, ctx: StepContext) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()
        self._fractions: dict[str, float] = {}
        self._nodes: tuple[Node, ...] = ()
        self._duration = 0.0

    def update(self, nodes: tuple[Node, ...], done: set[str]) -> None:
        with self._lock:
            self._nodes = nodes
            for name in done:
                self._fractions[name] = 1.0
        self._report()

    def step_done(self, name: str) -> None:
        with self._lock:
            self._fractions[name] = 1.0
        self._report()

    def reporter(self, name: str) -> Progress:
        def progress(stage: str, done: float, total: float) -> None:
            self._ctx.progress(stage, done, total)
            if total > 0:
                with self._lock:
                    self._fractions[name] = min(1.0, done / total)
                self._report()

        return progress

    def _report(self) -> None:
        if not self._duration:
            if not self._ctx.is_done("probe"):
                return
            self._duration = self._ctx.recording().duration_s
        duration = self._duration
        with self._lock:
            fraction = job_progress(self._nodes, self._fractions)
        self._ctx.progress("job", fraction * duration, duration)
