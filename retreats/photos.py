"""Teachers' and places' photos: checked, then re-encoded within bounds before they are stored.

An upload is refused with a reason a person can read when it is larger than
``PHOTO_MAX_BYTES``, is not a JPEG, PNG or WebP image, or has more than ``PHOTO_MAX_PIXELS``
pixels (checked from the header, before anything is decoded). What is stored is never the
original: the image is turned upright (EXIF orientation), shrunk to fit a square of the
field's size (an avatar 512 px, a hero or place photo 1920 px; never enlarged) and saved
again as JPEG (PNG when it has transparency), which also drops its metadata (a phone's GPS
position among them).
"""

import io
import secrets
import warnings

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from padmakara.errors import DomainError

FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoInvalid(DomainError):
    code = "validation_error"


def prepare(upload, *, max_side: int, stem: str = "photo") -> SimpleUploadedFile:
    """The upload as it is stored: validated and re-encoded to fit ``max_side`` pixels."""
    size = getattr(upload, "size", None) or 0
    if size > settings.PHOTO_MAX_BYTES:
        raise PhotoInvalid(
            _("The image is too large (%(size)s); at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.PHOTO_MAX_BYTES)}
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below is lower than Pillow's warning threshold; the error
            # Pillow raises for far larger images is reported the same way.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)
    except Image.DecompressionBombError:
        raise PhotoInvalid(_("The image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise PhotoInvalid(_("The file is not an image: upload a JPEG, PNG or WebP photo.")) from None
    with image:
        if image.format not in FORMATS:
            raise PhotoInvalid(
                _("%(format)s images are not accepted: upload a JPEG, PNG or WebP photo.")
                % {"format": image.format or "?"}
            )
        width, height = image.size
        if width * height > settings.PHOTO_MAX_PIXELS:
            raise PhotoInvalid(
                _("The image is too large: %(width)d × %(height)d pixels; at most %(megapixels)d megapixels.")
                % {"width": width, "height": height, "megapixels": settings.PHOTO_MAX_PIXELS // 1_000_000}
            )
        if image.format == "JPEG":
            image.draft("RGB", (max_side, max_side))  # decode a JPEG at a fraction of its size
        try:
            upright: Image.Image = ImageOps.exif_transpose(image)
            upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        except (OSError, ValueError, SyntaxError):
            raise PhotoInvalid(_("The image is damaged and cannot be read.")) from None
        transparent = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
        out = io.BytesIO()
        if transparent:
            upright.convert("RGBA").save(out, "PNG", optimize=True)
            extension, content_type = "png", "image/png"
        else:
            upright.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
            extension, content_type = "jpg", "image/jpeg"
    name = f"{slugify(stem)[:40] or 'photo'}-{secrets.token_hex(4)}.{extension}"
    return SimpleUploadedFile(name, out.getvalue(), content_type=content_type)


class PhotoField(forms.FileField):
    """A form field for a photo: the upload comes out validated and re-encoded (:func:`prepare`)."""

    def __init__(self, *, max_side: int, stem: str = "photo", **kwargs):
        self.max_side, self.stem = max_side, stem
        kwargs.setdefault(
            "help_text", _("JPEG, PNG or WebP; stored at most %(side)d pixels wide and high.") % {"side": max_side}
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp")

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        try:
            return prepare(upload, max_side=self.max_side, stem=self.stem)
        except PhotoInvalid as exc:
            raise forms.ValidationError(str(exc)) from None


def photo_sizes() -> dict[str, int]:
    """The bound of each photo field, by field name."""
    return {"avatar": settings.PHOTO_AVATAR_SIZE, "hero": settings.PHOTO_HERO_SIZE, "photo": settings.PHOTO_HERO_SIZE}
