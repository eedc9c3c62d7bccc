"""The case bundle: one PDF of a case for escalation (12315, arbitration, court).

It holds the complaint's facts, the consumer as the viewer may see them, the evidence list
with each file's SHA-256, the timeline as the viewer may see it, the agreement, and the
result of the timeline's chain verification. It is drawn in the request (CPU only).

Its text is set in a CJK TrueType font from the system's font packages (fonts-wqy-microhei,
fonts-wqy-zenhei, fonts-droid-fallback), embedded in the PDF, so every viewer shows the same
glyphs, "·" and Chinese included. Without any of them it falls back to reportlab's built-in
CID font STSong-Light, which is not embedded: viewers without that font substitute another.

The two thin views (page and API) sit at the end of this module.
"""

import functools
import io
import logging
import re
from pathlib import Path
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
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from rest_framework.views import APIView

from audit.services import record
from mediation.api import AnyAccept

from . import access
from .integrity import verify_chain
from .models import Category, Channel, Complaint, Outcome, Remedy, Status
from .presenters import session_entries, timeline_entries
from .proof import proof_rows

logger = logging.getLogger(__name__)

# TrueType CJK fonts of Debian's packages, the first found is used: (path, index in a collection).
# Noto CJK is left out: it has PostScript outlines, which reportlab cannot embed.
FONT_FILES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
EMBEDDED_FONT = "BundleCJK"
FALLBACK_FONT = "STSong-Light"

# Control characters (other than line breaks) are not drawable and upset the PDF text.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@functools.cache
def bundle_font(candidates: tuple[tuple[str, int], ...] = FONT_FILES) -> str:
    """The name of the registered font the bundle is set in (read once per process: a CJK
    font file is several megabytes)."""
    for path, index in candidates:
        if not Path(path).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, subfontIndex=index))
        except (TTFError, OSError) as error:
            logger.warning("Cannot use the font %s for case bundles: %s", path, error)
            continue
        return EMBEDDED_FONT
    logger.warning("No CJK TrueType font found; case bundles use the non-embedded %s.", FALLBACK_FONT)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=bundle_font(), fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444")),
        "h1": ParagraphStyle("h1", parent=body, fontSize=16, leading=22, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4),
    }


def _text(value) -> str:
    """User text made safe for reportlab's paragraph mark-up."""
    value = _UNPRINTABLE.sub("", str(value if value is not None else ""))
    return escape(value).replace("\n", "<br/>")


def _p(value, style: str = "body") -> Paragraph:
    return Paragraph(_text(value), _styles()[style])


def _when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


def _facts_table(rows: list[tuple[str, str]]) -> Table:
    table = Table([[_p(k), _p(v)] for k, v in rows if v not in ("", None)], colWidths=[40 * mm, 130 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), bundle_font()),  # else the table names Helvetica
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _filed_by(complaint: Complaint) -> str:
    if not complaint.filed_by_id:
        return _("The consumer")
    staff = complaint.filed_by
    return _("%(staff)s, for the consumer") % {"staff": staff.name or staff.get_username()}


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
        (_("Intake channel"), complaint.get_intake_channel_display()),
        (_("Filed by"), _filed_by(complaint)),
        (_("Incident"), complaint.incident.title if complaint.incident_id else ""),
        (_("Closed at"), _when(complaint.closed_at)),
    ]
    return [
        _p(_("Complaint"), "h2"),
        _facts_table(rows),
        Spacer(1, 3 * mm),
        _p(complaint.title, "body"),
        _p(complaint.description, "body"),
    ]


def _evidence(complaint: Complaint) -> list:
    items = list(complaint.evidence.all())
    flow = [_p(_("Evidence"), "h2")]
    if not items:
        return [*flow, _p(_("No evidence was filed."))]
    for n, item in enumerate(items, start=1):
        size = _("%(size)d bytes") % {"size": item.size}
        given = _("given by: %(role)s") % {"role": item.get_uploader_role_display()} if item.uploader_role else ""
        line = " · ".join(p for p in (item.original_name, item.get_kind_display(), item.content_type, size, given) if p)
        flow.append(_p(f"{n}. {line}"))
        flow.append(_p(f"SHA-256: {item.sha256}", "small"))
    return flow


def _timeline(viewer, complaint: Complaint) -> list:
    flow = [_p(_("Timeline"), "h2")]
    for entry in timeline_entries(viewer, complaint):
        heading = f"{_when(entry['at'])} · {entry['label']} · {entry['actor']}"
        if entry["new_status"]:
            heading += f" → {entry['new_status']}"
        flow.append(_p(heading))
        for label, value in entry["details"]:
            flow.append(_p(f"{label}: {value}", "small"))
        if entry["message"]:
            flow.append(_p(entry["message"], "small"))
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
    return [_p(_("Agreement"), "h2"), _facts_table(rows)]


