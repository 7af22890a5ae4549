"""The range calculator's forms: a constraint, checked by the resolver's own parser."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from marketplace_site.types import CONSTRAINT_MAX_LENGTH, InvalidConstraint
from resolver.constraints import Constraint, parse_constraint

MAX_VERSIONS = 500
_SEPARATORS = re.compile(r"[\s,]+")


class RangeCalculatorForm(forms.Form):
    """A constraint in either dialect, and whether pre-releases count."""

    constraint = forms.CharField(
        label="Version constraint",
        max_length=CONSTRAINT_MAX_LENGTH,
        required=False,
        strip=True,
        help_text="An npm range (^1.2.3, ~1.2, 1.x, 1.0.0 - 2.0.0, >=1.0.0 <2 || ^3) or a "
        "PEP 440 specifier set (>=1.2,<2, ~=1.4, ==1.*). Empty means any version.",
    )
    include_prerelease = forms.BooleanField(label="Include pre-releases", required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "constraint" in cleaned:
            try:
                cleaned["parsed"] = parse_constraint(
                    cleaned["constraint"], bool(cleaned.get("include_prerelease"))
                )
            except InvalidConstraint as error:
                self.add_error("constraint", forms.ValidationError(error.message, code=error.code))
        return cleaned

    @property
    def parsed(self) -> Constraint | None:
        """The parsed constraint once the form is valid."""
        return self.cleaned_data.get("parsed") if self.is_valid() else None


class VersionListCalculatorForm(RangeCalculatorForm):
    """The calculator without a plugin: the versions to test are typed in."""

    versions = forms.CharField(
        label="Versions to test",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Separated by spaces, commas or new lines, such as 1.0.0 1.2.0 2.0.0rc1.",
    )

    def clean_versions(self) -> list[str]:
        versions = [v for v in _SEPARATORS.split(self.cleaned_data.get("versions", "")) if v]
        if len(versions) > MAX_VERSIONS:
            raise forms.ValidationError(
                f"At most {MAX_VERSIONS} versions at a time.", code="too_many_versions"
            )
        return list(dict.fromkeys(versions))
