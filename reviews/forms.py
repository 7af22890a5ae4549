"""Forms for the review pages; every error is attached to its field with a code."""

from collections.abc import Callable, Sequence
from typing import Any

from django import forms

from reviews import services
from reviews.models import (
    COMMENT_MAX_LENGTH,
    FLAG_REASON_MAX_LENGTH,
    RATING_MAX,
    RATING_MIN,
    REPLY_MAX_LENGTH,
    REPORT_TEXT_MAX_LENGTH,
    Report,
)

RATING_CHOICES = [
    (str(stars), f"{stars} star{'s' if stars > 1 else ''}")
    for stars in range(RATING_MAX, RATING_MIN - 1, -1)
]


def _by_the_service(form: forms.Form, check: Callable[[], object]) -> None:
    """Run one of the service's rules; its ``InvalidReview`` becomes the field's error."""
    try:
        check()
    except services.InvalidReview as error:
        form.add_error(error.field, forms.ValidationError(error.message, code=error.code))


class ReviewForm(forms.Form):
    """Add or edit your review: 1-5 stars, the version you used and an optional comment."""

    rating = forms.CharField(
        label="Your rating",
        widget=forms.RadioSelect(choices=RATING_CHOICES),
        error_messages={"required": "Choose a rating from 1 to 5 stars."},
    )
    version = forms.ChoiceField(label="Version you used", required=False, choices=())
    comment = forms.CharField(
        label="Comment",
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX_LENGTH}),
        help_text=f"Optional, plain text, at most {COMMENT_MAX_LENGTH} characters.",
    )

    def __init__(self, *args: Any, versions: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version_field = self.fields["version"]
        assert isinstance(version_field, forms.ChoiceField)  # noqa: S101 - declared above
        version_field.choices = [("", "Not stated"), *((v, v) for v in reversed(versions))]

    def clean_rating(self) -> int:
        raw = str(self.cleaned_data["rating"]).strip()
        try:
            rating = int(raw)
        except ValueError:
            raise forms.ValidationError(
                "The rating must be a number of stars from 1 to 5, not %(value)r.",
                code="invalid_rating",
                params={"value": raw},
            ) from None
        try:
            return services.check_rating(rating)
        except services.InvalidReview as error:
            raise forms.ValidationError(error.message, code=error.code) from error

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "comment" in cleaned:
            _by_the_service(self, lambda: services.check_comment(cleaned["comment"]))
        return cleaned

    def add_service_error(self, error: services.InvalidReview) -> None:
        """An error the service found after the form was valid, on its field."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, forms.ValidationError(error.message, code=error.code))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="Reason",
        choices=[("", "Choose a reason"), *Report.Reason.choices],
        error_messages={
            "required": "Choose why you are reporting this review.",
            "invalid_choice": "Choose one of the listed reasons.",
        },
    )
    text = forms.CharField(
        label="Details",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REPORT_TEXT_MAX_LENGTH}),
        help_text="Required when the reason is Other.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reason"):
            _by_the_service(
                self, lambda: services.check_report(cleaned["reason"], cleaned.get("text", ""))
            )
        return cleaned


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Your reply (public)",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REPLY_MAX_LENGTH}),
        error_messages={"required": "Write a reply before posting it."},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "text" in cleaned:
            _by_the_service(self, lambda: services.check_reply(cleaned["text"]))
        return cleaned


class FlagForm(forms.Form):
    reason = forms.CharField(
        label="Why hide it",
        required=False,
        max_length=FLAG_REASON_MAX_LENGTH,
        help_text="Shown to the review's author.",
        error_messages={"max_length": "The reason is at most %(limit_value)d characters."},
    )
