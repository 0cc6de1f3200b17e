"""Node packages the tests drive (GraphiQL's scripts, the graphql-ws client), installed
from their package-lock.json by `make test`, or here once if it has not run."""

import shutil
import subprocess
from pathlib import Path

import pytest

NPM_CI = ("ci", "--no-audit", "--no-fund")


def npm_ci(prefix: Path, package: str, *flags: str) -> Path:
    """prefix/node_modules, with `package` in it: `npm ci` there unless it is already
    installed; skips the test without npm, fails when the install fails."""
    modules = prefix / "node_modules"
    if (modules / package).is_dir():
        return modules
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"npm is not installed: {package} comes from the npm registry")
    command = [npm, *NPM_CI, *flags, "--prefix", str(prefix)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"`{' '.join(command)}` failed:\n{done.stderr}")
    return modules
