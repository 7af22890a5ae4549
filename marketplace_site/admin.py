"""The admin pages whose actions span apps, so they live where the apps are composed.

API tokens: read-only, with a "revoke" action for a leaked token. Tokens are made on the
account page (the only place the secret is ever shown), so the admin cannot add them; the
action needs the change permission and calls the token service.

Names (CONTRACTS.md Names): the moderators' queue of held publishes (approving publishes
through the integration layer) and the audit of released names (adding one releases a
reserved name and deletes its reviews, which never pass to another owner).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest

from marketplace_site.actions import create_marketplace
from marketplace_site.actions.names import release_name
from marketplace_site.actions.plugins import decide_held
from marketplace_site.models import ApiToken
from marketplace_site.types import MarketplaceError
from marketplace_site.web.tokens import api_token_revoke
from registry.models import HeldVersion, NameRelease
from registry.names import can_moderate_names, can_release_name
from registry.services import RegistryService


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "display_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    fields = readonly_fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.active().select_related("user"):  # type: ignore[attr-defined]
            api_token_revoke(token=token, acting_user=request.user)
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


class NameReleaseForm(forms.ModelForm[NameRelease]):
    """Releasing a name is adding its audit entry: the name and why."""

    name = forms.CharField(max_length=100, help_text="A reserved plugin name (no versions left).")

    class Meta:
        model = NameRelease
        fields = ("reason",)


@admin.register(NameRelease)
class NameReleaseAdmin(admin.ModelAdmin[NameRelease]):
    """Reserved names an administrator released, each an audit entry; "Add" releases one
    through ``actions.names.release_name`` (its reviews are deleted with it)."""

    list_display = ("display_name", "previous_owner", "released_by", "released_at",
                    "reviews_deleted")  # fmt: skip
    search_fields = ("canonical_name", "display_name", "previous_owner", "released_by")
    form = NameReleaseForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_release_name(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an audit entry stays

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_release_name(request.user) or super().has_view_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: NameRelease, form: Any, change: bool) -> None:
        entry = release_name(form.cleaned_data["name"], acting_user=request.user, reason=obj.reason)
        obj.pk = entry.pk
        obj.refresh_from_db()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:  # fmt: skip
        form_class = super().get_form(request, obj, change, **kwargs)

        class Checked(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned: dict[str, Any] = super().clean()
                name = cleaned.get("name") or ""
                registry = RegistryService()
                if name and registry.get_reserved(name) is None:
                    found = registry.get_plugin(name)
                    self.add_error("name", (
                        f"{found.display_name} still has published versions; remove them first."
                        if found is not None else f"No reserved plugin name {name!r}."
                    ))  # fmt: skip
                return cleaned

        return Checked


# What the author reads on their account page after "Rejected: ".
HELD_REASON_MAX_LENGTH = 500


class HeldDecisionForm(ActionForm):
    """The action bar, with a reason that "Reject the selected" records and shows the author
    on their account page."""

    reason = forms.CharField(
        required=False,
        max_length=HELD_REASON_MAX_LENGTH,
        label="Reason (for Reject)",
        widget=forms.TextInput(attrs={"placeholder": "Why, for the author (optional)"}),
    )


@admin.register(HeldVersion)
class HeldVersionAdmin(admin.ModelAdmin[HeldVersion]):
    """The moderators' queue: publishes whose new name is one edit from a popular one's."""

    list_display = ("__str__", "owner", "similar_to", "created_at", "decision", "decided_by")
    list_filter = ("decision", "created_at")
    search_fields = ("canonical_name", "similar_to", "owner__username")
    list_select_related = ("owner",)
    readonly_fields = ("canonical_name", "version", "manifest", "owner", "similar_to",
                       "created_at", "decision", "decided_by", "decided_at", "reason")  # fmt: skip
    actions = ["approve", "reject"]
    action_form = HeldDecisionForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_moderate_names_permission(self, request: HttpRequest) -> bool:
        return can_moderate_names(request.user)

    def _decide(self, request: HttpRequest, queryset: QuerySet[HeldVersion], approve: bool) -> None:
        marketplace = create_marketplace()
        reason = "" if approve else request.POST.get("reason", "").strip()
        done = 0
        for held in queryset.pending().select_related("owner"):  # type: ignore[attr-defined]
            try:
                decide_held(
                    marketplace,
                    held,
                    acting_user=request.user,
                    approve=approve,
                    reason=reason[:HELD_REASON_MAX_LENGTH],
                )
            except MarketplaceError as error:
                self.message_user(request, f"{held}: {error.message}", messages.ERROR)
            else:
                done += 1
        verb = "Approved and published" if approve else "Rejected"
        self.message_user(request, f"{verb} {done} held version(s).", messages.SUCCESS)

    @admin.action(description="Approve and publish the selected", permissions=["moderate_names"])
    def approve(self, request: HttpRequest, queryset: QuerySet[HeldVersion]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject the selected", permissions=["moderate_names"])
    def reject(self, request: HttpRequest, queryset: QuerySet[HeldVersion]) -> None:
        self._decide(request, queryset, approve=False)
