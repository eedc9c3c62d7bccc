from django.urls import path

from . import bundle, views
from .views import address
from .views.calls import call, calls_switch
from .views.evidence_thumbs import evidence_thumbnail

app_name = "complaints"

urlpatterns = [
    path("my/", views.mine, name="mine"),
    path("my/new/", views.new, name="new"),
    path("my/claim/<int:pk>/", views.claim, name="claim"),
    path("cases/<int:pk>/", views.detail, name="detail"),
    path("cases/<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("cases/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("cases/<int:pk>/address/", address.share, name="address_share"),
    path("cases/<int:pk>/address/withdraw/", address.withdraw, name="address_withdraw"),
    path("cases/<int:pk>/address/reveal/", address.reveal, name="address_reveal"),
    path("cases/<int:pk>/evidence/<int:eid>/", views.evidence, name="evidence"),
    path("cases/<int:pk>/evidence/<int:eid>/thumb/", evidence_thumbnail, name="evidence_thumbnail"),
    path("cases/<int:pk>/calls/", call, name="call"),
    path("cases/<int:pk>/calls/<slug:switch>/", calls_switch, name="calls_switch"),
    path("cases/<int:pk>/bundle.pdf", bundle.bundle_page, name="bundle"),
]
