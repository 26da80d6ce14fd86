"""Run the development web server, a Celery worker and Celery beat together (`make run`).

Each child runs in a session (and so a process group) of its own: a terminal's Ctrl-C reaches
only this supervisor, which then stops every group itself, so nothing is left behind. A child
that dies stops the others and makes this script exit non-zero. Standard library only.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

DEMO_USERNAMES = ("admin", "finance", "manager", "manager2", "auditor", "sales1..sales5")
DEMO_PASSWORD = "huikuan-demo"

# A worker's warm shutdown lets the task in hand finish; give it that long before escalating.
GRACEFUL_STOP_SECONDS = 20
TERMINATE_STOP_SECONDS = 5
TICK_SECONDS = 0.2


def child_commands(addr: str) -> dict[str, list[str]]:
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    return {
        "web": [sys.executable, "manage.py", "runserver", addr],
        "worker": [*celery, "worker", "-l", "info", "--concurrency", "2"],
        "beat": [*celery, "beat", "-l", "info"],
    }


def log(message: str) -> None:
    print(f"[run_dev] {message}", flush=True)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def parse_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return host, int(port)


class Supervisor:
    def __init__(self, commands: dict[str, list[str]]):
        self.commands = commands
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_requests = 0

    def request_stop(self, signum, frame) -> None:
        self.stop_requests += 1

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for name, argv in self.commands.items():
            log(f"starting {name}: python {' '.join(argv[1:])}")
            # start_new_session: the terminal's Ctrl-C must not hit the children directly
            # (a Celery worker that receives two SIGINTs does a cold shutdown).
            self.children[name] = subprocess.Popen(
                argv, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, start_new_session=True
            )

    def first_exited(self) -> tuple[str, int] | None:
        for name, child in self.children.items():
            returncode = child.poll()
            if returncode is not None:
                return name, returncode
        return None

    def stop_all(self) -> bool:
        """Stop every child's process group; True if all stopped before SIGKILL was needed."""
        # SIGINT is what each program expects from a terminal's Ctrl-C, delivered to the whole
        # group: runserver's autoreloader child stops too, and Celery's pool processes ignore
        # it while their parent shuts them down gracefully.
        ladder = [
            (signal.SIGINT, GRACEFUL_STOP_SECONDS),
            (signal.SIGTERM, TERMINATE_STOP_SECONDS),
            (signal.SIGKILL, TERMINATE_STOP_SECONDS),
        ]
        requests_seen = self.stop_requests
        for step, (signum, timeout) in enumerate(ladder):
            alive = [child for child in self.children.values() if self._alive(child)]
            if not alive:
                return True
            if step:
                log(f"sending {signal.Signals(signum).name} to what is still running")
            for child in alive:
                signal_group(child.pid, signum)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if not any(self._alive(child) for child in self.children.values()):
                    return step == 0
                # Another Ctrl-C while stopping: go to the next step at once.
                if self.stop_requests > requests_seen:
                    requests_seen = self.stop_requests
                    break
                time.sleep(TICK_SECONDS)
        stragglers = [name for name, child in self.children.items() if self._alive(child)]
        if stragglers:
            log(f"could not stop: {', '.join(stragglers)}")
        return False

    @staticmethod
    def _alive(child: subprocess.Popen) -> bool:
        child.poll()  # reaps the group leader so it no longer counts as a member
        return group_alive(child.pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default="127.0.0.1:8000", help="runserver's [host:]port")
    args = parser.parse_args()
    host, port = parse_addr(args.addr if ":" in args.addr else f"127.0.0.1:{args.addr}")

    if port_open(host, port):
        log(f"{host}:{port} is already in use; stop what listens there or use `make run ADDR=...`")
        return 1

    supervisor = Supervisor(child_commands(args.addr))
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, supervisor.request_stop)

    exit_code = 0
    try:
        supervisor.start()
        announced = False
        while not supervisor.stop_requests:
            exited = supervisor.first_exited()
            if exited:
                name, returncode = exited
                log(f"{name} exited with code {returncode}; stopping the others")
                exit_code = returncode if returncode > 0 else 1
                break
            if not announced and port_open(host, port):
                announced = True
                base_url = f"http://{host}:{port}"
                print(
                    f"\nHuikuan is running at {base_url}/\n"
                    f"  admin:    {base_url}/admin/\n"
                    f"  API docs: {base_url}/api/docs/\n"
                    f"  demo logins (password {DEMO_PASSWORD}): {', '.join(DEMO_USERNAMES)}\n"
                    "  Ctrl-C stops the web server, the Celery worker and Celery beat.\n",
                    flush=True,
                )
            time.sleep(TICK_SECONDS)
    finally:
        log("stopping web, worker and beat")
        if not supervisor.stop_all() and exit_code == 0:
            exit_code = 1
    log("all stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
