"""Web concerns every app shares, each in one place: the client's IP address and the response
that sends a private file. Imports nothing of the apps, so any of them may import it."""

import ipaddress

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _


def _valid_ip(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address the request came from: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the
    entry of X-Forwarded-For that the outermost of them appended.

    Each proxy appends the address it was reached from, so only the rightmost entries are ours;
    anything to their left is the client's to forge. A header shorter than the proxy chain, or an
    entry that is not an address, falls back to REMOTE_ADDR. django-axes (AXES_CLIENT_IP_CALLABLE),
    the DRF throttles and the audit log all count by this one answer.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [entry for entry in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if entry.strip()]
    if len(forwarded) < proxies:
        return remote
    return _valid_ip(forwarded[-proxies]) or remote


# Pictures a browser shows by itself (a link opens the photo); everything else is downloaded.
SHOWN_INLINE = frozenset({"image/jpeg", "image/png", "image/webp"})
STREAM_BLOCK_BYTES = 64 * 1024


def file_response(file, *, filename: str, content_type: str) -> FileResponse:
    """A stored file (404 when it is gone) that a browser never renders in our origin as a page:
    no sniffing into HTML, no scripts or plugins, not kept in any cache, no referrer. A picture
    is sent to be shown (inline), anything else as a download."""
    try:
        handle = file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404(_("No such file.")) from None
    inline = content_type in SHOWN_INLINE
    response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
    # Streamed in 64 KB blocks; a file streamed from a bucket cannot be measured by seeking,
    # so its length is the one the bucket announced (mediation/bucket.py).
    response.block_size = STREAM_BLOCK_BYTES
    if not response.has_header("Content-Length"):
        size = getattr(getattr(handle, "file", None), "size", None) or getattr(handle, "size", None)
        if isinstance(size, int):
            response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
