"""A real RTSP camera for tests: `rtsp_server.py` (GStreamer's RTSP server) in a child process.

The server runs under Debian's `/usr/bin/python3`, which has python3-gi; the project's venv does not.
`scripts/ci/install-system-deps.sh` installs what it needs.

    with RtspCamera() as camera:          # plaza_incident.mp4, looping forever, at camera.url
    RtspCamera(user="admin", password="s3cret", auth="digest")  # plays only with these credentials
        camera.freeze()                   # SIGSTOP: connections stay open, no data, no answers
        camera.thaw()                     # SIGCONT
        camera.kill()                     # SIGKILL: the cable is pulled, connections are refused
        camera.restart()                  # same port, same URL
"""

from __future__ import annotations

import base64
import ctypes
import hashlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = Path("/usr/bin/python3")
INSTALL_HINT = "run scripts/ci/install-system-deps.sh (GStreamer's RTSP server, python3-gi, ffmpeg)"
PORT_IN_USE = 3  # rtsp_server.py's exit status when it cannot listen


class RtspCameraError(RuntimeError):
    """The camera could not be started, or stopped answering when it should."""


def shared_media() -> Path:
    """The shared test media: `../shared/media` beside the repository (CI checks it out there)."""
    media = REPO_ROOT.parent / "shared" / "media"
    if not media.is_dir():
        raise FileNotFoundError(
            f"test media not found: {media} does not exist. The tests expect the shared media folder "
            "beside the repository checkout (<checkout>/../shared/media); see shared/media/README.md."
        )
    return media


def plaza_incident() -> Path:
    """The H.264 + AAC scenario clip the camera serves by default."""
    path = shared_media() / "scenarios" / "plaza_incident.mp4"
    if not path.is_file():
        raise FileNotFoundError(f"test media not found: {path}")
    return path


