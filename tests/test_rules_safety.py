"""Rule files are read safely (issue 18 item 5): includes stay inside the rules folder tree, a
file that is not a rules file is never echoed, and every failure to read or parse a file is a
RedressSyntaxError with file:line:col; the checker refuses comparisons of values of two kinds,
which the engine would only fail on at ask time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from redress.api import load
from redress.errors import RedressCheckError, RedressSyntaxError
from redress.parser.parse import parse_program

SECRET = "root:x:0:0:secret-line:/root:/bin/bash"


def _write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())


def _error(entry: Path) -> RedressSyntaxError:
    with pytest.raises(RedressSyntaxError) as caught:
        parse_program(entry)
    return caught.value


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A file outside the rules folder, with a first line that must never be echoed."""
    secret = tmp_path / "passwd"
    secret.write_text(SECRET + "\n")
    (tmp_path / "secret.rules").write_text(SECRET + "\n")
    (tmp_path / "rules").mkdir()
    return secret


@pytest.mark.parametrize("include", ["ABSOLUTE", "../passwd", "../secret.rules", "sub/../../secret.rules",
                                     "../rules/../secret.rules"])
def test_an_include_leaving_the_rules_folder_is_refused_at_its_line(tmp_path: Path, outside: Path,
                                                                    include: str) -> None:
    path = str(outside) if include == "ABSOLUTE" else include
    _write(tmp_path / "rules", {"main.rules": f'fact p(a).\n  include "{path}"\n', "sub/x.rules": ""})
    err = _error(tmp_path / "rules" / "main.rules")
    assert (err.span.line, err.span.column) == (2, 3), str(err)
    assert "secret-line" not in str(err)


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path: Path, outside: Path) -> None:
    _write(tmp_path / "rules", {"main.rules": 'include "link.rules"\n'})
    (tmp_path / "rules" / "link.rules").symlink_to(tmp_path / "secret.rules")
    err = _error(tmp_path / "rules" / "main.rules")
    assert err.span.line == 1 and "secret-line" not in str(err)


def test_an_include_of_a_file_that_is_not_a_rules_file_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, {"main.rules": 'include "notes.txt"\n', "notes.txt": SECRET})
    err = _error(tmp_path / "main.rules")
    assert err.span.line == 1 and "secret-line" not in str(err)


def test_a_syntax_error_in_a_file_that_is_not_a_rules_file_does_not_echo_it(tmp_path: Path, outside: Path) -> None:
    err = _error(outside)  # `redress check /etc/passwd`
    assert err.span.line == 1 and "secret-line" not in str(err)
    err = _error(tmp_path / "secret.rules")  # a .rules file's own line is shown, as before
    assert "secret-line" in str(err)


def test_includes_inside_the_tree_still_work(tmp_path: Path) -> None:
    _write(tmp_path, {"main.rules": 'include "topics/a.rules"\n', "topics/a.rules": 'include "../shared/b.rules"\n',
                      "shared/b.rules": "fact p(a).\n"})
    assert [Path(m.path).name for m in parse_program(tmp_path / "main.rules")] == ["main.rules", "a.rules", "b.rules"]


def test_a_file_that_is_not_utf8_is_an_error_at_the_byte(tmp_path: Path) -> None:
    _write(tmp_path, {"main.rules": b'fact p(a).\nfact q(b\xff).\n'})
    err = _error(tmp_path / "main.rules")
    assert (err.span.line, err.span.column) == (2, 9) and "UTF-8" in str(err)


@pytest.mark.parametrize("name", ["n" * 300 + ".rules", "a\x00b.rules"])
def test_an_include_path_the_system_refuses_is_an_error_at_its_line(tmp_path: Path, name: str) -> None:
    _write(tmp_path, {"main.rules": f'fact p(a).\ninclude "{name}"\n'})
    err = _error(tmp_path / "main.rules")
    assert err.span.line == 2, str(err)


@pytest.mark.parametrize("entry", ["n" * 300 + ".rules", "a\x00b.rules"])
def test_an_entry_path_the_system_refuses_is_a_syntax_error(tmp_path: Path, entry: str) -> None:
    err = _error(tmp_path / entry)
    assert err.span.line == 1
    with pytest.raises(RedressSyntaxError):
        load(tmp_path / entry, use_cache=False)


def test_a_deeply_nested_scenario_list_is_an_error_with_its_position(tmp_path: Path) -> None:
    depth = 900
    _write(tmp_path, {"main.rules": 'scenario "deep"\n    given appeal.grounds = ' + "[" * depth + "]" * depth + "\nend\n"})
    err = _error(tmp_path / "main.rules")
    assert err.span.line == 2 and err.span.column > 20 and "deep" in str(err)


def test_a_date_compared_with_a_string_is_a_check_error_not_an_ask_time_type_error(tmp_path: Path) -> None:
    _write(tmp_path, {"main.rules": '''provision "P 1":
    title "A provision"
end
input decision_sent(Case, Date) from decision.sent
    means "the decision in {Case} was sent on {Date}".
predicate late(Case)
    means "{Case} is late".
rule late cites "P 1":
    late(C) if decision_sent(C, S) and S >= "SI 2017/1306 reg 2".
question late answers yes_no late(C) means "whether it is late".
'''})
    with pytest.raises(RedressCheckError) as caught:
        load(tmp_path / "main.rules", use_cache=False)
    (diagnostic,) = caught.value.diagnostics
    assert str(diagnostic).startswith(f"{os.path.relpath(tmp_path / 'main.rules')}:9:40: error: ") or \
        ":9:40: error:" in str(diagnostic), str(diagnostic)
    assert "[type-mismatch]" in str(diagnostic)
