"""Pages of this capability that need other apps, composed here (filled in by its issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
