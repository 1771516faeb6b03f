"""deploy/systemd and deploy/env as a store installs them: every unit passes ``systemd-analyze verify``,
settings are read with ``EnvironmentFile=``, and the example env files mean the same to sh as to systemd.

``verify`` checks that each ``ExecStart`` binary exists and is executable. The units point at
``/opt/fitroom/venv`` (where docs/install.md installs the wheel); here the test's copies point at the
virtualenv running the tests instead, which has the same console scripts. Nothing else is changed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require

UNITS = sorted((ROOT / "deploy" / "systemd").glob("fitroom-*"))
ENV_EXAMPLES = sorted((ROOT / "deploy" / "env").glob("*.env.example"))
INSTALL_PREFIX = "/opt/fitroom/venv/"


def test_there_are_units_to_verify() -> None:
    names = {unit.name for unit in UNITS}
    assert {"fitroom-edge.service", "fitroom-central.service", "fitroom-edge-backup.timer"} <= names


def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    require(bool(shutil.which("systemd-analyze")), "systemd-analyze (apt-get install systemd)")
    here = f"{sys.prefix}/"
    for name in ("fitroom-edge", "fitroom-central"):
        assert os.access(f"{here}bin/{name}", os.X_OK), f"{name} is not installed in {here}"
    copies = []
    for unit in UNITS:
        text = unit.read_text()
        if unit.suffix == ".service":
            assert INSTALL_PREFIX in text, f"{unit.name}: ExecStart is not under {INSTALL_PREFIX}"
        copy = tmp_path / unit.name
        copy.write_text(text.replace(INSTALL_PREFIX, here))
        copies.append(str(copy))
    done = subprocess.run(["systemd-analyze", "verify", *copies], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # verify only warns about unknown keys and bad values: any word from it is a defect.
    assert done.stderr.strip() == "" and done.stdout.strip() == "", done.stderr + done.stdout


@pytest.mark.parametrize("unit", [u for u in UNITS if u.suffix == ".service"], ids=lambda u: u.name)
def test_services_read_their_settings_with_environmentfile(unit: Path) -> None:
    text = unit.read_text()
    assert re.search(r"^EnvironmentFile=/etc/fitroom/(edge|central)\.env$", text, re.M)
    assert "Environment=FITROOM_" not in text  # no setting, and so no secret, in a unit file


def test_no_documented_command_hands_an_env_file_to_env_by_cat() -> None:
    # `env $(cat file | xargs)` passes the file's comment lines to env; the docs use set -a; . file.
    docs = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "deploy").rglob("*")]
    for path in docs:
        if path.is_file() and path.suffix not in {".db", ".crt", ".key"}:
            text = path.read_text(errors="replace")
            assert "| xargs" not in text and "env $(cat" not in text, path


def _systemd_values(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as EnvironmentFile= reads them: comments skipped, one pair of double quotes off."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[key] = value
    return values


@pytest.mark.parametrize("example", ENV_EXAMPLES, ids=lambda p: p.name)
def test_the_env_examples_mean_the_same_sourced_by_sh_as_read_by_systemd(example: Path) -> None:
    done = subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; set +a; exec env -0', "sh", str(example)],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    sourced = dict(item.split("=", 1) for item in done.stdout.split("\0") if "=" in item)
    expected = _systemd_values(example)
    assert expected
    assert {k: sourced.get(k) for k in expected} == expected


def test_the_install_guide_names_only_commands_that_exist() -> None:
    from cloud_sync.central.cli import build_parser
    from edge.cli import COMMANDS

    guide = (ROOT / "docs" / "install.md").read_text()
    # As run: from the venv, in the container, or quoted inline.
    edge_used = set(re.findall(r"(?:venv/bin/|exec edge |`)fitroom-edge ([a-z][a-z-]+)", guide))
    assert {"backup", "restore", "mirror-token"} <= edge_used <= set(COMMANDS), edge_used - set(COMMANDS)
    central = next(a.choices for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    central_used = set(re.findall(r"(?:venv/bin/|--rm migrate\s+|`)fitroom-central ([a-z][a-z-]+)", guide))
    assert central_used and central_used <= set(central), central_used - set(central)
    for flag in re.findall(r"make_acl\.py [^\n]*", guide):
        for option in re.findall(r"--[a-z-]+", flag):
            assert option in (ROOT / "deploy" / "mosquitto" / "make_acl.py").read_text()
