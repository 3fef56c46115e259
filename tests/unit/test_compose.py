"""docker-compose.yml, the Dockerfile and the README's settings tables agree with the code.

Docker has no engine here, so the compose file is parsed: every Plenaria
service runs a real ``plenaria`` command (its options included), every
``${VAR}`` is documented, defaults equal the Settings' defaults, volumes and
dependencies are consistent, the GPU worker reserves a GPU. The README's table
of settings lists exactly the fields of ``plenaria.config.Settings``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr
from pydantic_core import PydanticUndefined
from typer.testing import CliRunner

from plenaria.cli import app
from plenaria.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
README = ROOT / "README.md"
DOCKERFILE = ROOT / "Dockerfile"

# The Plenaria commands the compose file runs. A service added with another command
# must be added here, so that the command is checked.
COMMANDS = {
    "migrate": ["plenaria", "db", "upgrade"],
    "api": ["plenaria", "api", "--host", "0.0.0.0", "--port", "8000"],
    "worker-cpu": ["plenaria", "worker", "--queues", "media,diarization,default"],
    "worker-gpu": [
        "plenaria", "worker", "--queues", "asr", "--device", "cuda", "--concurrency", "1",
    ],
    "worker-live": ["plenaria", "worker", "--queues", "live", "--concurrency", "4"],
}  # fmt: skip
# Settings the compose file sets itself (folders on volumes, the services' addresses).
FIXED_BY_COMPOSE = {
    "env",
    "secret_key",
    "database_url",
    "broker_url",
    "storage_dir",
    "data_dir",
    "cache_dir",
    "models_dir",
    "device",
}
# Where production's default differs from the code's on purpose.
# (In a container the RTMP gate listens on every interface; its ports are published.)
PRODUCTION_DEFAULTS = {"cookie_secure": "true", "live_rtmp_host": "0.0.0.0"}

_VAR = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def services() -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose()["services"]
    return result


def plenaria_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in services().items() if s.get("command", [None])[0] == "plenaria"}


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment as a mapping"
    return {k: str(v) for k, v in env.items()}


def variables() -> dict[str, tuple[str, str]]:
    """Every ``${VAR...}`` in the file: name -> (operator, default or message)."""
    found: dict[str, tuple[str, str]] = {}
    for name, op, value in _VAR.findall(COMPOSE.read_text(encoding="utf-8")):
        found.setdefault(name, (op, value))
    return found


def readme_section(title: str) -> str:
    """From the heading ``title`` to the next heading of the same or a higher level."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{title}\n") + len(title) + 2
    level = len(title) - len(title.lstrip("#"))
    following = re.search(rf"^#{{1,{level}}} ", text[start:], flags=re.MULTILINE)
    return text[start : start + following.start()] if following else text[start:]


def table_variables(section: str) -> list[str]:
    return re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, flags=re.MULTILINE)


SETTINGS_TABLE = "### Every Plenaria process (`plenaria.config.Settings`)"
COMPOSE_TABLE = "### `docker compose` only"


# -- commands ---------------------------------------------------------------------------------


def test_the_services_and_their_commands_are_the_ones_checked_here() -> None:
    assert set(services()) == {
        "postgres",
        "redis",
        "migrate",
        "api",
        "worker-cpu",
        "worker-gpu",
        "worker-live",
    }
    assert {n: s["command"] for n, s in plenaria_services().items()} == COMMANDS


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_a_real_plenaria_command(name: str) -> None:
    """``plenaria <command> <its options> --help``: an unknown command or option fails."""
    args = COMMANDS[name][1:]
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, f"plenaria {' '.join(args)}: {result.output}"
    assert "Uso:" in result.output  # Click's own words in Spanish (plenaria.cli.spanish)


# -- settings ---------------------------------------------------------------------------------


def test_every_plenaria_process_gets_every_setting() -> None:
    fields = {f"PLENARIA_{name.upper()}" for name in Settings.model_fields}
    for name, service in plenaria_services().items():
        env = environment(service)
        missing = fields - set(env)
        assert not missing, f"{name} lacks {sorted(missing)}"
        unknown = {k for k in env if k.startswith("PLENARIA_")} - fields
        assert not unknown, f"{name} sets {sorted(unknown)}, which are not settings"


def _default(name: str) -> str:
    field = Settings.model_fields[name]
    value = field.default
    if value is None or value is PydanticUndefined:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_defaults_in_compose_are_the_settings_defaults() -> None:
    for name in Settings.model_fields:
        if name in FIXED_BY_COMPOSE:
            continue
        var = f"PLENARIA_{name.upper()}"
        for service_name, service in plenaria_services().items():
            match = _VAR.fullmatch(environment(service)[var])
            assert match, f"{service_name}: {var} is not taken from the environment"
            assert match.group(1) == var and match.group(2) == ":-"
            expected = PRODUCTION_DEFAULTS.get(name, _default(name))
            assert match.group(3) == expected, f"{var}: {match.group(3)!r} != {expected!r}"


