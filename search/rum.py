"""Install the RUM index extension (Debian's postgresql-<major>-rum) for the embedded server.

    python -m search.rum /usr/lib/postgresql/15/bin

Search works without it (GIN plus ranking every match); with it, `ORDER BY document <=>
query LIMIT k` comes ranked from the index. Like config/localdb.py this module uses only the
standard library, so the set-up can call `ensure_rum(bindir)` before the virtualenv exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def rum_available(bindir: str) -> bool:
    """Whether the server of `bindir` can CREATE EXTENSION rum."""
    return (_sharedir(bindir) / "extension" / "rum.control").exists()


def ensure_rum(bindir: str) -> bool:
    """Make RUM available to the server of `bindir` if possible; whether it is.

    Installs `postgresql-<major>-rum` when running as root with apt-get, and only when that
    does not upgrade the server itself (the package pulls the matching minor version, which
    would leave a running server on replaced binaries). Never fails: without RUM the
    search index is GIN.
    """
    if rum_available(bindir):
        return True
    major = _major(bindir)
    if not (major and os.geteuid() == 0 and shutil.which("apt-get")):
        return False
    package = f"postgresql-{major}-rum"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    plan = _simulate(package, env)
    if plan.returncode != 0:  # no package lists yet on a fresh machine
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
        plan = _simulate(package, env)
    if plan.returncode != 0 or f"Inst postgresql-{major} " in plan.stdout:
        print(f"{package} is not installable without changing the server: using GIN.",
              flush=True)
        return False
    print(f"Installing {package} (RUM index for search).", flush=True)
    done = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", package],
                          env=env, capture_output=True, text=True)
    return done.returncode == 0 and rum_available(bindir)


def _simulate(package: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["apt-get", "install", "-s", "--no-install-recommends", package],
                          capture_output=True, text=True, env=env)


def _major(bindir: str) -> int | None:
    try:
        out = subprocess.run([os.path.join(bindir, "postgres"), "--version"],
                             capture_output=True, text=True).stdout
        return int(out.split()[-1].split(".")[0])
    except (OSError, ValueError, IndexError):
        return None


def _sharedir(bindir: str) -> Path:
    """The server's share directory (Debian: /usr/share/postgresql/<major>)."""
    pg_config = os.path.join(bindir, "pg_config")
    if os.path.exists(pg_config):
        out = subprocess.run([pg_config, "--sharedir"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    return Path(f"/usr/share/postgresql/{_major(bindir)}")


if __name__ == "__main__":
    sys.exit(0 if ensure_rum(sys.argv[1]) else 1)
