"""Architecture diagrams: each lab declares its part, a track joins them into one architecture, and the SVG
shows the selected lab's part lit and every part coloured by its latest check."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path

import pytest

from mcredlab._text import Text
from mcredlab.catalog import SERVICES, TRACKS
from mcredlab.diagrams import (
    ACTORS,
    FONT_FAMILY,
    Diagram,
    diagram_of,
    element_state,
    lab_part_svg,
    labs_diagram,
    part_of,
    render_svg,
    track_diagram,
)
from mcredlab.lab import Lab
from mcredlab.labs import all_labs, get_lab
from mcredlab.scaffold import load, new_lab
from tests.conftest import ROOT

LABS = list(all_labs().values())
SVG = "{http://www.w3.org/2000/svg}"
GREEN, RED = "#2e7d32", "#c62828"


def _lab(*flows: tuple[str, str], services: tuple[str, ...] = ("sqs", "lambda", "sns")) -> Lab:
    """A lab made up for a test, with only what a diagram reads."""
    return Lab(id="made-up", track="serverless", services=services, certs=("DVA",), minutes=5,
               title=Text(en="A made-up lab", ja="架空のラボ"), task=Text(en="Nothing", ja="なし"), flows=flows)


def _parts(svg: str) -> dict[str, ET.Element]:
    """The SVG's nodes and edges by ``data-node`` or ``data-edge`` (``"from to"``)."""
    root = ET.fromstring(svg)
    return {g.get("data-node") or g.get("data-edge") or "": g for g in root.iter(f"{SVG}g")
            if "part" in (g.get("class") or "").split()}


def _classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def _assert_laid_out(diagram: Diagram) -> None:
    """Boxes inside the drawing, apart from each other, and edges that start and end on their boxes
    without running through another box."""
    boxes = {n.id: (n.x - n.width / 2, n.y - n.height / 2, n.x + n.width / 2, n.y + n.height / 2)
             for n in diagram.nodes}
    for left, top, right, bottom in boxes.values():
        assert 0 <= left and right <= diagram.width and 0 <= top and bottom <= diagram.height
    for (a, (l1, t1, r1, b1)), (b, (l2, t2, r2, b2)) in combinations(boxes.items(), 2):
        assert r1 + 10 <= l2 or r2 + 10 <= l1 or b1 + 10 <= t2 or b2 + 10 <= t1, f"{a} overlaps {b}"
    for edge in diagram.edges:
        assert len(edge.points) >= 2
        if edge.source == edge.target:
            continue
        (x0, y0), (x1, y1) = edge.points[0], edge.points[-1]
        source, target = boxes[edge.source], boxes[edge.target]
        assert x0 in (source[0], source[2]) and source[1] < y0 < source[3]
        assert x1 in (target[0], target[2]) and target[1] < y1 < target[3]
        for (xa, ya), (xb, yb) in zip(edge.points, edge.points[1:]):
            for step in range(1, 20):
                x, y = xa + (xb - xa) * step / 20, ya + (yb - ya) * step / 20
                inside = [n for n, (l, t, r, b) in boxes.items() if l + 1 < x < r - 1 and t + 1 < y < b - 1]
                assert not inside, f"{edge.source} → {edge.target} runs through {inside}"


# -- what the labs declare -------------------------------------------------------------------------------


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_a_labs_part_of_its_tracks_diagram_is_not_empty(lab: Lab) -> None:
    part = part_of(lab)
    assert part and part.edges, f"{lab.id} declares no flows= in its Lab(...)"
    assert track_diagram(lab.track).part(lab.id) == part


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_a_labs_flows_join_services_it_uses_or_actors(lab: Lab) -> None:
    assert len(set(lab.flows)) == len(lab.flows), "a flow is declared twice"
    for source, target in lab.flows:
        for end in (source, target):
            assert end in ACTORS or end in SERVICES, f"{end!r} is neither a service nor an actor"
            assert end in ACTORS or end in lab.services, f"{end!r} is not among the services of {lab.id}"


@pytest.mark.parametrize("track", TRACKS)
def test_a_tracks_diagram_joins_its_labs_into_one_architecture(track: str) -> None:
    diagram = track_diagram(track)
    labs = [lab for lab in LABS if lab.track == track]
    assert diagram.labs == tuple(lab.id for lab in labs)
    ids = [node.id for node in diagram.nodes]
    assert len(ids) == len(set(ids)) and set(ids) == {end for lab in labs for flow in lab.flows for end in flow}
    for lang in ("en", "ja"):
        labels = [node.label(lang) for node in diagram.nodes]
        assert len(labels) == len(set(labels)), f"two nodes are both called {labels}: use one service key"
    for lab in labs:
        for flow in lab.flows:
            assert [edge for edge in diagram.edges if (edge.source, edge.target) == flow and lab.id in edge.labs]
    reached, todo = set(), [ids[0]]
    while todo:
        node = todo.pop()
        reached.add(node)
        todo += [end for e in diagram.edges for end in (e.source, e.target)
                 if node in (e.source, e.target) and end not in reached]
    assert reached == set(ids), f"{sorted(set(ids) - reached)} are apart from the rest of {track}"


