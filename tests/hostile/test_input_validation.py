"""Issue 16 item 6: say the truth about quarantine; lengths and control characters at the boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.domain import BatchCategory, PaperLocation, Role
from hukou_scan.domain.validation import clean_text, control_characters
from hukou_scan.errors import InvalidInputError
from hukou_scan.services.capture import BatchDraft


def test_capture_import_of_a_corrupt_file_does_not_claim_a_move(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = ctx.capture.new_batch(BatchDraft("Q-1", BatchCategory.BIRTH))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not a jpeg" * 20)
    assert main(["capture", "import", "--batch", batch.id, str(bad)]) != 0
    err = capsys.readouterr().err
    assert "bad.jpg" in err and bad.exists()
    assert "隔离" not in err and "quarantine" not in err.lower()


def test_overlong_archive_id_is_refused(settings: object, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["capture", "new-batch", "--archive-id", "档" * 100_000, "--category", "出生"])
    err = capsys.readouterr().err
    assert rc == InvalidInputError.exit_code and "档号过长" in err and "100000" in err


@pytest.mark.parametrize(
    "draft",
    [
        BatchDraft("A\x00B", BatchCategory.BIRTH),
        BatchDraft("A-1", BatchCategory.BIRTH, location=PaperLocation(box="5\x1b[2J")),
        BatchDraft("A-1", BatchCategory.BIRTH, location=PaperLocation(room="房" * 51)),
        BatchDraft("A\u202eB", BatchCategory.BIRTH),  # right-to-left override: reads differently
        BatchDraft("A-1", BatchCategory.BIRTH, notes="x" * 2001),
        BatchDraft("   ", BatchCategory.BIRTH),
    ],
    ids=["nul", "escape", "long-room", "bidi", "long-notes", "blank"],
)
def test_batch_fields_are_checked_by_the_service(ctx: AppContext, draft: BatchDraft) -> None:
    with pytest.raises(InvalidInputError):
        ctx.capture.new_batch(draft)
    assert ctx.capture.open_batches() == []


def test_legitimate_batch_text_passes(ctx: AppContext) -> None:
    b = ctx.capture.new_batch(
        BatchDraft(
            " A001-2023-0001 ",
            BatchCategory.BIRTH,
            location=PaperLocation(room="1", box="15"),
            notes="第一行\n第二行\t完",
        )
    )
    assert b.archive_id == "A001-2023-0001" and b.notes == "第一行\n第二行\t完"


def test_registry_rows_with_nul_or_overlong_names_are_bad_rows(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "reg.csv"
    path.write_text(
        "姓名,户号,住址\n张三,H1,某地\n李\x00四,H2,某地\n"
        + "王" * 100_000
        + ",H3,某地\n赵六,H4,"
        + "路" * 501
        + "\n",
        encoding="utf-8",
    )
    report = ctx.registry.import_file(path)
    assert report.run.added == 1 and report.run.bad == 3
    reasons = sorted(b.reason_zh for b in ctx.registry_store.bad_rows(report.run.id))
    assert any("控制字符" in r and "U+0000" in r for r in reasons)
    assert any("姓名过长" in r for r in reasons) and any("住址过长" in r for r in reasons)
    stored = [b.raw for b in ctx.registry_store.bad_rows(report.run.id)]
    assert max(len(c) for raw in stored for c in raw) <= 2000  # a huge cell is not stored whole


def test_rare_characters_in_private_use_area_are_kept(ctx: AppContext, tmp_path: Path) -> None:
    """生僻字 encoded in the private-use area by population systems are not control characters."""
    path = tmp_path / "reg.csv"
    path.write_text("姓名,户号\n张\ue000,H1\n", encoding="utf-8")
    assert ctx.registry.import_file(path).run.added == 1


@pytest.mark.parametrize("query", ["张三\x00", "x" * 501])
def test_search_query_is_checked(ctx: AppContext, query: str) -> None:
    with pytest.raises(InvalidInputError):
        ctx.search.search(query)


def test_user_display_name_uses_the_same_rule(ctx: AppContext) -> None:
    with pytest.raises(InvalidInputError, match="control characters"):
        ctx.security.add_user("bob", "Bob\x00", "S3cure-pass", roles=[Role.CLERK])


def test_helper_messages_in_both_languages() -> None:
    with pytest.raises(InvalidInputError) as ei:
        clean_text("a" * 11, field_zh="档号", field_en="archive id", max_len=10)
    assert ei.value.user_message("zh_CN").startswith("档号过长") and "too long" in ei.value.user_message("en")
    assert control_characters("a\u200db") == []  # zero-width joiner is spelling, not control
    assert control_characters("a\nb", multiline=True) == [] and control_characters("a\nb") == ["\n"]


def test_file_name_with_control_characters_is_stored_defused(ctx: AppContext, tmp_path: Path) -> None:
    from tests.hostile.bombs import small_jpeg

    batch = ctx.capture.new_batch(BatchDraft("Q-NAME", BatchCategory.BIRTH))
    path = small_jpeg(tmp_path / "scan\n\x1b[31mred.jpg")
    report = ctx.capture.import_file(batch.id, path)
    assert report.file == "scan\ufffd\ufffd[31mred.jpg"
    (page,) = ctx.capture.list_pages(batch.id)
    assert page.process_meta["source_file"] == report.file


def test_empty_and_truncated_files_get_a_chinese_message(ctx: AppContext, tmp_path: Path) -> None:
    from hukou_scan.ingest.fileimport import ImportFileError

    batch = ctx.capture.new_batch(BatchDraft("Q-EMPTY", BatchCategory.BIRTH))
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError) as ei:
        ctx.capture.import_file(batch.id, empty)
    assert ei.value.zh == "文件为空：empty.jpg"
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    with pytest.raises(ImportFileError) as ei:
        ctx.capture.import_file(batch.id, junk)
    assert "junk.png" in ei.value.zh and "Cannot" not in ei.value.zh
