from tests.media.conftest import make_audio, make_pdf, s3, s3_endpoint, stored  # noqa: F401  (shared media fixtures)
