"""Thumbnails of a case's evidence photos: the same people as the photo itself (complaints.access,
404 to anyone else), the same private response (mediation.web.file_response)."""

from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mediation.web import file_response

from .. import access
from ..evidence_thumbnails import thumbnail_of


@login_required
@require_GET
def evidence_thumbnail(request, pk: int, eid: int):
    complaint = access.get_complaint_for(request.user, pk)
    item = complaint.evidence.filter(pk=eid).first()
    thumbnail = thumbnail_of(item) if item is not None else None
    if thumbnail is None:
        raise Http404(_("No such file."))
    filename = f"{PurePath(item.original_name).stem or 'evidence'}-thumbnail.jpg"
    return file_response(thumbnail, filename=filename, content_type="image/jpeg")
