"""Routes of the REST API v1 (shared/API.md)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
