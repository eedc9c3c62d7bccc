"""The Simplified Chinese catalogue is complete: every string of the UI is translated, no
translation is a fuzzy guess, placeholders survive, and the compiled .mo matches the .po.

A string added to a template or to Python without a translation fails
`test_regenerating_the_catalogue_leaves_nothing_untranslated`: it runs `makemessages` (as
`make messages` does) on a copy of the project and looks for untranslated entries."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# Folders never copied for the regeneration check: environments, data, VCS, and the
# folders `make messages` tells makemessages to ignore.
NOT_COPIED = (".venv", "venv", "var", ".git", "node_modules", "artifacts", "bench", "tests", "media", "staticfiles")

PYTHON_FORMAT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifr%])")
BRACE_FORMAT = re.compile(r"\{(\w*)(?:[:!][^{}]*)?\}")
TEMPLATE_VAR = re.compile(r"\{\{\s*([\w.]+)")


def placeholders(text: str) -> list[str]:
    """The placeholders a string must keep: %(name)s, %d, {case}, and %% (a literal percent)."""
    found = []
    for name, conversion in PYTHON_FORMAT.findall(text):
        found.append(f"%({name}){conversion}" if name else f"%{conversion}")
    found += ["{" + name + "}" for name in BRACE_FORMAT.findall(text)]
    found += ["{{" + name + "}}" for name in TEMPLATE_VAR.findall(text)]
    return sorted(found)


def untranslated(catalogue: polib.POFile) -> list[str]:
    return [e.msgid for e in catalogue if not e.obsolete and not e.translated() and "fuzzy" not in e.flags]


def fuzzy(catalogue: polib.POFile) -> list[str]:
    return [e.msgid for e in catalogue.fuzzy_entries()]


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_every_entry_is_translated(catalogue):
    assert len(catalogue) > 500
    assert untranslated(catalogue) == []


def test_no_translation_is_fuzzy(catalogue):
    assert fuzzy(catalogue) == []
    assert not catalogue.metadata_is_fuzzy


def test_the_catalogue_has_chinese_plural_forms(catalogue):
    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert catalogue.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    for entry in catalogue:
        if entry.msgid_plural and not entry.obsolete:
            assert list(entry.msgstr_plural) == [0], entry.msgid


def test_every_translation_keeps_the_placeholders_of_its_source(catalogue):
    wrong = []
    for entry in catalogue.translated_entries():
        # Chinese has one form, written from the plural source.
        source = entry.msgid_plural or entry.msgid
        translation = entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
        if placeholders(source) != placeholders(translation):
            wrong.append((source, translation))
    assert wrong == []


def test_sms_texts_carry_the_chinese_sender_mark(catalogue):
    sms = [e for e in catalogue.translated_entries() if e.msgid.startswith("[315]")]
    assert sms
    assert [e.msgid for e in sms if not e.msgstr.startswith("【315】")] == []


def test_the_compiled_catalogue_matches_the_po(catalogue):
    """`make run` uses the committed .mo without gettext installed: it must be compiled from this .po."""
    assert MO.exists(), "run `make messages` (or manage.py compilemessages) and commit the .mo"
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(MO)) if e.msgid}
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
        for e in catalogue.translated_entries()
    }
    missing_or_stale = {key for key, value in source.items() if compiled.get(key) != value}
    assert missing_or_stale == set(), "the .mo is out of date: run `make messages`"


def makemessages_command() -> list[str]:
    """The makemessages arguments of the Makefile's `messages` target, so the check and the
    target never drift apart."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^\s*\$\(MANAGE\) (makemessages [^\n]+)$", makefile, re.M)
    assert match, "the Makefile's `messages` target runs `$(MANAGE) makemessages ...`"
    return match.group(1).split()


def test_the_messages_target_ignores_what_is_not_the_project():
    args = makemessages_command()
    assert "-l" in args and "zh_Hans" in args
    for folder in (".venv", "var", "bench", "tests", "artifacts", "node_modules"):
        assert f"--ignore={folder}" in args


def test_regenerating_the_catalogue_leaves_nothing_untranslated(tmp_path):
    """Every translatable string in the code today has a Chinese translation in the .po."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext is not installed")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(*NOT_COPIED, "__pycache__", "*.pyc", "*.sqlite3", "*.log"),
        symlinks=True,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", *makemessages_command()],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    regenerated = polib.pofile(str(copy / PO.relative_to(ROOT)))
    assert untranslated(regenerated) == [], "new strings without a Chinese translation: run `make messages`"
    assert fuzzy(regenerated) == [], "strings whose source changed: check their translation and remove `fuzzy`"
