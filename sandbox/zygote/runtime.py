"""The plugin modules of one run: ``import NAME`` executes NAME's source once, on first import.

The request document may carry ``"modules": {name: {"code_bytes": int or "source": str,
"imports": [name, ...] or null, "plugin": str}}`` and ``"imports": [name, ...] or null`` (what the
run's own code may import). ``imports`` null means "any module of the run" (a plain mapping
of sources given to ``SandboxService.run``); a list is the importer's declared
dependencies, and importing another module of the run fails with ``ModuleNotFoundError``
naming the missing declaration, as pnpm and Deno are strict about undeclared dependencies.

How it works, and why:

- The modules are kept in this run's own table, never in ``sys.modules``: a module that
  replaces or deletes ``sys.modules`` entries changes nothing another plugin imports, and the
  standard library's own imports never see a plugin.
- Each module's globals get a private ``__builtins__`` whose ``__import__`` knows the
  importer, so the check applies per module; module names are bound once they are declared.
  ``importlib.import_module`` and ``builtins.__import__`` reach the standard library only.
- A plugin whose module name equals a standard-library module (a plugin named ``random``)
  is what ``import random`` gives to the modules that declare it; every other importer,
  the standard library included, keeps the standard-library module.
- A cycle behaves as in Python: the second import of a module still executing returns the
  partially initialised module (``from a import x`` then fails with Python's "partially
  initialized module" message). A module whose execution raises is forgotten, so the
  exception reaches its importer and a later import executes it again, as Python does.

Nothing here reads a file or touches the confinement: modules come from the request, each
as the code object the web process compiled (``"code_bytes"`` of ``marshal`` data after the
request document, in the modules' order; see ``sandbox.wire``), which saves the run the
compile, or as source it could not compile. Either is made a code object on first import
only, so a module the run never imports costs it nothing but its bytes. A spare primed with
the closure (``prime``, ``sandbox.client``) has unmarshaled them all before the run came;
its request then leaves the bytes out, and the primed code objects stand in for them only
if their sizes match the request's, module by module.
"""

from __future__ import annotations

import builtins
import dataclasses
import gc
import json
import marshal
import sys
import types
from collections.abc import Mapping, Sequence
from importlib.machinery import ModuleSpec
from typing import Any

from sandbox.wire import PAYLOAD_HEAD

_real_import = builtins.__import__
_BUILTINS = vars(builtins)


