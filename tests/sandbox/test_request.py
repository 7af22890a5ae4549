"""The request's framing (``sandbox.wire``): the document, then the modules' code objects as
raw bytes, each unmarshaled only when its module is first imported.

The requests here are built by hand, as the web process never would (a code object that is
not one), and run by the zygote's script in a process of its own (``--once``).
"""

import json
import marshal
from collections.abc import Mapping

from sandbox import wire
from sandbox.services import SandboxService


def _request(document: Mapping[str, object], *code_objects: bytes) -> bytes:
    text = json.dumps(document).encode()
    return wire.PAYLOAD_HEAD.pack(len(text)) + text + b"".join(code_objects)


def _run(payload: bytes) -> tuple[bool, object, str | None]:
    result = SandboxService(allow_unisolated=True)._run_unisolated(payload, 5000, 256)
    return result.success, result.output, result.error


GOOD = marshal.dumps(compile("def twice(x):\n    return 2 * x\n", "<plugin good>", "exec"))
BROKEN = b"\xff not a code object"


def _modules() -> dict[str, object]:
    return {
        "good": {"plugin": "good", "imports": [], "code_bytes": len(GOOD)},
        "broken": {"plugin": "broken", "imports": [], "code_bytes": len(BROKEN)},
    }


def test_a_module_never_imported_is_never_unmarshaled() -> None:
    document = {
        "code": "import good\ngood.twice(21)",
        "context": {},
        "modules": _modules(),
        "imports": ["good", "broken"],
    }
    assert _run(_request(document, GOOD, BROKEN)) == (True, 42, None)


def test_a_module_is_unmarshaled_on_its_first_import() -> None:
    document = {
        "code": "import broken",
        "context": {},
        "modules": _modules(),
        "imports": ["good", "broken"],
    }
    ok, output, error = _run(_request(document, GOOD, BROKEN))
    assert (ok, output) == (False, None)
    assert error is not None and error.startswith("ValueError: bad marshal data")


def test_code_objects_that_do_not_add_up_fail_the_run_with_a_reason() -> None:
    document = {"code": "1", "context": {}, "modules": _modules(), "imports": None}
    ok, _output, error = _run(_request(document, GOOD, BROKEN, b"extra"))
    assert not ok
    assert error == "ValueError: the request has bytes that belong to no module"
    ok, _output, error = _run(_request(document, GOOD))
    assert not ok
    assert error == "ValueError: module 'broken': its code object is not in the request"