def unavailable() -> str:
    """Why no test RTSP camera can start here ("" when one can): Debian's Python without GStreamer's RTSP
    server or its elements. Loads them in a child process, as the camera does; opens no socket."""
    if not SYSTEM_PYTHON.exists():
        return f"{SYSTEM_PYTHON} not found: the RTSP camera needs Debian's Python; {INSTALL_HINT}"
    check = f"import sys; sys.path.insert(0, {str(SERVER_SCRIPT.parent)!r}); import rtsp_server; "
    check += "print(rtsp_server.load_gstreamer())"
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        done = subprocess.run(
            [str(SYSTEM_PYTHON), "-c", check],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {SYSTEM_PYTHON}: {exc}; {INSTALL_HINT}"
    if done.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot load the test RTSP server: {done.stderr.strip()[-500:]}"
    return done.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def describe(url: str, timeout: float = 2.0, user: str = "", password: str = "") -> str:
    """Send one RTSP DESCRIBE, answering a Basic or Digest challenge with `user` and `password` if given;
    return the SDP. Raises OSError (refused, timed out) or RtspCameraError (any other answer than 200)."""
    match = re.match(r"rtsp://([^/:]+):(\d+)", url)
    if match is None:
        raise ValueError(f"not an rtsp://host:port/... URL: {url}")
    with socket.create_connection((match[1], int(match[2])), timeout=timeout) as sock:
        sock.settimeout(timeout)
        status, head, body = _request(sock, url, 1, "")
        if status.startswith("RTSP/1.0 401") and user:
            challenge = re.search(r"(?im)^www-authenticate:\s*(.+)$", head)
            authorization = _authorization(challenge[1] if challenge else "", url, user, password)
            status, head, body = _request(sock, url, 2, f"Authorization: {authorization}\r\n")
        if not status.startswith("RTSP/1.0 200"):
            raise RtspCameraError(f"DESCRIBE {url}: {status}")
        return body


def challenge(url: str, timeout: float = 2.0) -> str:
    """The WWW-Authenticate header a DESCRIBE without credentials is answered with ("" if none)."""
    match = re.match(r"rtsp://([^/:]+):(\d+)", url)
    if match is None:
        raise ValueError(f"not an rtsp://host:port/... URL: {url}")
    with socket.create_connection((match[1], int(match[2])), timeout=timeout) as sock:
        sock.settimeout(timeout)
        _, head, _ = _request(sock, url, 1, "")
    found = re.search(r"(?im)^www-authenticate:\s*(.+)$", head)
    return found[1].strip() if found else ""


def _request(sock: socket.socket, url: str, cseq: int, extra: str) -> tuple[str, str, str]:
    """One DESCRIBE on an open connection: (status line, head, body)."""
    request = f"DESCRIBE {url} RTSP/1.0\r\nCSeq: {cseq}\r\nAccept: application/sdp\r\n{extra}\r\n"
    sock.sendall(request.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise RtspCameraError(f"DESCRIBE {url}: connection closed before an answer")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    while length is not None and len(body) < int(length[1]):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    text = head.decode(errors="replace")
    return text.split("\r\n", 1)[0], text, body.decode(errors="replace")


def _authorization(challenge: str, url: str, user: str, password: str) -> str:
    """The Authorization header for a Basic or Digest (RFC 2617, no qop) challenge."""
    if challenge.lower().startswith("basic"):
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    realm, nonce = fields.get("realm", ""), fields.get("nonce", "")

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    response = md5(f"{md5(f'{user}:{realm}:{password}')}:{nonce}:{md5(f'DESCRIBE:{url}')}")
    return f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{url}", response="{response}"'


# -- spawning: a camera dies with the test process, even a frozen one ------------------------------------
#
# The server exits by itself when its parent goes away, but a stopped (frozen) process cannot notice.
# So it is started with PR_SET_PDEATHSIG = SIGKILL, which also reaches a stopped process. The kernel
# sends that signal when the *thread* that started the child exits, so every camera is started from one
# daemon thread that lives as long as the interpreter.

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
_spawn_queue: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
_spawner: threading.Thread | None = None
_spawner_lock = threading.Lock()


def _die_with_parent() -> None:  # runs in the child between fork and exec: no Python-level locks
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _spawn_loop() -> None:
    while True:
        call, future = _spawn_queue.get()
        try:
            future.set_result(call())
        except BaseException as exc:
            future.set_exception(exc)


def _spawn(command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    global _spawner
    with _spawner_lock:
        if _spawner is None or not _spawner.is_alive():
            _spawner = threading.Thread(target=_spawn_loop, name="rtsp-camera-spawner", daemon=True)
            _spawner.start()
    future: Future[subprocess.Popen[bytes]] = Future()
    _spawn_queue.put((lambda: subprocess.Popen(command, preexec_fn=_die_with_parent, **kwargs), future))
    return future.result(timeout=30)


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a camera process whatever its state (a stopped one is continued first), and reap it."""
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGCONT)  # SIGTERM waits while a process is stopped
            process.terminate()
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        except ProcessLookupError:
            pass
    process.wait(timeout=5)


class RtspCamera:
    """A looping RTSP camera on 127.0.0.1 serving `file` (default: plaza_incident.mp4) at `url`; with `user`,
    it plays only for that user and `password`, by `auth` "basic" or "digest" (see `url_with`)."""

    def __init__(
        self,
        file: Path | None = None,
        *,
        port: int | None = None,
        mount: str = "/plaza",
        python: Path = SYSTEM_PYTHON,
        user: str = "",
        password: str = "",
        auth: str = "basic",
    ) -> None:
        self.file = file if file is not None else plaza_incident()
        self.port = port if port is not None else free_port()
        self._port_chosen = port is None
        self.mount = mount if mount.startswith("/") else f"/{mount}"
        self.python = python
        self.user, self.password, self.auth = user, password, auth
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize | None = None
        self._frozen = False
        fd, log = tempfile.mkstemp(prefix="rtsp-camera-", suffix=".log")
        os.close(fd)
        self.log_path = Path(log)
        self._log_cleanup = weakref.finalize(self, self.log_path.unlink, missing_ok=True)

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}{self.mount}"

    def url_with(self, user: str, password: str) -> str:
        """The camera's URL with credentials in it, as a user types it into the dashboard."""
        return f"rtsp://{user}:{password}@127.0.0.1:{self.port}{self.mount}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def frozen(self) -> bool:
        return self._frozen and self.running

    def log(self) -> str:
        """Everything the server printed, over all its starts."""
        return self.log_path.read_text(errors="replace")

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> RtspCamera:
        """Launch the server; return once it listens and answers DESCRIBE (bounded by `timeout`)."""
        if self.running:
            raise RtspCameraError(f"camera already running (pid {self.pid})")
        if not self.python.exists():
            raise RtspCameraError(
                f"{self.python} not found: the RTSP camera needs Debian's Python; {INSTALL_HINT}"
            )
        if not self.file.is_file():
            raise FileNotFoundError(f"no media file for the camera: {self.file}")
        deadline = time.monotonic() + timeout
        while True:
            offset = self.log_path.stat().st_size
            self._launch()
            code = self._wait_ready(deadline, offset)
            if code is None:
                return self
            if code != PORT_IN_USE or time.monotonic() >= deadline:
                raise RtspCameraError(
                    f"RTSP camera exited with status {code} before it was ready; if GStreamer or python3-gi "
                    f"is missing, {INSTALL_HINT}. Its output:\n{self.log()[offset:]}"
                )
            if self._port_chosen:
                self.port = free_port()  # lost the race for a free port: take another
            else:
                time.sleep(0.2)  # the same port is still held (restart): try again

    def _launch(self) -> None:
        command = [str(self.python), str(SERVER_SCRIPT), "--port", str(self.port), "--mount", self.mount]
        if self.user:
            command += ["--user", self.user, "--password", self.password, "--auth", self.auth]
        env = {
            key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))
        }
        with self.log_path.open("ab") as log:
            try:
                process = _spawn(
                    [*command, str(self.file)], stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env
                )
            except OSError as exc:
                raise RtspCameraError(f"cannot run {self.python}: {exc}; {INSTALL_HINT}") from exc
        self._process = process
        self._frozen = False
        # Never leave a camera behind: stopped at garbage collection or interpreter exit at the latest.
        self._finalizer = weakref.finalize(self, _stop_process, process)

    def _wait_ready(self, deadline: float, offset: int) -> int | None:
        """None once the server answers DESCRIBE; its exit status if it exited first."""
        assert self._process is not None
        last_error = "no 'ready' line yet"
        while True:
            code = self._process.poll()
            if code is not None:
                self._process = None
                return code
            if "\nready " in "\n" + self.log()[offset:]:
                try:
                    describe(self.url, timeout=2.0, user=self.user, password=self.password)
                    return None
                except (OSError, RtspCameraError) as exc:
                    last_error = f"DESCRIBE failed: {exc}"
            if time.monotonic() >= deadline:
                self.stop()
                raise RtspCameraError(
                    f"RTSP camera not ready in time ({last_error}). Its output:\n{self.log()[offset:]}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Graceful stop (SIGTERM; SIGKILL after 5 s). Safe to call at any time, also when frozen."""
        if self._finalizer is not None:
            self._finalizer()  # runs _stop_process once
        self._process = None
        self._frozen = False

    def kill(self) -> None:
        """SIGKILL: the cable is pulled. Open connections break, new ones are refused."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait(timeout=5)
        self.stop()

    def restart(self, timeout: float = 20.0) -> RtspCamera:
        """Stop (if still running) and start again on the same port: the same URL serves again."""
        self.stop()
        self._port_chosen = False
        return self.start(timeout=timeout)

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing is sent or answered; the kernel still accepts."""
        process = self._require_running()
        process.send_signal(signal.SIGSTOP)
        self._frozen = True
        self._wait_state(process, "T")

    def thaw(self) -> None:
        """SIGCONT: the camera goes on (it drops what it would have sent while frozen)."""
        process = self._require_running()
        process.send_signal(signal.SIGCONT)
        self._frozen = False
        self._wait_state(process, "RS")

    def _require_running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            raise RtspCameraError("camera is not running")
        return self._process

    @staticmethod
    def _wait_state(process: subprocess.Popen[bytes], states: str, timeout: float = 2.0) -> None:
        """Wait until /proc says the process is in one of `states` (T stopped; R, S running)."""
        stat = Path(f"/proc/{process.pid}/stat")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                state = stat.read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return  # no /proc (not Linux) or gone: nothing to wait for
            if state in states:
                return
            time.sleep(0.01)

    # -- context manager ----------------------------------------------------------------------------

    def __enter__(self) -> RtspCamera:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "frozen" if self.frozen else "running" if self.running else "stopped"
        return f"RtspCamera({self.url}, {self.file.name}, {state}, pid={self.pid})"
