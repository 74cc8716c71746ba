"""Staff use the admin in English or Portuguese: chosen by browser, cookie or the switch."""

import html
import json
import re

from django.urls import reverse

from tests import factories

INDEX = reverse("admin:index")


def test_it_speaks_portuguese_to_a_portuguese_browser(staff_client):
    response = staff_client.get(INDEX, HTTP_ACCEPT_LANGUAGE="pt-PT,pt;q=0.9")

    page = response.content.decode()
    assert "Encontros" in page
    assert "Ensinamentos dos retiros" in page


def test_it_speaks_english_by_default(staff_client):
    response = staff_client.get(INDEX)

    page = response.content.decode()
    assert "Gatherings" in page
    assert "Encontros" not in page


def test_it_switches_language_with_the_selector(staff_client):
    assert 'action="/i18n/setlang/"' in staff_client.get(INDEX).content.decode()

    staff_client.post(reverse("set_language"), {"language": "pt", "next": INDEX})

    assert "Encontros" in staff_client.get(INDEX).content.decode()


def test_it_follows_the_language_code_setting(staff_client, settings):
    settings.LANGUAGE_CODE = "pt"

    assert "Encontros" in staff_client.get(INDEX).content.decode()


def test_it_translates_the_gathering_changelist(staff_client):
    factories.make_retreat(status="draft", season="fall")

    page = staff_client.get(reverse("admin:retreats_retreat_changelist"), HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    for text in ("Publicar os encontros selecionados", "Duração total", "Rascunho", "Outono", "Por ano"):
        assert text in page


def test_it_tells_the_action_result_in_portuguese(staff_client):
    retreat = factories.make_retreat(status="draft")
    staff_client.post(reverse("set_language"), {"language": "pt"})

    response = staff_client.post(
        reverse("admin:retreats_retreat_changelist"),
        {"action": "publish", "_selected_action": [retreat.pk]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["1 encontro publicado."]


def test_it_shows_validation_messages_in_portuguese(staff_client):
    staff_client.post(reverse("set_language"), {"language": "pt"})

    response = staff_client.post(
        reverse("admin:retreats_retreat_add"),
        {
            "name": "X",
            "slug": "x",
            "start_date": "2024-05-10",
            "end_date": "2024-05-01",
            "status": "draft",
            "audience": "free-anyone",
            "required_plan": "basic",
            "sessions-TOTAL_FORMS": 0,
            "sessions-INITIAL_FORMS": 0,
        },
    )

    assert "A data de fim não pode ser anterior à data de início." in response.content.decode()


def test_it_says_ver_next_to_the_read_only_models(staff_client):
    # Django's own Portuguese catalogue leaves this link as "View"; the project's translates it.
    page = staff_client.get(INDEX, HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    links = re.findall(r'class="viewlink"[^>]*>([^<]*)<', page)  # listening sessions, progress…: look, never edit
    assert links and set(links) == {"Ver"}


def test_it_adds_inline_rows_with_a_phrase_right_for_the_models_gender(staff_client):
    session = factories.make_session(factories.make_retreat())

    gathering = staff_client.get(
        reverse("admin:retreats_retreat_change", args=[session.retreat_id]), HTTP_ACCEPT_LANGUAGE="pt"
    ).content.decode()
    tracks = staff_client.get(
        reverse("admin:retreats_session_change", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="pt"
    ).content.decode()

    def add_text(page):
        formsets = re.findall(r'data-inline-formset="([^"]*)"', page)
        return [json.loads(html.unescape(f))["options"]["addText"] for f in formsets]

    assert add_text(gathering) == ["Adicionar Sessão", "Adicionar Participação ou acesso concedido"]
    assert add_text(tracks) == ["Adicionar Faixa"]


def test_it_names_the_audiences_in_the_filter_in_portuguese_apart_from_all(staff_client):
    factories.make_retreat()

    page = staff_client.get(reverse("admin:retreats_retreat_changelist"), HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    audiences = page.split("Por público")[1].split("</ul>")[0]
    assert audiences.count(">Todos<") == 1 and "Livre para todos" in audiences and "Free for anyone" not in audiences


def test_it_names_the_superuser_filter_in_european_portuguese(staff_client):
    page = staff_client.get(reverse("admin:accounts_user_changelist"), HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    assert "Por superutilizador" in page and "Status de superuser" not in page