class ModuleTable:
    """The plugin modules of one run and who may import which."""

    def __init__(
        self,
        modules: Mapping[str, Mapping[str, Any]],
        code_objects: memoryview | bytes = b"",
        primed: PrimedCode | None = None,
    ) -> None:
        """``modules`` as the request document gives them; ``code_objects`` the bytes that
        follow it, or none when ``primed`` holds code objects of exactly those sizes, in the
        modules' order (raises ValueError when their lengths do not add up)."""
        self.sources: dict[str, str] = {}
        self.marshaled: dict[str, memoryview] = {}
        self.plugins: dict[str, str] = {}
        self.imports: dict[str, frozenset[str] | None] = {}
        self.compiled: dict[str, types.CodeType] = {}
        sizes: dict[str, Any] = {}
        for name, spec in modules.items():
            self.sources[name] = str(spec.get("source") or "")
            self.plugins[name] = str(spec.get("plugin") or name)
            self.imports[name] = declared_names(spec.get("imports"))
            if spec.get("code_bytes") is not None:
                sizes[name] = spec["code_bytes"]
        data = memoryview(code_objects)
        if not data and primed is not None and tuple(sizes.values()) == primed.sizes:
            self.compiled.update(zip(sizes, primed.codes, strict=True))
            sizes = {}
        offset = 0
        for name, size in sizes.items():
            if type(size) is not int or not 0 < size <= len(data) - offset:
                raise ValueError(f"module {name!r}: its code object is not in the request")
            self.marshaled[name] = data[offset : offset + size]
            offset += size
        if offset != len(data):
            raise ValueError("the request has bytes that belong to no module")
        self.loaded: dict[str, types.ModuleType] = {}

    def builtins_for(self, importer: str | None, allowed: frozenset[str] | None) -> dict[str, Any]:
        """A ``__builtins__`` mapping whose ``__import__`` applies ``importer``'s declarations."""
        table = self

        def plugin_import(
            name: str,
            globals: Mapping[str, Any] | None = None,
            locals: Mapping[str, Any] | None = None,
            fromlist: Sequence[str] | None = (),
            level: int = 0,
        ) -> Any:
            if level == 0 and isinstance(name, str):
                top, _, rest = name.partition(".")
                if top in table.sources:
                    if allowed is None or top in allowed:
                        module = table.load(top)
                        if rest:
                            raise ModuleNotFoundError(
                                f"No module named {name!r} ({top!r} is a plugin module, "
                                "not a package)",
                                name=name,
                            )
                        if fromlist and getattr(module.__spec__, "_initializing", False):
                            table.check_partial(module, fromlist)
                        return module
                    if not _is_stdlib(top):
                        raise ModuleNotFoundError(table.undeclared(importer, top), name=top)
            return _real_import(name, globals, locals, fromlist or (), level)

        namespace = dict(_BUILTINS)
        namespace["__import__"] = plugin_import
        return namespace

    def check_partial(self, module: types.ModuleType, fromlist: Sequence[str]) -> None:
        """Python's message for ``from a import x`` while ``a`` is still executing (a cycle):
        the module is not in ``sys.modules``, where the interpreter would look for it."""
        for item in fromlist:
            if item != "*" and not hasattr(module, item):
                raise ImportError(
                    f"cannot import name {item!r} from partially initialized module "
                    f"{module.__name__!r} (most likely due to a circular import)",
                    name=module.__name__,
                )

    def undeclared(self, importer: str | None, name: str) -> str:
        who = "the plugin's code" if importer is None else f"plugin {self.plugins[importer]!r}"
        return (
            f"No module named {name!r}: {who} does not declare {self.plugins[name]!r} "
            "in its dependencies"
        )

    def load(self, name: str) -> types.ModuleType:
        """The module ``name``, executing its source if this is its first import."""
        module = self.loaded.get(name)
        if module is not None:
            return module
        code = self.compiled.get(name)
        if code is None:
            code = self.code_of(name)
            self.compiled[name] = code
        module = types.ModuleType(name)
        spec = ModuleSpec(name, None, origin=f"plugin {self.plugins[name]}")
        # Python reads this flag to say "partially initialized module" in a cycle.
        spec._initializing = True  # type: ignore[attr-defined]
        module.__spec__ = spec
        module.__dict__["__builtins__"] = self.builtins_for(name, self.imports[name])
        self.loaded[name] = module
        try:
            exec(code, module.__dict__)  # noqa: S102 - running plugin code is the purpose
        except BaseException:
            self.loaded.pop(name, None)
            raise
        finally:
            spec._initializing = False  # type: ignore[attr-defined]
        return module

    def code_of(self, name: str) -> types.CodeType:
        """Module ``name``'s code object: unmarshaled (compiled by the web process from its
        source), or compiled here from the source the web process could not compile."""
        data = self.marshaled.pop(name, None)
        if data is None:
            return compile(self.sources[name], f"<plugin {self.plugins[name]}>", "exec")
        code = _unmarshal(data)
        if not isinstance(code, types.CodeType):
            raise TypeError(f"module {name!r}: the request holds no code object for it")
        return code


@dataclasses.dataclass(frozen=True)
class PrimedCode:
    """A closure's code objects, unmarshaled by a spare before its run arrived."""

    sizes: tuple[int, ...]  # each one's length in marshal bytes: what a request must match
    codes: tuple[types.CodeType, ...]


def prime(data: bytes) -> PrimedCode:
    """Unmarshal a ``PRIME`` memfd's contents (``sandbox.wire``); ValueError or TypeError
    if it is not that. Only the web process writes it: no plugin code runs here."""
    (head,) = PAYLOAD_HEAD.unpack_from(data)
    start = PAYLOAD_HEAD.size
    sizes = tuple(json.loads(data[start : start + head]))
    view = memoryview(data)[start + head :]
    if not all(type(size) is int and size > 0 for size in sizes) or sum(sizes) != len(view):
        raise ValueError("the primed code objects do not add up")
    codes = []
    offset = 0
    for size in sizes:
        code = _unmarshal(view[offset : offset + size])
        if not isinstance(code, types.CodeType):
            raise TypeError("the primed bytes hold something else than code objects")
        codes.append(code)
        offset += size
    return PrimedCode(sizes, tuple(codes))


def _unmarshal(data: memoryview) -> object:
    # Unmarshaling makes thousands of objects, none of them garbage: a collection
    # started by their count would only walk them (and copy pages shared with the zygote).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return marshal.loads(data)  # noqa: S302 - written by the web process, not the plugin
    finally:
        if collecting:
            gc.enable()


def declared_names(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise TypeError("imports must be a list of module names or null")
    return frozenset(str(item) for item in value)


def _is_stdlib(name: str) -> bool:
    return name in sys.stdlib_module_names or name in sys.builtin_module_names
