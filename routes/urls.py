from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from privacy import views as privacy_views

from . import views

# A database that cannot be reached answers 503, whatever raised the error (mediation/unavailable.py).
handler500 = "routes.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("complaints.urls")),
    path("", include("routes.merchant_urls")),
    path("", include("supervision.urls")),
    path("", include("notifications.urls")),
    path("my/data/", privacy_views.my_data, name="my_data"),
    path("my/delete/", privacy_views.my_delete, name="my_delete"),
    path("api/v1/", include("routes.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
