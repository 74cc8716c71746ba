from tests.media.conftest import make_audio, make_pdf, stored  # noqa: F401  (shared media fixtures)
