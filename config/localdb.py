"""The project's private PostgreSQL cluster, used when DATABASE_URL is not set.

    python -m config.localdb start | stop | status | destroy | url | psql

The cluster lives in `.pg/` of the checkout (git-ignored) and listens on a Unix
socket only (`listen_addresses = ''`), in a directory only the server's OS user
may enter, so `trust` authentication admits nobody else. PostgreSQL refuses to
run as root: run as root, the server runs as the `postgres` OS user (created by
Debian's package, or here when missing) and every server command goes through
`runuser`. Run as a normal user, the server runs as that user.

Commits are durable (PostgreSQL's default `synchronous_commit = on`): a booking the
API confirmed survives a crash of the server or the machine. `start` after a crash
waits for the dead server's processes to go and for crash recovery, then succeeds.
`Cluster` is one such cluster in any directory (tests/abuse starts one to crash).

This module uses only the standard library: the Makefile calls it before the
virtualenv's packages matter, and settings import `connection_settings()`.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from search.rum import ensure_rum

ROOT = Path(__file__).resolve().parent.parent
# RANGEBOOK_PG_DIR puts the cluster elsewhere (tests/abuse/test_crash.py crashes one there).
PG_DIR = Path(os.environ.get("RANGEBOOK_PG_DIR") or ROOT / ".pg").resolve()
DB_NAME = "rangebook"
DB_USER = "rangebook"
PORT = 5432
MIN_MAJOR = 14
SERVER_OS_USER = "postgres"
# A Unix socket path is limited to 107 bytes (sun_path); deep checkouts fall back to /tmp.
SOCKET_PATH_MAX = 100
# How long `start` waits for a crashed server's processes to go and for crash recovery.
START_TIMEOUT = 120


def socket_dir(pg_dir: Path | None = None) -> Path:
    """Directory of the server's Unix socket: `<pg_dir>/run`, or a short /tmp path."""
    pg_dir = PG_DIR if pg_dir is None else pg_dir
    preferred = pg_dir / "run"
    if len(str(preferred / f".s.PGSQL.{PORT}")) <= SOCKET_PATH_MAX:
        return preferred
    digest = hashlib.sha1(str(pg_dir if pg_dir != PG_DIR else ROOT).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"rangebook-{digest}"


def connection_settings() -> dict:
    """Django DATABASES['default'] entries for the embedded cluster."""
    return {"NAME": DB_NAME, "USER": DB_USER, "HOST": str(socket_dir()), "PORT": str(PORT)}


def database_url() -> str:
    return Cluster().url(DB_NAME)


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


def _check_reachable(pg_dir: Path) -> None:
    """As root, the server user must be able to enter the checkout (e.g. not under /root)."""
    if not _as_root():
        return
    probe = _run_server_cmd(["test", "-x", str(pg_dir)], capture_output=True)
    if probe.returncode != 0:
        sys.exit(
            f"The '{SERVER_OS_USER}' OS user cannot reach {pg_dir}: a parent directory is\n"
            "not searchable by other users. Move the checkout (for example under /work or\n"
            "/srv), make its parents searchable (chmod o+x), or set DATABASE_URL."
        )


# --- the cluster's life cycle --------------------------------------------------------


class Cluster:
    """A private PostgreSQL cluster in `pg_dir` (data, log and socket directory)."""

    def __init__(self, pg_dir: Path | None = None) -> None:
        self.pg_dir = PG_DIR if pg_dir is None else pg_dir
        self.data_dir = self.pg_dir / "data"
        self.log_file = self.pg_dir / "server.log"
        self.socket_dir = socket_dir(self.pg_dir)

    def url(self, database: str) -> str:
        return f"postgresql://{DB_USER}@/{database}?host={self.socket_dir}&port={PORT}"

    def _pg_ctl(self, bindir: str, *args: str, check: bool = True):
        cmd = [os.path.join(bindir, "pg_ctl"), "-D", str(self.data_dir), *args]
        return _run_server_cmd(cmd, check=check, capture_output=True, text=True)

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self, bindir: str) -> bool:
        """Whether a postmaster of this cluster is alive (maybe still starting)."""
        return self.initialised() and self._pg_ctl(bindir, "status", check=False).returncode == 0

    def is_ready(self, bindir: str) -> bool:
        """Whether the server accepts connections (not starting, recovering or stopping)."""
        probe = subprocess.run(
            [os.path.join(bindir, "pg_isready"), "-q", "-h", str(self.socket_dir),
             "-p", str(PORT), "-U", DB_USER, "-d", "postgres"], capture_output=True)
        return probe.returncode == 0

    def postmaster_pid(self) -> int | None:
        """The pid in postmaster.pid while that process lives (a zombie does not)."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError, IndexError):
            return None
        return None if state in ("Z", "X") else pid

    def start(self, *, quiet: bool = False) -> None:
        """Start the cluster (made first if new) and create the database; also right after
        a crash: waits for the old server's processes to go, then for crash recovery."""
        bindir = _server_bindir()
        if _as_root():
            _ensure_server_user()
        if not self.initialised():
            self._init(bindir)
        self._prepare_socket_dir()
        self._apply_tuned_settings(bindir)
        said = self._start_or_wait(bindir)
        if not quiet:
            print(f"Embedded PostgreSQL {said} (socket in {self.socket_dir}).", flush=True)
        self._retry(lambda: self.create_database(bindir, DB_NAME))

    def _start_or_wait(self, bindir: str) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        first, failure = True, None
        while time.monotonic() < deadline:
            if self.is_ready(bindir):
                return "already running" if first else "started"
            first = False
            if self.postmaster_pid() is not None:
                time.sleep(0.2)  # starting, recovering from a crash, or stopping
                continue
            self.log_file.touch()
            _chown_to_server(self.log_file)
            left = max(int(deadline - time.monotonic()), 1)
            result = self._pg_ctl(bindir, "start", "-w", "-t", str(left), "-l",
                                  str(self.log_file), check=False)
            if result.returncode == 0:
                return "started"
            # After a crash the postmaster refuses to start while the dead one's pid is
            # not yet reaped or its backends still hold the shared memory: try again.
            failure = result.stderr
            time.sleep(0.5)
        sys.exit(f"PostgreSQL did not start within {START_TIMEOUT} s; see {self.log_file}\n"
                 f"{failure or ''}")

    @staticmethod
    def _retry(action, attempts: int = 20):
        for attempt in range(attempts):
            try:
                return action()
            except subprocess.CalledProcessError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)

    def _psql(self, bindir: str, database: str, sql: str) -> str:
        return subprocess.run(
            [os.path.join(bindir, "psql"), "-X", "-q", "-h", str(self.socket_dir), "-p",
             str(PORT), "-U", DB_USER, "-d", database, "-tAc", sql],
            capture_output=True, text=True, check=True).stdout.strip()

    def create_database(self, bindir: str, name: str) -> None:
        if not self._psql(bindir, "postgres",
                          f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            self._psql(bindir, "postgres", f'CREATE DATABASE "{name}"')

    def stop(self, mode: str = "fast") -> bool:
        bindir = find_bindir()
        if bindir is None or not self.is_running(bindir):
            return False
        self._pg_ctl(bindir, "stop", "-m", mode, "-w")
        return True

    def kill(self) -> int | None:
        """SIGKILL the postmaster, as a crash would (tests); its pid, if it ran."""
        pid = self.postmaster_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        return pid

    def destroy(self) -> None:
        self.stop(mode="immediate")
        if self.pg_dir.exists():
            shutil.rmtree(self.pg_dir)

    def _init(self, bindir: str) -> None:
        self.pg_dir.mkdir(exist_ok=True)
        self.pg_dir.chmod(0o755)
        _check_reachable(self.pg_dir)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        _chown_to_server(self.data_dir)
        print(f"Initialising the embedded PostgreSQL cluster in {self.data_dir}", flush=True)
        _run_server_cmd(
            [os.path.join(bindir, "initdb"), "-D", str(self.data_dir), "-U", DB_USER,
             "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
            check=True, capture_output=True, text=True,
        )
        settings = {
            # Unix socket only: nothing listens on the network.
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "port": str(PORT),
            "timezone": "'UTC'",
            "max_connections": "200",
            # JIT compilation costs far more than it saves on this project's short queries.
            "jit": "off",
            **_tuned_settings(),
        }
        with open(self.data_dir / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
            conf.write("".join(f"{key} = {value}\n" for key, value in settings.items()))

    def _apply_tuned_settings(self, bindir: str) -> None:
        """Write _tuned_settings() into an existing cluster's postgresql.auto.conf (what
        ALTER SYSTEM writes). A running server reloads them; shared_buffers takes effect
        when it restarts."""
        conf = self.data_dir / "postgresql.auto.conf"
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
        if self.is_running(bindir):
            self._pg_ctl(bindir, "reload", check=False)
            if "shared_buffers" in changed:
                print(f"Set shared_buffers = {changed['shared_buffers']}: takes effect when "
                      "the server restarts (python -m config.localdb stop, then start).")

    def _prepare_socket_dir(self) -> None:
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        self.socket_dir.chmod(0o700)
        _chown_to_server(self.socket_dir)


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
    """Settings applied at initdb and on every start (they follow the machine).

    shared_buffers: 1/16 of the memory, between 256 MB and 2 GB (1.5 GB on 24 GiB). The
    benchmark database (10k resources, 1M bookings) is about 700 MB: with 256 MB its
    measurements read pages from the OS cache that steady-state traffic finds in memory.
    """
    memory = _memory_bytes() or 0
    megabytes = min(max(memory // 16 // 2**20, 256), 2048)
    # Durable commits: clusters made before this setting ran with `off`, which lost
    # bookings the API had confirmed when the server was killed.
    return {"shared_buffers": f"'{megabytes}MB'", "synchronous_commit": "on"}


def _server_bindir() -> str:
    """The server binaries, installed first when missing (and RUM for search, if it can)."""
    bindir = find_bindir()
    if bindir is None:
        install_server()
        bindir = find_bindir()
        if bindir is None:
            sys.exit("PostgreSQL was installed but no server binaries were found.")
    # RUM index for ranked search when installable as root; GIN otherwise (search/rum.py).
    ensure_rum(bindir)
    return bindir


def start() -> None:
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: using that server, starting nothing.")
        return
    Cluster().start()


def stop() -> None:
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: the embedded server is not in use.")
        return
    if Cluster().stop():
        print("Embedded PostgreSQL stopped.")
    else:
        print("Embedded PostgreSQL is not running.")


def status() -> int:
    bindir = find_bindir()
    cluster = Cluster()
    running = bindir is not None and cluster.is_running(bindir)
    print(f"Embedded PostgreSQL: {'running' if running else 'stopped'}; data in "
          f"{cluster.data_dir}")
    return 0 if running else 3


def destroy() -> None:
    cluster = Cluster()
    stop()
    if cluster.pg_dir.exists():
        shutil.rmtree(cluster.pg_dir)
        print(f"Removed {cluster.pg_dir}")


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
