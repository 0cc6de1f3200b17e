"""`python -m config.serve [--host H] [--port P]`: what `make demo` serves, in one command:
the ASGI server (uvicorn) and, beside it, the task worker (booking/tasks.py: holds expire
on time). Ctrl-C stops both. In production run them as two services (README).
"""

import argparse
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
                                   "--host", args.host, "--port", args.port], cwd=ROOT)
        while True:
            try:
                return server.wait()
            except KeyboardInterrupt:  # uvicorn got the Ctrl-C too: wait for it to finish
                continue


if __name__ == "__main__":
    sys.exit(main())
