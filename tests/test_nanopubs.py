"""The nanopublications as the nanopub tooling reads them: each of the 91 passes the `nanopub` package's own
validation (offline), and each publication-info graph carries what the guidelines ask for."""

from __future__ import annotations

from base64 import encodebytes
from pathlib import Path

import pytest
from rdflib import ConjunctiveGraph, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from sskg.graphbuild.build import BuildResult
from sskg.namespaces import SSKG

nanopub = pytest.importorskip("nanopub")  # the test extras install it
RSA = pytest.importorskip("Crypto.PublicKey.RSA")  # installed with nanopub
# The package takes rdflib's ConjunctiveGraph, which rdflib now calls deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
NP = "http://www.nanopub.org/nschema#"


def split(path: Path) -> dict[URIRef, ConjunctiveGraph]:
    """One graph of four named graphs per nanopublication, as `np sign` and `np publish` take them, one per file."""
    dataset = Dataset()
    dataset.parse(path, format="trig")
    found: dict[URIRef, ConjunctiveGraph] = {}
    for head in dataset.graphs():
        for base in head.subjects(RDF.type, URIRef(NP + "Nanopublication")):
            single = ConjunctiveGraph()
            for part in (head.identifier, *(head.value(base, URIRef(NP + name))
                                             for name in ("hasAssertion", "hasProvenance", "hasPublicationInfo"))):
                for triple in dataset.graph(part):
                    single.get_context(part).add(triple)
            found[base] = single  # type: ignore[assignment]
    return found


def test_nanopub_package_validates_every_nanopublication(built: tuple[BuildResult, Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise AssertionError("the validation must not use the network")

    monkeypatch.setattr(nanopub.nanopub.requests, "get", offline)
    publications = split(built[1] / "nanopubs.trig")
    findings = set(built[0].asserted.subjects(RDF.type, SSKG.Finding))
    assert len(publications) == len(findings) == 91
    for base, graph in publications.items():
        assert nanopub.Nanopub(rdf=graph).is_valid, base


def test_publication_info_as_the_guidelines_ask(built: tuple[BuildResult, Path]) -> None:
    result, out = built
    # The creation time is the day the evidence was last curated (review.yaml), not the time of the build.
    review = next(result.asserted.subjects(RDF.type, SSKG.ScopingReview))
    created = Literal("2026-12-07T00:00:00", datatype=XSD.dateTime)
    assert result.asserted.value(review, SSKG.curatedOn) == created
    for base, graph in split(out / "nanopubs.trig").items():
        pubinfo = graph.get_context(URIRef(f"{base}/pubinfo"))
        assert list(pubinfo.objects(base, DCTERMS.created)) == [created]
        creators = list(pubinfo.objects(base, DCTERMS.creator))
        assert len(creators) == 1 and isinstance(creators[0], URIRef)
        assert pubinfo.value(creators[0], RDFS.label) == Literal("The sskg developers", lang="en")
        assert pubinfo.value(base, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")


def test_the_checker_refuses_a_broken_nanopublication(built: tuple[BuildResult, Path]) -> None:
    """The package's validation can fail: publication info that says nothing of the nanopublication is refused."""
    base, graph = next(iter(split(built[1] / "nanopubs.trig").items()))
    graph.get_context(URIRef(f"{base}/pubinfo")).remove((base, None, None))
    with pytest.raises(nanopub.utils.MalformedNanopubError, match="pubinfo graph should contain"):
        assert nanopub.Nanopub(rdf=graph).is_valid


def test_each_can_be_signed_as_the_readme_says(built: tuple[BuildResult, Path], tmp_path: Path) -> None:
    """Signing needs no network: a throwaway key signs every one, and the signatures check out."""
    key = tmp_path / "id_rsa"
    key.write_text(encodebytes(RSA.generate(2048).export_key(format="DER")).decode())
    profile = nanopub.Profile(orcid_id="https://orcid.org/0000-0000-0000-0000", name="Test", private_key=key)
    conf = nanopub.NanopubConf(profile=profile)
    for base, graph in split(built[1] / "nanopubs.trig").items():
        publication = nanopub.Nanopub(rdf=graph, conf=conf)
        publication.sign()
        assert publication.has_valid_signature and str(publication.source_uri).startswith(f"{base}/RA"), base
