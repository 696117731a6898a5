"""A throwaway PostgreSQL cluster started from the installed server binaries.

Runs ``initdb``/``pg_ctl`` as the ``postgres`` user when we are root (they refuse root), on a
private socket directory and a free loopback port. ``durable=False`` (the tests) turns fsync and
synchronous commit off for speed; the benchmark starts it durable, as production runs.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass

FAST_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
DURABLE_SETTINGS = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"


def find_bindir() -> str | None:
    """The directory holding ``pg_ctl`` (newest installed version first), or None."""
    for pg_ctl in sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True):
        return os.path.dirname(pg_ctl)
    found = shutil.which("pg_ctl")
    return os.path.dirname(found) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    bindir: str
    root: str
    port: int
    durable: bool = False

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # Fixed binaries from the PostgreSQL install, arguments built here: no untrusted input.
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,  # noqa: S603
                       stderr=subprocess.PIPE)

    @classmethod
    def start(cls, bindir: str, *, durable: bool = False,
              max_connections: int = 200) -> PgServer:
        """initdb + start; ``durable`` keeps fsync and synchronous commit on."""
        root = tempfile.mkdtemp(prefix="backroom-pg-")
        os.chmod(root, 0o755)  # noqa: S103 - the server runs as another user (postgres)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(root, pw.pw_uid, pw.pw_gid)
        server = cls(bindir=bindir, root=root, port=_free_port(), durable=durable)
        data = os.path.join(root, "data")
        try:
            # --no-sync only skips syncing initdb's own files; commits are governed below.
            server._run(os.path.join(bindir, "initdb"), "-A", "trust", "-U", "postgres", "-D",
                        data, "-E", "UTF8", "--no-sync")
            opts = (f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 "
                    f"{DURABLE_SETTINGS if durable else FAST_SETTINGS} "
                    f"-c max_connections={max_connections} -c shared_buffers=128MB")
            server._run(os.path.join(bindir, "pg_ctl"), "-D", data, "-o", opts, "-l",
                        os.path.join(root, "log"), "-w", "start")
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    def stop(self) -> None:
        try:
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", os.path.join(self.root, "data"),
                      "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
