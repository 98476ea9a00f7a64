"""The overview: themes → what was examined → outcomes, with studies as the unit.

Nodes are concepts, never studies or findings, so the page costs the same at any number of studies:
the themes studies are filed under; the exposures their findings name (strategies, support types,
forms and sources of support, other factors), gathered into one node per kind until the reader opens
the kind; and outcome families, opened on demand into their outcomes. Findings are folded into the
edges from an exposure to an outcome, one edge per effect on recovery. The page aggregates and lays
out in the browser from the records written here (pagedata), so filters re-count and re-draw.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from .evidence import Evidence, Finding
from .gapmap import strategies_of, studies_examining
from .pagedata import effects_json, filter_values, finding_json, study_json, year_range

# The kinds of exposure, in column order: (kind, group label, one of them, glyph, border colour, fill colour).
EXPOSURE_KINDS = (
    ("strategy", "Support strategies", "support strategy", "◆", "#1b7a1b", "#e3f2e3"),
    ("support-type", "Support types", "support type", "▲", "#b8292f", "#fbe4e4"),
    ("support", "Forms and sources of support", "form or source of support", "▼", "#a3307f", "#f8e5f2"),
    ("factor", "Other factors", "other factor", "●", "#0e7c8c", "#ddf3f6"),
)
OTHER_KINDS = (
    ("theme", "Themes of the review", "theme", "■", "#4d4d4d", "#eeeeee"),
    ("family", "Outcome families", "outcome family", "⬟", "#a3520c", "#fdebd9"),
    ("outcome", "Outcomes", "outcome", "⬟", "#a3520c", "#fff5ec"),
)
GROUP_PREFIX = "group:"
# Kinds a reader finds by search and in the list, but that the graph's three columns do not draw.
ELSEWHERE = {
    "population": "Populations are a filter: choose one under Filters to see its studies.",
    "capital": "Recovery-capital kinds are the columns of the gap map's second mode.",
}


def overview_data(evidence: Evidence, gap_href: str) -> dict[str, object]:
    findings = evidence.findings
    about = {finding.id: _about(evidence, finding) for finding in findings.values()}
    named = {concept for concepts in about.values() for concept in concepts}
    touched: dict[str, set[str]] = defaultdict(set)  # concept → studies whose findings name it or that examine it
    for finding in findings.values():
        for concept in (*finding.exposures, finding.outcome, finding.population):
            if concept:
                touched[concept].add(finding.study)
    for study in evidence.studies.values():
        for concept in study.fields.get("strategies", ()):
            touched[concept].add(study.id)
    examined = studies_examining(evidence)
    measured = {finding.outcome for finding in findings.values() if finding.outcome}
    concepts: dict[str, dict[str, object]] = {}
    for concept in evidence.concepts.values():
        entry: dict[str, object] = {"label": concept.label, "kind": concept.kind, "studies": len(touched[concept.id]),
                                    "definition": " ".join(concept.links.get("definition", ()))}
        if concept.kind in {kind for kind, *_ in EXPOSURE_KINDS} and concept.id in named:
            entry.update(layer=1, group=GROUP_PREFIX + concept.kind)
        elif concept.kind == "outcome" and concept.id in measured:
            entry.update(layer=2, group=evidence.family(concept.id))
        elif concept.kind == "theme":
            entry.update(layer=0)
        if concept.kind == "strategy":
            entry["gap"] = f"{gap_href}#row={quote(concept.id, safe='')}"
            entry["groups"] = [evidence.label(group) for group in concept.links.get("group", ())]
            entry["capital"] = [evidence.label(kind) for kind in concept.links.get("capital", ())]
            entry["examined"] = list(examined.get(concept.id, ()))
        if concept.kind == "outcome":
            polarity = concept.links.get("polarity", ())
            entry["polarity"] = evidence.label(polarity[0]) if polarity else ""
        concepts[concept.id] = entry
    families = sorted({str(entry["group"]) for entry in concepts.values() if entry.get("layer") == 2},
                      key=lambda family: (evidence.label(family), family))
    for family in families:
        concepts[family] = {"label": evidence.label(family), "kind": "family", "layer": 2, "definition": "",
                            "studies": len({f.study for f in findings.values() if evidence.family(f.outcome) == family})}
    studies = {study.id: {**study_json(evidence, study), "theme_node": _leaf_theme(evidence, study.facets.get("theme", ()))}
               for study in evidence.studies.values()}
    kinds = [{"kind": kind, "label": label, "one": one, "glyph": glyph, "border": border, "fill": fill}
             for kind, label, one, glyph, border, fill in (*EXPOSURE_KINDS, *OTHER_KINDS)]
    return {
        "concepts": concepts,
        "groups": [{"id": GROUP_PREFIX + kind, "kind": kind, "label": label} for kind, label, *_ in EXPOSURE_KINDS],
        "families": families,
        "themes": _theme_order(evidence),
        "kinds": kinds,
        "studies": studies,
        "findings": {finding.id: {**finding_json(evidence, finding), "about": about[finding.id]} for finding in findings.values()},
        **effects_json(evidence),
        "facets": filter_values(evidence, evidence.studies.values()),
        "years": year_range(evidence.studies.values()),
        "undrawn": _undrawn(evidence, concepts),
        "gap": gap_href,
    }


def _about(evidence: Evidence, finding: Finding) -> list[str]:
    """What a finding is drawn from: its exposures, with strategies chosen as the gap map chooses them
    (those it names, else those its study examines), so a strategy counts the same studies on both pages."""
    others = [exposure for exposure in finding.exposures
              if not (exposure in evidence.concepts and evidence.concepts[exposure].kind == "strategy")]
    return sorted({*others, *strategies_of(evidence, finding)})


def _leaf_theme(evidence: Evidence, themes: tuple[str, ...]) -> str | None:
    """The most specific of a study's themes: its sub-theme, else its theme."""
    parents = {parent for theme in themes for parent in evidence.link(theme, "parent")}
    leaves = sorted(theme for theme in themes if theme not in parents)
    return leaves[0] if leaves else None


