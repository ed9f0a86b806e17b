"""The code is type-checked (mypy, configured in pyproject.toml) and lint-clean (ruff)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_type_errors_in_the_package() -> None:
    from mypy import api

    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "bot")])
    assert status == 0, out + err


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"^python3 -m venv \.venv && .*$", readme, flags=re.MULTILINE)


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    install_and_test = [c for c in _readme_commands() if c.endswith("python -m pytest")]
    assert len(install_and_test) == 1
    assert install_and_test[0] in ci


def test_both_readme_commands_install_the_tested_pins() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert all("-c constraints.txt" in c for c in commands)
    pins = (ROOT / "constraints.txt").read_text().split()
    names = {line.split("==")[0].lower() for line in pins}
    assert all("==" in line for line in pins)
    assert {"discord.py", "aiosqlite", "rank-bm25", "numpy", "onnxruntime"} <= names


def test_every_setting_is_in_the_readme_table_and_in_env_example() -> None:
    config = (ROOT / "bot" / "config.py").read_text()
    reads = r'(?:env\.get\(|_int\(env, |_optional_int\(env, |_time\(env, )"([A-Z_]+)"'
    read = set(re.findall(reads, config))
    readme = set(re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "README.md").read_text(), re.MULTILINE))
    example = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert {"EMBED_MODEL", "EMBED_MODEL_PATH", "DISCORD_TOKEN"} <= read
    assert read == readme == example
