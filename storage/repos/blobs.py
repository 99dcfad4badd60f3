"""Photos and audio clips, sealed: an answer's photo, an appeal's call recording."""

from __future__ import annotations

import hashlib

from storage.models import Blob
from storage.repos.base import NotFound, Repository


class BlobRepo(Repository):
    """Sealed binary content."""

    def put(self, kind: str, content_type: str, data: bytes) -> Blob:
        """Store a photo or audio clip, sealed."""
        blob = Blob(
            kind=kind, content_type=content_type, sha256=hashlib.sha256(data).hexdigest(), data_enc=self.vault.seal(data)
        )
        self.session.add(blob)
        self.session.flush()
        return blob

    def read(self, blob_id: int) -> tuple[str, bytes]:
        """A stored blob's content type and bytes."""
        blob = self.session.get(Blob, blob_id)
        if blob is None:
            raise NotFound(f"blob {blob_id}")
        return blob.content_type, self.vault.open_bytes(blob.data_enc)
