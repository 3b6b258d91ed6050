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


# --------------------------------------------------------------------------- pack commands
def fixture_source():
    from tests.conftest import DATA

    return DATA / "packs" / "source"


def test_build_info_verify_from_the_fixture_folder(tmp_path, capsys):
    home = tmp_path / "elsewhere"
    key = tmp_path / "so.key"
    code, out, _ = run(capsys, "keygen", "--out", str(key), "--home", str(home))
    assert code == 0 and out.startswith(f"Đã tạo khoá {key} và {key}.pub (mã khoá ")
    syn = tmp_path / "syn.json"
    syn.write_text('[{"phrase": "sổ đỏ", "expansion": "giấy chứng nhận"}]', encoding="utf-8")
    pack = tmp_path / "out" / "tinh.mcpack"
    code, out, err = run(capsys, "build", str(fixture_source()), "--out", str(pack), "--id", "tinh",
                         "--version", "2", "--key", str(key), "--title", "Tỉnh", "--publisher",
                         "Sở", "--synonyms", str(syn), "--home", str(home))
    assert code == 0 and err.endswith("5/5   \n")  # the bar's last state
    assert out.startswith(f"Đã dựng {pack}: 5 thủ tục (4 có đủ thông tin) trong ")
    trust = ["--trust", f"{key}.pub", "--home", str(home)]
    code, out, _ = run(capsys, "info", str(pack), *trust)
    lines = out.splitlines()
    assert code == 0 and lines[0] == "tinh phiên bản 2: Tỉnh"
    assert lines[2] == "  5 thủ tục (4 có đủ thông tin), 1 từ đồng nghĩa, 2 ngày nghỉ"
    code, out, _ = run(capsys, "verify", str(pack), *trust)
    assert (code, out) == (0, "Gói hợp lệ: tinh phiên bản 2, 5 thủ tục.\n")
    assert "built" in (home / "logs" / "motcua-pack.log").read_text(encoding="utf-8")


def test_refusals_exit_2_with_one_line(tmp_path, capsys, make_pack, signing_key):
    pack = make_pack([record("1.000001", "A")])
    other = tmp_path / "other.key"
    run(capsys, "keygen", "--out", str(other))
    code, out, err = run(capsys, "verify", str(pack), "--trust", f"{other}.pub")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("lỗi: Gói tinh-v1.mcpack được ký bằng khoá không có trong danh sách tin cậy")
    code, _, err = run(capsys, "keygen", "--out", str(other))
    assert code == 2 and err == f"lỗi: Tệp {other} đã có; không ghi đè khoá ký (hãy chọn tên khác).\n"
    code, _, err = run(capsys, "verify", str(pack), "--trust", str(tmp_path / "none.pub"))
    assert code == 2 and err.startswith("lỗi: Không đọc được khoá công khai")


def test_a_source_with_many_errors_is_one_line(tmp_path, capsys, signing_key):
    src = tmp_path / "procedures.jsonl"
    src.write_text('{"code": "1.000001"}\n{bad\n', encoding="utf-8")
    code, out, err = run(capsys, "build", str(src), "--out", str(tmp_path / "x.mcpack"), "--id",
                         "x", "--version", "1", "--key", str(signing_key))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err == ("lỗi: Nguồn gói có 2 lỗi; sửa rồi dựng lại: procedures.jsonl dòng 1 (mã 1.000001):"
                   ' thiếu tên thủ tục (trường "name"). procedures.jsonl dòng 2: không đọc được JSON'
                   " (lỗi ở cột 2).\n")


def test_warnings_are_printed_and_capped(tmp_path, capsys, signing_key):
    from knowledge import cli

    src = tmp_path / "procedures.jsonl"
    src.write_text("".join(json.dumps({"code": f"1.0000{i:02d}", "name": "A", "steps": ["x"],
                                       "dossier": []}) + "\n" for i in range(25)), encoding="utf-8")
    code, _, err = run(capsys, "build", str(src), "--out", str(tmp_path / "x.mcpack"), "--id", "x",
                       "--version", "1", "--key", str(signing_key))
    warnings = [line for line in err.splitlines() if line.startswith("cảnh báo: ")]
    assert code == 0 and len(warnings) == cli.MAX_WARNINGS_SHOWN + 1
    assert warnings[-1] == "cảnh báo: … và 5 cảnh báo khác (xem tệp nhật ký motcua-pack.log)."


