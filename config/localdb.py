"""The project's private PostgreSQL cluster, used when DATABASE_URL is not set.

    python -m config.localdb start | stop | status | destroy | url | psql

The cluster lives in `.pg/` of the checkout (git-ignored) and listens on a Unix
socket only (`listen_addresses = ''`), in a directory only the server's OS user
may enter, so `trust` authentication admits nobody else. PostgreSQL refuses to
run as root: run as root, the server runs as the `postgres` OS user (created by
Debian's package, or here when missing) and every server command goes through
`runuser`. Run as a normal user, the server runs as that user.

This module uses only the standard library: the Makefile calls it before the
virtualenv's packages matter, and settings import `connection_settings()`.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from search.rum import ensure_rum

ROOT = Path(__file__).resolve().parent.parent
PG_DIR = ROOT / ".pg"
DATA_DIR = PG_DIR / "data"
LOG_FILE = PG_DIR / "server.log"
DB_NAME = "rangebook"
DB_USER = "rangebook"
PORT = 5432
MIN_MAJOR = 14
SERVER_OS_USER = "postgres"
# A Unix socket path is limited to 107 bytes (sun_path); deep checkouts fall back to /tmp.
SOCKET_PATH_MAX = 100


def socket_dir() -> Path:
    """Directory of the server's Unix socket: `.pg/run`, or a short /tmp path."""
    preferred = PG_DIR / "run"
    if len(str(preferred / f".s.PGSQL.{PORT}")) <= SOCKET_PATH_MAX:
        return preferred
    digest = hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"rangebook-{digest}"


def connection_settings() -> dict:
    """Django DATABASES['default'] entries for the embedded cluster."""
    return {"NAME": DB_NAME, "USER": DB_USER, "HOST": str(socket_dir()), "PORT": str(PORT)}


def database_url() -> str:
    return f"postgresql://{DB_USER}@/{DB_NAME}?host={socket_dir()}&port={PORT}"


# --- finding and installing the server binaries -------------------------------------


def _major(bindir: str) -> int:
    try:
        out = subprocess.run(
            [os.path.join(bindir, "postgres"), "--version"], capture_output=True, text=True
        ).stdout
        return int(out.split()[-1].split(".")[0])
    except (OSError, ValueError, IndexError):
        return 0


def find_bindir() -> str | None:
    """The newest PostgreSQL server bin directory on this machine (>= MIN_MAJOR)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    candidates += glob.glob("/usr/pgsql-*/bin") + ["/usr/local/pgsql/bin"]
    on_path = shutil.which("postgres")
    if on_path:
        candidates.append(os.path.dirname(os.path.realpath(on_path)))
    usable = [c for c in candidates if os.path.exists(os.path.join(c, "initdb"))]
    usable = [c for c in usable if _major(c) >= MIN_MAJOR]
    return max(usable, key=_major) if usable else None


def install_server() -> None:
    """Install Debian's PostgreSQL server package, or explain what to install."""
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("PostgreSQL server binaries not found: installing Debian's package.", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends",
             "postgresql", "postgresql-contrib"],
            check=True, env=env,
        )
        return
    sys.exit(
        "rangebook needs the PostgreSQL server binaries (version >= 14, with contrib).\n"
        "Install them, e.g. `sudo apt-get install postgresql postgresql-contrib` on\n"
        "Debian/Ubuntu, or set DATABASE_URL to use a server you already run."
    )


# --- running commands as the server's OS user ---------------------------------------


def _as_root() -> bool:
    return os.geteuid() == 0


def _ensure_server_user() -> None:
    try:
        pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             SERVER_OS_USER],
            check=True,
        )


