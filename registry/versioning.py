"""A sortable text key for version precedence, so the database can order versions."""

from packaging.version import InvalidVersion, Version

_PRE_RANK = {"a": 1, "b": 2, "rc": 3}


def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def precedence_key(version: Version) -> str:
    """Text that sorts like ``packaging``'s version ordering (PEP 440 precedence).

    Trailing zeros of the release are dropped, so ``1.0`` and ``1.0.0`` share a key.
    """
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    parts = [f"{version.epoch:05d}", ".".join(f"{n:010d}" for n in release)]
    # The space sorts below "." so that 1.2 sorts before 1.2.1.
    if version.pre is None and version.post is None and version.dev is not None:
        pre = "0"
    elif version.pre is not None:
        pre = f"1{_PRE_RANK[version.pre[0]]}{version.pre[1]:010d}"
    else:
        pre = "2"
    post = "0" if version.post is None else f"1{version.post:010d}"
    dev = "1" if version.dev is None else f"0{version.dev:010d}"
    local = version.local or ""
    return " ".join([*parts, pre, post, dev]) + (f" {local}" if local else "")
