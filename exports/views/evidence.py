"""The evidence the overview and the gap map show, read once by SPARQL: studies, findings, concepts.

Every page counts from these same records, so a number on one page is the number on another. The
queries run on Oxigraph (model.select_values) and return plain strings; only the concepts' labels
are looked up by IRI, and their number does not grow with the evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from rdflib import Graph

from sskg.namespaces import CONCEPT, SSKG_NS

from .store import select_values

LITERAL_FACET_LABELS = {"direct": "direct strategy", "indirect": "indirect strategy", "not reported": "not reported"}
FACETS = ("theme", "support", "strategy-kind", "population", "country", "design")


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    colour: str
    shape: str  # a vis-network shape
    glyph: str  # the legend's symbol for that shape
    root: str  # the ontology class whose members get this kind


# In priority order: a node belonging to several roots takes the first kind listed.
KINDS: tuple[Kind, ...] = (
    Kind("study", "study", "#1f77b4", "box", "▬", "IncludedStudy"),
    Kind("finding", "finding", "#7f7f7f", "dot", "●", "Finding"),
    Kind("strategy", "support strategy", "#2ca02c", "diamond", "◆", "SupportStrategy"),
    Kind("support-type", "support type", "#d62728", "triangle", "▲", "SupportType"),
    Kind("capital", "recovery capital", "#9467bd", "hexagon", "⬢", "RecoveryCapital"),
    Kind("outcome", "outcome", "#ff7f0e", "square", "■", "Outcome"),
    Kind("population", "population", "#8c564b", "star", "★", "Population"),
    Kind("support", "support form or source", "#e377c2", "triangleDown", "▼", "SupportConcept"),
    Kind("factor", "other factor", "#17becf", "ellipse", "⬭", "Factor"),
)
KIND_ORDER = {kind.name: index for index, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Effect:
    """A finding's effect on recovery as drawn: colour, and a glyph and line pattern so colour is never alone."""

    name: str  # the concept's local name in scheme:effects-on-recovery
    label: str
    colour: str  # Okabe–Ito, told apart under deuteranopia and protanopia
    glyph: str
    dashes: tuple[int, ...]  # an overview edge's line pattern; () is solid


# In the order every legend, bar and list uses.
EFFECTS: tuple[Effect, ...] = (
    Effect("favourable", "favourable to recovery", "#0072B2", "▲", ()),
    Effect("unfavourable", "unfavourable to recovery", "#D55E00", "▼", (12, 6)),
    Effect("mixed-effect", "mixed", "#CC79A7", "◆", (12, 4, 3, 4)),
    Effect("no-association", "no association", "#999999", "○", (3, 5)),
    Effect("unclear-effect", "unclear", "#F0E442", "?", (1, 9)),
)
NOT_DERIVED = Effect("not-derived", "effect not derived", "#BBBBBB", "·", (1, 3))
EFFECT_ORDER = {effect.name: index for index, effect in enumerate((*EFFECTS, NOT_DERIVED))}


@dataclass(frozen=True)
class Citation:
    authors: tuple[str, ...]
    abbreviated: bool  # the reference list leaves authors out before the last one
    year: int | None
    title: str
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    urls: tuple[str, ...] = ()

    def names(self) -> str:
        """'A, B, & C'; with authors left out, 'A, B, … Z' as the reference list prints it."""
        authors = [author.strip() for author in self.authors if author.strip()]
        if not authors:
            return "Anonymous"
        if self.abbreviated and len(authors) > 1:
            return ", ".join(authors[:-1]) + ", … " + authors[-1]
        if len(authors) == 1:
            return authors[0]
        return ", ".join(authors[:-1]) + ", & " + authors[-1]

    def text(self) -> str:
        """A reference in APA style: authors (year). Title. Journal, volume(issue), pages. https://doi.org/…"""
        parts = [f"{self.names()} ({self.year if self.year else 'n.d.'}).", _sentence(self.title)]
        if self.journal:
            source = self.journal
            if self.volume:
                source += f", {self.volume}" + (f"({self.issue})" if self.issue else "")
            if self.pages:
                source += f", {self.pages}"
            parts.append(source + ".")
        if self.doi:
            parts.append(doi_url(self.doi))
        return " ".join(part for part in parts if part)

    def links(self) -> list[tuple[str, str]]:
        """(text, href): the DOI and the curated web addresses, only http(s) ones."""
        found = [("doi:" + self.doi, doi_url(self.doi))] if self.doi else []
        if self.pmcid:
            found.append((self.pmcid, "https://www.ncbi.nlm.nih.gov/pmc/articles/" + quote(self.pmcid, safe="") + "/"))
        found += [(url, url) for url in self.urls if web_address(url)]
        return found


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def doi_url(doi: str) -> str:
    return "https://doi.org/" + quote(doi.strip(), safe="/:;()._-<>[]")


