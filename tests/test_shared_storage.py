"""Several machines share the media (attachments, large exports, import previews): with
STORAGE_S3_BUCKET set, the default storage is an S3-compatible object store (django-storages);
import previews wait in the default storage, not in one machine's /tmp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

BASE = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "from django.core.files.storage import storages; s = storages['default']; "
    "print(json.dumps({'class': type(s).__module__ + '.' + type(s).__name__, "
    "'bucket': s.bucket_name, 'endpoint': s.endpoint_url, 'location': s.location, "
    "'acl': s.default_acl, 'signed': s.querystring_auth, "
    "'tmp': settings.IMPORT_EXPORT_TMP_STORAGE_CLASS}))"
)


def test_s3_compatible_storage_is_chosen_by_the_environment() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STORAGE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        STORAGE_S3_BUCKET="portal-media",
        STORAGE_S3_ENDPOINT_URL="https://objects.example.int",
        STORAGE_S3_PREFIX="prod",
        STORAGE_S3_ACCESS_KEY="AKIAEXAMPLE",
        STORAGE_S3_SECRET_KEY="not-a-real-secret",
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=BASE, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {
        "class": "storages.backends.s3.S3Storage",
        "bucket": "portal-media",
        "endpoint": "https://objects.example.int",
        "location": "prod",
        "acl": "private",
        "signed": True,
        "tmp": "import_export.tmp_storages.MediaStorage",
    }


@pytest.mark.django_db
def test_an_import_preview_waits_in_the_default_storage(client, signed_in, tsb_staff) -> None:
    from accounts.models import MemberState
    from tests.accounts.test_imports import confirm, upload

    signed_in(client, tsb_staff)
    content = b"alpha2,alpha3,name,region,joined_on,left_on\nPW,PLW,Palau,E,2024-09-19,\n"
    preview = upload(client, MemberState, content)
    name = preview.context["confirm_form"].initial["import_file_name"]
    folder = Path(settings.MEDIA_ROOT) / "django-import-export"
    assert default_storage.exists(f"django-import-export/{name}"), list(folder.glob("*"))
    assert confirm(client, MemberState, preview).status_code == 302
    assert MemberState.objects.filter(alpha3="PLW").exists()
    assert not default_storage.exists(f"django-import-export/{name}")  # removed once used
