"""`python -m config.serve [--host H] [--port P]`: what `make demo` serves, in one command:
the ASGI server (uvicorn) and, beside it, the task worker (booking/tasks.py: holds expire
on time). Ctrl-C stops both. In production run them as two services (README).
"""

import argparse
import signal
import subprocess
import sys

from config.loopback import ROOT, task_worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args(argv)
    with task_worker(env={}):
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "config.asgi:application",
                                   "--host", args.host, "--port", args.port], cwd=ROOT,
                                  start_new_session=True)
        # uvicorn runs in a session of its own, so Ctrl-C (or a kill of this process)
        # reaches it once, passed on from here: it shuts down gracefully, then the worker.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: server.send_signal(signum))
        return server.wait()


if __name__ == "__main__":
    sys.exit(main())
