"""Loopback networking for test servers: free ports, waiting for a listener, certificates."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now (tiny race, fine for tests)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)  # polling a starting daemon, not a test sleep


def make_self_signed_cert(cert: Path, key: Path) -> None:
    """A self-signed certificate for 127.0.0.1/localhost; *cert* doubles as the CA file."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True)
    os.chmod(key, 0o600)
