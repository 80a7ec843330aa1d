"""The deployment files: the image serves the README's command, health-checked; config hardened."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

from analysis.limits import IngestLimits

ROOT = Path(__file__).resolve().parents[1]
HEALTH_PATH = "/_stcore/health"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list), f"not the exec (JSON) form: {arguments}"
    return [str(part) for part in value]


def _readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.strip()]


def test_the_image_runs_the_readme_command() -> None:
    commands = [_exec_form(rest) for word, rest in _instructions() if word == "CMD"]
    assert len(commands) == 1
    command = commands[0]
    # Replicas behind the sticky proxy (dashboard/serve.py), as many as DASHBOARD_REPLICAS.
    serve = ["python", "-m", "dashboard", "serve"]
    assert command == [*serve, "--port", "8501", "--address", "0.0.0.0"]
    assert command in _readme_commands(), "README's Host it shows another run command"
    assert not any(word == "ENTRYPOINT" for word, _ in _instructions())


def test_the_health_check_asks_streamlit_on_the_served_port() -> None:
    (check,) = [rest for word, rest in _instructions() if word == "HEALTHCHECK"]
    options, _, probe = check.partition("CMD ")
    assert "--interval=" in options
    probe_text = " ".join(_exec_form(probe))
    assert f"http://127.0.0.1:8501{HEALTH_PATH}" in probe_text
    exposed = [rest for word, rest in _instructions() if word == "EXPOSE"]
    assert exposed == ["8501"]


def test_the_image_runs_as_a_user_with_debian_browser_fonts_and_volumes() -> None:
    instructions = _instructions()
    base = next(rest for word, rest in instructions if word == "FROM")
    assert base.startswith(("python:3.11-slim", "debian:bookworm"))
    installs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert re.search(r"apt-get install [^&]*\bchromium\b[^&]*\bfonts-noto-cjk\b", installs)
    assert "pip install -r requirements.txt" in installs
    users = [rest for word, rest in instructions if word == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    environment = " ".join(rest for word, rest in instructions if word == "ENV")
    assert re.search(r"DASHBOARD_REPLICAS=[1-9]", environment)
    cache = re.search(r"DASHBOARD_CACHE_DIR=(\S+)", environment)
    library = re.search(r"DASHBOARD_CORPUS_DIR=(\S+)", environment)
    assert cache is not None
    assert library is not None
    (volumes,) = [_exec_form(rest) for word, rest in instructions if word == "VOLUME"]
    assert sorted(volumes) == sorted([cache.group(1), library.group(1)])


def test_community_cloud_gets_the_same_system_packages() -> None:
    lines = (ROOT / "packages.txt").read_text(encoding="utf-8").split()
    assert sorted(lines) == ["chromium", "fonts-noto-cjk"]


def test_streamlit_config_is_hardened() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server, client = config["server"], config["client"]
    assert server["enableXsrfProtection"] is True
    # CORS protection stays on: False would send Access-Control-Allow-Origin: *.
    assert server["enableCORS"] is True
    assert server["enableStaticServing"] is False
    assert server["headless"] is True
    assert client["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
    # Streamlit counts maxUploadSize in MiB; one file may be as large as a whole upload.
    assert server["maxUploadSize"] * 1024 * 1024 == IngestLimits().upload_bytes


def test_readme_host_it_names_the_prebuild_command_and_the_caveats() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Host it") :]
    section = section[: section.index("\n## ", 1)]
    assert ["python", "-m", "analysis", "index", "--library", "/data/library"] in [
        command[-6:] for command in _readme_commands()
    ]
    for needed in ("DASHBOARD_CORPUS_DIR", "DASHBOARD_CACHE_DIR", "/media/", "read-only"):
        assert needed in section
