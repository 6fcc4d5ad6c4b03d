"""``hukou-scan search`` end to end on the test data directory."""

from __future__ import annotations

import json

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from tests.search_helpers import build_archive

pytestmark = pytest.mark.usefixtures("cli_login")  # commands need a product login (cli/_auth.py)


def test_reindex_then_search_json_and_text(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    arch = build_archive(ctx)
    assert main(["search", "--update-index", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"indexed": 6}
    assert main(["search", "--reindex", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"reindexed": 6}

    assert main(["search", "王伟", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["page_id"] for x in lines[:-1]] == [arch.pages["p2"], arch.pages["p1"]]
    assert lines[0]["tier"] == "field" and lines[0]["persons"][0]["name"] == "王伟"
    assert lines[-1]["summary"] is True and lines[-1]["hits"] == 2

    assert main(["search", "王", "--station", "DJ", "--from", "2021-03-02", "--to", "2021-03-02"]) == 0
    out = capsys.readouterr().out
    assert "王府井" in out and "1 hits" in out


def test_user_errors_exit_non_zero(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search"]) != 0
    assert "请输入检索词" in capsys.readouterr().err  # HUKOU_LANG=zh_CN in tests
    assert main(["search", "王", "--station", "NOPE"]) != 0
    assert "NOPE" in capsys.readouterr().err
