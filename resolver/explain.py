"""Wording for resolution failures: short, plain, and grouped.

The helpers at the top word lists and constraints; the functions below them word what a
resolution ``Session`` found: a version that can never work, the clash resolvelib reports,
a budget spent. The pair check and the propagation build their sentences from these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from resolver.candidates import ALL, Candidate, Info, Package, Reason, Requirement
from resolver.versions import key as order_key

if TYPE_CHECKING:
    from resolver.transitive import Session

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


def too_complex(session: Session) -> str:
    return (
        f"Resolving the dependencies of {session.root.name} {session.root.version} is too complex: "
        f"no answer within the budget ({session.rounds} rounds and {session.elapsed_ms():.0f} ms; "
        f"limits {session.max_rounds} rounds, {session.timeout_ms} ms). "
        "Narrow the version constraints and try again."
    )


def version_of(session: Session, candidate: Candidate) -> str:
    if candidate is session.root_candidate:
        return f"{session.root.name} {session.root.version}"
    return f"{session.packages[candidate.key].name} {candidate.version}"


def needs(session: Session, infos: Sequence[tuple[Candidate, Requirement]]) -> list[str]:
    """``top 1.0.0 needs base >=2``, grouping the versions of one dependent that agree."""
    groups: dict[tuple[str, str, str], list[Candidate]] = {}
    for parent, requirement in infos:
        group = groups.setdefault((parent.key, requirement.name, requirement.constraint), [])
        if parent not in group:
            group.append(parent)

    def order(item: tuple[tuple[str, str, str], list[Candidate]]) -> tuple[bool, str]:
        return (item[0][0] != session.root_key, item[0][0])

    lines = []
    for (key, name, constraint), parents in sorted(groups.items(), key=order):
        if parents == [session.root_candidate]:
            subject, verb = version_of(session, session.root_candidate), "needs"
        else:
            versions = [p.version for p in sorted(parents, key=lambda p: order_key(p.parsed))]
            subject, verb = who(session.packages[key].name, versions)
        lines.append(f"{subject} {verb} {name} {show_constraint(constraint)}")
    return lines


def has(session: Session, key: str) -> str:
    """``base has 1.0.0, 1.5.0`` or the root's fixed version."""
    package = session.packages[key]
    if key == session.root_key:
        return f"{session.root.name} is being installed at {session.root.version}"
    return f"{package.name} has {summarize_versions(package.ascending())}"


def explain_causes(session: Session, causes: list[Info]) -> str:
    return _explain_infos(session, causes, allow_indirect=True)


def _direct_clash(session: Session) -> str | None:
    """The latest recorded clash where no version fits the requirements at all."""
    for infos in reversed(session.clashes):
        keys = {info.requirement.key for info in infos}
        if len(keys) != 1 or not session.packages[next(iter(keys))].candidates:
            continue
        mask = ALL
        for info in infos:
            mask &= session.mask(info.requirement)
        if not mask:
            return _explain_infos(session, infos, allow_indirect=False)
    return None


def _explain_infos(session: Session, causes: list[Info], *, allow_indirect: bool) -> str:
    by_key: dict[str, list[tuple[Candidate, Requirement]]] = {}
    for cause in causes:
        # The root's own requirements are resolvelib's top-level ones (parent None).
        parent = cause.parent or session.root_candidate
        by_key.setdefault(cause.requirement.key, []).append((parent, cause.requirement))
    parts = []
    for key in sorted(by_key, key=lambda k: (k != session.root_key, k)):
        infos = by_key[key]
        package = session.packages[key]
        needed = "; ".join(needs(session, infos))
        # A missing plugin, or a cycle back to the root that does not fit, never gets
        # here: the look-ahead rules out the versions that ask for them.
        mask = package.all_mask
        constraints: set[str] = set()
        for _, requirement in infos:
            mask &= session.mask(requirement)
            constraints.add(requirement.constraint)
        if not mask:
            parts.append(f"{needed}; {has(session, key)} ({no_fit(len(constraints))})")
        else:
            parts.append(f"{needed}; {explain_dead(session, package, mask, allow_indirect)}")
    return "; ".join(parts)


def explain_dead(
    session: Session, package: Package, mask: int, allow_indirect: bool = False
) -> str:
    """Why none of the versions in ``mask`` can be used, grouped by cause."""
    groups: dict[tuple[str, str], list[tuple[Candidate, Reason]]] = {}
    blocked: list[Candidate] = []
    for candidate in reversed(package.candidates):
        if not mask >> candidate.index & 1:
            continue
        reason = session.dead(candidate)
        if reason is None:
            blocked.append(candidate)
        else:
            groups.setdefault((reason.kind, reason.requirement.key), []).append((candidate, reason))
    parts = []
    for (kind, key), members in groups.items():
        if members[0][0] is session.root_candidate:
            subject, verb = version_of(session, session.root_candidate), "needs"
        else:
            subject, verb = who(package.name, [c.version for c, _ in members])
        dependency = members[0][1].requirement.name
        constraints = list(dict.fromkeys(r.requirement.constraint for _, r in members))
        wanted = f"{dependency} {summarize_constraints(constraints)}"
        if kind == "missing":
            parts.append(f"{subject} {verb} {wanted}, but {missing(dependency)}")
        elif kind == "invalid":
            parts.append(
                f"{subject} declares {dependency} {constraints[0]!r}, which does not parse"
            )
        else:
            parts.append(f"{subject} {verb} {wanted}; {has(session, key)} ({no_fit(1)})")
    if blocked:
        versions = [c.version for c in blocked]
        subject = f"{package.name} {summarize_versions(versions)}"
        fits = "fits" if len(versions) == 1 else "fit"
        clash = _direct_clash(session) if allow_indirect else None
        if clash:
            parts.append(f"{subject} {fits}, but the choices it leads to clash: {clash}")
        else:
            parts.append(f"{subject} {fits}, but clashes with the other choices")
    return "; ".join(parts)