def _theme_order(evidence: Evidence) -> list[str]:
    """Themes in the review's order of parts: each theme, then its sub-themes, by label."""
    themes = [c for c in evidence.concepts.values() if c.kind == "theme"]
    children: dict[str | None, list[str]] = defaultdict(list)
    for theme in sorted(themes, key=lambda c: (c.label, c.id)):
        parent = theme.links.get("parent", (None,))[0]
        children[parent].append(theme.id)
    ordered: list[str] = []
    for top in children[None]:
        ordered += [top, *children.get(top, [])]
    return ordered


def _undrawn(evidence: Evidence, concepts: dict[str, dict[str, object]]) -> list[dict[str, object]]:
    """Concepts the columns do not draw, each with where to find them instead."""
    missing: dict[str, list[str]] = defaultdict(list)
    for concept_id, entry in sorted(concepts.items(), key=lambda item: (str(item[1]["label"]), item[0])):
        if "layer" not in entry and entry["kind"] not in ("theme",):
            missing[str(entry["kind"])].append(concept_id)
    why = {
        "strategy": "Strategies the review names that no finding is about; the gap map lists them with the studies that examine them.",
        "support-type": "Support types no finding names as its exposure; strategies that provide them are in the graph.",
        "support": "Forms and sources of support no finding names as its exposure.",
        "factor": "Factors no finding names as its exposure.",
        "outcome": "Outcomes no finding measures.",
        **ELSEWHERE,
    }
    labels = {kind: label for kind, label, *_ in (*EXPOSURE_KINDS, *OTHER_KINDS)}
    labels.update(population="Populations", capital="Recovery-capital kinds")
    return [{"kind": kind, "label": labels.get(kind, kind), "why": why.get(kind, ""), "ids": ids}
            for kind, ids in sorted(missing.items(), key=lambda item: list(why).index(item[0]) if item[0] in why else 99)]
