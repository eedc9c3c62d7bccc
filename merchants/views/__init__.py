"""Merchant pages, by audience: the merchant portal, the council's reviews, the public pages."""

from . import council, portal, public

__all__ = ["council", "portal", "public"]