def _proof(complaint: Complaint) -> list:
    """The proof given when the settlement was marked carried out (complaints.proof)."""
    if not complaint.fulfilment:
        return []
    rows = proof_rows(complaint.fulfilment)
    files = [f"#{pk}" for pk in complaint.fulfilment.get("evidence") or []]
    if files:
        rows.append((_("Evidence"), ", ".join(files)))
    return [
        _p(_("Proof of fulfilment"), "h2"),
        _facts_table(rows or [(_("Proof"), _("Only the message on the timeline."))]),
    ]


def _sessions(viewer, complaint: Complaint) -> list:
    """Every mediation session with its minutes and each party's acknowledgement, first first."""
    entries = list(reversed(session_entries(viewer, complaint)))
    if not entries:
        return []
    flow = [_p(_("Mediation sessions"), "h2")]
    for session in entries:
        place = session["link"] if session["mode"] == "online" else session["address"]
        invited = ", ".join(
            f"{p['party_display']} ({p['invitee']})" if p["invitee"] else p["party_display"]
            for p in session["participants"]
            if p["invited"]
        )
        rows = [
            (_("Date and time"), _when(session["starts_at"])),
            (_("Where"), f"{session['mode_display']}: {place}"),
            (_("Mediator"), session["mediator"]),
            (_("Invited"), invited),
            (_("State"), session["state_display"]),
        ]
        for p in session["participants"]:
            if p["move_requested"]:
                answer = p["move_answer_display"] + (f": {p['move_reply']}" if p["move_reply"] else "")
                rows.append((_("%(party)s asked to move it") % {"party": p["party_display"]}, p["move_reason"]))
                rows.append((_("Answer"), answer or _("Waiting for the mediator's answer.")))
        minutes = session["minutes"]
        if minutes:
            rows.append((_("Minutes recorded at"), _when(minutes["recorded_at"])))
            for p in session["participants"]:
                rows.append(
                    (_("%(party)s attended") % {"party": p["party_display"]}, _("yes") if p["attended"] else _("no"))
                )
                if p["position"]:
                    rows.append((_("%(party)s's position") % {"party": p["party_display"]}, p["position"]))
            if minutes["agreed"]:
                rows.append((_("Agreed terms"), f"{minutes['terms_summary']}\n{minutes['terms_text']}"))
            else:
                rows.append((_("Outcome"), _("No agreement was reached")))
                rows.append((_("Advice"), minutes["advice_display"]))
            rows.append((_("Next step"), minutes["next_step"]))
            rows.append((_("Acknowledge by"), _when(minutes["acknowledge_by"])))
            for p in session["participants"]:
                answer = p["acknowledgement_display"] + (f": {p['dispute_reason']}" if p["dispute_reason"] else "")
                rows.append((_("%(party)s's answer") % {"party": p["party_display"]}, answer))
        flow += [
            _p(_("Session %(number)d") % {"number": session["number"]}, "body"),
            _facts_table(rows),
            Spacer(1, 2 * mm),
        ]
    return flow


def _verification(complaint: Complaint) -> list:
    problems = verify_chain(complaint)
    count = complaint.events.count()
    if not problems:
        text = _("Timeline verified: the %(count)d events form an intact SHA-256 hash chain.") % {"count": count}
    else:
        listed = "; ".join(_("event #%(id)d: %(reason)s") % {"id": p.event_id, "reason": p.label} for p in problems)
        text = _("The timeline was altered: %(events)s.") % {"events": listed}
    last = complaint.events.order_by("-created_at", "-id").values_list("hash", flat=True).first()
    flow = [_p(_("Timeline verification"), "h2"), _p(text)]
    if last:
        flow.append(_p(_("Hash of the last event: %(hash)s") % {"hash": last}, "small"))
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
        # Else every page names Helvetica too, a font the PDF would not embed.
        initialFontName=bundle_font(),
    )
    generated = _("Generated on %(when)s for %(who)s (%(role)s).") % {
        "when": _when(timezone.now()),
        "who": viewer.display_name,
        "role": viewer.get_role_display(),
    }
    story = [
        _p(_("Case bundle %(number)s") % {"number": complaint.case_number}, "h1"),
        _p(generated, "small"),
        *_facts(viewer, complaint),
        *_agreement(complaint),
        *_proof(complaint),
        *_evidence(complaint),
        *_sessions(viewer, complaint),
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