def test_secrets_are_required_not_defaulted() -> None:
    found = variables()
    for var in ("PLENARIA_SECRET_KEY", "POSTGRES_PASSWORD"):
        op, message = found[var]
        assert op == ":?" and message, f"{var} must be ${{{var}:?message}}"


def test_the_compose_environment_makes_valid_production_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = {"PLENARIA_SECRET_KEY": "k" * 48, "POSTGRES_PASSWORD": "abc123"}

    def resolve(value: str) -> str:
        def one(m: re.Match[str]) -> str:
            return given.get(m.group(1), m.group(3) if m.group(2) == ":-" else "")

        return _VAR.sub(one, value)

    # Every setting is set for each service (test above), so nothing leaks between them.
    for name, service in plenaria_services().items():
        env = {k: resolve(v) for k, v in environment(service).items()}
        with monkeypatch.context() as m:
            for key, value in env.items():
                m.setenv(key, value)
            settings = Settings(_env_file=None)  # type: ignore[call-arg]
        settings.check_safe()
        assert settings.env == "production"
        assert settings.database.startswith("postgresql://plenaria:abc123@postgres:5432/"), name
        assert settings.broker.startswith("redis://redis:6379/"), name
        assert isinstance(settings.secret_key, SecretStr)
        assert settings.device == ("cuda" if name == "worker-gpu" else "cpu"), name


def test_every_variable_is_documented_in_the_readme() -> None:
    documented = set(table_variables(readme_section("## Settings")))
    undocumented = set(variables()) - documented
    assert not undocumented, f"add to README's settings tables: {sorted(undocumented)}"
    compose_only = set(table_variables(readme_section(COMPOSE_TABLE)))
    assert compose_only <= set(variables()), "README documents compose variables not used"


def test_the_readme_settings_table_is_exactly_the_settings_fields() -> None:
    rows = table_variables(readme_section(SETTINGS_TABLE))
    fields = [f"PLENARIA_{name.upper()}" for name in Settings.model_fields]
    assert len(rows) == len(set(rows)), "a setting is listed twice"
    assert sorted(rows) == sorted(fields), (
        f"missing from README: {sorted(set(fields) - set(rows))}; "
        f"not settings: {sorted(set(rows) - set(fields))}"
    )


# -- volumes, dependencies, GPU ---------------------------------------------------------------


def _named_volumes(service: dict[str, Any]) -> dict[str, str]:
    mounts = {}
    for spec in service.get("volumes", []):
        source, target = str(spec).split(":")[:2]
        if not source.startswith((".", "/")):
            mounts[source] = target
    return mounts


def test_volumes_are_declared_used_and_shared() -> None:
    declared = set(compose()["volumes"])
    used = {v for s in services().values() for v in _named_volumes(s)}
    assert used == declared
    for name, service in plenaria_services().items():
        mounts = _named_volumes(service)
        env = environment(service)
        # The storage every process sees, and the folders on volumes, where the settings say.
        assert mounts["storage"] == env["PLENARIA_STORAGE_DIR"], name
        assert mounts["data"] == env["PLENARIA_DATA_DIR"], name
        assert mounts["models"] == env["PLENARIA_MODELS_DIR"], name


def test_dependencies_exist_are_healthy_and_wait_for_the_migration() -> None:
    all_services = services()
    for name, service in all_services.items():
        for dep, spec in service.get("depends_on", {}).items():
            assert dep in all_services, f"{name} depends on unknown {dep}"
            condition = spec["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in all_services[dep], f"{dep} has no healthcheck"
            elif condition == "service_completed_successfully":
                assert all_services[dep].get("restart") == "no", f"{dep} is not a one-shot"
    for name in ("api", "worker-cpu", "worker-gpu"):
        deps = all_services[name]["depends_on"]
        assert deps["migrate"] == {"condition": "service_completed_successfully"}, name
    assert all_services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "migrate" not in all_services["postgres"].get("depends_on", {})
    for name in ("api", "postgres", "redis"):
        assert all_services[name]["healthcheck"]["test"], name
    assert "/api/v1/health" in " ".join(all_services["api"]["healthcheck"]["test"])


def test_the_gpu_worker_reserves_an_nvidia_gpu_and_the_others_do_not() -> None:
    devices = services()["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert any(d["driver"] == "nvidia" and "gpu" in d["capabilities"] for d in devices)
    assert "cu" in services()["worker-gpu"]["build"]["args"]["TORCH_INDEX_URL"]
    for name, service in services().items():
        if name != "worker-gpu":
            assert "deploy" not in service, name


def test_dockerfile_installs_cpu_torch_first_then_the_extras_as_a_non_root_user() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, flags=re.MULTILINE)
    torch = text.index("torch==2.13.0")
    extras = text.index('".[asr,diarization,service]"')
    assert torch < extras
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in text
    users = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "imageio_ffmpeg" in text
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    assert "!src/" in ignored and "!pyproject.toml" in ignored
