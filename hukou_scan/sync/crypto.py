"""Optional client-side encryption of everything the station puts on the sync target.

AES-256-GCM from ``cryptography``.  The nonce is derived from the plaintext with
HMAC-SHA256 under a sub-key (a synthetic-IV construction): the same plaintext always
encrypts to the same bytes, so a re-upload after a crash is byte-identical, the
engine can predict the ciphertext's SHA-256 for verification, and content-addressed
objects stay deduplicated.  The only thing this reveals is equality of two objects,
which content addressing reveals anyway.  Different plaintexts get different nonces
(collision probability 2^-96), which is what GCM requires.

Object format: ``b"HKE1" | key-id (8 bytes) | nonce (12) | ciphertext+tag``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from pathlib import Path

from hukou_scan.config import open_private, private_dir
from hukou_scan.errors import SyncError

log = logging.getLogger(__name__)

MAGIC = b"HKE1"
KEYRING_SERVICE = "hukou-scan-sync"


class Cipher:
    """Encrypts/decrypts sync objects with one 32-byte key."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if len(key) != 32:
            raise SyncError(
                "加密密钥长度必须为 32 字节。", "The encryption key must be 32 bytes.", retryable=False
            )
        self._aead = AESGCM(key)
        self._nonce_key = hmac.new(key, b"hukou-scan nonce", hashlib.sha256).digest()
        self.key_id = hashlib.sha256(b"hukou-scan key id" + key).digest()[:8]

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = hmac.new(self._nonce_key, plaintext, hashlib.sha256).digest()[:12]
        return MAGIC + self.key_id + nonce + self._aead.encrypt(nonce, plaintext, MAGIC + self.key_id)

    def decrypt(self, blob: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        if blob[:4] != MAGIC:
            raise SyncError(
                "云端对象未加密或格式未知。", "The object is not encrypted by hukou-scan.", retryable=False
            )
        if blob[4:12] != self.key_id:
            raise SyncError(
                "云端对象使用了另一把密钥加密。",
                "The object was encrypted with a different key.",
                retryable=False,
                hint_zh="请使用备份时的密钥文件。",
                hint_en="Use the key file the backup was made with.",
            )
        nonce = blob[12:24]
        try:
            return self._aead.decrypt(nonce, blob[24:], MAGIC + self.key_id)
        except InvalidTag as e:
            raise SyncError(
                "云端对象解密失败（已损坏或被篡改）。",
                "The object failed authentication (corrupt or tampered).",
                retryable=False,
            ) from e


def generate_key_file(path: Path) -> Path:
    """Write a new random key (hex) readable by the owner only."""
    if not path.parent.exists():
        private_dir(path.parent)
    with open_private(path, "w", exclusive=True, encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return path


def load_key(key_file: str | Path | None = None, keyring_user: str | None = None) -> bytes:
    """The key from a key file (64 hex chars) or, failing that, the OS keyring.

    Args:
        key_file: path of the key file.
        keyring_user: account name under the ``hukou-scan-sync`` service in the OS keyring,
            used when no key file is given and the optional ``keyring`` package is installed.
    """
    if key_file:
        try:
            text = Path(key_file).expanduser().read_text(encoding="ascii").strip()
        except OSError as e:
            raise SyncError(
                f"无法读取加密密钥文件：{key_file}",
                f"Cannot read the encryption key file: {key_file}",
                retryable=False,
            ) from e
        return _parse_key(text, str(key_file))
    if keyring_user:
        try:
            import keyring
        except ImportError as e:
            raise SyncError(
                "未安装 keyring，无法从系统钥匙串读取密钥。",
                "The keyring package is not installed; cannot read the key from the OS keyring.",
                retryable=False,
                hint_zh="请改用 key_file。",
                hint_en="Use key_file instead.",
            ) from e
        value = keyring.get_password(KEYRING_SERVICE, keyring_user)
        if not value:
            raise SyncError("系统钥匙串中没有同步密钥。", "No sync key in the OS keyring.", retryable=False)
        return _parse_key(value.strip(), "keyring")
    raise SyncError(
        "已启用加密但未配置密钥。",
        "Encryption is enabled but no key is configured.",
        retryable=False,
        hint_zh="在 [sync] 节设置 key_file 或 keyring_user。",
        hint_en="Set key_file or keyring_user in the [sync] section.",
    )


def _parse_key(text: str, source: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError as e:
        raise SyncError(
            f"密钥格式错误（{source}）", f"Malformed key ({source}): expected 64 hex digits", retryable=False
        ) from e
    if len(key) != 32:
        raise SyncError(
            f"密钥长度错误（{source}）",
            f"Wrong key length ({source}): expected 64 hex digits",
            retryable=False,
        )
    return key
