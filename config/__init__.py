import sys
from pathlib import Path

# The user's layout puts the collections app in a top-level `collections/` folder, but
# `collections` is a standard-library package and must not be shadowed. The folder is
# therefore not a package itself; it holds the `arcollections` app and is put on the
# import path here, the first module every entry point (manage.py, wsgi, celery) loads.
_COLLECTIONS_HOME = str(Path(__file__).resolve().parent.parent / "collections")
if _COLLECTIONS_HOME not in sys.path:
    sys.path.append(_COLLECTIONS_HOME)

from .celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