def test_a_new_lab_starts_with_its_part_declared(tmp_path: Path) -> None:
    (tmp_path / "mcredlab" / "labs").mkdir(parents=True)
    module, _ = new_lab(tmp_path, "sqs-diagram-demo")
    lab = load(module)
    assert part_of(lab) and all(end in ACTORS or end in lab.services for flow in lab.flows for end in flow)


def test_a_service_two_labs_use_is_one_node_of_both() -> None:
    diagram = track_diagram("serverless")
    s3 = diagram.node("s3")
    assert {"s3-static-website", "cloudfront-s3-oac", "waf-rate-limit", "codepipeline-s3-codebuild"} <= set(s3.labs)
    assert s3.label.en == "S3" and diagram.node("user").label.ja == "ユーザー"
    shared = [e for e in diagram.edges if (e.source, e.target) == ("cloudfront", "s3")]
    assert len(shared) == 1 and set(shared[0].labs) == {"cloudfront-s3-oac", "waf-rate-limit"}


def test_labs_diagram_of_two_labs_has_only_their_nodes() -> None:
    diagram = labs_diagram(["s3-static-website", "apigw-lambda-proxy"])
    assert diagram.labs == ("s3-static-website", "apigw-lambda-proxy")
    assert {node.id for node in diagram.nodes} == {"user", "s3", "apigateway", "lambda"}
    assert diagram.node("user").labs == ("s3-static-website", "apigw-lambda-proxy")
    _assert_laid_out(diagram)
    parts = _parts(render_svg(diagram, lit="apigw-lambda-proxy"))
    assert set(parts) == {"user", "s3", "apigateway", "lambda", "user s3", "user apigateway", "apigateway lambda"}


# -- layout ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("track", TRACKS)
def test_a_tracks_layout_has_no_overlaps_and_readable_size(track: str) -> None:
    diagram = track_diagram(track)
    _assert_laid_out(diagram)
    assert diagram.width <= 1400 and diagram.height <= 700
    actors = [node for node in diagram.nodes if node.actor]
    assert actors and all(node.x == min(n.x for n in diagram.nodes) for node in actors), "actors stand first"
    for edge in diagram.edges:  # flows run left to right
        assert edge.source == edge.target or diagram.node(edge.source).x < diagram.node(edge.target).x


def test_a_cycle_and_a_loop_are_laid_out_without_overlaps() -> None:
    lab = _lab(("user", "sqs"), ("sqs", "lambda"), ("lambda", "sns"), ("sns", "sqs"), ("sqs", "sqs"))
    diagram = diagram_of([lab], Text(en="cycle", ja="循環"))
    _assert_laid_out(diagram)
    assert {(e.source, e.target) for e in diagram.edges} == set(lab.flows)
    ET.fromstring(render_svg(diagram, lit="made-up"))


def test_the_layout_and_the_svg_are_deterministic() -> None:
    states = {"s3-static-website": "passed", "apigw-cors": "failed"}
    first = render_svg(track_diagram("serverless"), lang="ja", lit="waf-rate-limit", states=states)
    assert track_diagram("serverless") == track_diagram("serverless")
    assert render_svg(track_diagram("serverless"), lang="ja", lit="waf-rate-limit", states=states) == first
    script = ("import sys; from mcredlab.diagrams import render_svg, track_diagram; sys.stdout.write(render_svg("
              "track_diagram('serverless'), lang='ja', lit='waf-rate-limit', states={'s3-static-website': 'passed', "
              "'apigw-cors': 'failed'}))")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    other = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                           encoding="utf-8")
    assert other.stdout == first


# -- SVG -------------------------------------------------------------------------------------------------


def test_the_svg_is_standalone_accessible_xml() -> None:
    svg = render_svg(track_diagram("agentic-ai"))
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("viewBox")
    assert root.get("aria-label") == root.find(f"{SVG}title").text == "Agentic AI architecture"  # type: ignore[union-attr]
    assert "User → Bedrock Agents" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    assert not [el for el in root.iter() if el.tag in (f"{SVG}style", f"{SVG}image", f"{SVG}use")]
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "") and "url(" not in svg
    assert "IPAGothic" in (root.get("font-family") or "")
    for part in _parts(svg).values():
        assert part.find(f"{SVG}title") is not None and part.get("data-labs")


