"""A job's options and its specification: everything a run of the graph depends on."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from plenaria.assembly.interventions import AssemblyOptions
from plenaria.cache import cache_key
from plenaria.diarization.base import DiarizationOptions
from plenaria.diarization.profiles import NamingOptions
from plenaria.media.chunking import ChunkingOptions
from plenaria.media.vad import VadOptions
from plenaria.transcription.base import TranscriptionOptions


class ProcessOptions(BaseModel):
    """Every tunable of the main job, grouped by stage (per job: unknown names are an error)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vad: VadOptions = Field(default_factory=VadOptions)
    chunking: ChunkingOptions = Field(default_factory=ChunkingOptions)
    transcription: TranscriptionOptions = Field(default_factory=TranscriptionOptions)
    diarization: DiarizationOptions = Field(default_factory=DiarizationOptions)
    assembly: AssemblyOptions = Field(default_factory=AssemblyOptions)
    naming: NamingOptions = Field(default_factory=NamingOptions)
    diarize: bool = Field(default=True, description="Tell speakers apart (False: one speaker).")
    make_proxy: bool = Field(default=True, description="Make the web-playable MP4 proxy.")
    acta_lang: str = Field(
        default="es",
        pattern="^(es|ca|gl|eu)$",
        description="Language of the acta's labels and template: es, ca, gl or eu.",
    )
    acta_interventions: str = Field(
        default="synthesis",
        pattern="^(synthesis|verbatim)$",
        description="synthesis: each intervention's summary where it has one; verbatim: "
        "always its words.",
    )


class JobSpec(BaseModel):
    """What one run of the graph is made of: the original, the session, options and data.

    ``original`` is a storage key (or ``ext:/path`` for a file read in place).
    ``run_id`` names the run's step pointers (a record of what the run used, never
    what decides that a step is done): the job id in the service; for the command
    line, a digest of everything else.
    Voice profiles come in as data (from the council's database, or the local store).
    The spec is frozen when the job starts (the service stores it with the job), models
    included, so every step of one job works on the same inputs and the same models.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str = ""
    original: str
    file_name: str
    session: dict[str, Any] = Field(default_factory=dict)
    options: ProcessOptions = Field(default_factory=ProcessOptions)
    profiles: tuple[dict[str, Any], ...] = ()
    video_url_template: str = ""
    # A DOCX template for the acta given to this run (plenaria process --acta-template);
    # empty: the acta_templates folder's acta-<lang>.docx, else Plenaria's own. Not an
    # option a client of the API can set: it names a file of the machine.
    acta_template: str = ""
    # The language model that summarises each intervention (PLENARIA_SUMMARY_MODEL, a
    # folder of the workers); empty: extractive summaries only.
    summary_model: str = ""
    asr_model: str = Field(
        default="",
        description="The speech recogniser every chunk is transcribed with, part of their keys: "
        "the loaded model's id on the command line (backend/name@weights/compute type); in the "
        "service the backend and model name set when the job was created (backend:name), "
        "which each worker loads. Empty: the worker's own model.",
    )
    diarizer_model: str = Field(
        default="",
        description="The diarization model, likewise (the model id, or the backend's name "
        "in the service); ``none``: no diarizer, one speaker.",
    )
    live: bool = Field(
        default=False,
        description="A live session: its ``record`` step writes probe, audio, speech and the "
        "chunk plan as the stream comes, and each chunk is transcribed as soon as it closes.",
    )

    def with_run_id(self) -> JobSpec:
        if self.run_id:
            return self
        exclude = {"run_id"} if self.live else {"run_id", "live"}
        digest = cache_key("run/1", self.model_dump(mode="json", exclude=exclude))
        return self.model_copy(update={"run_id": digest[:24]})

    @property
    def effective_options(self) -> ProcessOptions:
        """The options with the session's vocabulary given to the recogniser."""
        vocabulary = tuple(str(v) for v in self.session.get("vocabulary", ()))
        if not vocabulary or self.options.transcription.vocabulary:
            return self.options
        transcription = self.options.transcription.model_copy(update={"vocabulary": vocabulary})
        return self.options.model_copy(update={"transcription": transcription})
