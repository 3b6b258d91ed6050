"""motcua-pack end to end, through main(argv), on real files."""

from __future__ import annotations

import json

from knowledge.cli import main
from tests.conftest import record


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_keygen_build_verify_install_search_uninstall(tmp_path, capsys, motcua_home):
    key = tmp_path / "so.key"
    assert run(capsys, "keygen", "--out", str(key))[0] == 0
    src = tmp_path / "procedures.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        record("1.004222", "Đăng ký thường trú", weight=10),
        record("1.001193", "Đăng ký khai sinh", weight=5),
        record("1.001456", "Cấp hộ chiếu phổ thông", weight=7)]), encoding="utf-8")
    pack = tmp_path / "tinh.mcpack"
    code, out, _ = run(capsys, "build", str(src), "--out", str(pack), "--id", "tinh",
                       "--version", "1", "--key", str(key), "--title", "Tỉnh")
    assert code == 0 and "3 thủ tục" in out
    trust = ["--trust", f"{key}.pub"]
    assert run(capsys, "verify", str(pack), *trust)[0] == 0
    code, out, _ = run(capsys, "info", str(pack), "--json", *trust)
    assert json.loads(out)["pack_id"] == "tinh"
    code, out, _ = run(capsys, "install", str(pack), *trust)
    assert code == 0 and out.strip() == "Đã cài gói tinh phiên bản 1: 3 thủ tục mới."
    code, _, err = run(capsys, "install", str(pack), *trust)
    assert code == 2 and err.strip() == ("lỗi: Gói tinh phiên bản 1 không mới hơn phiên bản đã"
                                         " cài (1); không cài.")
    code, out, _ = run(capsys, "search", "dang ky khai sinh", "--json")
    assert json.loads(out)[0]["code"] == "1.001193"
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"query": "thuong tru"}\n{"query": "001193"}\n', encoding="utf-8")
    code, out, _ = run(capsys, "search", "--queries", str(queries), "--json", "-k", "1")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(x["query"], x["results"][0]["code"]) for x in lines] == [
        ("thuong tru", "1.004222"), ("001193", "1.001193")]
    assert set(lines[0]["results"][0]) == {"code", "name", "score"}
    code, out, _ = run(capsys, "status", "--json")
    assert json.loads(out)["packs"][0]["pack_id"] == "tinh"
    code, out, _ = run(capsys, "list")
    assert out.startswith("tinh\tphiên bản 1\t3 thủ tục")
    assert run(capsys, "uninstall", "tinh")[0] == 0
    code, _, err = run(capsys, "uninstall", "tinh")
    assert code == 2 and err.strip() == "lỗi: Gói tinh chưa được cài."
    assert (motcua_home / "logs" / "motcua-pack.log").read_text(encoding="utf-8")


def test_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.mcpack"
    bad.write_text("không phải zip")
    code, out, err = run(capsys, "verify", str(bad))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("lỗi: Gói tri thức bị hỏng hoặc chưa chép xong (bad.mcpack)")
    src = tmp_path / "procedures.jsonl"
    src.write_text('{"code": "1.001612"}\n', encoding="utf-8")
    code, _, err = run(capsys, "build", str(src), "--out", str(tmp_path / "x.mcpack"), "--id",
                       "x", "--version", "1", "--key", str(tmp_path / "missing.key"))
    assert code == 2 and "thiếu tên thủ tục" in err and "Traceback" not in err


def test_diff_command(tmp_path, capsys, make_pack, signing_key):
    old = make_pack([record("1.000001", "A"), record("1.000002", "B")], version=1)
    new = make_pack([record("1.000002", "B đổi tên"), record("1.000003", "C")], version=2)
    code, out, _ = run(capsys, "diff", str(old), str(new), "--trust", f"{signing_key}.pub")
    assert code == 0
    assert out.splitlines()[:4] == ["1 thủ tục mới, 1 thủ tục thay đổi, 1 thủ tục bị bỏ.",
                                    "+ 1.000003", "- 1.000001", "~ 1.000002 B đổi tên: name"]
