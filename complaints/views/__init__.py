"""Complaint pages: the consumer's own pages, and the case page every role shares."""

from .case import act, detail, evidence, evidence_upload
from .claim import claim
from .consumer import mine, new

__all__ = ["act", "claim", "detail", "evidence", "evidence_upload", "mine", "new"]
