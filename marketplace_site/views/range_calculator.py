"""The range calculator: which versions a constraint admits, and which one wins.

In the site because it needs the registry's versions of a plugin (apps do not import
each other). Both pages are GET forms: nothing changes, and a result can be linked to.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from registry.services import RegistryService
from resolver.forms import RangeCalculatorForm, VersionListCalculatorForm
from resolver.services import RangeReport, range_report

TEMPLATE = "resolver/range_calculator.html"


def _report(
    form: RangeCalculatorForm, versions: list[str], yanked: list[str] | None = None
) -> RangeReport | None:
    if not form.is_bound or form.parsed is None:
        return None
    return range_report(
        versions=versions,
        constraint=form.cleaned_data["constraint"],
        include_prerelease=form.cleaned_data["include_prerelease"],
        yanked=yanked or (),
    )


@require_GET
def range_calculator(request: HttpRequest) -> HttpResponse:
    """The calculator on typed-in versions."""
    form = VersionListCalculatorForm(request.GET if request.GET else None)
    versions = form.cleaned_data["versions"] if form.is_bound and form.is_valid() else []
    context = {"form": form, "report": _report(form, versions), "plugin_name": None}
    return render(request, TEMPLATE, context, status=400 if form.errors else 200)


@require_GET
def range_calculator_plugin(request: HttpRequest, name: str) -> HttpResponse:
    """The calculator on a plugin's published versions."""
    registry = RegistryService()
    rows = registry.version_rows(name)
    plugin = registry.get_plugin(name)
    if not rows or plugin is None:
        raise Http404(f"No plugin named {name!r}.")
    versions = [row.version for row in reversed(rows)]  # oldest first, as published
    yanked = [row.version for row in rows if row.yanked]
    form = RangeCalculatorForm(request.GET if request.GET else None)
    context = {
        "form": form,
        "report": _report(form, versions, yanked),
        "plugin_name": plugin.display_name,
        "versions": versions,
        "yanked": yanked,
    }
    return render(request, TEMPLATE, context, status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("resolver/", range_calculator, name="range_calculator"),
    path("resolver/<str:name>/", range_calculator_plugin, name="range_calculator_plugin"),
]
