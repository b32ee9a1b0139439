"""Entry photos: checked by decoding, re-encoded to a bounded JPEG, nothing of the original kept.

An upload is trusted for nothing: not its name, not its declared type. Pillow decodes it (a
file that does not decode as one of the accepted formats is refused), the pixels are turned
upright by the EXIF orientation, and a new JPEG is written from the pixels alone, at most
`MAX_SIDE` on its longer side. So no EXIF (GPS location, camera serial, the owner's name),
no XMP, no ICC profile and no trailing bytes of the original survive, and an image that a
browser's decoder might read differently from Pillow's never reaches a browser.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ideas.errors import DomainError, InvalidInput

PHOTOS_MAX = 5  # per entry
UPLOAD_MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 1600  # px, the longer side after re-encoding
MAX_PIXELS = 40_000_000  # a larger canvas is refused before decoding (decompression bombs)
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
JPEG_QUALITY = 85


class TooLarge(DomainError):
    status_code = 413
    code = "too_large"


@dataclass(frozen=True)
class Reencoded:
    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def too_large() -> TooLarge:
    return TooLarge(_("A photo may be at most %(megabytes)d MB.") % {"megabytes": UPLOAD_MAX_BYTES // (1024 * 1024)})


def not_an_image() -> InvalidInput:
    message = _("This file is not a photo: send a JPEG, PNG, WebP or GIF image.")
    return InvalidInput(message, code="not_an_image", fields={"photo": [message]})


def reencode(data: bytes) -> Reencoded:
    """The photo as a fresh JPEG of at most MAX_SIDE px, or a translated refusal."""
    if len(data) > UPLOAD_MAX_BYTES:
        raise too_large()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_an_image()
                width, height = probe.size
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    raise InvalidInput(
                        _("The photo is too large in pixels: at most %(megapixels)d megapixels.")
                        % {"megapixels": MAX_PIXELS // 1_000_000},
                        code="too_many_pixels", fields={"photo": [_("Too many pixels.")]},
                    )
                probe.verify()  # the whole file, not just the header
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # the first frame of an animation
                upright = ImageOps.exif_transpose(image)
                pixels = upright.convert("RGB")
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_an_image() from None
    pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # Only the pixels: no exif=, icc_profile= or comment= is passed, so none is written.
    pixels.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return Reencoded(data=out.getvalue(), width=pixels.width, height=pixels.height)
