"""Invisible characters kept out of what parties write.

Bidirectional controls (U+202A-U+202E, U+2066-U+2069) reorder how text is displayed, so a
title could show one thing and say another; zero-width spaces and the byte-order mark
(U+200B, U+FEFF) make two equal-looking titles or order numbers differ. Neither has a use in
a complaint, so they are removed from every text before it is stored; characters that shape
real writing (the zero-width joiner of emoji, right-to-left letters themselves) are kept.
"""

import re

INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\ufeff]")


def visible(text: str) -> str:
    return INVISIBLE.sub("", text) if text else text