def test_diff_json_and_dossier_lines(capsys, make_pack, signing_key):
    old = make_pack([record("1.000001", "A", dossier=[{"name": "Tờ khai", "original": 1}])],
                    version=1)
    new = make_pack([record("1.000001", "A", dossier=[{"name": "Tờ khai", "original": 2},
                                                      {"name": "Đơn", "original": 1}])],
                    version=2, calendar={"holidays": []})
    trust = ["--trust", f"{signing_key}.pub"]
    code, out, _ = run(capsys, "diff", str(old), str(new), *trust)
    assert code == 0 and out.splitlines() == [
        "0 thủ tục mới, 1 thủ tục thay đổi, 0 thủ tục bị bỏ.", "~ 1.000001 A: dossier",
        "    + hồ sơ: Đơn", "    ~ hồ sơ: Tờ khai", "~ lịch ngày nghỉ"]
    code, out, _ = run(capsys, "diff", str(old), str(new), "--json", *trust)
    data = json.loads(out)
    assert (data["old_version"], data["new_version"], data["added"]) == (1, 2, [])
    assert data["changed"][0]["dossier_added"] == ["Đơn"]


def test_every_command_has_a_function_and_takes_home():
    from knowledge.cli import COMMANDS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name, p in sub.choices.items():
        assert "--home" in p._option_string_actions, name


def test_publish_then_sync(tmp_path, capsys, make_pack, signing_key, motcua_home):
    share = tmp_path / "share"
    trust = ["--trust", f"{signing_key}.pub"]
    v1 = make_pack([record("1.000001", "Đăng ký khai sinh")], version=1)
    code, out, _ = run(capsys, "publish", str(v1), str(share), *trust)
    assert code == 0 and out.startswith("Đã phát hành tinh phiên bản 1 lên ")
    code, _, err = run(capsys, "publish", str(v1), str(share), *trust)
    assert code == 2 and err == ("lỗi: Trên thư mục chia sẻ đã có gói tinh phiên bản 1; phiên bản 1"
                                 " không mới hơn.\n")
    code, out, _ = run(capsys, "sync", "--share", str(share), *trust)
    assert (code, out) == (0, "Đã cài gói tinh phiên bản 1: 1 thủ tục mới.\n")
    code, out, _ = run(capsys, "sync", "--share", str(share), *trust)
    assert (code, out) == (0, "Các gói đã là bản mới nhất.\n")
    code, out, _ = run(capsys, "list", "--json")
    assert [(p["pack_id"], p["version"]) for p in json.loads(out)] == [("tinh", 1)]

    # A newer version signed by a key this workstation does not trust: refused, exit 2.
    v2 = make_pack([record("1.000001", "Đăng ký khai sinh"), record("1.000002", "B")], version=2)
    code, _, _ = run(capsys, "publish", str(v2), str(share), *trust, "--keep", "1")
    assert code == 0 and [p.name for p in (share / "tinh").iterdir()
                          if p.suffix == ".mcpack"] == ["tinh-v2.mcpack"]
    code, out, _ = run(capsys, "sync", "--share", str(share))
    assert code == 2 and out.startswith("Từ chối gói tinh: Gói ")
    assert "được ký bằng khoá không có trong danh sách tin cậy" in out

    # No share at all: a failure (1), one line on stderr.
    code, out, err = run(capsys, "sync", "--share", str(tmp_path / "gone"), *trust)
    assert code == 1 and out == "" and err.startswith("lỗi: ") and err.count("\n") == 1
    code, _, err = run(capsys, "sync")
    assert code == 1 and err == "lỗi: Chưa cấu hình thư mục chia sẻ: dùng --share hoặc [share] path.\n"
