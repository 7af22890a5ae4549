"""Primed spares: after a run with plugin modules, a spare unmarshals that closure's code
objects while it waits, and only a run of exactly that closure is sent to it.

What a user of the sandbox may notice is only speed; what must not change is everything
else: each run executes its modules afresh, a run never gets another closure's code, and a
spare that fails to prime costs nothing but itself.
"""

import json
import os
import socket
import struct
import textwrap
import threading
import time
from pathlib import Path

import pytest

from marketplace_site.types import PluginModule, SandboxResult
from sandbox import client as sandbox_client
from sandbox import wire
from sandbox.services import SandboxService, module_entry
from sandbox.zygote.runtime import ModuleTable, prime


def _src(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


COUNTER = {
    "counter": PluginModule(
        source=_src(
            """
            calls = []
            def hit():
                calls.append(1)
                return len(calls)
            """
        ),
        imports=frozenset(),
        plugin="counter",
    )
}


def _code_objects(modules: dict[str, PluginModule]) -> tuple[bytes, ...]:
    """The key a run of ``modules`` is primed under: its modules' marshal bytes, in order."""
    entries = [
        module_entry(m.source, m.plugin or name, tuple(sorted(m.imports or ())))
        for name, m in modules.items()
    ]
    return tuple(data for _entry, data in entries if data)


def _run_until_primed(
    service: SandboxService, code: str, modules: dict[str, PluginModule]
) -> SandboxResult:
    """Run until the closure is primed, and return that run's result. Priming is best
    effort: it is skipped when no idle spare is confined yet (as just after a start)."""
    for _ in range(50):
        result = service.run(code, modules=modules, imports=set(modules))
        if _code_objects(modules) in service._client()._primed:
            return result
        time.sleep(0.02)
    raise AssertionError("no spare was primed in 50 runs")


@pytest.fixture
def service() -> SandboxService:
    """A service with a zygote of its own: these tests look at which spares it holds (the
    services of one configuration share a zygote, and other tests prime spares in it)."""
    service = SandboxService()
    service._client().close()
    return service


def test_a_repeated_closure_runs_in_the_spare_primed_for_it_and_starts_afresh(
    service: SandboxService,
) -> None:
    code = "import counter, os\n[counter.hit(), counter.hit(), os.getpid()]"
    first = _run_until_primed(service, code, COUNTER)
    assert first.error is None
    client = service._client()
    primed = client._primed[_code_objects(COUNTER)]

    second = service.run(code, modules=COUNTER, imports={"counter"})

    # The module ran again from its first line: nothing of the first run is left in it.
    assert second.output == [1, 2, primed.pid]
    assert isinstance(first.output, list)
    assert first.output[:2] == [1, 2]
    assert first.output[2] != primed.pid


def test_a_run_of_another_closure_never_gets_a_primed_spare(service: SandboxService) -> None:
    other = {
        "counter": PluginModule(
            source="def hit():\n    return 'the other counter'\n",
            imports=frozenset(),
            plugin="counter",
        )
    }
    code = "import counter, os\n[counter.hit(), os.getpid()]"
    _run_until_primed(service, code, COUNTER)
    primed = service._client()._primed[_code_objects(COUNTER)]

    result = _run_until_primed(service, code, other)

    assert isinstance(result.output, list)
    assert result.output[0] == "the other counter"
    assert result.output[1] != primed.pid
    # Each closure now waits in a spare of its own.
    assert set(service._client()._primed) == {_code_objects(COUNTER), _code_objects(other)}


def test_only_the_most_recently_run_closures_stay_primed(
    service: SandboxService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox_client, "MAX_PRIMED", 2)
    closures = [
        {"m": PluginModule(source=f"VALUE = {n}\n", imports=frozenset(), plugin="m")}
        for n in range(3)
    ]
    for n, modules in enumerate(closures):
        assert _run_until_primed(service, "import m\nm.VALUE", modules).output == n
    assert list(service._client()._primed) == [_code_objects(c) for c in closures[1:]]

    monkeypatch.setattr(sandbox_client, "MAX_PRIMED", 0)
    assert service.run("import m\nm.VALUE", modules=closures[2], imports={"m"}).output == 2
    assert not service._client()._primed


def test_a_spare_that_fails_to_prime_is_passed_over(service: SandboxService) -> None:
    code = "import counter\ncounter.hit()"
    key = _code_objects(COUNTER)
    client = service._client()
    spare = None
    for _ in range(50):  # a fresh zygote's spares may still be confining
        spare = client._idle_spare_for(key)
        if spare is not None:
            break
        time.sleep(0.02)
    assert spare is not None
    # Bytes that are no code objects: the spare cannot unmarshal them and exits.
    junk = b"not marshal data"
    sizes = json.dumps([len(junk)]).encode()
    fd = os.memfd_create("junk")
    os.write(fd, wire.PAYLOAD_HEAD.pack(len(sizes)) + sizes + junk)
    spare.channel.sendmsg(
        [wire.PRIME], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))]
    )
    os.close(fd)
    client._primed[key] = spare

    result = service.run(code, modules=COUNTER, imports={"counter"})

    assert result.error is None
    assert result.output == 1


def test_primed_code_objects_stand_in_only_for_exactly_their_sizes() -> None:
    entry, data = module_entry("VALUE = 7\n", "seven", ())
    sizes = json.dumps([len(data)]).encode()
    primed = prime(wire.PAYLOAD_HEAD.pack(len(sizes)) + sizes + data)
    modules = {"seven": json.loads(entry)}

    assert ModuleTable(modules, b"", primed).load("seven").VALUE == 7
    modules["seven"]["code_bytes"] += 1
    with pytest.raises(ValueError, match="its code object is not in the request"):
        ModuleTable(modules, b"", primed)


@pytest.mark.parametrize(
    ("sizes", "tail", "error"),
    [([5], b"12345", ValueError), ([3], b"1234", ValueError), ([2], b"N.", TypeError)],
    ids=["not-marshal", "does-not-add-up", "not-a-code-object"],
)
def test_priming_refuses_what_is_not_code_objects(
    sizes: list[int], tail: bytes, error: type[Exception]
) -> None:
    head = json.dumps(sizes).encode()
    with pytest.raises(error):
        prime(wire.PAYLOAD_HEAD.pack(len(head)) + head + tail)


def test_concurrent_runs_of_one_closure_leave_one_primed_spare_and_no_stray_process(
    service: SandboxService,
) -> None:
    code = "import counter\ncounter.hit()"
    outputs: list[object] = []

    def runs() -> None:
        for _ in range(5):
            outputs.append(service.run(code, modules=COUNTER, imports={"counter"}).output)

    threads = [threading.Thread(target=runs) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outputs == [1] * 20
    client = service._client()
    assert set(client._primed) <= {_code_objects(COUNTER)}
    # Every process in the zygote's PID namespace is its init or a spare the client holds:
    # none was primed and then forgotten.
    deadline = time.monotonic() + 5
    while True:
        with client._spares_ready:
            held = {1} | {spare.pid for spare in [*client._spares, *client._primed.values()]}
        stray = _namespace_pids(client.pid) - held
        if not stray or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not stray


def _namespace_pids(zygote: int) -> set[int]:
    """The pids, as the zygote's PID namespace numbers them, of the processes under it."""
    from tests.sandbox.conftest import descendants

    pids = set()
    for pid in descendants(zygote):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue  # exited meanwhile
        nspid = next(line for line in status.splitlines() if line.startswith("NSpid:"))
        pids.add(int(nspid.split()[-1]))
    return pids
