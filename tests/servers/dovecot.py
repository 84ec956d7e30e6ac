"""A private Dovecot IMAP server, its mail users, and a TCP proxy that cuts connections.

Needs ``apt-get install -y dovecot-imapd`` (which brings ``openssl``). Dovecot runs from a
throw-away config on free loopback ports, so a system Dovecot on port 143 does not matter.
Works as root (login processes run as ``dovenull``, mail as ``nobody``) and as an ordinary
user (everything runs as that user).
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient

from .net import HOST, free_port, make_self_signed_cert, wait_for_port

PASSWORD = "secret"  # every test user's password (static passdb)


_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {host}
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
imap_id_log = *
{capability}
auth_failure_delay = 0
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
# No growing delays for 127.0.0.1 after a test's deliberate wrong password.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
"""


def _run_users() -> dict[str, str | int]:
    """Which users Dovecot's processes run as: dovecot refuses root for logins and mail."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        name, group = me.pw_name, grp.getgrgid(me.pw_gid).gr_name
        return dict(internal_user=name, internal_group=group, login_user=name,
                    mail_uid=me.pw_uid, mail_gid=me.pw_gid)

    def exists(user: str) -> bool:
        try:
            pwd.getpwnam(user)
            return True
        except KeyError:
            return False

    internal = "dovecot" if exists("dovecot") else "nobody"
    login = "dovenull" if exists("dovenull") else "nobody"
    nobody = pwd.getpwnam("nobody")
    return dict(internal_user=internal,
                internal_group=grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name,
                login_user=login, mail_uid=nobody.pw_uid, mail_gid=nobody.pw_gid)


class DovecotServer:
    """A private Dovecot: plain IMAP on ``port``, IMAPS on ``tls_port`` (cert in ``ca_file``)."""

    def __init__(self, capability: str | None = None) -> None:
        # mkdtemp is 0700; login processes (another user) must traverse it.
        self.root = Path(tempfile.mkdtemp(prefix="mailbot-dovecot-"))
        self.root.chmod(0o755)
        self.host = HOST
        self.port = free_port()
        self.tls_port = free_port()
        self.ca_file = self.root / "cert.pem"
        self.log_file = self.root / "dovecot.log"
        self.config_file = self.root / "dovecot.conf"
        self._capability = capability
        self._users = _run_users()
        self._process: subprocess.Popen[bytes] | None = None
        self._accounts: list[ImapAccount] = []

    def start(self) -> DovecotServer:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not os.path.exists(binary):
            raise RuntimeError("dovecot not installed: apt-get install -y dovecot-imapd")
        self._make_cert()
        home = self.root / "home"
        home.mkdir()
        os.chown(home, int(self._users["mail_uid"]), int(self._users["mail_gid"]))
        capability = f"imap_capability = {self._capability}" if self._capability else ""
        self.config_file.write_text(_CONFIG.format(
            root=self.root, host=self.host, port=self.port, tls_port=self.tls_port,
            capability=capability, password=PASSWORD, **self._users))
        with open(self.root / "stderr.log", "wb") as stderr:
            self._process = subprocess.Popen(
                [binary, "-F", "-c", str(self.config_file)],
                stdout=subprocess.DEVNULL, stderr=stderr)
        atexit.register(self.stop)
        try:
            wait_for_port(self.port)
            wait_for_port(self.tls_port)
        except OSError:
            self.stop()
            raise RuntimeError(f"dovecot did not start: {self.log_text()[-2000:]}") from None
        return self

    def _make_cert(self) -> None:
        make_self_signed_cert(self.ca_file, self.root / "key.pem")

    def stop(self) -> None:
        """Stop the master (it takes its children along) and remove the files."""
        process, self._process = self._process, None
        if process is None:
            return
        for account in self._accounts:
            account.close_proxies()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self) -> str:
        parts = [p.read_text(errors="replace") for p in (self.log_file, self.root / "stderr.log")
                 if p.exists()]
        return "\n".join(parts)

    def add_account(self, username: str | None = None) -> ImapAccount:
        """A fresh, empty mail user (any name logs in with PASSWORD; the mailbox is new)."""
        username = username or f"user{secrets.token_hex(4)}"
        account = ImapAccount(self, username, PASSWORD)
        self._accounts.append(account)
        return account

    def doveadm(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        result = subprocess.run(["doveadm", "-c", str(self.config_file), *args],
                                capture_output=True, text=True)
        if result.returncode not in ok:
            raise RuntimeError(f"doveadm {' '.join(args)}: exit {result.returncode}: "
                               f"{result.stderr.strip()}")
        return result.stdout


class ImapAccount:
    """One user on a DovecotServer, with helpers that go through real IMAP."""

    def __init__(self, server: DovecotServer, username: str, password: str) -> None:
        self.server = server
        self.host = server.host
        self.port = server.port
        self.username = username
        self.password = password
        self._proxies: list[CuttingProxy] = []

    @contextlib.contextmanager
    def client(self) -> Iterator[IMAPClient]:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.normalise_times = False
        client.login(self.username, self.password)
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, raw: bytes, folder: str = "INBOX", internaldate: datetime | None = None,
               flags: Sequence[str] = ()) -> int:
        """Store a message; returns its UID (from APPENDUID)."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw, flags=tuple(flags), msg_time=internaldate)
        # b'[APPENDUID <uidvalidity> <uid>] Append completed.'
        return int(response.split(b"]")[0].split()[-1])

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search("ALL"))

    def flags(self, uid: int, folder: str = "INBOX") -> set[str]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            found = client.get_flags([uid])
        return {f.decode() for f in found.get(uid, ())}

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            return int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def folders(self) -> list[str]:
        with self.client() as client:
            return [name for _flags, _delim, name in client.list_folders()]

    def maildir(self, folder: str = "INBOX") -> Path:
        base = self.server.root / "home" / self.username / "Maildir"
        if folder == "INBOX":
            return base
        from imapclient.imap_utf7 import encode
        return base / ("." + encode(folder).decode())

    def kill_connections(self) -> None:
        """Disconnect every session of this user, as an admin or a server restart would."""
        self.server.doveadm("kick", self.username, ok=(0, 68))  # 68: nobody to kick

    def reset_uidvalidity(self, folder: str = "INBOX") -> int:
        """Make the server forget its UIDs (as after an index rebuild): new UIDVALIDITY.

        Drops the user's sessions, removes the folder's uidlist and index files; Dovecot
        then renumbers the messages under a fresh UIDVALIDITY. Returns the new value.
        """
        old = self.uidvalidity(folder)
        self.kill_connections()
        path = self.maildir(folder)
        for name in os.listdir(path):
            if name == "dovecot-uidlist" or name.startswith("dovecot.index"):
                os.remove(path / name)
        new = self.uidvalidity(folder)
        assert new != old, "dovecot kept the same UIDVALIDITY"
        return new

    def proxy(self) -> CuttingProxy:
        """A TCP proxy to this server that a test can cut on demand."""
        proxy = CuttingProxy(self.host, self.port)
        self._proxies.append(proxy)
        return proxy

    def close_proxies(self) -> None:
        for proxy in self._proxies:
            proxy.close()
        self._proxies.clear()

    def session_log(self) -> str:
        """Dovecot's log lines for this user."""
        return "\n".join(line for line in self.server.log_text().splitlines()
                         if f"({self.username})" in line or f"user=<{self.username}>" in line)

    def wait_for_log(self, text: str, timeout: float = 5.0) -> str:
        """This user's log once it contains *text* (Dovecot's log process writes late)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.session_log()
            if text in found or time.monotonic() > deadline:
                return found
            time.sleep(0.02)  # polling a file another process writes, not a test sleep


class CuttingProxy:
    """Forwards loopback TCP to a server and drops connections when told to.

    ``cut_after(n)``: after *n* more bytes have gone from server to client, every
    connection is closed (a cut in the middle of a response). ``drop()``: close now.
    New connections are accepted normally afterwards, so a client can reconnect.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server((HOST, 0))
        self.host = HOST
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._budget: int | None = None
        self.connections = 0
        self.cuts = 0
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def cut_after(self, nbytes: int) -> None:
        with self._lock:
            self._budget = nbytes

    def drop(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
            self.cuts += 1
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def close(self) -> None:
        self._closed = True
        _close(self._listener)
        self.drop()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, upstream))
                self.connections += 1
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, downstream: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                cut = False
                if downstream:
                    with self._lock:
                        if self._budget is not None:
                            if len(data) >= self._budget:
                                data, cut, self._budget = data[: self._budget], True, None
                            else:
                                self._budget -= len(data)
                if data:
                    sink.sendall(data)
                if cut:
                    self.drop()
                    return
        except OSError:
            pass
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
