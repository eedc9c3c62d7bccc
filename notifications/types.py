"""Notice types: one record per kind of notice, with its texts and, for a case notice, who is
told on which channels.

Every app that sends notices declares its types in its `notices.py`, imported from its
AppConfig.ready(), so the registry is complete once Django is set up. The texts are lazy
translations, rendered in the recipient's language when the notice is written.
"""

import string
from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise

# (audience, channels): an audience is a name the sending app resolves ("consumer",
# "merchant_phones" ...); channels are notifications.models.Channel values.
Audiences = tuple[tuple[str, tuple[str, ...]], ...]


class UnknownNoticeType(LookupError):
    """A notice type nobody declared (a typo, or an app whose notices.py is not imported)."""


@dataclass(frozen=True)
class NoticeType:
    name: str
    label: Promise  # what the notice is about, as staff read it in outbox tables
    subject: Promise
    body: Promise  # names the case, the deadline and the link where there are ones
    audiences: Audiences = ()  # case notices only; empty for notices to one person

    def render(self, language: str, values: dict) -> tuple[str, str, dict[str, str]]:
        """Subject, text and the values they were written with (the template parameters), in
        `language`. Values are made text in that language too (a lazy label, a date)."""
        with translation.override(language):
            params = {name: str(value) for name, value in values.items()}
            return str(self.subject).format(**params), str(self.body).format(**params), params

    def template_params(self) -> list[str]:
        """The values an SMS template of this notice takes, in the order they appear in its
        English source text: a gateway's approved template mirrors that text, with its
        variables named (Aliyun: ${case}) or numbered in this order (Tencent Cloud: {1}, {2} ...)."""
        with translation.override("en"):
            text = str(self.body)
        names = [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name]
        return list(dict.fromkeys(names))


_declared: dict[str, NoticeType] = {}


def declare(*types: NoticeType) -> None:
    """Add notice types to the registry; a name is declared once, by the app that sends it."""
    names = [notice.name for notice in types]
    for name in names:
        if name in _declared or names.count(name) > 1:
            raise ValueError(f"notice type {name!r} is declared twice")
    _declared.update((notice.name, notice) for notice in types)


def notice_type(name: str) -> NoticeType:
    try:
        return _declared[name]
    except KeyError:
        raise UnknownNoticeType(f"no notice type {name!r} is declared (see the apps' notices.py)") from None


def declared_types() -> list[NoticeType]:
    return list(_declared.values())


def label_of(name: str) -> str:
    """The label of a notice's type for tables; a row of a type no longer declared shows its name."""
    notice = _declared.get(name)
    return str(notice.label) if notice else name.replace("_", " ")
