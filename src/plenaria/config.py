"""Settings: one class, read from the environment (``PLENARIA_*``) and ``.env``.

Nothing is built at import time: call :func:`get_settings`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "plenaria"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "plenaria"


DEV_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    """Deployment settings. Every field can be set as ``PLENARIA_<NAME>``."""

    model_config = SettingsConfigDict(
        # Other variables in .env (POSTGRES_*, ...) belong to other programs: ignored.
        env_prefix="PLENARIA_",
        env_file=".env",
        extra="ignore",
        frozen=True,
    )

    env: Literal["dev", "production"] = Field(
        default="dev",
        description="production refuses to start with a default secret or an unsafe setting.",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Chunk results, assembled bundled models and other reusable work.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Data kept between runs: the roster and voice profiles.",
    )
    models_dir: Path | None = Field(
        default=None,
        description="Directory holding model directories by name (e.g. large-v3/). "
        "Defaults to <cache_dir>/models.",
    )
    allow_network: bool = Field(
        default=False, description="Allow downloading models from the hub (off by default)."
    )

    # Speech recognition
    asr_backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    whisper_model: str = Field(
        default="base", description="A model name (under models_dir) or a path to a model."
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str = Field(
        default="default",
        description="CTranslate2 compute type; default: int8 on CPU, float16 on GPU.",
    )
    cpu_threads: int = Field(default=0, ge=0, description="0: one per core.")
    detect_languages: str = Field(
        default="",
        description="The council's languages, comma-separated (ca,es): `plenaria process` and "
        "`plenaria live` without --language transcribe each turn in its own among them. "
        "Empty: any language, detected.",
    )

    @field_validator("detect_languages")
    @classmethod
    def _language_list(cls, value: str) -> str:
        codes = [c.strip().lower() for c in value.split(",") if c.strip()]
        for code in codes:
            if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
                raise ValueError(
                    f"{code!r} no es un código de idioma: escriba códigos separados por comas, "
                    "p. ej. ca,es"
                )
        return ",".join(dict.fromkeys(codes))

    @property
    def detect_language_codes(self) -> tuple[str, ...]:
        """``detect_languages`` parsed: ``("ca", "es")``; empty: any language."""
        return tuple(c for c in self.detect_languages.split(",") if c)

    # Diarization
    diarization_backend: Literal["embedded", "pyannote", "none"] = "embedded"
    pyannote_pipeline: str = Field(
        default="", description="Local directory of a pyannote pipeline, or a hub name."
    )
    hf_token: SecretStr | None = None

    # Outputs
    video_url_template: str = Field(
        default="",
        description="Link for each intervention in the acta, with {session} and {seconds}, "
        "e.g. https://sede.example.es/plenos/{session}?t={seconds}. "
        "Empty: link to the proxy video file next to the acta.",
    )
    acta_templates: Path | None = Field(
        default=None,
        description="A folder of the council's own acta templates (docxtpl), acta-es.docx, "
        "acta-ca.docx, acta-gl.docx, acta-eu.docx; a language without one uses Plenaria's.",
    )

    @field_validator("acta_templates", mode="before")
    @classmethod
    def _no_folder_when_empty(cls, value: object) -> object:
        return None if value == "" else value  # compose passes an unset variable as ""

    summary_model: str = Field(
        default="",
        description="A folder with a CTranslate2 generator model and its tokenizer.json: the "
        "workers that assemble transcripts summarise each long intervention with it. "
        "Empty: extractive summaries, no model.",
    )
    public_base_url: str = Field(
        default="",
        description="The portal's address as citizens reach it (https://sede.example.es), "
        "for the feed and the sitemap; empty: the address of each request.",
    )
    portal_piece_words: int = Field(
        default=1500,
        ge=1,
        description="The portal's session page holds the transcript in pieces of about this "
        "many words; the others load as the reader or the video gets there.",
    )
    open_data_license: str = Field(
        default="https://creativecommons.org/licenses/by/4.0/",
        description="The licence of the portal's open data (its address), in the DCAT-AP-ES "
        "catalogue and on the session pages.",
    )
    timezone: str = Field(
        default="Europe/Madrid",
        description="IANA time zone the pages show times in (Atlantic/Canary in the Canaries).",
    )

    # The service
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET),
        description="Signs session cookies and CSRF tokens. Required in production.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL, e.g. postgresql://user:pw@db/plenaria. "
        "Empty: SQLite at <data_dir>/plenaria.db.",
    )
    broker_url: str = Field(
        default="",
        description="Celery broker, e.g. redis://redis:6379/0. "
        "Empty: kombu's filesystem broker under <data_dir>/broker (one machine).",
    )
    storage_dir: Path | None = Field(
        default=None,
        description="Uploads, artifacts and outputs: a volume every process sees. "
        "Default: <data_dir>/storage.",
    )
    max_upload_bytes: int = Field(
        default=20 * 1024**3, ge=1, description="Largest accepted upload, bytes (413 above)."
    )
    cache_max_bytes: int = Field(
        default=50 * 1024**3,
        ge=0,
        description="plenaria cache clean removes the oldest recordings' work above this.",
    )
    task_time_limit_s: int = Field(
        default=4 * 3600, ge=10, description="Hard time limit of one worker task, seconds."
    )
    visibility_timeout_s: int = Field(
        default=5 * 3600,
        ge=60,
        description="Redis: seconds before an unacknowledged task is redelivered; "
        "longer than the longest task.",
    )
    stale_after_s: float = Field(
        default=120.0,
        gt=0,
        description="The reconciler requeues a step whose worker has not reported for this "
        "long, and a queued step no worker took for this long.",
    )
    reconcile_every_s: float = Field(
        default=30.0, gt=0, description="Seconds between two passes of the reconciler."
    )
    login_attempts_per_minute: int = Field(
        default=30,
        ge=1,
        description="Login attempts allowed per minute from one client address, all accounts "
        "together (a successful login is not counted).",
    )
    login_free_failures: int = Field(
        default=5,
        ge=1,
        description="Failed logins of one account (from any address) before it must wait: "
        "then 1, 2, 4 ... seconds after each further failure, up to login_backoff_max_s.",
    )
    login_backoff_max_s: int = Field(
        default=900, ge=1, description="Longest wait of an account after failed logins, seconds."
    )
    login_max_concurrent_hashes: int = Field(
        default=4,
        ge=1,
        description="Password checks (64 MiB Argon2 hashes) at once per API process; "
        "a login beyond them is answered 503 with Retry-After.",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses or CIDR networks of reverse proxies whose "
        "X-Forwarded-For is believed; from any other peer it is ignored.",
    )
    queue_routes: str = Field(
        default="",
        description="Where steps run, as step=queue pairs over the defaults (probe, audio, "
        "speech, plan and proxy on media; transcribe on asr; diarize on diarization; name, "
        "assemble and outputs on default), e.g. diarize=asr to diarize on the GPU workers.",
    )
    live_max_s: float = Field(
        default=28800.0,
        gt=0,
        description="Longest live session, seconds: its recorder stops there (and its worker "
        "task's time limit is this plus 30 minutes).",
    )
    live_rtmp_host: str = Field(
        default="127.0.0.1",
        description="The address live workers listen on for RTMP pushes (0.0.0.0: every "
        "interface).",
    )
    live_rtmp_public_host: str = Field(
        default="",
        description="The host name encoders publish to; empty: live_rtmp_host, or the API's "
        "own host name when that is 0.0.0.0.",
    )
    live_rtmp_ports: str = Field(
        default="1935-1944",
        description="Ports for RTMP pushes, first-last: one per live session at a time.",
    )
    live_allowed_hosts: str = Field(
        default="",
        description="Hosts a live session may pull from although they are internal "
        "(loopback, private, link-local...): host names and networks (CIDR), comma-separated.",
    )
    live_rtmp_publish_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Seconds an RTMP client has to publish with the stream key before the "
        "push gate closes its connection.",
    )
    cookie_secure: bool = Field(
        default=False,
        description="Send the session cookie over HTTPS only, named __Host-plenaria_session "
        "(required in production).",
    )
    autosave_window_s: float = Field(
        default=300.0,
        ge=0,
        description="Saves by the same clerk within this many seconds of their own latest "
        "version replace it instead of adding one (0: every save is a version).",
    )
    transcript_snapshot_every: int = Field(
        default=20,
        ge=1,
        description="A transcript version is stored whole at least once every this many "
        "versions; the others store only their changes against their parent (1: all whole).",
    )
    # Limits and exposure of the service (plenaria.api.security)
    max_body_bytes: int = Field(
        default=32 * 1024**2,
        ge=1024,
        description="Largest request body, bytes (413 above); the tus upload PATCH is exempt.",
    )
    verify_max_bytes: int = Field(
        default=20 * 1024**2,
        ge=1024,
        description="Largest file the public page /verificar hashes, bytes (413 above).",
    )
    # The acta's electronic signature (plenaria.acts.signing)
    sign_pkcs12: Path | None = Field(
        default=None,
        description="PKCS#12 (.p12/.pfx) the secretary signs approved actas with when no "
        "certificate is uploaded with the request. The key never goes in the database.",
    )
    sign_pkcs12_password: SecretStr | None = Field(
        default=None, description="Password of PLENARIA_SIGN_PKCS12."
    )
    sign_tsa_url: str = Field(
        default="",
        description="RFC 3161 time-stamp authority (the sede's «sello de tiempo»): with it "
        "signatures are PAdES-B-T; without it, PAdES-B-B.",
    )
    sign_level: Literal["B-T", "B-LT"] = Field(
        default="B-LT",
        description="PAdES level when a TSA is configured: B-LT also embeds the chain's "
        "revocation data (CRLs, OCSP), so the signature can be checked after the "
        "certificate expires.",
    )
    sign_crls: str = Field(
        default="",
        description="CRL files (DER or PEM), comma-separated, embedded at PAdES-B-LT; "
        "empty: the CRLs and OCSP answers the certificates point at are fetched.",
    )
    sign_trust_roots: str = Field(
        default="",
        description="PEM files of the certificate authorities whose signatures the acta's "
        "signature checks and /verificar trust, comma-separated.",
    )
    frame_embed_paths: str = Field(
        default="/embed/",
        description="Path prefixes, comma-separated, whose pages other sites may frame; "
        "every other page forbids framing.",
    )
    max_event_streams_per_user: int = Field(
        default=6, ge=1, description="Job event streams one user may hold open (429 above)."
    )
    council_quota_bytes: int = Field(
        default=0,
        ge=0,
        description="Storage for one council's originals and outputs, bytes; an upload "
        "that would pass it is refused (413). 0: no quota.",
    )
    min_free_bytes: int = Field(
        default=2 * 1024**3,
        ge=0,
        description="Free disk space kept on the storage volume: an upload that would "
        "leave less is refused (507).",
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="/metrics answers a request with Authorization: Bearer this."
    )
    metrics_networks: str = Field(
        default="",
        description="Addresses or networks (CIDR, comma-separated) that may read /metrics "
        "without the token, e.g. 10.0.0.0/8.",
    )

    @property
    def routes(self) -> dict[str, str]:
        """``queue_routes`` parsed: step kind -> queue (checked in :meth:`check_safe`)."""
        routes: dict[str, str] = {}
        for pair in self.queue_routes.split(","):
            step, sep, queue = pair.partition("=")
            if sep:
                routes[step.strip()] = queue.strip()
        return routes

    @property
    def rtmp_ports(self) -> range:
        """``live_rtmp_ports`` parsed (checked in :meth:`check_safe`)."""
        first, _, last = self.live_rtmp_ports.partition("-")
        lo = int(first)
        return range(lo, int(last or first) + 1)

    @property
    def trusted_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """``trusted_proxies`` parsed (checked in :meth:`check_safe`)."""
        items = (p.strip() for p in self.trusted_proxies.split(","))
        return tuple(ip_network(p, strict=False) for p in items if p)

    @property
    def trust_root_paths(self) -> list[Path]:
        """``sign_trust_roots`` parsed."""
        return [Path(p.strip()) for p in self.sign_trust_roots.split(",") if p.strip()]

    @property
    def crl_paths(self) -> list[Path]:
        """``sign_crls`` parsed."""
        return [Path(p.strip()) for p in self.sign_crls.split(",") if p.strip()]

    @property
    def storage_path(self) -> Path:
        return self.storage_dir if self.storage_dir is not None else self.data_dir / "storage"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'plenaria.db'}"

    @property
    def broker(self) -> str:
        return self.broker_url or "filesystem://"

    def check_safe(self) -> None:
        """Production refuses to start on a default secret or an embedded database."""
        from plenaria.errors import ConfigError

        self._check_routes()
        self._check_rtmp_ports()
        self._check_trusted_proxies()
        self._check_timezone()
        if self.env != "production":
            return
        if not self.cookie_secure:
            raise ConfigError(
                "PLENARIA_COOKIE_SECURE no está activado en producción.",
                "Sirva la aplicación por HTTPS y ponga PLENARIA_COOKIE_SECURE=true.",
            )
        if self.secret_key.get_secret_value() in ("", DEV_SECRET):
            raise ConfigError(
                "PLENARIA_SECRET_KEY tiene el valor por defecto en producción.",
                "Ponga en PLENARIA_SECRET_KEY un valor aleatorio largo "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))').",
            )
        if len(self.secret_key.get_secret_value()) < 32:
            raise ConfigError(
                "PLENARIA_SECRET_KEY tiene menos de 32 caracteres.",
                "Use un valor aleatorio largo.",
            )

    def _check_rtmp_ports(self) -> None:
        from plenaria.errors import ConfigError

        try:
            ports = self.rtmp_ports
        except ValueError:
            ports = range(0)
        if not ports or ports.start < 1 or ports.stop > 65536:
            raise ConfigError(
                f"PLENARIA_LIVE_RTMP_PORTS vale {self.live_rtmp_ports!r}.",
                "Dé un rango de puertos primero-último, p. ej. 1935-1944.",
            )

    def _check_trusted_proxies(self) -> None:
        from plenaria.errors import ConfigError

        try:
            _ = self.trusted_networks
        except ValueError as e:
            raise ConfigError(
                f"PLENARIA_TRUSTED_PROXIES no es una lista de direcciones: {e}.",
                "Escriba direcciones IP o redes CIDR separadas por comas, "
                "p. ej. 127.0.0.1,10.0.0.0/8.",
            ) from e

    def _check_routes(self) -> None:
        from plenaria.errors import ConfigError

        steps: tuple[str, ...] = ("probe", "audio", "speech", "plan", "proxy", "transcribe")
        steps += ("diarize", "name", "assemble", "outputs", "record")
        queues = ("media", "asr", "diarization", "default", "live")
        for pair in (p.strip() for p in self.queue_routes.split(",") if p.strip()):
            step, _, queue = (x.strip() for x in pair.partition("="))
            if step not in steps or queue not in queues:
                raise ConfigError(
                    f"PLENARIA_QUEUE_ROUTES contiene {pair!r}, que no es un par paso=cola.",
                    f"Escriba pares paso=cola separados por comas; pasos: {', '.join(steps)}; "
                    f"colas: {', '.join(queues)}.",
                )

    def _check_timezone(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from plenaria.errors import ConfigError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ConfigError(
                f"PLENARIA_TIMEZONE vale {self.timezone!r}, que no es una zona horaria.",
                "Dé el nombre IANA de la zona, p. ej. Europe/Madrid o Atlantic/Canary.",
            ) from e

    @property
    def models_path(self) -> Path:
        return self.models_dir if self.models_dir is not None else self.cache_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment (and .env); a bad value is a ConfigError naming
    its variable, in Spanish, so the command line says it in one line."""
    from pydantic import ValidationError

    from plenaria.errors import ConfigError, validation_message

    try:
        return Settings()
    except ValidationError as e:
        first = e.errors()[0]
        name = "_".join(str(p) for p in first.get("loc", ())).upper()
        raise ConfigError(
            f"Ajuste no válido PLENARIA_{name}: {validation_message(first)}.",
            "Corríjalo en el entorno o en el archivo .env.",
        ) from e
