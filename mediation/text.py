"""The one cleaning of text people type, and the form and serializer fields that apply it.

Every free-text field of a page form or an API body is a `TextField` / `TextSerializerField`
(tests/security/test_hostile_text.py finds any that is not), so the same characters are kept
out of titles, messages, offers, comments, merchant names and addresses, and user names:

- C0 and C1 control characters and DEL: nothing displays them, and one of them in a stored
  value made every spreadsheet export of the case fail (openpyxl refuses them, as XML does).
  Line breaks and tabs are kept in multi-line text; in one-line text they become spaces.
  Every kind of line break (CR LF, CR, U+2028...) is stored as "\\n".
- Bidirectional controls (U+202A-U+202E, U+2066-U+2069, the LRM, RLM and ALM marks) reorder
  how text is displayed, so a title could show one thing and say another.
- Zero-width and invisible characters (U+200B, the word joiner and invisible operators
  U+2060-U+2064, the byte-order mark, interlinear annotation marks, tag characters) make two
  equal-looking names or order numbers differ, or hide text from the reader.
- Lone surrogates and the non-characters U+FFFE, U+FFFF, which a JSON body can carry but a
  database cannot store.

Characters that shape real writing are kept: the zero-width joiner and non-joiner of emoji
and of some scripts, variation selectors, right-to-left letters themselves. The result is
then NFC-normalised, so that "é" typed as one or as two code points is one value; not NFKC,
which would turn the full-width letters and punctuation of Chinese text into ASCII.
"""

import re
import unicodedata

from django import forms
from rest_framework import serializers

# Every kind of line break, to "\n" (multi-line) or " " (one line).
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
INVISIBLE = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f"  # C0 (but tab and line feed), DEL, C1 (but NEL)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks and controls
    "\u200b\u2060-\u2064\ufeff\ufff9-\ufffb"  # zero-width space, joiners, BOM, annotations
    "\ud800-\udfff\ufffe\uffff"  # lone surrogates, non-characters
    "\U000e0000-\U000e007f"  # tag characters
    "]"
)


def clean_text(text: str, *, multiline: bool = False) -> str:
    """`text` without control, bidirectional and invisible characters, NFC-normalised."""
    if not text:
        return text
    text = LINE_BREAK.sub("\n" if multiline else " ", text)
    if not multiline:
        text = text.replace("\t", " ")
    return unicodedata.normalize("NFC", INVISIBLE.sub("", text))


class TextField(forms.CharField):
    """A form's free-text field: cleaned (clean_text) before it is stripped and checked, so a
    value made only of invisible characters is blank and the length counts what is kept.
    `multiline=True` keeps line breaks and tabs, and shows a text area."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        if multiline:
            kwargs.setdefault("widget", forms.Textarea)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = clean_text(value, multiline=self.multiline)
        return super().to_python(value)


class TextSerializerField(serializers.CharField):
    """The API's free-text field, cleaned the same way before blank, length and other checks."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str):
            data = clean_text(data, multiline=self.multiline)
        return super().run_validation(data)