def _run_server_cmd(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if _as_root():
        args = ["runuser", "-u", SERVER_OS_USER, "--", *args]
    return subprocess.run(args, **kwargs)


def _chown_to_server(path: Path) -> None:
    if _as_root():
        shutil.chown(path, SERVER_OS_USER, SERVER_OS_USER)


def _check_reachable(bindir: str) -> None:
    """As root, the server user must be able to enter the checkout (e.g. not under /root)."""
    if not _as_root():
        return
    probe = _run_server_cmd(["test", "-x", str(PG_DIR)], capture_output=True)
    if probe.returncode != 0:
        sys.exit(
            f"The '{SERVER_OS_USER}' OS user cannot reach {PG_DIR}: a parent directory is\n"
            "not searchable by other users. Move the checkout (for example under /work or\n"
            "/srv), make its parents searchable (chmod o+x), or set DATABASE_URL."
        )


# --- the cluster's life cycle --------------------------------------------------------


def _pg_ctl(bindir: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [os.path.join(bindir, "pg_ctl"), "-D", str(DATA_DIR), *args]
    return _run_server_cmd(cmd, check=check, capture_output=True, text=True)


def is_running(bindir: str) -> bool:
    if not (DATA_DIR / "PG_VERSION").exists():
        return False
    return _pg_ctl(bindir, "status", check=False).returncode == 0


def _init_cluster(bindir: str) -> None:
    PG_DIR.mkdir(exist_ok=True)
    PG_DIR.chmod(0o755)
    _check_reachable(bindir)
    DATA_DIR.mkdir(mode=0o700, exist_ok=True)
    _chown_to_server(DATA_DIR)
    print(f"Initialising the embedded PostgreSQL cluster in {DATA_DIR}", flush=True)
    _run_server_cmd(
        [os.path.join(bindir, "initdb"), "-D", str(DATA_DIR), "-U", DB_USER,
         "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True, text=True,
    )
    settings = {
        # Unix socket only: nothing listens on the network.
        "listen_addresses": "''",
        "unix_socket_directories": f"'{socket_dir()}'",
        "port": str(PORT),
        "timezone": "'UTC'",
        # A disposable development cluster: a crash may lose the last commits, never
        # corrupt (fsync stays on).
        "synchronous_commit": "off",
        "max_connections": "200",
        # JIT compilation costs far more than it saves on this project's short queries.
        "jit": "off",
        **_tuned_settings(),
    }
    with open(DATA_DIR / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
        conf.write("".join(f"{key} = {value}\n" for key, value in settings.items()))


def _memory_bytes() -> int | None:
    """Memory of this machine, or of its container when that is limited (cgroup v2)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    return total


def _tuned_settings() -> dict[str, str]:
    """Settings that follow the machine, applied at initdb and on every start.

    shared_buffers: 1/16 of the memory, between 256 MB and 2 GB (1.5 GB on 24 GiB). The
    benchmark database (10k resources, 1M bookings) is about 700 MB: with 256 MB its
    measurements read pages from the OS cache that steady-state traffic finds in memory.
    """
    memory = _memory_bytes() or 0
    megabytes = min(max(memory // 16 // 2**20, 256), 2048)
    return {"shared_buffers": f"'{megabytes}MB'"}


def _apply_tuned_settings(running: bool) -> None:
    """Write _tuned_settings() into an existing cluster's postgresql.auto.conf (what ALTER
    SYSTEM writes). shared_buffers takes effect when the server (re)starts: a running
    server is left alone, with a note."""
    conf = DATA_DIR / "postgresql.auto.conf"
    try:
        lines = conf.read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    wanted = _tuned_settings()
    current = {line.split("=", 1)[0].strip(): line.split("=", 1)[1].strip()
               for line in lines if "=" in line and not line.lstrip().startswith("#")}
    changed = {key: value for key, value in wanted.items() if current.get(key) != value}
    if not changed:
        return
    kept = [line for line in lines
            if line.lstrip().startswith("#") or line.split("=", 1)[0].strip() not in changed]
    kept += [f"{key} = {value}" for key, value in changed.items()]
    conf.write_text("\n".join(kept) + "\n", encoding="utf-8")
    if running:
        listed = ", ".join(f"{key} = {value}" for key, value in changed.items())
        print(f"Set {listed}: takes effect when the server restarts "
              "(python -m config.localdb stop, then start).")


def _prepare_socket_dir() -> None:
    sock = socket_dir()
    sock.mkdir(mode=0o700, exist_ok=True)
    sock.chmod(0o700)
    _chown_to_server(sock)


def start() -> None:
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: using that server, starting nothing.")
        return
    bindir = find_bindir()
    if bindir is None:
        install_server()
        bindir = find_bindir()
        if bindir is None:
            sys.exit("PostgreSQL was installed but no server binaries were found.")
    # RUM index for ranked search when installable as root; GIN otherwise (search/rum.py).
    ensure_rum(bindir)
    if _as_root():
        _ensure_server_user()
    if not (DATA_DIR / "PG_VERSION").exists():
        _init_cluster(bindir)
    _prepare_socket_dir()
    running = is_running(bindir)
    _apply_tuned_settings(running)
    if running:
        print(f"Embedded PostgreSQL already running (socket in {socket_dir()}).")
    else:
        LOG_FILE.touch()
        _chown_to_server(LOG_FILE)
        result = _pg_ctl(bindir, "start", "-w", "-t", "60", "-l", str(LOG_FILE), check=False)
        if result.returncode != 0:
            sys.exit(f"PostgreSQL did not start; see {LOG_FILE}\n{result.stderr}")
        print(f"Embedded PostgreSQL started (socket in {socket_dir()}).")
    _create_database(bindir)


def _create_database(bindir: str) -> None:
    psql = [os.path.join(bindir, "psql"), "-X", "-q", "-h", str(socket_dir()), "-p", str(PORT),
            "-U", DB_USER, "-d", "postgres", "-tAc"]
    exists = subprocess.run(
        [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run([*psql, f"CREATE DATABASE {DB_NAME}"], check=True)


def stop() -> None:
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: the embedded server is not in use.")
        return
    bindir = find_bindir()
    if bindir is None or not is_running(bindir):
        print("Embedded PostgreSQL is not running.")
        return
    _pg_ctl(bindir, "stop", "-m", "fast", "-w")
    print("Embedded PostgreSQL stopped.")


def status() -> int:
    bindir = find_bindir()
    running = bindir is not None and is_running(bindir)
    print(f"Embedded PostgreSQL: {'running' if running else 'stopped'}; data in {DATA_DIR}")
    return 0 if running else 3


def destroy() -> None:
    stop()
    if PG_DIR.exists():
        shutil.rmtree(PG_DIR)
        print(f"Removed {PG_DIR}")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        start()
    elif command == "stop":
        stop()
    elif command == "status":
        return status()
    elif command == "destroy":
        destroy()
    elif command == "url":
        print(os.environ.get("DATABASE_URL") or database_url())
    elif command == "psql":
        os.execvp("psql", ["psql", os.environ.get("DATABASE_URL") or database_url(), *argv[2:]])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
