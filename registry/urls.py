from django.urls import path

from registry import views

urlpatterns = [
    path("", views.home, name="home"),
    path("plugins/", views.browse, name="browse"),
    path("search/", views.search, name="search"),
]
