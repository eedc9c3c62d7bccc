"""The consumer's rights guide (SPEC "Guidance for consumers"), for everyone."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..guidance import ART_55, KEEP_EVIDENCE, SEVEN_DAYS, guidance_list


@require_GET
def guide(request):
    """The rights guide (SPEC "Guidance for consumers"): the rules, then each category's advice."""
    return render(
        request,
        "guide/guide.html",
        {"keep_evidence": KEEP_EVIDENCE, "seven_days": SEVEN_DAYS, "art_55": ART_55, "categories": guidance_list()},
    )
