"""The Portuguese catalogue translates every string and its compiled .mo matches the .po."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "pt" / "LC_MESSAGES" / "django.po"


def _entries():
    """(msgid, [msgstr, …], flags) for each entry of the .po, header left out."""
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
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


def test_it_translates_every_string():
    untranslated = [msgid for msgid, msgstrs, flags in _entries() if not all(msgstrs) or "fuzzy" in flags]
    assert untranslated == []


def test_it_ships_a_compiled_catalogue_matching_the_po():
    with open(PO.with_suffix(".mo"), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, msgstrs, _ in _entries() if compiled.gettext(msgid) != msgstrs[0] and len(msgstrs) == 1]
    assert stale == []
