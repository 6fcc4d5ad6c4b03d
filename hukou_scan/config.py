"""Settings: a TOML file in the platform config dir, overridden by environment variables.

The environment overrides exist so that tests, scripts and several stations on one
machine never share state by accident: every path the app writes to derives from
``HUKOU_CONFIG_DIR`` / ``HUKOU_DATA_DIR``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import platformdirs

from hukou_scan.errors import ConfigError

log = logging.getLogger(__name__)

APP_NAME = "hukou-scan"
SETTINGS_FILE = "settings.toml"
SECRETS_FILE = "secrets.json"
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
KEYRING_SERVICE = "hukou-scan"
SECRET_REF = "keyring:"
# Settings values that are secrets: kept in the keyring, the file holds ``keyring:<name>``.
SECRET_KEYS: tuple[tuple[str, str], ...] = (("sync", "secret"), ("export", "password"))


# -- private files ------------------------------------------------------------------------
# One helper for every file that holds personal data or secrets (settings, database,
# logs, CSV/PDF exports, page store, key files): created 0600 (folders 0700) whatever
# the umask, and brought back to 0600 when rewritten.  The mode is passed to
# ``os.open``/``mkdir`` *and* set again with chmod, because the umask can only remove
# bits and an existing file keeps the mode it had.


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700 folders; tighten ``path`` itself if we own it."""
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            pass
        else:
            d.chmod(PRIVATE_DIR_MODE)
    tighten(path, PRIVATE_DIR_MODE)
    return path


def tighten(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Remove group/other access from ``path`` if it exists, is ours and is a file or folder."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if st.st_uid != os.geteuid() or not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        return
    if stat.S_IMODE(st.st_mode) & 0o077:
        path.chmod(stat.S_IMODE(st.st_mode) & ~0o077 & 0o7777 | (mode & 0o700))


def open_private(path: Path, mode: str = "w", *, exclusive: bool = False, **kwargs: Any) -> IO[Any]:
    """``open()`` for files with personal data or secrets: created 0600, kept 0600 when rewritten.

    Args:
        mode: ``w``/``wb``/``a``/``ab`` (text or binary, as for :func:`open`).
        exclusive: fail if the file exists (``O_EXCL``), for temp files and key files.
    """
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_APPEND if "a" in mode else os.O_TRUNC
    if exclusive:
        flags |= os.O_EXCL
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        st = os.fstat(fd)
        if (
            stat.S_ISREG(st.st_mode)
            and stat.S_IMODE(st.st_mode) != PRIVATE_FILE_MODE
            and st.st_uid == os.geteuid()
        ):
            os.fchmod(fd, PRIVATE_FILE_MODE)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def private_mkstemp(directory: Path, prefix: str = "", suffix: str = "") -> tuple[int, Path]:
    """A unique 0600 temp file in ``directory`` (which is created 0700 when missing)."""
    import tempfile

    if not directory.exists():
        private_dir(directory)
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)  # mkstemp: always 0600
    return fd, Path(name)


def write_private_text(path: Path, text: str) -> None:
    """Replace ``path`` atomically with a 0600 file holding ``text`` (UTF-8).

    The temp file is unique (two processes starting at once both move a plaintext secret
    out of ``settings.toml``; a shared ``settings.tmp`` made one of them fail).
    """
    write_private_bytes(path, text.encode("utf-8"))


def write_private_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with a 0600 file holding ``data``: a unique temp file in
    the same folder, fsync, ``os.replace``; a failure leaves the old file and no temp file."""
    fd, tmp = private_mkstemp(path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def fsync_dir(path: Path) -> None:
    """Sync the folder ``path`` itself, so that a file just renamed or created in it survives
    a power cut (POSIX; Windows has no such call and NTFS journals the rename)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- secrets: the OS keyring, or a 0600 file when there is none ------------------------


