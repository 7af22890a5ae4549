"""SandboxService.run with ``modules``: plugins that import their dependencies.

Hostile cases included: an import that loops forever or raises, a module that replaces
``sys.modules`` entries, an import cycle, and imports of what was not declared.
"""

import textwrap

import pytest

from marketplace_site.types import PluginModule, module_name
from sandbox.services import SandboxService


def _src(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


def test_module_name_is_the_canonical_name_with_underscores() -> None:
    assert module_name("text-utils") == "text_utils"
    assert module_name("My.Plugin_Kit") == "my_plugin_kit"


def test_a_plain_mapping_of_sources_is_importable_by_name(sandbox: SandboxService) -> None:
    modules = {
        "text_utils": "def shout(s):\n    return s.upper() + '!'\n",
        "greeter": "import text_utils\ndef greet(n):\n    return text_utils.shout('hi ' + n)\n",
    }
    result = sandbox.run("import greeter\ngreeter.greet(name)", {"name": "ada"}, modules=modules)
    assert result.error is None
    assert result.output == "HI ADA!"


def test_from_import_and_module_attributes(sandbox: SandboxService) -> None:
    modules = {"numbers": "TWO = 2\ndef double(x):\n    return x * TWO\n"}
    result = sandbox.run(
        "from numbers import double, TWO\n[double(21), TWO, __import__('numbers').__name__]",
        modules=modules,
    )
    assert result.output == [42, 2, "numbers"]


def test_a_module_executes_once_per_run_on_first_import(sandbox: SandboxService) -> None:
    modules = {
        "counter": "print('executing counter')\ncount = 0\n",
        "a": "import counter\ncounter.count += 1\n",
        "b": "import counter\ncounter.count += 1\n",
        "never": "print('executing never')\n",
    }
    code = "import a, b, counter\nimport a\ncounter.count"
    result = sandbox.run(code, modules=modules)
    assert result.output == 2
    assert result.stdout == "executing counter\n"
    # A second run starts from scratch: nothing of the first is imported.
    assert sandbox.run(code, modules=modules).output == 2


def test_modules_do_not_see_the_context(sandbox: SandboxService) -> None:
    modules = {"peek": "def secret():\n    return globals().get('token', 'not visible')\n"}
    result = sandbox.run("import peek\npeek.secret()", {"token": "s3cret"}, modules=modules)
    assert result.output == "not visible"


def test_strict_imports_name_the_missing_declaration(sandbox: SandboxService) -> None:
    modules = {
        "chart_data": PluginModule("def series():\n    return [1, 2]\n", frozenset(), "chart-data"),
        "dashboard": PluginModule(
            "import chart_data\n", frozenset({"currency_format"}), "dashboard-kit"
        ),
        "currency_format": PluginModule("X = 1\n", frozenset(), "currency-format"),
    }
    # The root code declares only the dashboard; the dashboard does not declare chart-data.
    root = sandbox.run("import chart_data", modules=modules, imports={"dashboard"})
    assert root.success is False
    assert root.error == (
        "ModuleNotFoundError: No module named 'chart_data': the plugin's code does not "
        "declare 'chart-data' in its dependencies"
    )
    nested = sandbox.run("import dashboard", modules=modules, imports={"dashboard"})
    assert nested.error == (
        "ModuleNotFoundError: No module named 'chart_data': plugin 'dashboard-kit' does not "
        "declare 'chart-data' in its dependencies"
    )
    # Already executed by someone who declared it, a module is still refused to the rest.
    fine = {**modules, "dashboard": PluginModule("import chart_data\n", frozenset({"chart_data"}))}
    again = sandbox.run("import dashboard\nimport chart_data", modules=fine, imports={"dashboard"})
    assert again.error is not None and "does not declare 'chart-data'" in again.error


def test_undeclared_names_outside_the_run_are_plain_missing_modules(
    sandbox: SandboxService,
) -> None:
    result = sandbox.run("import no_such_plugin", modules={"a": "X = 1\n"}, imports=set())
    assert result.error == "ModuleNotFoundError: No module named 'no_such_plugin'"


def test_a_plugin_named_like_the_standard_library_shadows_it_only_where_declared(
    sandbox: SandboxService,
) -> None:
    modules = {
        "random": PluginModule("def random():\n    return 'plugin'\n", frozenset(), "random"),
        "user": PluginModule(
            "import random\nVALUE = random.random()\n", frozenset({"random"}), "user"
        ),
    }
    code = "import user, random, json\n[user.VALUE, isinstance(random.random(), float)]"
    result = sandbox.run(code, modules=modules, imports={"user"})
    assert result.output == ["plugin", True]


def test_an_import_cycle_behaves_as_in_python(sandbox: SandboxService) -> None:
    modules = {
        "ping": "import pong\nNAME = 'ping'\ndef other():\n    return pong.NAME\n",
        "pong": "import ping\nNAME = 'pong'\ndef other():\n    return ping.NAME\n",
    }
    result = sandbox.run("import ping, pong\n[ping.other(), pong.other()]", modules=modules)
    assert result.output == ["pong", "ping"]
    eager = {
        "ping": "from pong import NAME\n",
        "pong": "from ping import missing\nNAME = 1\n",
    }
    failed = sandbox.run("import ping", modules=eager)
    assert failed.success is False
    assert failed.error is not None
    assert failed.error.startswith("ImportError: cannot import name 'missing' from partially")


def test_an_import_that_raises_reaches_the_importer(sandbox: SandboxService) -> None:
    modules = {"broken": "raise RuntimeError('broken at import')\n"}
    result = sandbox.run("import broken", modules=modules)
    assert result.success is False
    assert result.error == "RuntimeError: broken at import"
    caught = sandbox.run(
        "try:\n    import broken\nexcept RuntimeError as exc:\n    result = 'caught: ' + str(exc)",
        modules=modules,
    )
    assert caught.output == "caught: broken at import"


def test_an_import_that_loops_forever_is_killed_by_the_timeout(sandbox: SandboxService) -> None:
    result = sandbox.run("import spin", modules={"spin": "while True:\n    pass\n"}, timeout_ms=500)
    assert result.timed_out is True
    assert result.success is False
    # The next run is unaffected.
    assert sandbox.run("import spin", modules={"spin": "X = 1\n"}).success is True


def test_replacing_sys_modules_changes_nothing_other_plugins_import(
    sandbox: SandboxService,
) -> None:
    modules = {
        "vandal": _src(
            """
            import sys
            sys.modules["honest"] = "replaced"
            sys.modules["json"] = "replaced"
            sys.modules.pop("math", None)
            """
        ),
        "honest": "VALUE = 'honest'\n",
    }
    code = (
        "import vandal, honest\nimport math\nresult = {'honest': honest.VALUE, 'pi': math.pi > 3}"
    )
    result = sandbox.run(code, modules=modules)
    assert result.error is None
    assert result.output == {"honest": "honest", "pi": True}


def test_modules_cannot_read_host_files(sandbox: SandboxService) -> None:
    modules = {"reader": "def read():\n    return open('/etc/hostname').read()\n"}
    result = sandbox.run("import reader\nreader.read()", modules=modules)
    assert result.success is False
    assert result.error is not None and "FileNotFoundError" in result.error


def test_a_syntax_error_in_a_module_fails_the_run(sandbox: SandboxService) -> None:
    result = sandbox.run("import bad", modules={"bad": "def (:\n"})
    assert result.success is False
    assert result.error is not None and result.error.startswith("SyntaxError")


def test_plugin_modules_are_not_packages(sandbox: SandboxService) -> None:
    result = sandbox.run("import flat.sub", modules={"flat": "X = 1\n"})
    assert result.error == (
        "ModuleNotFoundError: No module named 'flat.sub' ('flat' is a plugin module, not a package)"
    )


@pytest.mark.parametrize("name", ["not-an-identifier", "class", ""])
def test_a_module_name_that_is_not_an_identifier_is_a_callers_mistake(
    sandbox: SandboxService, name: str
) -> None:
    with pytest.raises(ValueError, match="not a Python identifier"):
        sandbox.run("1", modules={name: "X = 1\n"})
