"""The web-process side of the zygote: start it, talk to it, enforce the wall clock.

One ``ZygoteClient`` per web process and configuration. The zygote hands over confined,
pre-forked "spares" (their socket and a status pipe, by SCM_RIGHTS; a reader thread queues
them). A run takes one spare and sends it the code and context in a memfd plus the write
end of a result pipe; the calling thread reads the result and, once the zygote has reaped
the spare, its exit status and rusage, and enforces the wall clock: past the deadline it
asks the zygote to kill the spare's process group. Threads run at once, each on its own
spare, with no lock held during a run.

After a run with plugin modules, one spare is "primed" with that closure's code objects:
it unmarshals them while it waits, so the next run of the same closure (a host application
running one installation again and again) is sent without them and skips that work. A
primed spare serves only a run whose code objects are byte for byte the ones it holds,
which that run would have been sent anyway: it carries nothing else of an earlier run.
At most ``MAX_PRIMED`` closures are kept primed, the least recently run retired first.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import weakref
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox import keeper
from sandbox.wire import FD_SIZE, FRAME, PAYLOAD_HEAD, PRIME, PRIMED, REQUEST, Request

MAX_IDLE_SPARES = 8
MAX_PRIMED = 4
# How long priming waits for an idle spare to say it is confined before giving up: the
# caller already has its result and should not wait on the next run's behalf.
PRIME_WAIT_S = 0.05
ZYGOTE_SCRIPT = Path(__file__).with_name("zygote") / "__main__.py"
START_TIMEOUT_S = 15.0
# After asking the zygote to kill a run, how long to wait for its status before treating
# the zygote as wedged and restarting it.
KILL_GRACE_S = 0.5


class ZygoteUnavailable(RuntimeError):
    """The zygote could not be started or died; the message says why."""


@dataclass
class RunOutcome:
    """What one run produced, before it becomes a SandboxResult."""

    data: bytes = b""
    oversize: bool = False
    status: dict[str, Any] = field(default_factory=dict)
    timed_out: bool = False
    lost: str | None = None  # why no status arrived (zygote died or wedged)
    wall_ms: float = 0.0


@dataclass(eq=False)
class _Spare:
    """A confined process in the zygote, waiting for one run."""

    pid: int
    channel: socket.socket
    status_fd: int

    def close(self) -> None:
        self.channel.close()
        os.close(self.status_fd)


class ZygoteClient:
    """A connection to one zygote process, and the spares it has handed over."""

    def __init__(
        self, *, bpf: bytes | None, stdout_cap: int, result_cap: int, disable: tuple[str, ...]
    ) -> None:
        self.owner_pid = os.getpid()
        self.stdout_cap = stdout_cap
        self.result_cap = result_cap
        self.transfer_cap = result_cap + 16 * stdout_cap + 65536
        self._send_lock = threading.Lock()
        self._spares: deque[_Spare] = deque()
        # Spares holding a closure's code objects, by those objects; under _spares_ready.
        self._primed: OrderedDict[tuple[bytes, ...], _Spare] = OrderedDict()
        self._spares_ready = threading.Condition()
        self._fds: deque[int] = deque()
        self._inbuf = bytearray()
        self.dead: str | None = None
        self.pid = 0
        self.hello: dict[str, Any] = {}
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.pid = keeper.call(lambda: self._spawn(theirs), timeout=START_TIMEOUT_S)
        finally:
            theirs.close()
        # Readable once the zygote has exited, before the reader thread sees its socket close:
        # a run answered early must not come from a zygote that is already gone.
        self._pidfd = os.pidfd_open(self.pid)
        try:
            init = {
                "op": "init",
                "stdout_cap": stdout_cap,
                "result_cap": result_cap,
                "disable": list(disable),
            }
            head, body = json.dumps(init).encode(), bpf or b""
            self._sock.sendall(FRAME.pack(len(head), len(body)) + head + body)
            self._sock.settimeout(START_TIMEOUT_S)
            self.hello = self._read_frame()
            self._sock.settimeout(None)
            if self.hello.get("op") != "hello":
                raise ZygoteUnavailable(f"unexpected greeting {self.hello!r}")
        except (OSError, EOFError, ValueError) as exc:
            self.close()
            raise ZygoteUnavailable(f"the sandbox process did not start: {exc}") from exc
        reader = threading.Thread(target=self._read_loop, name="sandbox-reader", daemon=True)
        reader.start()
        _live_clients.add(self)

    def _spawn(self, theirs: socket.socket) -> int:
        fd = theirs.fileno()
        # Nothing from the web process's environment (secrets, DATABASE_URL) reaches it.
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        args = [sys.executable, "-I", "-S", "-B", str(ZYGOTE_SCRIPT), "3", str(os.getpid())]
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, fd, 3),
        ]
        if fd == 3:  # dup2 onto itself would keep close-on-exec set
            actions.insert(0, (os.POSIX_SPAWN_DUP2, fd, 4))
            actions[-1] = (os.POSIX_SPAWN_DUP2, 4, 3)
        return os.posix_spawn(sys.executable, args, env, file_actions=actions, setsid=True)

    def _fill(self, count: int) -> None:
        """Read until ``count`` bytes are buffered, keeping any fds that come along."""
        while len(self._inbuf) < count:
            data, ancillary, _flags, _addr = self._sock.recvmsg(
                1 << 16, socket.CMSG_SPACE(FD_SIZE * 32)
            )
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    usable = len(payload) - len(payload) % FD_SIZE
                    self._fds.extend(struct.unpack(f"{usable // FD_SIZE}i", payload[:usable]))
            if not data:
                raise EOFError("the sandbox process closed its connection")
            self._inbuf += data

    def _read_frame(self) -> dict[str, Any]:
        self._fill(FRAME.size)
        head_len, body_len = FRAME.unpack_from(self._inbuf)
        end = FRAME.size + head_len + body_len
        self._fill(end)
        header: dict[str, Any] = json.loads(bytes(self._inbuf[FRAME.size : FRAME.size + head_len]))
        del self._inbuf[:end]
        return header

    def _send(self, header: dict[str, Any]) -> None:
        head = json.dumps(header).encode()
        with self._send_lock:
            self._sock.sendall(FRAME.pack(len(head), 0) + head)

    def _read_loop(self) -> None:
        try:
            while True:
                header = self._read_frame()
                if header.get("op") == "spare":
                    channel_fd, status_fd = self._fds.popleft(), self._fds.popleft()
                    spare = _Spare(int(header["pid"]), socket.socket(fileno=channel_fd), status_fd)
                    with self._spares_ready:
                        self._spares.append(spare)
                        self._spares_ready.notify()
        except (OSError, EOFError, ValueError, IndexError) as exc:
            self._die(f"the sandbox process stopped ({exc})")

    def _take_spare(self, deadline: float) -> _Spare:
        """A spare that is confined and waiting; each one taken is replaced by the zygote."""
        while True:
            with self._spares_ready:
                asked = False
                while not self._spares:
                    if self.dead:
                        raise ZygoteUnavailable(self.dead)
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise ZygoteUnavailable("no sandbox process became free in time")
                    if not asked:
                        self._send({"op": "more", "count": 1})  # a peak: one more in stock
                        asked = True
                    self._spares_ready.wait(min(remaining, 0.1))
                    asked = asked and bool(self._spares)
                spare = self._spares.popleft()
            # Its first message says it is confined ("ready") or which layer failed.
            message = _next_message(spare, deadline - time.monotonic()) or b""
            if message == b"ready":
                return spare
            spare.close()
            if message:
                raise ZygoteUnavailable(
                    f"isolation setup failed: {message.decode(errors='replace')}"
                )
            if time.monotonic() >= deadline:
                raise ZygoteUnavailable("no sandbox process became ready in time")

    def _take_primed(self, code_objects: tuple[bytes, ...], deadline: float) -> _Spare | None:
        """The spare primed with exactly ``code_objects``, once it has unmarshaled them."""
        with self._spares_ready:
            spare = self._primed.pop(code_objects, None)
        if spare is None:
            return None
        if _next_message(spare, deadline - time.monotonic()) == PRIMED:
            return spare
        spare.close()  # it could not prime: the run goes to a plain spare instead
        return None

    def _prime(self, code_objects: tuple[bytes, ...], *, replace: bool) -> None:
        """Have an idle spare unmarshal ``code_objects`` for the next run of this closure;
        ``replace``: order a spare in its place (a run's own replacement already stands in
        for it when that run took the closure's primed spare)."""
        spare = self._idle_spare_for(code_objects)
        if spare is None:
            return
        sizes = json.dumps([len(data) for data in code_objects]).encode()
        prime_fd = os.memfd_create("sandbox-prime", os.MFD_CLOEXEC)
        try:
            _write_all(prime_fd, b"".join((PAYLOAD_HEAD.pack(len(sizes)), sizes, *code_objects)))
            spare.channel.sendmsg(
                [PRIME], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", prime_fd))]
            )
        except OSError:
            spare.close()
            return
        finally:
            os.close(prime_fd)
        with self._spares_ready:
            # Another thread may have primed one for this closure meanwhile: keep the newer.
            earlier = self._primed.pop(code_objects, None)
            self._primed[code_objects] = spare
            retired = [self._primed.popitem(last=False)[1] for _ in range(self._over_primed())]
            retired += [earlier] if earlier is not None else []
        for old in retired:
            old.close()  # it sees EOF and exits unused
        if replace:
            with contextlib.suppress(OSError):
                self._send({"op": "more", "count": 1})

    def _over_primed(self) -> int:
        return max(0, len(self._primed) - max(0, MAX_PRIMED))

    def _idle_spare_for(self, code_objects: tuple[bytes, ...]) -> _Spare | None:
        """A confined idle spare to prime, unless this closure has one or none is idle."""
        with self._spares_ready:
            # MAX_PRIMED may have been lowered (to 0: priming off) since the last call.
            retired = [self._primed.popitem(last=False)[1] for _ in range(self._over_primed())]
            spare = None
            if code_objects in self._primed:
                self._primed.move_to_end(code_objects)
            elif MAX_PRIMED > 0 and self._spares and not self.dead:
                spare = self._spares.popleft()
        for old in retired:
            old.close()
        if spare is None:
            return None
        message = _next_message(spare, PRIME_WAIT_S)
        if message is None:
            with self._spares_ready:
                self._spares.appendleft(spare)  # still confining; nothing was read
            return None
        if message != b"ready":
            spare.close()  # its setup failed; the next run that takes a spare will say why
            return None
        return spare

    def run(self, request: Request, *, timeout_ms: int, memory_mb: int) -> RunOutcome:
        """Run one request; returns within about timeout_ms (never hangs)."""
        if self.dead:
            raise ZygoteUnavailable(self.dead)
        started = time.monotonic()
        deadline = started + timeout_ms / 1000
        code_objects = request.code_objects
        spare = self._take_primed(code_objects, deadline) if code_objects else None
        payload = request.head
        primed = spare is not None
        if spare is None:
            spare = self._take_spare(deadline)
            payload = request.whole()
        payload_fd = os.memfd_create("sandbox-run", os.MFD_CLOEXEC)
        read_fd, write_fd = os.pipe()
        try:
            _write_all(payload_fd, payload)
            try:
                spare.channel.sendmsg(
                    [REQUEST.pack(timeout_ms, memory_mb)],
                    [
                        (
                            socket.SOL_SOCKET,
                            socket.SCM_RIGHTS,
                            struct.pack("2i", payload_fd, write_fd),
                        )
                    ],
                )
            except OSError as exc:
                raise ZygoteUnavailable(f"the sandbox process went away ({exc})") from exc
            finally:
                os.close(payload_fd)
                os.close(write_fd)
                spare.channel.close()
            outcome = self._collect(spare, read_fd, deadline)
        finally:
            os.close(read_fd)
            os.close(spare.status_fd)
            # Order the replacement only now: a fork in the zygote while this run exits
            # would delay reaping it, and so this run's answer, by the fork's time. The
            # run itself goes too: it may have closed its pipe early and gone on running.
            with contextlib.suppress(OSError):
                self._send({"op": "more", "count": 1, "end": spare.pid})
        outcome.wall_ms = (time.monotonic() - started) * 1000
        self._retire_extra()
        if code_objects and not self.dead:
            self._prime(code_objects, replace=not primed)
        return outcome

    def _collect(self, spare: _Spare, read_fd: int, deadline: float) -> RunOutcome:
        """Read the result and the zygote's status; past the deadline, have the run killed."""
        outcome = RunOutcome()
        chunks: list[bytes] = []
        status = b""
        size = 0
        open_fds = [read_fd, spare.status_fd]
        kill_sent: float | None = None
        complete = False
        while spare.status_fd in open_fds and not complete:
            now = time.monotonic()
            if kill_sent is None and now >= deadline:
                outcome.timed_out = True
                kill_sent = self._kill(spare.pid)
            if kill_sent is not None and now >= kill_sent + KILL_GRACE_S:
                # Killed, yet not reaped in time: the zygote is wedged. Stopping it takes
                # its whole PID namespace, and so this run, with it.
                outcome.lost = "the sandbox process did not answer and was restarted"
                self.close()
                break
            wake_at = deadline if kill_sent is None else kill_sent + KILL_GRACE_S
            ready, _, _ = select.select(open_fds, [], [], max(0.0, wake_at - now))
            for fd in ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    open_fds.remove(fd)
                    # The run closed its result pipe after a whole document: it is done
                    # (it exits with every signal blocked), so its answer need not wait
                    # for the zygote to reap it. Anything else waits for the exit status.
                    complete = fd == read_fd and kill_sent is None and bool(chunks)
                    complete = complete and chunks[-1].endswith(b"}")
                elif fd == spare.status_fd:
                    status += chunk
                elif not outcome.oversize:
                    size += len(chunk)
                    if size > self.transfer_cap:
                        # More than any honest result: stop it rather than buffer it.
                        outcome.oversize = True
                        chunks.clear()
                        kill_sent = kill_sent or self._kill(spare.pid)
                    else:
                        chunks.append(chunk)
        outcome.data = b"".join(chunks)
        if outcome.lost is None and not complete:
            try:
                outcome.status = json.loads(status)
            except ValueError:
                if not outcome.data and not outcome.timed_out:
                    # The zygote died under the run and nothing came back: the caller may
                    # retry, since a run has no effects outside its own process.
                    raise ZygoteUnavailable(self.dead or "the sandbox process stopped") from None
                outcome.lost = self.dead or "the sandbox process stopped during the run"
        return outcome

    def _kill(self, pid: int) -> float:
        with contextlib.suppress(OSError):
            self._send({"op": "kill", "pid": pid})
        return time.monotonic()

    def _retire_extra(self) -> None:
        """Let spares asked for at a peak go, once more are waiting than are needed."""
        with self._spares_ready:
            extra = [self._spares.pop() for _ in range(len(self._spares) - MAX_IDLE_SPARES)]
        for spare in extra:
            spare.close()  # it sees EOF and exits unused; the zygote does not replace it

    def mark_dead(self, reason: str) -> None:
        """Stop handing out this zygote's spares; the pool then starts a new zygote."""
        self._die(reason)

    def _die(self, reason: str) -> None:
        self.dead = self.dead or reason
        with self._spares_ready:
            spares = [*self._spares, *self._primed.values()]
            self._spares.clear()
            self._primed.clear()
            self._spares_ready.notify_all()
        for spare in spares:
            spare.close()

    def alive(self) -> bool:
        if self.dead is not None or self.owner_pid != os.getpid():
            return False
        if self._pidfd < 0 or select.select([self._pidfd], [], [], 0)[0]:
            self._die("the sandbox process exited")
            return False
        return True

    def close(self) -> None:
        """Stop the zygote (and so every run in it) and reap it."""
        self._die(self.dead or "closed")
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        if self.pid and self.owner_pid == os.getpid():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0
        self._close_pidfd()

    def forget(self) -> None:
        """In a forked child (a gunicorn worker): drop the parent's zygote, do not kill it."""
        self.dead = "belongs to the parent process"
        self.pid = 0
        for spare in [*self._spares, *self._primed.values()]:
            with contextlib.suppress(OSError):
                spare.close()
        self._spares.clear()
        self._primed.clear()
        with contextlib.suppress(OSError):
            self._sock.close()
        self._close_pidfd()

    def _close_pidfd(self) -> None:
        fd, self._pidfd = self._pidfd, -1
        if fd >= 0:
            os.close(fd)


def _next_message(spare: _Spare, timeout: float) -> bytes | None:
    """The spare's next message on its channel: b"" if the channel failed or closed, None
    if nothing came within ``timeout`` seconds (then nothing was read)."""
    spare.channel.settimeout(max(0.001, timeout))
    try:
        message = spare.channel.recv(4096)
    except TimeoutError:
        return None
    except OSError:
        return b""
    spare.channel.settimeout(None)
    return message


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_live_clients: weakref.WeakSet[ZygoteClient] = weakref.WeakSet()


def _close_all() -> None:
    for client in list(_live_clients):
        if client.owner_pid == os.getpid():
            client.close()


def _after_fork_in_child() -> None:
    for client in list(_live_clients):
        client.forget()
    _live_clients.clear()


atexit.register(_close_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