def test_the_selected_lab_is_lit_and_the_rest_dimmed() -> None:
    diagram = track_diagram("serverless")
    parts = _parts(render_svg(diagram, lit="waf-rate-limit"))
    lit = {key for key, g in parts.items() if "lit" in _classes(g)}
    assert lit == {"user", "wafv2", "cloudfront", "s3", "user wafv2", "wafv2 cloudfront", "cloudfront s3"}
    for key, g in parts.items():
        assert ("waf-rate-limit" in g.get("data-labs", "").split()) == (key in lit)
        assert ("dim" in _classes(g)) == (key not in lit) and ("dim" in _classes(g)) == (g.get("opacity") is not None)
    assert not [g for g in _parts(render_svg(diagram)).values() if _classes(g) & {"lit", "dim"}]
    with pytest.raises(ValueError, match="not in this diagram"):
        render_svg(labs_diagram(["s3-static-website"]), lit="waf-rate-limit")


def test_each_part_is_coloured_by_its_labs_latest_check() -> None:
    states = {"s3-static-website": "passed", "apigw-cors": "failed", "codebuild-project": "locked"}
    diagram = track_diagram("serverless")
    parts = _parts(render_svg(diagram, states=states))
    state = {key: g.get("data-state") for key, g in parts.items()}
    assert state["user s3"] == "passed" and "state-passed" in _classes(parts["user s3"])
    assert parts["user s3"].find(f"{SVG}path").get("stroke") == GREEN  # type: ignore[union-attr]
    assert state["codebuild logs"] == state["logs"] == "locked"
    assert state["apigateway"] == "failed"  # shared with apigw-lambda-proxy (unchecked): failed comes first
    assert parts["apigateway"].find(f"{SVG}rect").get("stroke") == RED  # type: ignore[union-attr]
    assert state["s3"] == "unchecked" and state["codebuild"] == "unchecked"  # green only once all its labs passed
    assert state["sns sqs"] == "unchecked"  # a lab with no state given has not been checked
    lit = _parts(render_svg(diagram, lit="s3-static-website", states=states))
    assert lit["s3"].get("data-state") == "passed"  # a selected lab shows its own state on what it shares
    with pytest.raises(ValueError, match="unknown states"):
        render_svg(diagram, states={"s3-static-website": "green"})


def test_a_shared_element_shows_the_most_pressing_state_unless_selected() -> None:
    states = {"a": "passed", "b": "locked", "c": "failed"}
    assert element_state(["a"], None, states) == "passed"
    assert element_state(["a", "b"], None, states) == "locked"
    assert element_state(["a", "b", "c"], None, states) == "failed"
    assert element_state(["a", "d"], None, states) == "unchecked"
    assert element_state(["a", "c"], "a", states) == "passed"


def test_japanese_labels_and_description_in_japanese() -> None:
    svg = render_svg(track_diagram("serverless"), lang="ja", lit="s3-static-website",
                     states={"s3-static-website": "passed"})
    root = ET.fromstring(svg)
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert "ユーザー" in texts and "開発者" in texts and "アプリケーション" in texts and "User" not in texts
    assert root.get("aria-label") == "サーバーレスのアーキテクチャ"
    description = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "ユーザー → S3" in description and "強調表示しているタスク: Amazon S3 で静的ウェブサイト" in description
    assert "合格" in texts and "未チェック" in texts  # the legend
    assert "ユーザー" in svg and "Bedrock エージェント" in render_svg(track_diagram("agentic-ai"), lang="ja")
    with pytest.raises(ValueError):
        render_svg(track_diagram("serverless"), lang="fr")


def test_a_labs_own_diagram_shows_its_part_only() -> None:
    lab = get_lab("waf-rate-limit")
    for lang in ("en", "ja"):
        svg = lab_part_svg(lab, lang, state="failed")
        parts = _parts(svg)
        assert set(parts) == {"user", "wafv2", "cloudfront", "s3", "user wafv2", "wafv2 cloudfront", "cloudfront s3"}
        assert {g.get("data-state") for g in parts.values()} == {"failed"}
        assert not [g for g in parts.values() if "dim" in _classes(g)]
        assert lab.title(lang) in (ET.fromstring(svg).find(f"{SVG}title").text or "")  # type: ignore[union-attr]


def test_unknown_services_actors_and_tracks_are_refused() -> None:
    with pytest.raises(ValueError, match="neither a service"):
        diagram_of([_lab(("user", "mainframe"))], Text(en="x", ja="x"))
    with pytest.raises(ValueError, match="unknown track"):
        track_diagram("mainframes")
    empty = diagram_of([], Text(en="Nothing", ja="なし"))
    assert not empty.nodes and ET.fromstring(render_svg(empty)).get("role") == "img"
