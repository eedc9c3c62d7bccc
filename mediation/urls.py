from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views

from . import views

# A database that cannot be reached answers 503, whatever raised the error (mediation/unavailable.py).
handler500 = "mediation.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("complaints.urls")),
    path("", include("merchants.urls")),
    path("", include("supervision.urls")),
    path("", include("notifications.urls")),
    path("", include("audit.urls")),
    path("my/data/", accounts_views.my_data, name="my_data"),
    path("my/delete/", accounts_views.my_delete, name="my_delete"),
    path("api/v1/", include("mediation.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
