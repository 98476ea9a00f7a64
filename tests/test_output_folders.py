"""--out replaces only an earlier sskg output: everything else is refused (exit 2) and survives byte for byte.

For `sskg build`, `sskg export` and `sskg view`: the current folder, a file, a folder holding someone's file (or a
link, or an empty folder of theirs), an sskg output to which someone added a file; for a build also the evidence
folder, a folder inside it and one that holds it. Refusals come before any work, so these tests are quick.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sskg.cli import main
from sskg.output import MARKER
from sskg.pipeline import write_outputs

from .conftest import EVIDENCE


def fingerprint(folder: Path) -> dict[str, str]:
    """Every entry below `folder` (itself included): a file's SHA-256, a link's target, or 'folder'."""
    entries = {}
    for path in sorted([folder, *folder.rglob("*")]):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            entries[name] = "-> " + str(path.readlink())
        elif path.is_file():
            entries[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            entries[name] = "folder"
    return entries


@pytest.fixture(scope="module")
def earlier_build(built, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """A build folder of this module's own: other tests write more views into the session's shared one."""
    out = tmp_path_factory.mktemp("earlier") / "build"
    write_outputs(built[0], out)
    return out


@pytest.fixture()
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, earlier_build: Path) -> Path:
    """A working folder like a user's: a repository with .git, their notes, evidence, and an earlier sskg build."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "draft.md").write_bytes("my draft \u2014 not backed up\n".encode())
    (tmp_path / "results.csv").write_bytes(b"a,b\n1,2\n")
    (tmp_path / "link").symlink_to(tmp_path / "notes")
    (tmp_path / "empty-of-theirs").mkdir()
    (tmp_path / "holds-empty").mkdir()
    (tmp_path / "holds-empty" / "theirs").mkdir()
    shutil.copytree(EVIDENCE, tmp_path / "evidence")
    shutil.copytree(earlier_build, tmp_path / "build")
    (tmp_path / "build-with-theirs").mkdir()
    shutil.copytree(earlier_build, tmp_path / "build-with-theirs" / "build")
    (tmp_path / "build-with-theirs" / "build" / "views" / "my-notes.html").write_bytes(b"<p>mine</p>\n")
    return tmp_path


def refused(place: Path, args: list[str], expected: str) -> None:
    before = fingerprint(place)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "nothing was written" in result.output and "fix:" in result.output
    assert "Traceback" not in result.output
    assert fingerprint(place) == before  # every file, link and folder as it was


BUILD = ["build", "--evidence", "evidence"]


@pytest.mark.parametrize("out, expected", [
    (".", "is the current folder"),
    ("./", "is the current folder"),
    ("evidence", "is the evidence folder"),
    ("evidence/../evidence", "is the evidence folder"),
    ("evidence/studies", "is inside the evidence folder"),
    ("evidence/build", "is inside the evidence folder"),
    ("..", "holds the evidence folder"),
    ("notes", "holds 1 file sskg did not write, e.g. draft.md"),
    ("link", "holds 1 file sskg did not write"),
    ("empty-of-theirs/..", "is the current folder"),
    ("holds-empty", "holds 1 file sskg did not write, e.g. theirs"),
    ("results.csv", "is a file, not a folder"),
    ("link/draft.md", "is a file, not a folder"),
    ("build-with-theirs/build", "holds 1 file sskg did not write, e.g. views/my-notes.html"),
    ("build-with-theirs", "holds"),
])
def test_build_refuses(place: Path, out: str, expected: str) -> None:
    refused(place, [*BUILD, "--out", out], expected)


def test_build_refuses_a_parent_of_the_evidence(place: Path, tmp_path: Path) -> None:
    refused(place, ["build", "--evidence", str(tmp_path / "evidence"), "--out", str(tmp_path)], "is the current folder")
    refused(place, ["build", "--evidence", "notes/../evidence", "--out", str(tmp_path.parent)], "holds the evidence folder")


@pytest.mark.parametrize("args, expected", [
    (["export", "--graph", "build", "--out", "."], "is the current folder"),
    (["export", "--graph", "build", "--out", "notes"], "holds 1 file sskg did not write"),
    (["export", "--graph", "build", "--out", "results.csv"], "is a file, not a folder"),
    (["export", "--graph", "build", "--out", "evidence"], "sskg did not write"),
    (["export", "--graph", "build", "--out", "build-with-theirs/build"], "views/my-notes.html"),
    (["view", "--graph", "build/sskg.ttl", "--out", "."], "is the current folder"),
    (["view", "--graph", "build/sskg.ttl", "--out", "notes"], "holds 1 file sskg did not write"),
    (["view", "--graph", "build/sskg.ttl", "--out", "results.csv"], "is a file, not a folder"),
    (["view", "--graph", "build/sskg.ttl", "--out", "build-with-theirs/build/views"], "e.g. my-notes.html"),
    (["view", "study", "bjornestad-2017", "--graph", "build/sskg.ttl", "--out", "notes"], "sskg did not write"),
    (["view", "--graph", "build/sskg.ttl", "concept", "peer-support", "--out", "link"], "sskg did not write"),
])
def test_export_and_view_refuse(place: Path, args: list[str], expected: str) -> None:
    refused(place, args, expected)


def test_export_and_view_write_into_an_sskg_output_and_mark_what_they_wrote(place: Path) -> None:
    """The defaults: exports beside the build, views in build/views; both are the build's, so both may write."""
    user_file = place / "notes" / "draft.md"
    before = user_file.read_bytes()
    for args in (["export", "--graph", "build", "--out", "build", "--format", "graphml"],
                 ["view", "--graph", "build/sskg.ttl", "--out", "build/views"],
                 ["view", "study", "bjornestad-2017", "--graph", "build/sskg.ttl", "--out", "build/focused"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    marker = (place / "build" / MARKER).read_text(encoding="utf-8")
    assert '"sskg.graphml"' in marker and '"views/index.html"' in marker and '"focused/study-bjornestad-2017.html"' in marker
    assert user_file.read_bytes() == before
    # what they wrote is the build's now: a rebuild may replace it (checked here without building)
    from sskg.output import claim

    claim(place / "build", inputs={"evidence folder": place / "evidence"})


def test_a_rebuild_replaces_an_earlier_build_and_an_empty_folder_is_taken(place: Path) -> None:
    (place / "new-empty").mkdir()
    for out in ("build", "new-empty"):
        result = CliRunner().invoke(main, [*BUILD, "--out", out, "--reasoner", "none"])
        assert result.exit_code in (0, 1), result.output  # 1: validation findings without the reasoner
        assert (place / out / "sskg.ttl").is_file() and (place / out / MARKER).is_file()
    assert (place / "notes" / "draft.md").read_bytes() == "my draft \u2014 not backed up\n".encode()
