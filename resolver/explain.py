"""Wording for resolution failures: short, plain, and grouped."""

from __future__ import annotations

from collections.abc import Sequence

# Lists longer than this collapse to "first … last (n versions)".
LIST_LIMIT = 4


def show_constraint(constraint: str) -> str:
    """A constraint as people read it; the empty constraint means any version."""
    return constraint.strip() or "*"


def summarize_versions(versions: Sequence[str]) -> str:
    """``1.0.0, 1.5.0`` or, for a long list, ``1.0.0 … 1.9.0 (20 versions)``.

    ``versions`` must already be in ascending order.
    """
    if len(versions) <= LIST_LIMIT:
        return ", ".join(versions)
    return f"{versions[0]} … {versions[-1]} ({len(versions)} versions)"


def summarize_constraints(constraints: Sequence[str]) -> str:
    """One constraint, or the first few and how many there are in all."""
    shown = [show_constraint(c) for c in constraints]
    if len(shown) == 1:
        return shown[0]
    if len(shown) <= LIST_LIMIT:
        return ", ".join(shown[:-1]) + " or " + shown[-1]
    return f"{', '.join(shown[:2])} … {shown[-1]} ({len(shown)} different constraints)"


def who(name: str, versions: Sequence[str]) -> tuple[str, str]:
    """The subject of a sentence and its verb: ``mid 1.2.0 needs`` or ``mid 1.0.0, 1.1.0 need``."""
    if len(versions) == 1:
        return f"{name} {versions[0]}", "needs"
    return f"{name} {summarize_versions(versions)}", "need"


def no_fit(count: int) -> str:
    """The closing remark after the list of published versions."""
    if count <= 1:
        return "none fits"
    if count == 2:
        return "no version fits both"
    return f"no version fits all {count}"


def missing(name: str) -> str:
    return f"no plugin named {name} is published"
