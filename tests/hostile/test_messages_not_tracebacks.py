"""Issue 16 item 3: user mistakes end in a translated message and a non-zero exit, never a
traceback; an import never commits before the paths it will write were checked, and its
audit event is written before anything that can still fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.domain import BatchCategory
from hukou_scan.errors import StorageError, SyncError
from hukou_scan.services.capture import BatchDraft
from hukou_scan.storage.security import AuditFilter
from tests.hostile.bombs import small_jpeg

pytestmark = pytest.mark.usefixtures("cli_login")  # commands need a product login (cli/_auth.py)


def _unwritable_targets(tmp_path: Path) -> list[Path]:
    """Paths that fail for root too (permission bits do not stop root)."""
    a_file = tmp_path / "plain-file"
    a_file.write_text("x")
    return [
        Path("/proc/nope/out.csv"),  # a folder that cannot be created
        Path("/proc/out.csv"),  # a folder nobody may create files in
        a_file / "out.csv",  # a file used as a folder
        tmp_path,  # a directory as the output file
        Path("/dev/full"),  # not a regular file
    ]


def test_capture_import_of_a_missing_file_or_a_folder(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = ctx.capture.new_batch(BatchDraft("MSG-1", BatchCategory.BIRTH))
    ok = small_jpeg(tmp_path / "ok.jpg")
    rc = main(["capture", "import", "--batch", batch.id, str(tmp_path / "nope.jpg"), str(tmp_path), str(ok)])
    err = capsys.readouterr().err
    assert rc != 0
    assert "文件不存在" in err and "nope.jpg" in err
    assert "文件夹" in err and "Traceback" not in err
    assert len(ctx.capture.list_pages(batch.id)) == 1  # the good file still went in


def test_capture_import_messages_in_english(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUKOU_LANG", "en")
    batch = ctx.capture.new_batch(BatchDraft("MSG-EN", BatchCategory.BIRTH))
    rc = main(["capture", "import", "--batch", batch.id, str(tmp_path / "nope.jpg"), str(tmp_path)])
    err = capsys.readouterr().err
    assert rc != 0 and "File not found" in err and "is a folder, not a file" in err


def test_import_registry_with_an_overlong_field_fails_clearly_and_is_marked_failed(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "long.csv"
    path.write_text('姓名,户号\n张三,H1\n"' + "李" * 200_000 + '",H2\n', encoding="utf-8")
    rc = main(["import-registry", str(path)])
    err = capsys.readouterr().err
    assert rc != 0 and "第 3 行" in err and "long.csv" in err and "Traceback" not in err
    (run,) = ctx.registry_store.list_imports()
    assert run.state == "failed" and "Line 3" in run.error
    rc = main(["import-registry", str(path), "--preview"])
    assert rc != 0 and "第 3 行" in capsys.readouterr().err


def test_sync_to_an_impossible_folder(settings: object, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["sync", "--target", "file:///proc/nope"])
    err = capsys.readouterr().err
    assert rc == SyncError.exit_code and "/proc/nope" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [["warnings", "--csv"], ["audit", "export-csv"], ["stats", "--csv"]],
    ids=["warnings", "audit", "stats"],
)
def test_csv_exports_into_unwritable_places(
    settings: object, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    for target in _unwritable_targets(tmp_path):
        rc = main([*argv, str(target)])
        err = capsys.readouterr().err
        assert rc == StorageError.exit_code, (target, err)
        assert str(target) in err and "无法写入文件" in err


def test_bad_rows_to_an_unwritable_path_is_refused_before_anything_is_imported(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "reg.csv"
    path.write_text("姓名,公民身份号码,户号\n张三,,H1\n李四,12345,H2\n", encoding="utf-8")
    for target in _unwritable_targets(tmp_path):
        rc = main(["import-registry", str(path), "--bad-rows", str(target)])
        err = capsys.readouterr().err
        assert rc == StorageError.exit_code and str(target) in err, (target, err)
    assert ctx.persons.count() == 0 and ctx.registry_store.list_imports() == []


def test_import_is_audited_before_its_bad_rows_file_and_the_export_too(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If writing the report fails after the commit, the import's audit event exists anyway."""
    from hukou_scan.registry import importer

    path = tmp_path / "reg.csv"
    path.write_text("姓名,公民身份号码,户号\n张三,,H1\n李四,12345,H2\n", encoding="utf-8")
    out = tmp_path / "bad.csv"

    def broken(*_a: object, **_k: object) -> int:
        raise StorageError("磁盘已满", "disk full")

    monkeypatch.setattr("hukou_scan.services.registry.write_bad_rows_csv", broken)
    with pytest.raises(StorageError):
        ctx.registry.import_file(path, bad_rows_out=out)
    assert ctx.persons.count() == 1
    actions = [e.action for e in ctx.security.audit_events()]
    assert "import_registry" in actions
    monkeypatch.setattr("hukou_scan.services.registry.write_bad_rows_csv", importer.write_bad_rows_csv)
    ctx.registry.import_file(path, bad_rows_out=out, resume=False)
    events = ctx.security.audit_events()
    exports = [e for e in events if e.action == "export" and e.details.get("what") == "registry_bad_rows"]
    assert exports and exports[0].details["rows"] == 1 and out.exists()


def test_registry_import_is_audited_before_its_first_chunk_commits(ctx: AppContext, tmp_path: Path) -> None:
    """A kill -9 right after a commit must not leave registry changes without an audit record."""
    path = tmp_path / "reg.csv"
    path.write_text("姓名,户号\n" + "".join(f"人{i},H{i}\n" for i in range(50)), encoding="utf-8")
    seen: list[list[tuple[str, str]]] = []
    ctx.registry.chunk_size = 20
    ctx.registry.after_chunk = lambda _pos: seen.append(
        [(e.action, e.outcome) for e in ctx.security.audit_store.query(AuditFilter(action="import_registry"))]
    )
    ctx.registry.import_file(path)
    assert seen and ("import_registry", "started") in seen[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["--data-dir", "/proc/nope", "capture", "batches"],
        ["restore", "file:///proc/also-nope", "--into", "/proc/nope"],
    ],
    ids=["data-dir", "restore-into"],
)
def test_unusable_folders_give_a_message(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc != 0 and "/proc/" in err and "Traceback" not in err


def test_import_registry_of_a_folder(
    settings: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-registry", str(tmp_path)]) != 0
    assert "文件夹" in capsys.readouterr().err
