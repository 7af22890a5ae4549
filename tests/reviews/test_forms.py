"""The review forms collect every error at once, each with a code."""

import pytest

from reviews.forms import FlagForm, ReplyForm, ReportForm, ReviewForm


def codes(form: object) -> dict[str, list[str]]:
    return {
        field: [error.code or "" for error in errors]
        for field, errors in form.errors.as_data().items()  # type: ignore[attr-defined]
    }


def test_review_form_cleans_a_good_review() -> None:
    form = ReviewForm({"rating": " 4 ", "comment": "  Nice  ", "version": "1.0"}, versions=["1.0"])
    assert form.is_valid()
    assert form.cleaned_data == {"rating": 4, "comment": "Nice", "version": "1.0"}


def test_review_form_lists_versions_newest_first() -> None:
    form = ReviewForm(versions=["1.0", "1.1", "2.0"])
    choices = [value for value, _label in form.fields["version"].choices]  # type: ignore[attr-defined]
    assert choices == ["", "2.0", "1.1", "1.0"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"rating": "6"}, {"rating": ["rating_out_of_range"]}),
        ({"rating": "-1"}, {"rating": ["rating_out_of_range"]}),
        ({"rating": "4.5"}, {"rating": ["invalid_rating"]}),
        ({"rating": "abc"}, {"rating": ["invalid_rating"]}),
        ({"rating": ""}, {"rating": ["required"]}),
        ({"rating": "9", "comment": "x" * 2001, "version": "nope"},
         {"rating": ["rating_out_of_range"], "comment": ["comment_too_long"],
          "version": ["invalid_choice"]}),
    ],
)  # fmt: skip
def test_review_form_errors(data: dict[str, str], expected: dict[str, list[str]]) -> None:
    form = ReviewForm(data, versions=["1.0"])
    assert not form.is_valid()
    assert codes(form) == expected


def test_report_form() -> None:
    assert ReportForm({"reason": "off_topic"}).is_valid()
    assert ReportForm({"reason": "other", "text": "Copied from elsewhere"}).is_valid()
    assert codes(ReportForm({"reason": "other", "text": ""})) == {"text": ["text_required"]}
    assert codes(ReportForm({})) == {"reason": ["required"]}
    assert codes(ReportForm({"reason": "spam", "text": "x" * 501})) == {"text": ["text_too_long"]}


def test_reply_form() -> None:
    assert ReplyForm({"text": "Thanks"}).is_valid()
    assert codes(ReplyForm({"text": "  "})) == {"text": ["required"]}
    assert codes(ReplyForm({"text": "x" * 2001})) == {"text": ["text_too_long"]}
    assert "the limit is 2000" in str(ReplyForm({"text": "x" * 2001}).errors)


def test_flag_form() -> None:
    assert FlagForm({"reason": ""}).is_valid()
    assert codes(FlagForm({"reason": "x" * 201})) == {"reason": ["max_length"]}
