"""The Portuguese catalogues (django for Python and templates, djangojs for the admin's JavaScript)
translate every string and their compiled .mo files match the .po files."""

import ast
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from tests.conftest import require

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "pt" / "LC_MESSAGES"
CATALOGUES = pytest.mark.parametrize(
    "po", [LC_MESSAGES / "django.po", LC_MESSAGES / "djangojs.po"], ids=lambda p: p.stem
)


def _entries(po: Path):
    """(msgid, [msgstr, …], flags) for each entry of the .po, header left out; an entry with a
    context is keyed ``context\x04msgid``, as compiled catalogues key it."""
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields, current = {}, None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = ""
                line = match.group(2)
            fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            key = f"{fields['msgctxt']}\x04{fields['msgid']}" if "msgctxt" in fields else fields["msgid"]
            yield key, [v for k, v in fields.items() if k.startswith("msgstr")], flags


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


# --- Every string of the code is in the catalogue ---------------------------------------------

SOURCES = (
    "accounts",
    "dashboard",
    "demo",
    "media",
    "notifications",
    "padmakara",
    "progress",
    "retreats",
    "subscriptions",
    "templates",
)


def _made_catalogue(tmp_path, settings, monkeypatch, domain: str) -> Path:
    """``makemessages`` run over a copy of the code into a copy of the catalogue: the committed
    .po keeps its order (new entries are appended to it by hand, reviewed)."""
    require(shutil.which("xgettext") is not None and shutil.which("msgmerge") is not None, "GNU gettext")
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copytree(root / "locale", tmp_path / "locale")
    monkeypatch.chdir(tmp_path)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    call_command("makemessages", locale=["pt"], domain=domain, no_obsolete=True, verbosity=0)
    return tmp_path / "locale" / "pt" / "LC_MESSAGES" / f"{domain}.po"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_it_has_every_string_of_the_code(tmp_path, settings, monkeypatch, domain):
    made = _made_catalogue(tmp_path, settings, monkeypatch, domain)

    committed = {msgid for msgid, _, _ in _entries(LC_MESSAGES / f"{domain}.po")}
    missing = [msgid for msgid, _, _ in _entries(made) if msgid not in committed]
    assert missing == []


def _pt(text: str) -> str:
    with translation.override("pt"):
        return translation.gettext(text)


def test_it_words_django_messages_that_name_a_model_for_any_gender():
    # Django's own catalogue: "Adicionar outro %(verbose_name)s" (outro Faixa, outro Sessão).
    assert _pt("Add another %(verbose_name)s") % {"verbose_name": "Faixa"} == "Adicionar Faixa"
    assert "outro" not in _pt("Add another %(model)s")
    assert _pt("The {name} “{obj}” was added successfully.").format(name="faixa", obj="X") == (
        "Registo adicionado: faixa “X”."
    )
    assert "O {name}" not in _pt("The {name} “{obj}” was changed successfully. You may edit it again below.")
