"""Forms for the review pages; every error is attached to its field with a code."""

from collections.abc import Sequence
from typing import Any

from django import forms

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


def _too_long(label: str, value: str, limit: int, code: str) -> forms.ValidationError:
    return forms.ValidationError(
        "The %(label)s is %(length)d characters long; the limit is %(limit)d.",
        code=code,
        params={"label": label, "length": len(value), "limit": limit},
    )


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
        if not RATING_MIN <= rating <= RATING_MAX:
            raise forms.ValidationError(
                "The rating must be from 1 to 5 stars; %(value)s is outside that range.",
                code="rating_out_of_range",
                params={"value": rating},
            )
        return rating

    def clean_comment(self) -> str:
        comment: str = self.cleaned_data["comment"]
        if len(comment) > COMMENT_MAX_LENGTH:
            raise _too_long("comment", comment, COMMENT_MAX_LENGTH, "comment_too_long")
        return comment


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

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if len(text) > REPORT_TEXT_MAX_LENGTH:
            raise _too_long("explanation", text, REPORT_TEXT_MAX_LENGTH, "text_too_long")
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reason") == Report.Reason.OTHER and not cleaned.get("text"):
            self.add_error(
                "text",
                forms.ValidationError("Say what is wrong with this review.", code="text_required"),
            )
        return cleaned


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Your reply (public)",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REPLY_MAX_LENGTH}),
        error_messages={"required": "Write a reply before posting it."},
    )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if len(text) > REPLY_MAX_LENGTH:
            raise _too_long("reply", text, REPLY_MAX_LENGTH, "text_too_long")
        return text


class FlagForm(forms.Form):
    reason = forms.CharField(
        label="Why hide it",
        required=False,
        max_length=FLAG_REASON_MAX_LENGTH,
        help_text="Shown to the review's author.",
        error_messages={"max_length": "The reason is at most %(limit_value)d characters."},
    )