class SecretStore:
    """Secrets (S3 secret key, PDF passwords) outside ``settings.toml``.

    The OS keyring (Secret Service / KWallet on Linux desktops, Windows Credential
    Manager, macOS Keychain) through the ``keyring`` package when one is available;
    otherwise — a headless station, a service account — a JSON file ``secrets.json``
    in the config folder, 0600.  ``HUKOU_KEYRING=file`` forces the file (tests, and
    stations whose desktop keyring is locked at boot), ``=os`` requires the OS keyring.
    """

    def __init__(self, config_dir: Path, backend: str | None = None) -> None:
        self.config_dir = config_dir
        self.backend = (backend or os.environ.get("HUKOU_KEYRING") or "auto").lower()
        self._os: Any = None if self.backend == "file" else _os_keyring()
        if self.backend == "os" and self._os is None:
            raise ConfigError(
                "没有可用的系统钥匙串。",
                "No OS keyring is available.",
                hint_zh="设置 HUKOU_KEYRING=file 改用受保护的文件。",
                hint_en="Set HUKOU_KEYRING=file to use the protected file instead.",
            )

    @property
    def path(self) -> Path:
        return self.config_dir / SECRETS_FILE

    @property
    def kind(self) -> str:
        return "os" if self._os is not None else "file"

    def get(self, name: str) -> str | None:
        if self._os is not None:
            value = self._os.get_password(KEYRING_SERVICE, name)
            return str(value) if value is not None else None
        value = self._read().get(name)
        return str(value) if value is not None else None

    def set(self, name: str, value: str) -> None:
        if self._os is not None:
            self._os.set_password(KEYRING_SERVICE, name, value)
            return
        data = self._read()
        data[name] = value
        self._write(data)

    def delete(self, name: str) -> None:
        if self._os is not None:
            try:
                self._os.delete_password(KEYRING_SERVICE, name)
            except Exception:  # keyring.errors.PasswordDeleteError: nothing stored
                log.debug("no secret %s in the OS keyring", name)
            return
        data = self._read()
        if data.pop(name, None) is not None:
            self._write(data)

    def _read(self) -> dict[str, Any]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        if stat.S_IMODE(st.st_mode) & 0o077:
            tighten(self.path)
            log.warning("secrets file was readable by others; access restricted to the owner")
        try:
            value = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError(
                f"无法读取密钥文件：{self.path}", f"Cannot read the secrets file: {self.path} ({e})"
            ) from e
        return dict(value) if isinstance(value, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        write_private_text(self.path, json.dumps(data, ensure_ascii=False, indent=1))


def _os_keyring() -> Any:
    """The OS keyring backend, or ``None`` when only the fail/null backends are available."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        kr = keyring.get_keyring()
    except Exception:  # a broken keyring configuration must not stop the app
        log.warning("OS keyring unavailable", exc_info=True)
        return None
    if isinstance(kr, fail.Keyring) or getattr(kr, "priority", 0) <= 0:
        return None
    backends = getattr(kr, "backends", None)  # ChainerBackend with nothing behind it
    if backends is not None and not backends:
        return None
    return kr


def secret_name(section: str, key: str) -> str:
    return f"{section}.{key}"


def resolve_secret(value: Any, config_dir: Path) -> Any:
    """The secret behind a ``keyring:<name>`` reference (other values as they are)."""
    if isinstance(value, str) and value.startswith(SECRET_REF):
        name = value[len(SECRET_REF) :]
        found = SecretStore(config_dir).get(name)
        if found is None:
            raise ConfigError(
                f"钥匙串中找不到密钥 {name}。",
                f"Secret {name} is not in the keyring.",
                hint_zh="请在设置中重新输入该密钥。",
                hint_en="Enter the secret again in the settings.",
            )
        return found
    return value


def resolved_section(settings: Settings, name: str) -> dict[str, Any]:
    """A settings section with its ``keyring:`` references replaced by the secrets."""
    section = settings.section(name)
    for sec, key in SECRET_KEYS:
        if sec == name and key in section:
            section[key] = resolve_secret(section[key], settings.config_dir)
    return section


@dataclass(frozen=True)
class Settings:
    """Immutable application settings.

    Attributes are grouped by concern; ``extra`` keeps sections that later features
    add (sync, security, capture …) so an older build never drops them on save.
    """

    config_dir: Path
    data_dir: Path
    db_url: str
    storage_url: str = ""
    ocr_engine: str = "rapidocr"
    language: str = "zh_CN"
    station_code: str = "S0001"
    station_name: str = "示范派出所"
    camera: str = "auto"
    master_format: str = "jpeg"
    jpeg_quality: int = 90
    target_dpi: int = 300
    ocr_workers: int = 0
    ocr_timeout_s: float = 120.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def blob_dir(self) -> Path:
        """Content-addressed page store."""
        return self.data_dir / "blobs"

    @property
    def export_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def hot_folder(self) -> Path:
        return Path(str(self.extra.get("capture", {}).get("hot_folder", self.data_dir / "inbox")))

    @property
    def settings_path(self) -> Path:
        return self.config_dir / SETTINGS_FILE

    def section(self, name: str) -> dict[str, Any]:
        """A free-form settings section (e.g. ``sync``), empty when absent."""
        value = self.extra.get(name, {})
        return dict(value) if isinstance(value, dict) else {}

    def with_changes(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


_SCALAR_FIELDS = {
    f.name: f for f in dataclasses.fields(Settings) if f.name not in {"config_dir", "data_dir", "extra"}
}


def load_settings(config_dir: Path | None = None, data_dir: Path | None = None) -> Settings:
    """Load settings from disk and the environment.

    Precedence (highest first): explicit arguments, environment, settings file, defaults.
    """
    cfg_dir = config_dir or _env_path("HUKOU_CONFIG_DIR") or Path(platformdirs.user_config_dir(APP_NAME))
    raw: dict[str, Any] = {}
    path = cfg_dir / SETTINGS_FILE
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(
                f"设置文件格式错误：{path}（{e}）",
                f"Settings file is malformed: {path} ({e})",
                hint_zh="请修正或删除该文件后重新启动。",
                hint_en="Fix or delete the file and start again.",
            ) from e
    general = raw.get("general", {}) if isinstance(raw.get("general"), dict) else {}
    extra = {k: v for k, v in raw.items() if k != "general" and isinstance(v, dict)}

    d_dir = data_dir or _env_path("HUKOU_DATA_DIR") or _opt_path(general.get("data_dir"))
    d_dir = d_dir or Path(platformdirs.user_data_dir(APP_NAME))
    values: dict[str, Any] = {}
    for name, fld in _SCALAR_FIELDS.items():
        if name in general:
            values[name] = _coerce(name, general[name], fld.default)
    env_map = {
        "db_url": "HUKOU_DB_URL",
        "storage_url": "HUKOU_STORAGE_URL",
        "ocr_engine": "HUKOU_OCR_ENGINE",
        "language": "HUKOU_LANG",
        "station_code": "HUKOU_STATION",
        "camera": "HUKOU_CAMERA",
    }
    for name, env in env_map.items():
        if os.environ.get(env):
            values[name] = os.environ[env]
    db_url = values.pop("db_url", None) or f"sqlite:///{(d_dir / 'hukou.sqlite3').as_posix()}"
    settings = Settings(config_dir=cfg_dir, data_dir=d_dir, db_url=db_url, extra=extra, **values)
    log.debug("settings loaded from %s (data dir %s)", path, d_dir)
    return settings


def save_settings(settings: Settings) -> Path:
    """Persist settings atomically as TOML (only values differing from defaults are written).

    Secrets (:data:`SECRET_KEYS`) are moved into the keyring and the file keeps only a
    ``keyring:<name>`` reference; the file is written 0600 in a 0700 folder.
    """
    settings = move_secrets_to_keyring(settings)
    lines = ["[general]"]
    lines.append(f"data_dir = {_toml_str(settings.data_dir.as_posix())}")
    for name, fld in _SCALAR_FIELDS.items():
        value = getattr(settings, name)
        if name == "db_url" or value != fld.default:
            lines.append(f"{name} = {_toml_value(value)}")
    for section, values in settings.extra.items():
        lines.append("")
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
    private_dir(settings.config_dir)
    path = settings.settings_path
    write_private_text(path, "\n".join(lines) + "\n")
    return path


def plaintext_secrets(settings: Settings) -> list[tuple[str, str]]:
    """``(section, key)`` of secrets stored in the settings as plain text."""
    out = []
    for sec, key in SECRET_KEYS:
        value = settings.extra.get(sec, {}).get(key) if isinstance(settings.extra.get(sec), dict) else None
        if isinstance(value, str) and value and not value.startswith(SECRET_REF):
            out.append((sec, key))
    return out


def move_secrets_to_keyring(settings: Settings) -> Settings:
    """Put plaintext secrets into the :class:`SecretStore`; return settings holding references."""
    found = plaintext_secrets(settings)
    if not found:
        return settings
    store = SecretStore(settings.config_dir)
    extra = {k: dict(v) for k, v in settings.extra.items()}
    for sec, key in found:
        name = secret_name(sec, key)
        store.set(name, str(extra[sec][key]))
        extra[sec][key] = SECRET_REF + name
        log.info("secret %s moved from the settings file into the %s keyring", name, store.kind)
    return settings.with_changes(extra=extra)


def migrate_plaintext_secrets(config_dir: Path | None = None, data_dir: Path | None = None) -> bool:
    """At start: rewrite a settings file that still holds plaintext secrets (returns whether it did).

    Also brings an existing settings file back to 0600.
    """
    settings = load_settings(config_dir, data_dir)
    path = settings.settings_path
    if not path.exists():
        return False
    tighten(path)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    on_disk = Settings(
        config_dir=settings.config_dir,
        data_dir=settings.data_dir,
        db_url="",
        extra={k: v for k, v in raw.items() if k != "general" and isinstance(v, dict)},
    )
    if not plaintext_secrets(on_disk):
        return False
    # Only the sections are rewritten: environment overrides must not end up in the file.
    general = raw.get("general", {}) if isinstance(raw.get("general"), dict) else {}
    moved = move_secrets_to_keyring(on_disk)
    _write_raw(path, general, moved.extra)
    return True


def _write_raw(path: Path, general: dict[str, Any], extra: dict[str, Any]) -> None:
    lines = ["[general]"] + [f"{k} = {_toml_value(v)}" for k, v in general.items()]
    for section, values in extra.items():
        lines += ["", f"[{section}]"] + [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    write_private_text(path, "\n".join(lines) + "\n")


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def _opt_path(value: Any) -> Path | None:
    return Path(str(value)).expanduser() if value else None


def _coerce(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool) or default is None or default is dataclasses.MISSING:
        return value  # db_url has no default: save_settings writes it, load must accept it
    try:
        return type(default)(value)
    except (TypeError, ValueError) as e:
        raise ConfigError(
            f"设置项 {name} 的值无效：{value!r}",
            f"Invalid value for setting {name}: {value!r}",
        ) from e


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return _toml_str(str(value))
