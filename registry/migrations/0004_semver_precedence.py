"""Versions read as SemVer where they are SemVer: recompute every stored precedence.

The key's code is frozen here (a copy of ``version_key`` and ``precedence_key`` as of this
migration), so later changes to the live code do not change what this migration does. A stored
version with build metadata or a local part (no longer publishable) keeps its PEP 440 reading,
local part included, so no two stored rows can fall onto one key.
"""

import re
from typing import Any

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from packaging.version import InvalidVersion, Version

_N = r"0|[1-9][0-9]*"
_ID = rf"(?:{_N}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(rf"v?({_N})\.({_N})\.({_N})(?:-({_ID}(?:\.{_ID})*))?")


def _release(release: tuple[int, ...]) -> tuple[int, ...]:
    trimmed = list(release)
    while len(trimmed) > 1 and trimmed[-1] == 0:
        trimmed.pop()
    return tuple(trimmed)


def _semver_key(text: str) -> tuple[tuple[Any, ...], bool] | None:
    match = _SEMVER.fullmatch(text.strip())
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    release = _release((int(major), int(minor), int(patch)))
    if not pre:
        return (0, release, (3, 0, (1, 0)), ()), False
    ids = tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in pre.split("."))
    return (0, release, (0, ids), ()), True


def _pep440_key(text: str) -> tuple[tuple[Any, ...], bool] | None:
    try:
        version = Version(text)
    except InvalidVersion:
        return None
    dev = (1, 0) if version.dev is None else (0, version.dev)
    post = 0 if version.post is None else version.post + 1
    stage: tuple[Any, ...]
    if version.pre is not None:
        stage = (2, ({"a": 0, "b": 1, "rc": 2}[version.pre[0]], version.pre[1], post, dev))
    elif version.post is None and version.dev is not None:
        stage = (1, version.dev)
    else:
        stage = (3, post, dev)
    local = tuple(
        (1, int(p), "") if p.isdigit() else (0, 0, p) for p in (version.local or "").split(".") if p
    )
    return (version.epoch, _release(version.release), stage, local), version.is_prerelease


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, int):
        out.append(f"{len(str(value)):03d}{value}")
    elif isinstance(value, str):
        out.append("".join(f"{ord(c):03d}" for c in value) + "000")
    else:
        for item in value:
            out.append("1")
            _encode(item, out)
        out.append("0")


def rekey(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    PluginVersion = apps.get_model("registry", "PluginVersion")
    rows = list(PluginVersion.objects.only("id", "version", "precedence", "is_prerelease"))
    # Two passes: first move every row to a temporary unique key, then to its new key, so the
    # unique constraint on (plugin, precedence) never sees two rows swap keys mid-way.
    for row in rows:
        row.precedence = f"tmp{row.pk}"
    PluginVersion.objects.bulk_update(rows, ["precedence"], batch_size=500)
    for row in rows:
        text = row.version.strip()
        if "+" in text:
            keyed = _pep440_key(text) or _semver_key(text.split("+")[0])
        else:
            keyed = _semver_key(text) or _pep440_key(text)
        key, prerelease = keyed if keyed is not None else (((), row.pk), False)
        out: list[str] = []
        _encode(key, out)
        row.precedence = "".join(out)
        row.is_prerelease = prerelease
    PluginVersion.objects.bulk_update(rows, ["precedence", "is_prerelease"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_search_name_table")]

    operations = [
        migrations.AlterField(
            model_name="pluginversion",
            name="precedence",
            field=models.CharField(
                help_text="Digits that sort like the version (SemVer or PEP 440); equal for 1.0 and 1.0.0.",
                max_length=1000,
            ),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop, elidable=False),
    ]
