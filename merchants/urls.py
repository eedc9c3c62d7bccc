from django.urls import path

from . import views

app_name = "merchants"
urlpatterns = [
    path("merchant/", views.inbox, name="inbox"),
]
