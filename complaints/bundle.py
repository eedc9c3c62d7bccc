"""The case bundle: one PDF of a case for escalation (12315, arbitration, court).

It holds the complaint's facts, the consumer as the viewer may see them, the evidence list
with each file's SHA-256, the timeline as the viewer may see it, the agreement, and the
result of the timeline's chain verification. It is drawn in the request (CPU only) with
reportlab's built-in CID font STSong-Light, so Chinese renders without font files.

The two thin views (page and API) sit at the end of this module.
"""

import io
import re
from xml.sax.saxutils import escape

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from rest_framework.views import APIView

from audit.services import record
from mediation.api import AnyAccept

from . import access
from .integrity import verify_chain
from .models import Category, Channel, Complaint, Outcome, Remedy, Status
from .presenters import timeline_entries

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

# Control characters (other than line breaks) are not drawable and upset the PDF text.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444"))
_H1 = ParagraphStyle("h1", parent=_BODY, fontSize=16, leading=22, spaceAfter=4)
_H2 = ParagraphStyle("h2", parent=_BODY, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4)


def _text(value) -> str:
    """User text made safe for reportlab's paragraph mark-up."""
    value = _UNPRINTABLE.sub("", str(value if value is not None else ""))
    return escape(value).replace("\n", "<br/>")


def _p(value, style=_BODY) -> Paragraph:
    return Paragraph(_text(value), style)


def _when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


def _facts_table(rows: list[tuple[str, str]]) -> Table:
    table = Table([[_p(k), _p(v)] for k, v in rows if v not in ("", None)], colWidths=[40 * mm, 130 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _facts(viewer, complaint: Complaint) -> list:
    contact = access.consumer_contact_for(viewer, complaint)
    remedies = dict(Remedy.choices)
    rows = [
        (_("Case number"), complaint.case_number),
        (_("Status"), dict(Status.choices).get(complaint.status, complaint.status)),
        (_("Outcome"), dict(Outcome.choices).get(complaint.outcome, complaint.outcome)),
        (_("Council"), complaint.council.name),
        (_("Merchant"), complaint.merchant_display_name),
        (_("Consumer"), contact.name),
        (_("Consumer's phone"), contact.phone + (f" ({_('masked')})" if contact.masked else "")),
        (_("Category"), dict(Category.choices).get(complaint.category, complaint.category)),
        (_("Purchase channel"), dict(Channel.choices).get(complaint.channel, complaint.channel)),
        (_("Platform"), complaint.platform),
        (_("Order number"), complaint.order_number),
        (_("Purchase date"), complaint.purchase_date.isoformat() if complaint.purchase_date else ""),
        (_("Amount (CNY)"), str(complaint.amount)),
        (_("Demands"), ", ".join(str(remedies.get(d, d)) for d in complaint.demands or [])),
        (_("Filed at"), _when(complaint.filed_at)),
        (_("Closed at"), _when(complaint.closed_at)),
    ]
    return [
        _p(_("Complaint"), _H2),
        _facts_table(rows),
        Spacer(1, 3 * mm),
        _p(complaint.title, _BODY),
        _p(complaint.description, _BODY),
    ]


def _evidence(complaint: Complaint) -> list:
    items = list(complaint.evidence.all())
    flow = [_p(_("Evidence"), _H2)]
    if not items:
        return [*flow, _p(_("No evidence was filed."))]
    for n, item in enumerate(items, start=1):
        size = _("%(size)d bytes") % {"size": item.size}
        flow.append(_p(f"{n}. {item.original_name} · {item.get_kind_display()} · {item.content_type} · {size}"))
        flow.append(_p(f"SHA-256: {item.sha256}", _SMALL))
    return flow


def _timeline(viewer, complaint: Complaint) -> list:
    flow = [_p(_("Timeline"), _H2)]
    for entry in timeline_entries(viewer, complaint):
        heading = f"{_when(entry['at'])} · {entry['label']} · {entry['actor']}"
        if entry["new_status"]:
            heading += f" → {entry['new_status']}"
        flow.append(_p(heading))
        for label, value in entry["details"]:
            flow.append(_p(f"{label}: {value}", _SMALL))
        if entry["message"]:
            flow.append(_p(entry["message"], _SMALL))
        flow.append(Spacer(1, 1.5 * mm))
    return flow


def _agreement(complaint: Complaint) -> list:
    agreement = complaint.agreement
    if not agreement:
        return []
    remedies = dict(Remedy.choices)
    rows = [
        (_("Remedy"), str(remedies.get(agreement.get("remedy"), agreement.get("remedy") or ""))),
        (_("Amount (CNY)"), str(agreement.get("amount") or "")),
        (_("Carry out by"), str(agreement.get("due_date") or "")),
        (_("Terms"), str(agreement.get("message") or "")),
    ]
    return [_p(_("Agreement"), _H2), _facts_table(rows)]


def _verification(complaint: Complaint) -> list:
    problems = verify_chain(complaint)
    count = complaint.events.count()
    if not problems:
        text = _("Timeline verified: the %(count)d events form an intact SHA-256 hash chain.") % {"count": count}
    else:
        listed = "; ".join(_("event #%(id)d: %(reason)s") % {"id": p.event_id, "reason": p.label} for p in problems)
        text = _("The timeline was altered: %(events)s.") % {"events": listed}
    last = complaint.events.order_by("-created_at", "-id").values_list("hash", flat=True).first()
    flow = [_p(_("Timeline verification"), _H2), _p(text)]
    if last:
        flow.append(_p(_("Hash of the last event: %(hash)s") % {"hash": last}, _SMALL))
    return flow


def build_pdf(viewer, complaint: Complaint) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=complaint.case_number,
        author=_("Consumer complaint mediation platform"),
    )
    generated = _("Generated on %(when)s for %(who)s (%(role)s).") % {
        "when": _when(timezone.now()),
        "who": viewer.display_name,
        "role": viewer.get_role_display(),
    }
    story = [
        _p(_("Case bundle %(number)s") % {"number": complaint.case_number}, _H1),
        _p(generated, _SMALL),
        *_facts(viewer, complaint),
        *_agreement(complaint),
        *_evidence(complaint),
        *_timeline(viewer, complaint),
        *_verification(complaint),
    ]
    doc.build(story)
    return buffer.getvalue()


def _response(user, pk) -> HttpResponse:
    complaint = access.get_complaint_for(user, pk)
    pdf = build_pdf(user, complaint)
    record(action="case.bundle", actor=user, obj=complaint)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{complaint.case_number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def bundle_page(request, pk: int) -> HttpResponse:
    """GET /cases/<pk>/bundle.pdf (complaints:bundle); 404 for a case the user may not see."""
    return _response(request.user, pk)


class BundleView(APIView):
    """GET /api/v1/complaints/{id}/bundle.pdf."""

    content_negotiation_class = AnyAccept

    @extend_schema(operation_id="complaints_bundle_retrieve", responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        return _response(request.user, pk)
