"""The zygote's server: fork confined spares, hand them to the web process, reap them.

Each spare is handed over as two file descriptors: its end of a socket, on which the web
process sends the run (code and context in a memfd, and the write end of a result pipe),
and the read end of a status pipe, on which the zygote reports the exit status and rusage
when it reaps the spare. The zygote never sees a run's code or output, so its memory,
which every later spare inherits, holds nothing of earlier runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import resource
import selectors
import signal
import socket
import struct
import typing
from typing import Any

from sandbox import wire
from sandbox.zygote import linux, protocol, runtime
from sandbox.zygote.confinement import LAYER_NAMES, Confinement, LayerError, park

SPARES = 4  # confined children kept ready, so callers at once rarely wait for a fork
MAX_SPARES = 256


@dataclasses.dataclass(eq=False)
class Spare:
    """A forked, confined child waiting for its one run."""

    pid: int
    pidfd: int
    channel: socket.socket  # the zygote's end until it is handed to the web process
    status_read: int
    status_write: int
    uid: int | None


class Zygote:
    """Forks confined spares and hands them to the web process; reaps and reports them."""

    def __init__(self, sock: socket.socket, init: dict[str, Any], bpf: bytes) -> None:
        self.sock = sock
        self.stdout_cap = int(init.get("stdout_cap", 65536))
        self.result_cap = int(init.get("result_cap", 1 << 20))
        self.confinement = Confinement(set(init.get("disable", ())), bpf)
        self.spares: dict[int, Spare] = {}
        self.inbuf = bytearray()
        self.selector = selectors.DefaultSelector()
        self.devnull = park(os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC))

    def spare_main(self, channel: socket.socket, uid: int | None) -> typing.NoReturn:
        """A pre-forked child: confine, wait for exactly one run, run it, exit.

        Forking and confining happen before a request arrives, so a run pays for neither.
        """
        status = wire.EXIT_FAILED
        try:
            os.setpgid(0, 0)
            os.dup2(channel.fileno(), wire.CHILD_CHANNEL_FD, inheritable=False)
            channel.detach()
            ruleset_fd = self.confinement.ruleset_fd
            if ruleset_fd is not None:
                os.dup2(ruleset_fd, wire.CHILD_RULESET_FD, inheritable=False)
            for fd in (0, 1, 2):
                os.dup2(self.devnull, fd)
            # The control socket, other runs' fds, the zygote's own: none stay open.
            os.closerange(wire.CHILD_CHANNEL_FD + 1, 1 << 20)
            if ruleset_fd is None:
                os.closerange(3, wire.CHILD_CHANNEL_FD)
            self.sock.detach()
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            channel = socket.socket(fileno=wire.CHILD_CHANNEL_FD)
            try:
                self.confinement.confine(uid)
            except LayerError as exc:
                failure = {"setup_error": str(exc), "layer": exc.layer}
                channel.send(json.dumps(failure).encode())
                status = wire.SETUP_FAILED
                return  # type: ignore[misc]
            channel.send(b"ready")
            message, fds = receive(channel)
            primed = None
            if message == wire.PRIME and len(fds) == 1:
                # A closure's code objects, before its run: unmarshaling them now, while
                # idle, takes that work off the run. They come from the web process and
                # are the code this spare's one run will be sent; no plugin code runs.
                primed = runtime.prime(protocol.read_all(fds[0]))
                os.close(fds[0])
                channel.send(wire.PRIMED)
                message, fds = receive(channel)
            if len(message) != wire.REQUEST.size or len(fds) != 2:
                status = wire.RETIRED  # the web process let it go unused
                return  # type: ignore[misc]
            timeout_ms, memory_mb = wire.REQUEST.unpack(message)
            payload_fd, result_fd = fds
            channel.close()
            payload = protocol.read_all(payload_fd)
            os.close(payload_fd)
            self.confinement.limit(timeout_ms, memory_mb)
            data = protocol.run_request(
                payload, self.stdout_cap, self.result_cap, memory_mb, primed
            )
            # The web process answers once the pipe closes: from here on no signal handler
            # may run the plugin's code again.
            signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
            view = memoryview(data)
            while view:
                view = view[os.write(result_fd, view) :]
            os.close(result_fd)
            status = wire.EXIT_OK
        except MemoryError:
            status = wire.OUT_OF_MEMORY  # no room left even to say so: the status does
        finally:
            os._exit(status)

    def fork_spare(self) -> Spare | None:
        uid = self.confinement.uids.take() if self.confinement.layers.get("uid") else None
        if uid is None and self.confinement.layers.get("uid"):
            return None  # every uid is held by a live spare: MAX_SPARES reached
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            pid = os.fork()
        except OSError:
            ours.close()
            theirs.close()
            if uid is not None:
                self.confinement.uids.give_back(uid)
            return None
        if pid == 0:
            ours.detach()
            self.spare_main(theirs, uid)
        theirs.close()
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # the child does this too; whichever runs first wins
        # Created after the fork, so the child never holds the end its status is written to.
        status_read, status_write = os.pipe()
        spare = Spare(pid, os.pidfd_open(pid), ours, status_read, status_write, uid)
        self.spares[pid] = spare
        return spare

    def ready_spare(self, spare: Spare) -> str | None:
        """Wait until a spare is confined; the layer that failed, if one did."""
        try:
            message = spare.channel.recv(4096)
        except OSError:
            message = b""
        if message == b"ready":
            return None
        try:
            document = json.loads(message)
            layer, error = str(document["layer"]), str(document["setup_error"])
        except (ValueError, KeyError, TypeError):
            layer, error = "spare", "the process ended during setup"
        self.confinement.errors[layer] = error
        return layer

    def probe(self) -> None:
        """Fork a spare; drop any layer it could not apply and retry, until one is ready."""
        for _attempt in range(len(LAYER_NAMES)):
            spare = self.fork_spare()
            if spare is None:
                self.confinement.errors["spare"] = "could not fork"
                return
            layer = self.ready_spare(spare)
            self.discard(spare)
            if layer is None:
                return
            if layer not in self.confinement.layers or layer in ("rlimits", "no_new_privs"):
                return  # nothing left to drop: runs will report the failure themselves
            self.confinement.disable(layer)

    def release(self, spare: Spare) -> None:
        self.spares.pop(spare.pid, None)
        if spare.uid is not None:
            # Reaped: no process of this uid is left (a run cannot fork), so it is free.
            self.confinement.uids.give_back(spare.uid)

    def discard(self, spare: Spare) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(spare.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(spare.pid, 0)
        self.release(spare)
        spare.channel.close()
        for fd in (spare.pidfd, spare.status_read, spare.status_write):
            os.close(fd)

    def send(self, header: dict[str, Any], fds: tuple[int, ...] = ()) -> None:
        head = json.dumps(header).encode()
        data = wire.FRAME.pack(len(head), 0) + head
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))]
        sent = self.sock.sendmsg([data], ancillary if fds else [])
        if sent < len(data):
            self.sock.sendall(data[sent:])

    def give_spare(self) -> None:
        """Fork a spare and hand its channel and status pipe to the web process.

        The web process sends the run straight to the spare and reads the status the zygote
        writes when it reaps it: the zygote is not on the path of a request.
        """
        spare = self.fork_spare()
        if spare is None:
            return
        self.selector.register(spare.pidfd, selectors.EVENT_READ, self.on_exit)
        try:
            self.send(
                {"op": "spare", "pid": spare.pid}, (spare.channel.fileno(), spare.status_read)
            )
        except OSError:
            self.shutdown()  # the web process is gone
        finally:
            spare.channel.close()
            os.close(spare.status_read)

    def serve(self) -> None:
        gc.collect()
        gc.freeze()  # children share these pages instead of copying them when gc runs
        self.selector.register(self.sock, selectors.EVENT_READ, self.on_control)
        for _ in range(SPARES):
            self.give_spare()
        while True:
            for key, _mask in self.selector.select():
                key.data()

    def on_control(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            self.shutdown()
        self.inbuf += chunk
        while len(self.inbuf) >= wire.FRAME.size:
            head_len, body_len = wire.FRAME.unpack_from(self.inbuf)
            end = wire.FRAME.size + head_len + body_len
            if len(self.inbuf) < end:
                break
            header = json.loads(bytes(self.inbuf[wire.FRAME.size : wire.FRAME.size + head_len]))
            del self.inbuf[:end]
            self.on_request(header)

    def kill(self, pid: int) -> None:
        """Kill a spare's whole process group, unless it has already been reaped."""
        spare = self.spares.get(pid)
        if spare is not None:
            for target in (-spare.pid, spare.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(target, signal.SIGKILL)

    def on_request(self, header: dict[str, Any]) -> None:
        if header.get("op") == "kill":
            self.kill(int(header["pid"]))  # the web process's wall clock ran out
        elif header.get("op") == "more":
            if "end" in header:
                self.kill(int(header["end"]))  # its run is over, answered or not
            for _ in range(max(0, min(int(header.get("count", 1)), MAX_SPARES - len(self.spares)))):
                self.give_spare()

    def on_exit(self) -> None:
        # Reap everything that exited: spares and (as init of the PID namespace) orphans.
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            spare = self.spares.get(pid)
            if spare is not None:
                self.release(spare)
                self.finish(spare, status, usage)

    def finish(self, spare: Spare, status: int, usage: resource.struct_rusage) -> None:
        self.selector.unregister(spare.pidfd)
        os.close(spare.pidfd)
        report = {
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "maxrss_kb": usage.ru_maxrss,
            "cpu_s": usage.ru_utime + usage.ru_stime,
        }
        with contextlib.suppress(OSError):  # the web process may have stopped listening
            os.write(spare.status_write, json.dumps(report).encode())
        os.close(spare.status_write)

    def shutdown(self) -> typing.NoReturn:
        for pid in self.spares:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(-pid, signal.SIGKILL)
        os._exit(0)


def receive(channel: socket.socket) -> tuple[bytes, list[int]]:
    """A spare's next message from the web process and the descriptors that came with it."""
    message, ancillary, _flags, _addr = channel.recvmsg(64, socket.CMSG_SPACE(2 * wire.FD_SIZE))
    fds: list[int] = []
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(struct.unpack(f"{len(data) // wire.FD_SIZE}i", data))
    return message, fds


def read_frame(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    """One frame, read blocking (only for the init frame, before the loop starts)."""

    def exactly(count: int) -> bytes:
        data = bytearray()
        while len(data) < count:
            chunk = sock.recv(count - len(data))
            if not chunk:
                raise EOFError("control socket closed")
            data += chunk
        return bytes(data)

    head_len, body_len = wire.FRAME.unpack(exactly(wire.FRAME.size))
    return json.loads(exactly(head_len)), exactly(body_len)


def main(argv: list[str]) -> None:
    if len(argv) > 1 and argv[1] == "--once":
        protocol.run_once(argv)
        return
    sock_fd, parent = int(argv[1]), int(argv[2])
    # Die with the web process: it starts us from a thread that lives as long as it does.
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)
    sock = socket.socket(fileno=sock_fd)
    init, bpf = read_frame(sock)
    zygote = Zygote(sock, init, bpf)
    confinement = zygote.confinement
    if confinement.enter_namespaces():
        # The first process forked into a new PID namespace is its init: make that the
        # zygote, so every run is inside it and the whole namespace dies with it.
        pid = os.fork()
        if pid:
            sock.close()
            _, status = os.waitpid(pid, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    confinement.measure_base_vm()
    confinement.replace_root()
    confinement.layers["rlimits"] = True
    confinement.layers["no_new_privs"] = True
    if os.geteuid() == 0 and not confinement.layers.get("user"):
        # Root may give each run a uid of its own; a user namespace maps only one.
        confinement.attempt("uid", lambda: None)
    confinement.attempt("caps", lambda: None)
    confinement.prepare_landlock()
    confinement.prepare_seccomp()
    zygote.probe()
    hello = {"op": "hello", "layers": confinement.layers, "errors": confinement.errors,
             "paths": confinement.ro_paths, "pid": os.getpid()}  # fmt: skip
    zygote.send(hello)
    zygote.serve()
