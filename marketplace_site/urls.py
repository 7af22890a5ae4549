from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from marketplace_site.api import api
from marketplace_site.views import accounts, install, plugins, tokens

urlpatterns = [
    path("", include("registry.urls")),
    path("plugins/", plugins.browse, name="browse"),
    path("plugins/<str:name>/", plugins.plugin_detail, name="plugin_detail"),
    path("publish/", plugins.publish, name="publish"),
    path("install/", install.install, name="install"),
    path(
        "plugins/<str:name>/versions/<str:version>/remove/",
        plugins.remove_version,
        name="remove_version",
    ),
    path("accounts/", accounts.account, name="account"),
    path("accounts/tokens/new/", tokens.token_create, name="api_token_create"),
    path("accounts/tokens/<int:pk>/revoke/", tokens.token_revoke, name="api_token_revoke"),
    path("api/v1/", api.urls),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("marketplace_site.pages.resolver")),
    path("", include("marketplace_site.pages.sandbox")),
    path("", include("marketplace_site.pages.reviews")),
    path("", include("marketplace_site.pages.depgraph")),
    path("admin/", admin.site.urls),
]
