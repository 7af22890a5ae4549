"""Which constraints pin exactly one version: the only ones that may choose a yanked one."""

import pytest

from resolver.constraints import pins_exactly


@pytest.mark.parametrize(
    "text",
    ["==1.1.0", "== 1.1", "===1.1.0", "==1.0.0rc1", "1.1.0", "=1.1.0", "v1.1.0", " 1.1.0 ",
     "1.0.0-beta.1", "==2.0.0-next.5"],
)  # fmt: skip
def test_exact_pins(text: str) -> None:
    assert pins_exactly(text)


@pytest.mark.parametrize(
    "text",
    ["==1.*", ">=1.1.0", "==1.1.0,<2", "~=1.1", "^1.1.0", "~1.1.0", "1.1", "1.x", "*", "",
     "1.1.0 - 1.2.0", "1.1.0 || 1.2.0", ">=1.1.0 <=1.1.0", "!=1.1.0", "<=1.1.0"],
)  # fmt: skip
def test_ranges_are_not_pins(text: str) -> None:
    assert not pins_exactly(text)


def test_non_text_is_not_a_pin() -> None:
    assert not pins_exactly(None)  # type: ignore[arg-type]
