"""Run a command with a throwaway PostgreSQL cluster, then remove the cluster.

    python scripts/with_postgres.py -- python -m pytest -q

initdb + pg_ctl on a temporary directory, listening on a free port of 127.0.0.1 (and a
unix socket in that directory); PEDIDOS_TEST_POSTGRES_URL tells the tests where it is,
and PEDIDOS_REQUIRE_POSTGRES=1 that they may not run without it (tests/postgres.py).
The cluster is stopped and deleted afterwards, also when the command fails or is
interrupted. As root (CI), the cluster runs as the `postgres` system user, since
PostgreSQL refuses to run as root. The command's exit status is returned; when the
cluster cannot be made or started the command is not run and the status is 1, so
`make test` fails instead of quietly testing SQLite alone.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile


def find(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), reverse=True)
    if candidates:
        return candidates[0]
    if os.geteuid() == 0 and shutil.which("apt-get"):  # a machine without PostgreSQL yet
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True)
        return find(tool)
    sys.exit(f"with_postgres: {tool} not found; install PostgreSQL (15 or newer)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(command: list[str]) -> int:
    initdb, pg_ctl = find("initdb"), find("pg_ctl")
    folder = tempfile.mkdtemp(prefix="pedidos-pg-")
    data = os.path.join(folder, "data")
    as_user: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    log = os.path.join(folder, "server.log")
    quiet = {"stdout": subprocess.DEVNULL}
    try:
        try:
            init = ["-D", data, "-A", "trust", "-U", "pedidos", "-E", "UTF8", "--no-locale"]
            subprocess.run(
                [*as_user, initdb, *init],
                check=True,
                **quiet,
            )
            options = (
                f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            subprocess.run(
                [*as_user, pg_ctl, "-D", data, "-o", options, "-l", log, "-w", "start"],
                check=True,
                **quiet,
            )
        except (subprocess.CalledProcessError, OSError) as error:
            print(f"with_postgres: PostgreSQL did not start ({error})", file=sys.stderr)
            if os.path.exists(log):
                with open(log, encoding="utf-8", errors="replace") as server_log:
                    sys.stderr.write("".join(server_log.readlines()[-20:]))
            return 1  # the tests are not run: without PostgreSQL they would prove less
        env = dict(os.environ)
        env["PEDIDOS_TEST_POSTGRES_URL"] = f"postgresql+asyncpg://pedidos@127.0.0.1:{port}/postgres"
        env["PEDIDOS_REQUIRE_POSTGRES"] = "1"
        print(f"with_postgres: throwaway PostgreSQL on 127.0.0.1:{port}", flush=True)
        return subprocess.run(command, env=env).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            subprocess.run(
                [*as_user, pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"],
                check=False,
                **quiet,
            )
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit("usage: with_postgres.py -- COMMAND [ARGS...]")
    sys.exit(main(args))
