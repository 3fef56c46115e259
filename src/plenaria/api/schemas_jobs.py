"""Request and response bodies of jobs and live sessions (:mod:`plenaria.api.schemas`'s roles)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from plenaria.api.schemas import Public, Strict

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
OutputKind = Literal["json", "vtt", "srt", "docx", "proxy"]


class JobCreate(Strict):
    upload_id: str = Field(min_length=1, max_length=64)
    session: dict[str, Any] | None = Field(
        default=None,
        description="The session's data, as in a session file (id, date, agenda...); "
        "or give session_id of a stored session.",
    )
    session_id: str | None = Field(default=None, max_length=32)
    options: dict[str, Any] = Field(
        default_factory=dict, description="plenaria.pipeline.ProcessOptions; unknown keys: 422."
    )


class LiveCreate(Strict):
    url: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="The stream to pull: http(s)://...(.ts|.m3u8), rtmp://, srt://, udp://, "
        "tcp://. Or leave it out and set push.",
    )
    push: bool = Field(
        default=False,
        description="Instead of url: the council's encoder pushes by RTMP to an address with "
        "a secret stream key, both in the answer (a push with another key is refused).",
    )
    name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="Name of the recording (default: live-<UTC time>).",
    )
    session: dict[str, Any] | None = Field(
        default=None, description="The session's data, as in a session file; or session_id."
    )
    session_id: str | None = Field(default=None, max_length=32)
    options: dict[str, Any] = Field(
        default_factory=dict, description="plenaria.pipeline.ProcessOptions; unknown keys: 422."
    )
    live: dict[str, Any] = Field(
        default_factory=dict,
        description="plenaria.live.segmenter.LiveOptions: max_chunk_s (latency bound), "
        "end_timeout_s (reconnecting after the stream drops); unknown keys: 422.",
    )


class LiveGap(Public):
    start_s: float
    length_s: float
    at: str


class LiveCertificate(Public):
    """What the acta's certificate states about the recorded original."""

    original: str
    sha256: str
    size_bytes: int
    duration_s: float
    started_at: str
    ended_at: str
    connections: int
    gaps: list[LiveGap]
    lag_median_s: float | None
    lag_max_s: float | None


class LiveInfo(Public):
    mode: Literal["pull", "push"]
    url: str = Field(default="", description="pull: the stream.")
    push_url: str = Field(
        default="", description="push: the RTMP server address, without the stream key."
    )
    stream_key: str | None = Field(
        default=None, description="push: the secret stream key, only in POST /live's answer."
    )
    publish_url: str | None = Field(
        default=None, description="push: push_url/stream_key, only in POST /live's answer."
    )
    stop: bool = Field(default=False, description="A stop was asked; the recorder is ending.")
    certificate: LiveCertificate | None = Field(
        default=None, description="Once the recording ended: its SHA-256, size and gaps."
    )

    @field_validator("url")
    @classmethod
    def _masked(cls, url: str) -> str:
        """Nobody reads a pull URL's user-info or query back (they may hold credentials)."""
        from plenaria.live.pull_guard import mask_url

        return mask_url(url) if url else url


class JobPublic(Public):
    id: str
    state: JobState
    step: str
    progress: float
    eta_s: float | None
    error: str
    attempts: int
    session_id: str | None
    recording_id: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    outputs: list[OutputKind] = Field(default_factory=list)
    live: LiveInfo | None = Field(default=None, description="A live session's source and end.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What the clerk must know about the finished transcript (e.g. no speech "
        "was detected), one Spanish line each; the job did not fail.",
    )


class LivePiece(BaseModel):
    chunk: int
    start_s: float
    at: str = Field(description="start_s as H:MM:SS")
    speaker: str = Field(description="Provisional: diarization over the whole session decides.")
    text: str


class LiveChunkTiming(BaseModel):
    index: int
    start_s: float
    end_s: float
    audio_end_at: float = Field(description="Unix time its last sample arrived.")
    text_at: float = Field(description="Unix time its text was written.")


class LivePartial(BaseModel):
    job_id: str
    recording: bool = Field(description="The session is still being recorded.")
    pieces: list[LivePiece]
    chunks: list[LiveChunkTiming]
