"""Client-side encryption and the bandwidth limiter."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from hukou_scan.errors import SyncError
from hukou_scan.sync import store as store_mod
from hukou_scan.sync.crypto import Cipher, generate_key_file, load_key
from hukou_scan.sync.store import RateLimiter, translate_error


def test_roundtrip_is_deterministic_and_authenticated() -> None:
    c = Cipher(secrets.token_bytes(32))
    data = "常住人口登记表".encode() * 100
    a, b = c.encrypt(data), c.encrypt(data)
    assert a == b and a != data and c.decrypt(a) == data
    assert c.encrypt(data + b"!")[24:36] != a[24:36]  # different plaintext, different nonce
    tampered = bytearray(a)
    tampered[-1] ^= 1
    with pytest.raises(SyncError):
        c.decrypt(bytes(tampered))


def test_wrong_key_is_reported_as_such() -> None:
    blob = Cipher(secrets.token_bytes(32)).encrypt(b"x")
    with pytest.raises(SyncError) as exc:
        Cipher(secrets.token_bytes(32)).decrypt(blob)
    assert "different key" in exc.value.en


def test_key_file(tmp_path: Path) -> None:
    path = generate_key_file(tmp_path / "k")
    assert path.stat().st_mode & 0o077 == 0
    assert len(load_key(path)) == 32
    (tmp_path / "bad").write_text("zz")
    with pytest.raises(SyncError):
        load_key(tmp_path / "bad")
    with pytest.raises(SyncError):
        load_key(None, None)


def test_rate_limiter_sleeps_in_proportion_to_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    slept: list[float] = []
    monkeypatch.setattr(store_mod.time, "monotonic", lambda: clock[0])

    def fake_sleep(s: float) -> None:
        slept.append(s)
        clock[0] += s

    monkeypatch.setattr(store_mod.time, "sleep", fake_sleep)
    lim = RateLimiter(1000.0, burst_s=0.0)
    for _ in range(10):
        lim.consume(500)
    # 5000 bytes at 1000 B/s must take about five seconds of (fake) time.
    assert sum(slept) == pytest.approx(5.0, rel=0.01)
    RateLimiter(0).consume(10**9)  # unlimited: returns at once


def test_error_translation_retryable_flags() -> None:
    assert translate_error(ConnectionRefusedError(111, "refused"), "k").retryable
    assert not translate_error(FileNotFoundError("k"), "k").retryable
    assert not translate_error(PermissionError("k"), "k").retryable
    assert not translate_error(TypeError("bug"), "k").retryable
    e = Exception("x")
    e.response = {"ResponseMetadata": {"HTTPStatusCode": 503}, "Error": {"Code": "SlowDown"}}  # type: ignore[attr-defined]
    assert translate_error(e, "k").retryable
    e.response = {"ResponseMetadata": {"HTTPStatusCode": 403}, "Error": {"Code": "AccessDenied"}}  # type: ignore[attr-defined]
    assert not translate_error(e, "k").retryable


def test_key_from_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    stored = {("hukou-scan-sync", "station-a"): "ab" * 32}
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: stored.get((service, user))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    assert load_key(None, "station-a") == bytes.fromhex("ab" * 32)
    with pytest.raises(SyncError):
        load_key(None, "nobody")
