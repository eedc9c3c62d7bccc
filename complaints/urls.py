from django.http import HttpResponse
from django.urls import path

app_name = "complaints"


def _placeholder(request, *args, **kwargs):  # replaced by the real views
    return HttpResponse("")


urlpatterns = [
    path("cases/<int:pk>/", _placeholder, name="detail"),
]
