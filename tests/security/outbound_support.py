"""What the outbound and URL attack tests share: a loopback listener that records every byte it receives,
a guard that fails the test on any connection outside loopback, and a resolver for test host names.

Refusals are tested without connecting anywhere: a name such as `metadata.vigil.test` resolves (through
the patched `socket.getaddrinfo`) to a refused address, and the guard proves no socket was pointed at it.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# Test names and what they resolve to; any other name fails to resolve (no DNS query leaves the test).
TEST_HOSTS: dict[str, list[str]] = {
    "metadata.vigil.test": ["169.254.169.254"],
    "lan-camera.vigil.test": ["10.0.0.7"],
    "private-hook.vigil.test": ["10.0.0.1"],
    "rebind.vigil.test": ["93.184.216.34", "127.0.0.1"],  # one public, one loopback answer
    "public-hook.vigil.test": ["93.184.216.34"],
    "loopback.vigil.test": ["127.0.0.1"],
}


class Listener:
    """A TCP server on 127.0.0.1 that records connections and bytes; `reply` is sent after each chunk."""

    def __init__(self, reply: bytes = b"") -> None:
        self.reply = reply
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self.received = bytearray()
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                with self._lock:
                    self.received += chunk
                if self.reply:
                    try:
                        conn.sendall(self.reply)
                    except OSError:
                        return

    @property
    def text(self) -> str:
        with self._lock:
            return self.received.decode(errors="replace")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        try:
            return ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback
        except ValueError:
            return False
    return isinstance(address, (str, bytes))  # a Unix socket path


class ConnectionGuard:
    """Every non-loopback connection Python tried (each also fails the attempt at once)."""

    def __init__(self) -> None:
        self.refused: list[Any] = []


@pytest.fixture
def no_outside_connections(monkeypatch: pytest.MonkeyPatch) -> ConnectionGuard:
    """Fail loudly on any socket connection outside loopback (Python's sockets: httpx, asyncio)."""
    guard = ConnectionGuard()
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def check(address: Any) -> None:
        if not _is_loopback(address):
            guard.refused.append(address)
            raise AssertionError(f"the test tried to connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return original_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return guard


@pytest.fixture
def test_resolver(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[str]]:
    """`socket.getaddrinfo` answers the names in TEST_HOSTS; numbers and localhost as usual; no DNS."""
    original = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name in TEST_HOSTS:
            results = []
            for text in TEST_HOSTS[name]:
                family = socket.AF_INET6 if ":" in text else socket.AF_INET
                sockaddr = (
                    (text, int(port or 0), 0, 0) if family == socket.AF_INET6 else (text, int(port or 0))
                )
                results.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
            return results
        spelled_as_number = name is not None and (str(name)[:1].isdigit() or ":" in str(name))
        if name is not None and name != "localhost" and not spelled_as_number:
            raise socket.gaierror(socket.EAI_NONAME, f"{name} is not a test host")
        return original(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lambda name: TEST_HOSTS[name]
