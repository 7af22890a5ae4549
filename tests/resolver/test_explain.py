"""The wording helpers of explanations."""

from resolver import explain


def test_short_version_lists_are_spelled_out_and_long_ones_collapse() -> None:
    assert explain.summarize_versions(["1.0.0", "1.5.0"]) == "1.0.0, 1.5.0"
    versions = [f"1.{k}.0" for k in range(20)]
    assert explain.summarize_versions(versions) == "1.0.0 … 1.19.0 (20 versions)"


def test_constraint_lists() -> None:
    assert explain.summarize_constraints([""]) == "*"
    assert explain.summarize_constraints(["^1", "<2", ">=3"]) == "^1, <2 or >=3"
    many = [f"=={k}" for k in range(6)]
    assert explain.summarize_constraints(many) == "==0, ==1 … ==5 (6 different constraints)"


def test_subjects_agree_with_their_verbs() -> None:
    assert explain.who("mid", ["1.2.0"]) == ("mid 1.2.0", "needs")
    assert explain.who("mid", ["1.0.0", "1.1.0"]) == ("mid 1.0.0, 1.1.0", "need")


def test_no_fit_counts_the_requirements() -> None:
    assert explain.no_fit(1) == "none fits"
    assert explain.no_fit(2) == "no version fits both"
    assert explain.no_fit(3) == "no version fits all 3"
