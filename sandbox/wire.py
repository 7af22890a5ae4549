"""The wire between the web process (``sandbox.client``) and the zygote (``sandbox.zygote``).

One owner for every constant both sides must agree on. Standard library only: the zygote
imports this module before it replaces its root with the read-only Python view.

- Control socket, both ways: ``FRAME`` (header length, payload length), a JSON header,
  then raw payload bytes.
- A run, sent by the web process straight to a spare: ``REQUEST`` (timeout_ms, memory_mb)
  with two descriptors by SCM_RIGHTS: a memfd holding the request and the write end of the
  pipe the result document comes back on. The request is ``PAYLOAD_HEAD`` (the length of
  the request document), the document (UTF-8 JSON, ``{"code": str, "context": {...}}`` and
  optionally the run's modules), then the modules' code objects as raw ``marshal`` bytes,
  one after another in the document's order of modules (each entry's ``code_bytes`` is its
  length): raw bytes beside the document cost the run neither a JSON string nor a decoding.
- A closure's code objects, sent ahead of a run ("priming"): ``PRIME`` with one memfd
  holding ``PAYLOAD_HEAD`` (the length of a JSON list of sizes), that list, then the code
  objects. The spare unmarshals them while it waits, answers ``PRIMED`` and then takes a run
  as above, whose request may leave its code objects out if their sizes match the primed
  ones in order (see ``sandbox.client``).
- The result document (UTF-8 JSON object, keys ``RESULT_KEYS``): the run writes it, the web
  process reads it as untrusted input (``sandbox.results``).
"""

from __future__ import annotations

import dataclasses
import struct

FRAME = struct.Struct("!II")
REQUEST = struct.Struct("!II")
PAYLOAD_HEAD = struct.Struct("!I")
FD_SIZE = struct.calcsize("i")
PRIME = b"prime"  # not REQUEST.size bytes long, so never read as a run
PRIMED = b"primed"


@dataclasses.dataclass(frozen=True)
class Request:
    """A run's request: ``head`` (``PAYLOAD_HEAD`` and the document), then ``code_objects``
    (each module's ``marshal`` bytes, in the document's order)."""

    head: bytes
    code_objects: tuple[bytes, ...] = ()

    def whole(self) -> bytes:
        return b"".join((self.head, *self.code_objects))


# Exit statuses of a spare, as the zygote reports them.
EXIT_OK = 0
EXIT_FAILED = 70  # an error outside the plugin's code (the run could not write its result)
SETUP_FAILED = 71  # the spare could not confine itself; its message names the layer
OUT_OF_MEMORY = 72  # the run ran out of memory where no MemoryError could be reported
RETIRED = 75  # the web process let the spare go unused

RESULT_KEYS = frozenset({"output", "ok", "error", "stdout", "stdout_truncated", "maxrss_kb"})
# Deepest nesting of lists and objects an output may have; both sides enforce it.
MAX_RESULT_DEPTH = 100
# Most decimal digits an integer in an output may have. Python refuses to convert integers
# past 4,300 digits (CVE-2020-10735); the web process converts up to this many itself.
MAX_INT_DIGITS = 50_000

# Where a spare keeps its descriptors (the seccomp filter lets the channel, and only it,
# send and receive).
CHILD_RULESET_FD = 3
CHILD_CHANNEL_FD = 4
