"""The project as a Scrapyd egg, built in a temporary folder so the work tree stays clean.

`scrapyd-deploy` builds in the project folder and leaves build/, *.egg-info and a generated
setup.py behind; `build_egg()` copies what the distribution is made of (pyproject.toml, its readme,
the packages) into a temporary folder and runs bdist_egg there. Symlinks are followed while
copying, so the shipped templates (dataops_spiders/shipped_templates → templates/) go in as files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# pyproject.toml carries the whole configuration; bdist_egg still needs a setup.py to run.
SETUP_PY = "from setuptools import setup\n\nsetup()\n"
BUILD_TIMEOUT = 300  # seconds; a build takes a few on a laptop
# Scrapyd turns every other character of a version into "_" when it names the egg file.
VERSION_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


class EggBuildError(RuntimeError):
    """The egg could not be built; the message says why (and what setuptools printed)."""


def project_root(root: Path | None = None) -> Path:
    root = Path(root or PROJECT_ROOT)
    if not (root / "pyproject.toml").is_file():
        raise EggBuildError(
            f"the egg is built from the project's source tree; {root} has no pyproject.toml"
        )
    return root


def _distribution_entries(root: Path) -> list[str]:
    """The files and top-level folders the distribution is built from, read from pyproject."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted({p.split(".")[0].rstrip("*") for p in patterns})
    readme = config["project"].get("readme")
    readme = readme.get("file") if isinstance(readme, dict) else readme
    return [name for name in ("pyproject.toml", readme, *packages) if name]


def build_egg(root: Path | None = None) -> bytes:
    """Build the project's egg (code, settings entry point, shipped templates) and return it."""
    root = project_root(root)
    with tempfile.TemporaryDirectory(prefix="dataops-egg-") as tmp:
        stage = Path(tmp) / "project"
        stage.mkdir()
        for name in _distribution_entries(root):
            source = root / name
            if source.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(source, stage / name, ignore=ignore)
            elif source.is_file():
                shutil.copy2(source, stage / name)
            else:
                raise EggBuildError(f"pyproject.toml names {name}, which {root} does not have")
        (stage / "setup.py").write_text(SETUP_PY)
        dist = Path(tmp) / "dist"
        command = [sys.executable, "setup.py", "--quiet", "bdist_egg", "--dist-dir", str(dist)]
        try:
            run = subprocess.run(
                command, cwd=stage, capture_output=True, text=True, timeout=BUILD_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            raise EggBuildError(f"bdist_egg took more than {BUILD_TIMEOUT} s") from None
        eggs = sorted(dist.glob("*.egg"))
        if run.returncode or len(eggs) != 1:
            output = (run.stderr or run.stdout).strip()[-2000:]
            raise EggBuildError(f"bdist_egg failed (exit {run.returncode}):\n{output}")
        return eggs[0].read_bytes()


def egg_version(root: Path | None = None) -> str:
    """A version for addversion: the UNIX time, then `git describe` when the tree is a checkout.

    Scrapyd runs the highest version and sorts versions as text when they are not PEP 440, so the
    fixed-width timestamp comes first: the latest deploy is always the one that runs.
    """
    stamp = str(int(time.time()))
    described = _git_describe(Path(root or PROJECT_ROOT))
    return f"{stamp}-{described}" if described else stamp


def _git_describe(root: Path) -> str:
    try:
        run = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):  # no git, or a hung repository
        return ""
    if run.returncode:
        return ""
    return VERSION_UNSAFE.sub("_", run.stdout.strip())
