"""A seeded generator of npm ranges and versions, for the differential test against node-semver.

Grammar-based: versions with numeric and alphanumeric pre-releases, build metadata and the
``v``/``=``/space prefixes; ranges with every operator node-semver knows (and a few it does
not), partial versions, wildcards in any position, hyphen ranges, odd spacing and ``||``.
Numbers stay below 2**53, where JavaScript's numbers are exact (README "Versions").
"""

from __future__ import annotations

import random

NUMBERS = ("0", "0", "1", "1", "2", "3", "10", "9999999999", "10000000000")
BAD_NUMBERS = ("01", "00", "1\u0662", "\u0661")  # a leading zero; Arabic-Indic digits
WORDS = ("alpha", "beta", "rc", "next", "alpha9", "alpha10", "a-b", "0a", "-", "x", "X", "B")
PREFIXES = ("", "", "", "", "v", "=", " ", "v ", "=v", "\t")
OPERATORS = ("", "", "=", "<", "<=", ">", ">=", "~", "~>", "^", "==", "=>", "!", "~=", "<>")
WILDCARDS = ("x", "X", "*")
SPACES = (" ", " ", " ", "  ", "\t", "\u00a0")


class Grammar:
    """Draws range and version strings from one ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def number(self) -> str:
        return self.pick(BAD_NUMBERS) if self.chance(0.01) else self.pick(NUMBERS)

    def identifier(self) -> str:
        if self.chance(0.5):
            return self.number() if self.chance(0.9) else self.pick(BAD_NUMBERS)
        return self.pick(WORDS) if self.chance(0.97) else ""

    def prerelease(self) -> str:
        return ".".join(self.identifier() for _ in range(self.rng.randint(1, 3)))

    def build(self) -> str:
        return ".".join(self.pick(("build", "1", "001", "sha-1", "")) for _ in range(2))

    def version(self) -> str:
        text = f"{self.pick(('0', '1', '1', '2', '3'))}.{self.number()}.{self.number()}"
        if self.chance(0.4):
            text += "-" + self.prerelease()
        if self.chance(0.15):
            text += "+" + self.build()
        return self.pick(PREFIXES) + text if self.chance(0.2) else text

    def partial(self) -> str:
        parts = [self.pick(WILDCARDS) if self.chance(0.15) else self.number()]
        for _ in range(self.rng.choice((0, 1, 1, 2, 2, 2))):
            parts.append(self.pick(WILDCARDS) if self.chance(0.2) else self.number())
        text = ".".join(parts)
        if len(parts) == 3 and self.chance(0.3):
            text += "-" + self.prerelease()
        if self.chance(0.08):
            text += "+" + self.build()
        if self.chance(0.03):
            text += "."  # a dangling dot
        return (self.pick(PREFIXES).strip("\t") if self.chance(0.15) else "") + text

    def comparator(self) -> str:
        operator = self.pick(OPERATORS)
        space = self.pick(SPACES) if operator and self.chance(0.2) else ""
        return operator + space + self.partial()

    def comparator_set(self) -> str:
        if self.chance(0.15):
            dash = self.pick((" - ", " - ", "  -  ", "-", " -"))
            return self.partial() + dash + self.partial()
        count = self.rng.choice((1, 1, 2, 2, 3))
        return self.pick(SPACES).join(self.comparator() for _ in range(count))

    def range(self) -> str:
        roll = self.rng.random()
        if roll < 0.03:
            return self.pick(("", "*", "x", " ", "||", "latest", ">=", "~", "^", "1 || "))
        sets = [self.comparator_set() for _ in range(self.rng.choice((1, 1, 1, 2, 3)))]
        glue = self.pick(("||", " || ", " ||", "|| ", "  ||  "))
        text = glue.join(sets)
        return f" {text} " if self.chance(0.05) else text

    def versions(self, count: int) -> list[str]:
        return [self.version() for _ in range(count)]