def web_address(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass(frozen=True)
class Place:
    """Where the review states a finding."""

    where: str  # a Table 1 row, else the section
    quote: str

    def text(self) -> str:
        return f"{self.where}: “{self.quote}”" if self.quote else self.where


@dataclass(frozen=True)
class Study:
    id: str
    key: str
    label: str
    year: int | None
    citation: Citation
    facets: dict[str, tuple[str, ...]]  # facet → values (IRIs, or literals such as "direct")
    findings: tuple[str, ...]
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the other values, by study-values field


@dataclass(frozen=True)
class Finding:
    id: str
    study: str
    statement: str
    direction: str | None
    effect: str  # an Effect name; NOT_DERIVED's when the graph derives none
    direction_basis: str | None
    outcome: str | None
    exposures: tuple[str, ...]
    population: str | None
    themes: tuple[str, ...]
    estimates: tuple[str, ...]
    places: tuple[Place, ...]


@dataclass(frozen=True)
class Concept:
    id: str
    kind: str  # a KINDS name, or "theme"
    label: str
    links: dict[str, tuple[str, ...]]  # concept-links: family, group, capital, provides, parent, polarity


@dataclass(frozen=True)
class Review:
    title: str
    authors: str  # surnames, as a reader cites them: "A, B, C and D"
    year: int | None
    scope: str  # what the graph holds of it, in a sentence


def load_review(graph: Graph, evidence: Evidence) -> Review | None:
    rows = select_values(graph, "review")
    if not rows:
        return None
    _, title, authors, year = rows[0]
    surnames = [name.split(",")[0].strip() for name in (authors or "").split("; ") if name.strip()]
    names = ", ".join(surnames[:-1]) + " and " + surnames[-1] if len(surnames) > 1 else "".join(surnames)
    years = sorted({study.year for study in evidence.studies.values() if study.year})
    span = f" published {years[0]}–{years[-1]}" if years else ""
    scope = (f"The graph holds its {len(evidence.studies)} included studies{span} and the {len(evidence.findings)} findings "
             "they report on how social support relates to recovery.")
    return Review(title or "", names, int(year) if year and year.isdigit() else None, scope)


@dataclass
class Evidence:
    studies: dict[str, Study]
    findings: dict[str, Finding]
    concepts: dict[str, Concept]
    labels: dict[str, str]  # every concept, theme, section and class the pages name
    effects: tuple[Effect, ...]  # with the graph's own labels

    def label(self, iri: str | None) -> str:
        if iri is None:
            return ""
        return self.labels.get(iri) or LITERAL_FACET_LABELS.get(iri) or iri.rstrip("/#").rsplit("/", 1)[-1]

    def link(self, concept: str, name: str) -> tuple[str, ...]:
        node = self.concepts.get(concept)
        return node.links.get(name, ()) if node else ()

    def family(self, outcome: str | None) -> str | None:
        families = self.link(outcome, "family") if outcome else ()
        return families[0] if families else None

    def effect(self, name: str) -> Effect:
        return next((effect for effect in self.effects if effect.name == name), NOT_DERIVED)


def load_evidence(graph: Graph) -> Evidence:
    labels = _labels(graph)
    concepts = _concepts(graph, labels)
    findings = _findings(graph, labels)
    studies = _studies(graph, findings)
    effects = tuple(Effect(e.name, labels.get(str(CONCEPT[e.name]), e.label), e.colour, e.glyph, e.dashes) for e in EFFECTS)
    return Evidence(studies, findings, concepts, labels, effects)


def _labels(graph: Graph) -> dict[str, str]:
    """skos:prefLabel before rdfs:label; an English or plain label before others; then the smallest."""
    ranked: dict[str, tuple[tuple[int, str], str]] = {}
    rank = {"http://www.w3.org/2004/02/skos/core#prefLabel": 0, "http://www.w3.org/2000/01/rdf-schema#label": 1}
    for node, predicate, text, language in select_values(graph, "concept-labels"):
        key = (rank[predicate] * 2 + (language not in (None, "", "en")), text)
        if node not in ranked or key < ranked[node][0]:
            ranked[node] = (key, text)
    return {node: text for node, (_, text) in ranked.items()}


def _concepts(graph: Graph, labels: dict[str, str]) -> dict[str, Concept]:
    by_root = {str(SSKG_NS[kind.root]): kind.name for kind in KINDS}
    kinds: dict[str, str] = {}
    for node, root in select_values(graph, "node-kinds"):
        kind = by_root[root]
        if kind not in ("study", "finding") and (node not in kinds or KIND_ORDER[kind] < KIND_ORDER[kinds[node]]):
            kinds[node] = kind
    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for concept, link, value in select_values(graph, "concept-links"):
        links[concept][link].append(value)
    for concept, by_link in links.items():
        if "theme" in by_link:
            kinds.setdefault(concept, "theme")
    return {
        node: Concept(node, kind, labels.get(node, node.rsplit("/", 1)[-1]),
                      {name: tuple(sorted(values)) for name, values in sorted(links.get(node, {}).items())})
        for node, kind in sorted(kinds.items())
    }


def _grouped(rows: list[tuple[str | None, ...]]) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for subject, name, value in rows:
        if subject is not None and name is not None and value is not None:
            found[subject][name].append(value)
    return found


def _first(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    return min(found) if found else None


def _findings(graph: Graph, labels: dict[str, str]) -> dict[str, Finding]:
    estimates: dict[str, list[str]] = defaultdict(list)
    for finding, _, text, comparison, subgroup in select_values(graph, "finding-estimates"):
        parts = [text] + [f"{name}: {value}" for name, value in (("comparison", comparison), ("subgroup", subgroup)) if value]
        estimates[finding].append("; ".join(part for part in parts if part))  # type: ignore[index]
    places: dict[str, set[Place]] = defaultdict(set)
    for finding, _, section, row, quote_text in select_values(graph, "finding-places"):
        # A Table 1 row says more than the table's long caption.
        where = labels.get(row or "", "") or labels.get(section or "", "") or ""
        places[finding].add(Place(where, quote_text or ""))  # type: ignore[index]
    records: dict[str, Finding] = {}
    for finding, values in sorted(_grouped(select_values(graph, "finding-values")).items()):
        effect = _first(values, "effect")
        records[finding] = Finding(
            id=finding,
            study=_first(values, "study") or "",
            statement=_first(values, "statement") or "",
            direction=_first(values, "direction"),
            effect=effect.rsplit("/", 1)[-1] if effect else NOT_DERIVED.name,
            direction_basis=_first(values, "direction_basis"),
            outcome=_first(values, "outcome"),
            exposures=tuple(sorted(set(values.get("exposures", [])))),
            population=_first(values, "population"),
            themes=tuple(sorted(set(values.get("themes", [])))),
            estimates=tuple(sorted(estimates.get(finding, []))),
            places=tuple(sorted(places.get(finding, set()), key=lambda place: (place.where, place.quote))),
        )
    return records


def study_facets(graph: Graph) -> dict[str, dict[str, tuple[str, ...]]]:
    """Each study's filter values by facet (every facet present, perhaps empty)."""
    collected: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for study, facet, value in select_values(graph, "study-facets"):
        collected[study][facet].add(value)  # type: ignore[index]
    return {study: {facet: tuple(sorted(collected[study].get(facet, ()))) for facet in FACETS}
            for study in sorted(collected)}  # type: ignore[index]


def _studies(graph: Graph, findings: dict[str, Finding]) -> dict[str, Study]:
    facets = study_facets(graph)
    reported: dict[str, list[str]] = defaultdict(list)
    for finding in findings.values():
        reported[finding.study].append(finding.id)
    records: dict[str, Study] = {}
    for study, values in sorted(_grouped(select_values(graph, "study-values")).items()):
        year = _first(values, "year")
        authors = _first(values, "authors")
        citation = Citation(
            authors=tuple(authors.split("; ")) if authors else (),
            abbreviated=_first(values, "abbreviated") == "true",
            year=int(year) if year and year.isdigit() else None,
            title=_first(values, "title") or "",
            journal=_first(values, "journal"),
            volume=_first(values, "volume"),
            issue=_first(values, "issue"),
            pages=_first(values, "pages"),
            doi=_first(values, "doi"),
            pmcid=_first(values, "pmcid"),
            urls=tuple(sorted(set(values.get("url", [])))),
        )
        key = _first(values, "key") or study.rsplit("/", 1)[-1]
        records[study] = Study(
            id=study, key=key, label=_first(values, "label") or key, year=citation.year, citation=citation,
            facets=facets.get(study, {facet: () for facet in FACETS}),
            findings=tuple(sorted(reported.get(study, []))),
            fields={name: tuple(sorted(set(found))) for name, found in sorted(values.items())},
        )
    return records
