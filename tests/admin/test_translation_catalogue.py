"""The Portuguese catalogues (django for Python and templates, djangojs for the admin's JavaScript)
translate every string and their compiled .mo files match the .po files."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "pt" / "LC_MESSAGES"
CATALOGUES = pytest.mark.parametrize(
    "po", [LC_MESSAGES / "django.po", LC_MESSAGES / "djangojs.po"], ids=lambda p: p.stem
)


def _entries(po: Path):
    """(msgid, [msgstr, …], flags) for each entry of the .po, header left out."""
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields, current = {}, None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = ""
                line = match.group(2)
            fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            yield fields["msgid"], [v for k, v in fields.items() if k.startswith("msgstr")], flags


@CATALOGUES
def test_it_translates_every_string(po):
    entries = list(_entries(po))
    untranslated = [msgid for msgid, msgstrs, flags in entries if not all(msgstrs) or "fuzzy" in flags]
    assert entries and untranslated == []


@CATALOGUES
def test_it_ships_a_compiled_catalogue_matching_the_po(po):
    with open(po.with_suffix(".mo"), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, msgstrs, _ in _entries(po) if compiled.gettext(msgid) != msgstrs[0] and len(msgstrs) == 1]
    assert stale == []


def test_the_javascript_catalogue_covers_the_upload_page():
    msgids = {msgid for msgid, _, _ in _entries(LC_MESSAGES / "djangojs.po")}

    assert {"uploading", "failed: %(error)s", "Duplicate of %(file)s: it will not be stored twice."} <= msgids
