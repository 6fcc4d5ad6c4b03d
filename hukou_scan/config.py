"""Settings: a TOML file in the platform config dir, overridden by environment variables.

The environment overrides exist so that tests, scripts and several stations on one
machine never share state by accident: every path the app writes to derives from
``HUKOU_CONFIG_DIR`` / ``HUKOU_DATA_DIR``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from hukou_scan.errors import ConfigError

log = logging.getLogger(__name__)

APP_NAME = "hukou-scan"
SETTINGS_FILE = "settings.toml"


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
    """Persist settings atomically as TOML (only values differing from defaults are written)."""
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
    settings.config_dir.mkdir(parents=True, exist_ok=True)
    path = settings.settings_path
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


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
