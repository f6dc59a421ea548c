"""A TCP proxy on loopback that a test can use to cut a database off mid-run.

``TcpProxy(("127.0.0.1", 5432))`` listens on a free loopback port and forwards every connection
to the target. A test points the store URL at ``proxy.port`` and then, while a command runs:

- ``cut()`` closes every open connection at once (both sides), as a server restart does; new
  connections are still accepted;
- ``cut(refuse=True)`` also stops listening, so that new connections are refused (the server is
  unreachable) until ``accept()``;
- ``cut_after(n, refuse=…)`` does the same by itself once ``n`` bytes have gone from the clients
  to the server, so that the cut lands at a reproducible point of a run.

One thread runs a ``selectors`` loop; the methods may be called from any thread.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable
from types import TracebackType

_CHUNK = 1 << 16
_QUEUE_LIMIT = 1 << 20  # bytes queued for one side before the other is no longer read


class TcpProxy:
    """Forward loopback TCP connections to ``target`` until cut, refused or closed."""

    def __init__(self, target: tuple[str, int], host: str = "127.0.0.1") -> None:
        self.target = target
        self.host = host
        self.bytes_up = 0  # client → server, over all connections
        self.bytes_down = 0
        self.connections = 0  # accepted so far
        self.cuts = 0  # connections closed by cut()
        self._lock = threading.Lock()
        self._commands: list[Callable[[], None]] = []
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._pending: dict[socket.socket, bytearray] = {}  # bytes waiting to be sent to it
        self._directions: dict[socket.socket, str] = {}  # up: a client, down: the server
        self._idle: set[socket.socket] = set()  # neither read nor written for now
        self._selector = selectors.DefaultSelector()
        self._listener: socket.socket | None = None
        self._trigger: tuple[int, bool] | None = None
        self._running = True
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self.port = self._listen(0)
        self._thread = threading.Thread(target=self._loop, name="tcp-proxy", daemon=True)
        self._thread.start()

    # -- public, thread-safe -------------------------------------------------------------

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs) // 2

    def cut(self, refuse: bool = False) -> None:
        """Close every connection now; with ``refuse``, also refuse new ones until accept()."""
        self._call(lambda: self._cut(refuse))

    def cut_after(self, up_bytes: int, refuse: bool = False) -> None:
        """Cut (and maybe refuse) once ``up_bytes`` bytes in all went from clients to server."""
        with self._lock:
            self._trigger = (up_bytes, refuse)

    def accept(self) -> None:
        """Listen again on the same port (after ``cut(refuse=True)``)."""
        self._call(self._reopen)

    def close(self) -> None:
        """Stop the proxy and close everything."""
        if not self._running:
            return
        self._call(self._stop)
        self._thread.join(timeout=5)
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the loop --------------------------------------------------------------------------

    def _call(self, command: Callable[[], None]) -> None:
        done = threading.Event()

        def run() -> None:
            try:
                command()
            finally:
                done.set()

        with self._lock:
            self._commands.append(run)
        self._wake_w.send(b"x")
        if threading.current_thread() is not self._thread:
            done.wait(timeout=5)

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, port))
        listener.listen(64)
        listener.setblocking(False)
        self._selector.register(listener, selectors.EVENT_READ, "listen")
        self._listener = listener
        return listener.getsockname()[1]

    def _reopen(self) -> None:
        if self._listener is None:
            self._listen(self.port)

    def _cut(self, refuse: bool) -> None:
        for sock in list(self._pairs):
            if sock in self._pairs:
                self._drop(sock)
                self.cuts += 1
        if refuse and self._listener is not None:
            self._selector.unregister(self._listener)
            self._listener.close()
            self._listener = None

    def _stop(self) -> None:
        self._cut(refuse=True)
        self._running = False

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            peer = self._pairs.pop(sock, None)
            if peer is not None:
                self._pairs.pop(peer, None)
        for s in (sock, peer):
            if s is None:
                continue
            self._pending.pop(s, None)
            self._directions.pop(s, None)
            self._idle.discard(s)
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(s)
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self) -> None:
        assert self._listener is not None
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        for s in (client, server):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._pending[s] = bytearray()
        self._directions[client] = "up"
        self._directions[server] = "down"
        with self._lock:
            self._pairs[client] = server
            self._pairs[server] = client
            self.connections += 1
        self._selector.register(client, selectors.EVENT_READ)
        self._selector.register(server, selectors.EVENT_READ)

    def _watch(self, sock: socket.socket) -> None:
        """Read from ``sock`` while its peer's queue is short; write to it while its own is not
        empty (a slow reader slows its writer down instead of filling memory)."""
        peer = self._pairs.get(sock)
        if peer is None:
            return
        events = 0
        if len(self._pending[peer]) < _QUEUE_LIMIT:
            events |= selectors.EVENT_READ
        if self._pending[sock]:
            events |= selectors.EVENT_WRITE
        if events:
            self._selector.modify(sock, events)
        else:
            self._selector.unregister(sock)
            self._idle.add(sock)

    def _rewatch(self, sock: socket.socket) -> None:
        if sock in self._idle:
            self._idle.discard(sock)
            self._selector.register(sock, selectors.EVENT_READ)
        self._watch(sock)

    def _read(self, sock: socket.socket) -> None:
        peer = self._pairs.get(sock)
        if peer is None:
            return
        try:
            data = sock.recv(_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        self._pending[peer] += data
        self._rewatch(peer)
        self._watch(sock)
        with self._lock:
            if self._directions[sock] == "up":
                self.bytes_up += len(data)
            else:
                self.bytes_down += len(data)
            trigger = self._trigger
            fire = trigger is not None and self.bytes_up >= trigger[0]
            if fire:
                self._trigger = None
        if fire:
            assert trigger is not None
            self._cut(trigger[1])

    def _write(self, sock: socket.socket) -> None:
        peer = self._pairs.get(sock)
        if peer is None:
            return
        queue = self._pending[sock]
        try:
            sent = sock.send(queue)
        except BlockingIOError:
            return
        except OSError:
            self._drop(sock)
            return
        del queue[:sent]
        self._watch(sock)
        self._rewatch(peer)

    def _loop(self) -> None:
        while self._running:
            for key, mask in self._selector.select(timeout=0.1):
                if key.data == "wake":
                    self._wake_r.recv(1024)
                    with self._lock:
                        commands, self._commands = self._commands, []
                    for command in commands:
                        command()
                elif key.data == "listen":
                    if self._listener is not None:
                        self._accept()
                else:
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if mask & selectors.EVENT_WRITE and sock in self._pairs:
                        self._write(sock)
                    if mask & selectors.EVENT_READ and sock in self._pairs:
                        self._read(sock)
        self._selector.close()
