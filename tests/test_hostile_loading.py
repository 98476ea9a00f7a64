"""Hazards L1–L8: hostile evidence and ontology files are refused cleanly."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from sskg.errors import ReasonerError, SskgError, UnsafeInputError
from sskg.graphbuild.ontology import load_ontology
from sskg.rdf_io import PYTHON_MODULE, parse_rdf_file, strip_imports
from sskg.graphbuild.reasoner import reason, reasoning_module
from sskg.graphbuild.safe_yaml import _NotPlain, _plain_data, _Refused, _StrictLoader, load_yaml

from .conftest import EVIDENCE, CaptureServer, needs_java


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_l1_python_tags_are_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(tmp_path / "s.yaml", f"key: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(UnsafeInputError, match="tag"):
        load_yaml(path)
    assert not marker.exists()


def test_l2_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        lines.append(f"{chr(97 + level)}: &{chr(97 + level)} [" + ", ".join([f"*{chr(96 + level)}"] * 9) + "]")
    path = write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    start = time.perf_counter()
    with pytest.raises(UnsafeInputError, match="anchors"):
        load_yaml(path)
    assert time.perf_counter() - start < 1


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "dup.yaml", "key: a-2001\nyear: 2001\nyear: 2002\n")
    with pytest.raises(UnsafeInputError, match="duplicate key 'year'"):
        load_yaml(path)


def test_l7_deep_yaml_nesting_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "deep.yaml", "a: " + "[" * 500 + "]" * 500 + "\n")
    with pytest.raises(UnsafeInputError, match="nesting"):
        load_yaml(path)


def test_nesting_beyond_libyaml_limit_is_refused_as_nesting(tmp_path: Path) -> None:
    path = write(tmp_path / "deeper.yaml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(UnsafeInputError, match="nesting deeper than"):
        load_yaml(path)


def test_list_as_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "key.yaml", "? [a, b]\n: c\n")
    with pytest.raises(UnsafeInputError, match="line 1: a list or mapping cannot be a key"):
        load_yaml(path)


HOSTILE_YAML = [
    ("key: !!python/object/apply:os.system ['true']\n", yaml.constructor.ConstructorError),
    ("a: &a [x]\nb: *a\n", _Refused),
    ("a: &a x\n", _Refused),
    ("a: 1\na: 2\n", _Refused),
    ("a: " + "[" * 500 + "]" * 500 + "\n", _Refused),
    ("? {a: 1}\n: c\n", _Refused),
]


@pytest.mark.parametrize(("text", "error"), HOSTILE_YAML,
                         ids=["tag", "alias", "anchor", "duplicate", "deep", "map-key"])
def test_fast_path_leaves_hostile_yaml_to_the_strict_loader(text: str, error: type[Exception]) -> None:
    with pytest.raises(_NotPlain):
        _plain_data(text)
    with pytest.raises(error):
        yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - the strict loader under test


@pytest.mark.parametrize("text", ["a:\t[1]\n", "a: [why ?]\n", "a: >+#\n  x\n", "a: 1\n\ufeffb: 2\n"])
def test_fast_path_leaves_text_libyaml_reads_differently(text: str) -> None:
    with pytest.raises(_NotPlain):
        _plain_data(text)


def test_fast_path_reads_the_curated_evidence_as_the_strict_loader_does() -> None:
    for path in sorted(EVIDENCE.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        strict = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - the strict loader under test
        assert repr(_plain_data(text)) == repr(strict), path  # repr: True and 1 must not pass as equal


@pytest.mark.parametrize(("text", "problem"), [
    ("a:\t[1]\n", "found character '\\t' that cannot start any token"),  # libyaml alone would accept it
    ("key: [unclosed\n", "expected ',' or ']', but got '<stream end>'"),  # libyaml alone words it differently
])
def test_yaml_errors_are_worded_as_before(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(SskgError) as raised:
        load_yaml(path)
    assert problem in str(raised.value)


def test_l4_rdfxml_entity_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
        '<rdf:Description rdf:about="http://e/x"><e:p>&d;&d;&d;&d;</e:p></rdf:Description></rdf:RDF>\n'
    )
    path = write(tmp_path / "bomb.rdf", bomb)
    start = time.perf_counter()
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        parse_rdf_file(Graph(), path)
    assert time.perf_counter() - start < 1


def test_l5_remote_and_file_jsonld_contexts_are_refused(tmp_path: Path, capture_server: CaptureServer) -> None:
    for context in (capture_server.url + "/context.jsonld", (tmp_path / "secret.jsonld").as_uri()):
        path = write(tmp_path / "doc.jsonld", json.dumps({"@context": [context], "@id": "http://e/x", "name": "x"}))
        with pytest.raises(UnsafeInputError, match="would be fetched"):
            parse_rdf_file(Graph(), path)
    assert capture_server.requests == []


def test_l6_imports_and_python_module_never_reach_owlready(tmp_path: Path, capture_server: CaptureServer) -> None:
    marker = tmp_path / "imported"
    module_dir = tmp_path / "mods"
    module_dir.mkdir()
    write(module_dir / "sskg_evil_module.py", f"open({str(marker)!r}, 'w').write('ran')\n")
    sys.path.insert(0, str(module_dir))
    try:
        ontology = load_ontology()
        onto = URIRef("https://w3id.org/sskg/ontology")
        ontology.add((onto, OWL.imports, URIRef(capture_server.url + "/other.owl")))
        ontology.add((onto, PYTHON_MODULE, Literal("sskg_evil_module")))
        module = reasoning_module(ontology, Graph())
        assert not list(module.triples((None, OWL.imports, None)))
        assert not list(module.triples((None, PYTHON_MODULE, None)))
        assert len(strip_imports(ontology)) == len(ontology) - 2
        if shutil.which("java"):
            report = reason(ontology, Graph(), timeout=120)
            assert report.consistent
    finally:
        sys.path.remove(str(module_dir))
    assert not marker.exists()
    assert capture_server.requests == []


def test_l7_deep_turtle_nesting_is_a_clean_error(tmp_path: Path) -> None:
    path = write(tmp_path / "deep.ttl", "<http://e/s> <http://e/p> " + "[ <http://e/p> " * 2000 + "1" + " ]" * 2000 + " .\n")
    with pytest.raises(UnsafeInputError) as raised:
        parse_rdf_file(Graph(), path)
    assert "deep.ttl" in str(raised.value)


@needs_java
def test_l8_reasoner_time_limit() -> None:
    with pytest.raises(ReasonerError, match="did not finish"):
        reason(load_ontology(), Graph(), timeout=0.05)


@needs_java
def test_l8_inconsistent_abox_names_the_individuals() -> None:
    data = Graph()
    study = URIRef("https://w3id.org/sskg/study/bad-2000")
    sskg = "https://w3id.org/sskg/ontology/"
    data.add((study, RDF.type, URIRef(sskg + "IncludedStudy")))
    data.add((study, URIRef(sskg + "hasDesignCategory"), URIRef("https://w3id.org/sskg/concept/qualitative")))
    data.add((study, URIRef(sskg + "hasDesignCategory"), URIRef("https://w3id.org/sskg/concept/quantitative")))
    report = reason(load_ontology(), data, timeout=120)
    assert report.consistent is False
    assert any("bad-2000" in culprit and "hasDesignCategory" in culprit for culprit in report.culprits)
