"""What a worker process runs, called here in-process: the task, its warm-up and its probe."""

import json

import pytest

from marketplace_site.remote_sandbox import decode_result, encode_request
from marketplace_site.sandbox_worker import run, sandbox_isolation, start_zygote
from marketplace_site.types import PluginModule
from sandbox.services import SandboxService


def test_the_task_runs_a_request_as_the_web_process_encodes_it() -> None:
    modules: dict[str, str | PluginModule] = {
        "helper": PluginModule(
            source="import base\nVALUE = base.X * 2", imports=frozenset({"base"})
        ),
        "base": "X = 21",
    }
    request = encode_request("import helper\nhelper.VALUE", {}, modules, ["helper"], 1000, 128)
    answer = run(json.loads(json.dumps(request)))  # it crosses the broker as JSON
    result = decode_result(answer)
    assert (result.success, result.output, result.error) == (True, 42, None)


def test_the_task_keeps_the_import_rules() -> None:
    request = encode_request("import base", {}, {"base": "X = 1"}, [], 1000, 128)
    result = decode_result(run(request))
    assert not result.success
    assert result.error is not None and "ModuleNotFoundError" in result.error


def test_a_callers_mistake_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(TypeError, match="JSON values only"):
        encode_request("1", {"x": {1, 2}}, None, None, 1000, 128)
    with pytest.raises(ValueError, match="timeout_ms"):
        encode_request("1", None, None, None, 0, 128)
    with pytest.raises(TypeError, match="code must be a string"):
        encode_request(b"1", None, None, None, 1000, 128)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="imports must be a collection"):
        encode_request("1", None, None, "helper", 1000, 128)
    with pytest.raises(TypeError, match="context must be a mapping"):
        encode_request("1", [1], None, None, 1000, 128)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="modules must be a mapping"):
        encode_request("1", None, ["m"], None, 1000, 128)  # type: ignore[arg-type]


def test_the_probe_reports_this_workers_isolation() -> None:
    start_zygote()
    answer = sandbox_isolation(None)
    expected = SandboxService().isolation()
    assert answer == {
        "level": expected.level,
        "summary": expected.summary,
        "missing": list(expected.missing),
    }


def test_a_request_without_modules_runs_plain_code() -> None:
    result = decode_result(run(encode_request("6 * 7", None, None, None, 1000, 128)))
    assert (result.success, result.output) == (True, 42)
