"""Files sent with a message: multipart/form-data with ``payload_json`` and ``files[n]``.

The server parses the form (server.py); this checks what Discord checks of the files and
keeps their bytes, so a test can read an attachment the bot sent:

    [attachment] = message["attachments"]
    text = attachment_data(fake, attachment).decode()

Discord's limits: at most 10 files a message, each at most the upload limit (10 MiB without
a boosted server, the ``attachment_size_limit`` an interaction carries), the whole request at
most 25 MiB (413, code 40005), every ``attachments[].id`` naming a part that was sent, and a
file name that is not empty.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .errors import ApiError, raise_if
from .limits import FormErrors

if TYPE_CHECKING:
    from .state import DiscordState

FILES_MAX = 10
FILE_SIZE_MAX = 10 * 1024 * 1024
REQUEST_SIZE_MAX = 25 * 1024 * 1024
_FIELD_RE = re.compile(r"files\[(\d+)\]")


def check_files(payload: Any, files: list[dict[str, Any]]) -> None:
    """Refuse the request as Discord would (ApiError) when its files break a limit."""
    if sum(f["size"] for f in files) + len(json.dumps(payload or {})) > REQUEST_SIZE_MAX:
        raise ApiError(413, 40005, "Request entity too large", violation=True)
    errors = FormErrors()
    if len(files) > FILES_MAX:
        errors.add(("files",), "BASE_TYPE_MAX_LENGTH", f"Must be {FILES_MAX} or fewer in length.")
    sent = set()
    for index, f in enumerate(files):
        match = _FIELD_RE.fullmatch(f.get("field") or "")
        if match is None:
            errors.add(("files", index), "BASE_TYPE_INVALID", "Field name must be files[n].")
            continue
        sent.add(match[1])
        if f["size"] > FILE_SIZE_MAX:
            raise ApiError(413, 40005, "Request entity too large", violation=True)
        if not (f.get("filename") or "").strip():
            errors.add(("files", index), "BASE_TYPE_REQUIRED", "A file name is required.")
    described = (payload or {}).get("attachments") if isinstance(payload, dict) else None
    for index, attachment in enumerate(described or []):
        new = isinstance(attachment, dict) and attachment.get("filename") is not None
        if new and str(attachment.get("id")) not in sent:
            errors.add(("attachments", index, "id"), "ATTACHMENT_NOT_FOUND",
                       "Attachment data not found in the request.")
    raise_if(errors)


def keep(state: DiscordState, attachment_id: int, file: dict[str, Any]) -> None:
    state.uploads[attachment_id] = file.get("data", b"")


def attachment_data(state: DiscordState, attachment: dict[str, Any]) -> bytes:
    """The bytes of an attachment of a message the fake stored."""
    return state.uploads[int(attachment["id"])]
