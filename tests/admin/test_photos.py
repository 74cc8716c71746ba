"""Staff give teachers and places photos: checked, bounded, previewed (en and pt)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from retreats.models import Place, Teacher
from tests import factories

pytestmark = pytest.mark.django_db


def image_file(width=1200, height=800, *, fmt="JPEG", mode="RGB", name="photo.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new(mode, (width, height), "orange").save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def post_teacher(client, teacher, headers=None, **changes):
    data = {"name": teacher.name, "abbreviation": teacher.abbreviation, "aliases": "", "bio": "", **changes}
    return client.post(reverse("admin:retreats_teacher_change", args=[teacher.pk]), data, headers=headers)


def test_it_stores_a_bounded_avatar_and_hero(staff_client, settings):
    teacher = factories.make_teacher(name="Jigme Khyentse", abbreviation="JKR")

    response = post_teacher(staff_client, teacher, avatar=image_file(3000, 2000), hero=image_file(4000, 1000))

    assert response.status_code == 302, response.context and response.context["errors"]
    teacher.refresh_from_db()
    with teacher.avatar.open("rb") as fh, Image.open(fh) as avatar:
        assert avatar.size == (512, 341) and avatar.format == "JPEG"
    with teacher.hero.open("rb") as fh, Image.open(fh) as hero:
        assert hero.size == (1920, 480)


def test_it_never_enlarges_a_small_photo(staff_client):
    teacher = factories.make_teacher()

    post_teacher(staff_client, teacher, avatar=image_file(200, 100))

    teacher.refresh_from_db()
    with teacher.avatar.open("rb") as fh, Image.open(fh) as avatar:
        assert avatar.size == (200, 100)


def test_it_keeps_transparency_as_png(staff_client):
    teacher = factories.make_teacher()

    post_teacher(staff_client, teacher, avatar=image_file(100, 100, fmt="PNG", mode="RGBA", name="a.png"))

    teacher.refresh_from_db()
    assert teacher.avatar.name.endswith(".png")


def test_it_refuses_a_file_that_is_not_an_image(staff_client):
    teacher = factories.make_teacher()

    response = post_teacher(staff_client, teacher, avatar=SimpleUploadedFile("a.jpg", b"%PDF-1.4 not an image"))

    assert response.status_code == 200
    assert "The file is not an image: upload a JPEG, PNG or WebP photo." in response.content.decode()
    teacher.refresh_from_db()
    assert not teacher.avatar


def test_it_refuses_an_image_of_too_many_pixels(staff_client, settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    teacher = factories.make_teacher()

    response = post_teacher(staff_client, teacher, hero=image_file(2000, 1000))

    assert "The image is too large: 2000 × 1000 pixels; at most 1 megapixels." in response.content.decode()


def test_it_refuses_an_image_of_too_many_bytes(staff_client, settings):
    settings.PHOTO_MAX_BYTES = 1000
    teacher = factories.make_teacher()

    response = post_teacher(staff_client, teacher, hero=image_file(800, 800))

    assert "The image is too large (" in response.content.decode()
    assert "at most 1000\xa0bytes." in response.content.decode()


def test_it_refuses_a_gif(staff_client):
    teacher = factories.make_teacher()

    response = post_teacher(staff_client, teacher, avatar=image_file(10, 10, fmt="GIF", mode="P", name="a.gif"))

    assert "GIF images are not accepted" in response.content.decode()


def test_it_explains_in_portuguese(staff_client):
    teacher = factories.make_teacher()

    response = post_teacher(
        staff_client, teacher, headers={"Accept-Language": "pt"}, avatar=SimpleUploadedFile("a.jpg", b"nope")
    )

    assert "O ficheiro não é uma imagem: carregue uma fotografia JPEG, PNG ou WebP." in response.content.decode()


@pytest.mark.parametrize("language", ["en", "pt"])
def test_the_pages_preview_the_photos(staff_client, language):
    teacher = factories.make_teacher()
    post_teacher(staff_client, teacher, avatar=image_file(), hero=image_file())
    place = Place.objects.create(name="Vajradhara-ling", abbreviation="VL")

    teacher_page = staff_client.get(
        reverse("admin:retreats_teacher_change", args=[teacher.pk]), headers={"Accept-Language": language}
    ).content.decode()
    place_page = staff_client.get(
        reverse("admin:retreats_place_change", args=[place.pk]), headers={"Accept-Language": language}
    ).content.decode()

    teacher.refresh_from_db()
    assert teacher_page.count('<img src="') >= 2 and "signature=" in teacher_page
    assert ("No photo yet." if language == "en" else "Ainda sem fotografia.") in place_page


def test_a_place_gets_a_photo(staff_client):
    place = Place.objects.create(name="Vajradhara-ling", abbreviation="VL")

    response = staff_client.post(
        reverse("admin:retreats_place_change", args=[place.pk]),
        {"name": place.name, "abbreviation": "VL", "location": "Castelo de Vide", "photo": image_file(2500, 2500)},
    )

    assert response.status_code == 302
    place.refresh_from_db()
    with place.photo.open("rb") as fh, Image.open(fh) as photo:
        assert photo.size == (1920, 1920)
    assert Teacher.objects.count() == 0
