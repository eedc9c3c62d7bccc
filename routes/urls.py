from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from privacy import views as privacy_views

from . import views

# Error pages in the visitor's language, JSON under /api/ (routes/views.py). A database that
# cannot be reached answers 503, whatever raised the error (mediation/unavailable.py).
handler400 = "routes.views.bad_request"
handler403 = "routes.views.permission_denied"
handler404 = "routes.views.page_not_found"
handler500 = "routes.views.server_error"

urlpatterns = [
    # First: the API is what clients call most often, and no page's address starts with "api/".
    path("api/v1/", include("routes.api_urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever a page links to. Not permanent: the static name changes
    # with the file's content.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico")), name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("complaints.urls")),
    path("", include("routes.merchant_urls")),
    path("", include("supervision.urls")),
    path("", include("notifications.urls")),
    path("my/data/", privacy_views.my_data, name="my_data"),
    path("my/delete/", privacy_views.my_delete, name="my_delete"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Our template of the docs page keeps its styles in a file: no inline style under the CSP.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/docs.html"),
        name="api-docs",
    ),
]
