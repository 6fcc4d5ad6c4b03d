"""Page images for queue workers: local page store first, else the sync target (decrypted,
checked against the page's sha256), fetched copies removed after the job (issue 19)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hukou_scan.errors import ImageProcessingError
from hukou_scan.services.queue import PageImages
from hukou_scan.storage.blobstore import BlobStore, sha256_bytes
from hukou_scan.sync.crypto import Cipher
from hukou_scan.sync.manifest import object_key
from hukou_scan.sync.store import ObjectInfo


class MemoryStore:
    """An in-memory ObjectStore."""

    url = "memory://"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.gets: list[str] = []

    def put(self, key: str, data: bytes, sha256: str) -> ObjectInfo:
        self.objects[key] = data
        return ObjectInfo(key=key, size=len(data), sha256=sha256)

    def get(self, key: str) -> bytes:
        self.gets.append(key)
        return self.objects[key]

    def head(self, key: str) -> ObjectInfo | None:
        return None

    def list(self, prefix: str) -> Iterator[str]:
        return iter(k for k in self.objects if k.startswith(prefix))

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


def test_local_page_store_first(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    sha = blobs.put(b"local image")
    remote = MemoryStore()
    with PageImages(blobs, remote).open(sha) as path:
        assert path.read_bytes() == b"local image"
    assert remote.gets == []


def test_remote_page_is_decrypted_checked_and_removed_after_use(tmp_path: Path) -> None:
    data = b"page bytes on S3"
    sha = sha256_bytes(data)
    cipher = Cipher(os.urandom(32))
    remote = MemoryStore()
    remote.objects[object_key(sha)] = cipher.encrypt(data)
    images = PageImages(BlobStore(tmp_path / "empty"), remote, cipher)
    with images.open(sha) as path:
        assert path.read_bytes() == data
        fetched = path
    assert not fetched.exists()


def test_remote_page_with_wrong_content_is_refused(tmp_path: Path) -> None:
    sha = sha256_bytes(b"the real page")
    remote = MemoryStore()
    remote.objects[object_key(sha)] = b"something else"
    with pytest.raises(ImageProcessingError), PageImages(BlobStore(tmp_path / "b"), remote).open(sha):
        pass


def test_missing_without_a_target_is_an_image_error(tmp_path: Path) -> None:
    with pytest.raises(ImageProcessingError), PageImages(BlobStore(tmp_path / "b")).open("ab" * 32):
        pass
