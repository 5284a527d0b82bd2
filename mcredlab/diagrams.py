"""Architecture diagrams as data: a track's services and flows, joined from its labs, drawn as SVG offline.

Each lab declares its part of its track's architecture in ``Lab.flows``: ``(from, to)`` pairs of services
(keys of :data:`mcredlab.catalog.SERVICES`) or actors (keys of :data:`ACTORS`). A diagram joins the flows
of some labs (a track's, or an exam's), one node per service or actor, and lays them out left to right::

    diagram = track_diagram("serverless")
    svg = render_svg(diagram, lang="ja", lit="waf-rate-limit", states={"s3-static-website": "passed"})

The SVG stands alone (inline presentation attributes, no style sheet, no fonts or images to fetch), so
several can share one page. Every node and edge is a ``<g>`` with the classes ``node`` or ``edge``,
``part``, ``lit`` or ``dim`` (when a lab is selected) and ``state-<state>``, and the attributes
``data-labs`` (the ids of the labs it belongs to, space separated) and ``data-state``.

Colours: a lab's part shows the lab's latest check (:data:`STATES`). An element several labs share
shows the selected lab's state while that lab is selected; otherwise the most pressing state of its
labs, in the order failed, unchecked, locked, passed: it is green only once every lab it belongs to passed.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mcredlab._text import Lang, Text, check_lang, ja_join
from mcredlab.catalog import SERVICES, TRACKS
from mcredlab.lab import Lab
from mcredlab.labs import all_labs, get_lab

ACTORS: dict[str, Text] = {
    "user": Text(en="User", ja="ユーザー"),
    "app": Text(en="Application", ja="アプリケーション"),
    "developer": Text(en="Developer", ja="開発者"),
}
"""Who stands outside the AWS account at the start of a flow: ``Lab.flows`` may name them as services."""

STATES: tuple[str, ...] = ("passed", "failed", "unchecked", "locked")
"""A lab's latest check as the diagram colours it; a lab with no state given is ``unchecked``."""

PRECEDENCE: tuple[str, ...] = ("failed", "unchecked", "locked", "passed")
"""Which state an element shared by several labs shows (the first any of its labs is in), unless selected."""

STATE_NAMES: dict[str, Text] = {
    "passed": Text(en="Passed", ja="合格"),
    "failed": Text(en="Not yet", ja="未達成"),
    "unchecked": Text(en="Not checked", ja="未チェック"),
    "locked": Text(en="Locked", ja="ロック中"),
}

FONT_FAMILY = ("'Amazon Ember', 'Helvetica Neue', Arial, 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', 'Yu Gothic', "
               "Meiryo, 'Noto Sans CJK JP', 'Noto Sans JP', IPAPGothic, IPAGothic, 'DejaVu Sans', sans-serif")
"""System fonts only, Japanese ones included (IPAGothic on a bare Linux), so nothing is fetched."""

_UI = {
    "architecture": Text(en="Architecture", ja="アーキテクチャ"),
    "lab": Text(en="Architecture: {title}", ja="アーキテクチャ: {title}"),
    "flows": Text(en="Flows: {flows}.", ja="フロー: {flows}。"),
    "no_flows": Text(en="No flows.", ja="フローはありません。"),
    "selected": Text(en="Highlighted: {title}.", ja="強調表示しているタスク: {title}。"),
    "states": Text(en="Checks: {states}.", ja="チェック結果: {states}。"),
}

Point = tuple[float, float]

# Geometry, in SVG user units (pixels at scale 1).
_NODE_HEIGHT = 44.0
_MIN_NODE_WIDTH = 96.0
_FONT_SIZE = 14.0
_COLUMN_GAP = 56.0
_ROW_GAP = 30.0
_DUMMY_GAP = 14.0
_LOOP_HEIGHT = 26.0
_MARGIN = 20.0
_ARROW = 9.0

_STYLE = {  # state: (fill, stroke, text)
    "passed": ("#e8f5e9", "#2e7d32", "#1b5e20"),
    "failed": ("#ffebee", "#c62828", "#b71c1c"),
    "unchecked": ("#ffffff", "#546e7a", "#263238"),
    "locked": ("#f2f2f2", "#9e9e9e", "#757575"),
}
_MARKS = {"passed": "✓", "failed": "✗"}
_LIT_HALO = "#1565c0"
_DIM_OPACITY = "0.28"


@dataclass(frozen=True)
class Node:
    """A service or actor, drawn as a box centred on ``(x, y)``."""

    id: str
    label: Text
    actor: bool
    labs: tuple[str, ...]
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Edge:
    """A flow from one node to another, routed through ``points`` (from its source to its target)."""

    source: str
    target: str
    labs: tuple[str, ...]
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Part:
    """A lab's part of a diagram: its nodes and its ``(from, to)`` edges."""

    nodes: frozenset[str]
    edges: frozenset[tuple[str, str]]

    def __bool__(self) -> bool:
        return bool(self.nodes)


@dataclass(frozen=True)
class Diagram:
    """Nodes and edges of some labs' flows, laid out in a ``width`` by ``height`` box."""

    title: Text
    labs: tuple[str, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float
    lab_titles: Mapping[str, Text] = field(default_factory=dict, compare=False)

    def node(self, node_id: str) -> Node:
        """The node called ``node_id``."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def part(self, lab_id: str) -> Part:
        """The nodes and edges of ``lab_id`` in this diagram."""
        return Part(frozenset(n.id for n in self.nodes if lab_id in n.labs),
                    frozenset((e.source, e.target) for e in self.edges if lab_id in e.labs))


def node_label(node_id: str) -> Text:
    """The name of a service as the console writes it, or of an actor; ``ValueError`` if it is neither."""
    if node_id in ACTORS:
        return ACTORS[node_id]
    if node_id in SERVICES:
        return SERVICES[node_id]
    raise ValueError(f"{node_id!r} is neither a service of mcredlab.catalog.SERVICES nor an actor of "
                     f"mcredlab.diagrams.ACTORS ({', '.join(ACTORS)})")


def part_of(lab: Lab) -> Part:
    """The nodes and edges ``lab`` declares in its ``flows``."""
    return Part(frozenset(end for flow in lab.flows for end in flow), frozenset(lab.flows))


def diagram_of(labs: Iterable[Lab], title: Text) -> Diagram:
    """The diagram joining the flows of ``labs``: one node per service or actor, one edge per flow."""
    labs = list(labs)
    node_labs: dict[str, list[str]] = {}
    edge_labs: dict[tuple[str, str], list[str]] = {}
    for lab in labs:
        for source, target in lab.flows:
            for end in (source, target):
                node_label(end)
                if lab.id not in node_labs.setdefault(end, []):
                    node_labs[end].append(lab.id)
            if lab.id not in edge_labs.setdefault((source, target), []):
                edge_labs[(source, target)].append(lab.id)
    sizes = {node_id: _node_size(node_label(node_id)) for node_id in node_labs}
    centres, routes, width, height = _layout(list(node_labs), list(edge_labs), sizes, set(ACTORS))
    nodes = tuple(Node(node_id, node_label(node_id), node_id in ACTORS, tuple(lab_ids), *centres[node_id],
                       *sizes[node_id]) for node_id, lab_ids in node_labs.items())
    edges = tuple(Edge(source, target, tuple(lab_ids), routes[(source, target)])
                  for (source, target), lab_ids in edge_labs.items())
    return Diagram(title, tuple(lab.id for lab in labs), nodes, edges, width, height,
                   {lab.id: lab.title for lab in labs})


def track_diagram(track: str) -> Diagram:
    """The architecture of a whole track (``"serverless"``, ``"agentic-ai"``), joined from its labs."""
    if track not in TRACKS:
        raise ValueError(f"unknown track {track!r}: one of {', '.join(TRACKS)}")
    title = Text(en=f"{TRACKS[track].en} architecture", ja=ja_join(TRACKS[track].ja, "のアーキテクチャ"))
    return diagram_of((lab for lab in all_labs().values() if lab.track == track), title)


def labs_diagram(lab_ids: Iterable[str], title: Text | None = None) -> Diagram:
    """The architecture of some labs only (an exam drawn from them), in the order given."""
    return diagram_of((get_lab(lab_id) for lab_id in lab_ids), title or _UI["architecture"])


# -- SVG ------------------------------------------------------------------------------------------------


def render_svg(diagram: Diagram, *, lang: str = "en", lit: str | None = None,
               states: Mapping[str, str] = MappingProxyType({})) -> str:
    """A standalone SVG of ``diagram``: the lab ``lit`` highlighted and the rest dimmed, parts coloured by
    ``states`` (lab id to one of :data:`STATES`)."""
    language = check_lang(lang)
    if lit is not None and lit not in diagram.labs:
        raise ValueError(f"lab {lit!r} is not in this diagram ({', '.join(diagram.labs)})")
    unknown = {state for state in states.values() if state not in STATES}
    if unknown:
        raise ValueError(f"unknown states {sorted(unknown)}: one of {', '.join(STATES)}")
    legend = _legend_states(diagram, lit, states)
    height = diagram.height + (30.0 if legend else 0.0)
    title = diagram.title(language)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(diagram.width)} {_n(height)}" '
        f'width="{_n(diagram.width)}" height="{_n(height)}" role="img" aria-label={_attr(title)} '
        f'class="mcredlab-diagram" font-family={_attr(FONT_FAMILY)} style="max-width:100%;height:auto">',
        f"<title>{_esc(title)}</title>",
        f"<desc>{_esc(_description(diagram, language, lit, states))}</desc>",
        f'<rect x="0" y="0" width="{_n(diagram.width)}" height="{_n(height)}" rx="8" fill="#ffffff"/>',
    ]
    for on_top in (False, True):  # the selected part over the rest; loops over their boxes
        edges = [edge for edge in diagram.edges if (lit in edge.labs) == on_top]
        out += [_edge_svg(diagram, edge, language, lit, states) for edge in edges if edge.source != edge.target]
        out += [_node_svg(diagram, node, language, lit, states) for node in diagram.nodes
                if (lit in node.labs) == on_top]
        out += [_edge_svg(diagram, edge, language, lit, states) for edge in edges if edge.source == edge.target]
    if legend:
        out.append(_legend_svg(legend, language, diagram.height))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def lab_part_svg(lab: Lab, lang: str = "en", *, state: str = "unchecked") -> str:
    """The lab's own small diagram (its part only), coloured by its latest check, for the lab's panel."""
    title = Text(en=_UI["lab"].en.format(title=lab.title.en), ja=_UI["lab"].ja.format(title=lab.title.ja))
    return render_svg(diagram_of([lab], title), lang=lang, states={lab.id: state})


def element_state(labs: Iterable[str], lit: str | None, states: Mapping[str, str]) -> str:
    """The state an element of ``labs`` shows: the selected lab's, else the most pressing of its labs'."""
    labs = list(labs)
    if lit in labs:
        return states.get(lit, "unchecked")
    return min((states.get(lab_id, "unchecked") for lab_id in labs), key=PRECEDENCE.index, default="unchecked")


def _classes(kind: str, labs: tuple[str, ...], lit: str | None, state: str) -> str:
    emphasis = "" if lit is None else (" lit" if lit in labs else " dim")
    return f"{kind} part{emphasis} state-{state}"


def _tooltip(diagram: Diagram, name: str, labs: tuple[str, ...], lang: Lang, states: Mapping[str, str]) -> str:
    lines = [name]
    for lab_id in labs:
        title = diagram.lab_titles[lab_id](lang) if lab_id in diagram.lab_titles else lab_id
        state = f" ({STATE_NAMES[states[lab_id]](lang)})" if lab_id in states else ""
        lines.append(f"{title}{state}")
    return "\n".join(lines)


def _node_svg(diagram: Diagram, node: Node, lang: Lang, lit: str | None, states: Mapping[str, str]) -> str:
    state = element_state(node.labs, lit, states)
    fill, stroke, ink = _STYLE[state]
    is_lit = lit is not None and lit in node.labs
    left, top = node.x - node.width / 2, node.y - node.height / 2
    radius = node.height / 2 if node.actor else 6.0
    dash = ' stroke-dasharray="5 3"' if state == "locked" else ""
    opacity = f' opacity="{_DIM_OPACITY}"' if lit is not None and not is_lit else ""
    label = node.label(lang)
    parts = [
        f'<g class="{_classes("node", node.labs, lit, state)}" data-node={_attr(node.id)} '
        f'data-labs={_attr(" ".join(node.labs))} data-state="{state}"{opacity}>',
        f"<title>{_esc(_tooltip(diagram, label, node.labs, lang, states))}</title>",
    ]
    if is_lit:
        parts.append(f'<rect x="{_n(left - 5)}" y="{_n(top - 5)}" width="{_n(node.width + 10)}" '
                     f'height="{_n(node.height + 10)}" rx="{_n(radius + 5)}" fill="none" stroke="{_LIT_HALO}" '
                     f'stroke-width="3" stroke-opacity="0.55"/>')
    parts.append(f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(node.width)}" height="{_n(node.height)}" '
                 f'rx="{_n(radius)}" fill="{fill}" stroke="{stroke}" stroke-width="{2.5 if is_lit else 1.5}"{dash}/>')
    parts.append(f'<text x="{_n(node.x)}" y="{_n(node.y)}" text-anchor="middle" dominant-baseline="central" '
                 f'font-size="{_n(_FONT_SIZE)}" font-weight="600" fill="{ink}">{_esc(label)}</text>')
    if state in _MARKS:
        cx, cy = left + node.width - 2, top + 2
        parts.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="8" fill="{stroke}"/>')
        parts.append(f'<text x="{_n(cx)}" y="{_n(cy)}" text-anchor="middle" dominant-baseline="central" '
                     f'font-size="11" font-weight="700" fill="#ffffff">{_MARKS[state]}</text>')
    parts.append("</g>")
    return "\n".join(parts)


def _edge_svg(diagram: Diagram, edge: Edge, lang: Lang, lit: str | None, states: Mapping[str, str]) -> str:
    state = element_state(edge.labs, lit, states)
    stroke = _STYLE[state][1]
    is_lit = lit is not None and lit in edge.labs
    width = 2.5 if is_lit else 1.6
    dash = ' stroke-dasharray="5 3"' if state == "locked" else ""
    opacity = f' opacity="{_DIM_OPACITY}"' if lit is not None and not is_lit else ""
    name = f"{diagram.node(edge.source).label(lang)} → {diagram.node(edge.target).label(lang)}"
    path, tip, direction = _edge_path(edge.points, loop=edge.source == edge.target)
    return "\n".join([
        f'<g class="{_classes("edge", edge.labs, lit, state)}" data-edge={_attr(f"{edge.source} {edge.target}")} '
        f'data-from={_attr(edge.source)} data-to={_attr(edge.target)} data-labs={_attr(" ".join(edge.labs))} '
        f'data-state="{state}"{opacity}>',
        f"<title>{_esc(_tooltip(diagram, name, edge.labs, lang, states))}</title>",
        f'<path d="{path}" fill="none" stroke="{stroke}" stroke-width="{width}"{dash}/>',
        f'<polygon points="{_arrowhead(tip, direction)}" fill="{stroke}"/>',
        "</g>",
    ])


def _edge_path(points: tuple[Point, ...], *, loop: bool = False) -> tuple[str, Point, Point]:
    """An SVG path through ``points`` (curves with horizontal tangents; for a ``loop``, a start, two control
    points and an end), stopped short of the arrow's tip; the tip and the arrow's direction."""
    if loop:
        (x0, y0), (x1, y1), (x2, y2), tip = points
        direction = _unit(tip[0] - x2, tip[1] - y2)
        end = (tip[0] - direction[0] * _ARROW * 0.8, tip[1] - direction[1] * _ARROW * 0.8)
        return (f"M{_n(x0)},{_n(y0)} C{_n(x1)},{_n(y1)} {_n(x2)},{_n(y2)} {_n(end[0])},{_n(end[1])}", tip,
                direction)
    tip = points[-1]
    sign = 1.0 if tip[0] >= points[-2][0] else -1.0
    stops = list(points[:-1]) + [(tip[0] - sign * _ARROW * 0.8, tip[1])]
    d = [f"M{_n(stops[0][0])},{_n(stops[0][1])}"]
    for (xa, ya), (xb, yb) in zip(stops, stops[1:]):
        if ya == yb:
            d.append(f"L{_n(xb)},{_n(yb)}")
        else:
            mid = (xa + xb) / 2
            d.append(f"C{_n(mid)},{_n(ya)} {_n(mid)},{_n(yb)} {_n(xb)},{_n(yb)}")
    return " ".join(d), tip, (sign, 0.0)


def _arrowhead(tip: Point, direction: Point) -> str:
    dx, dy = direction
    bx, by = tip[0] - dx * _ARROW, tip[1] - dy * _ARROW
    half = _ARROW * 0.5
    corners = [tip, (bx - dy * half, by + dx * half), (bx + dy * half, by - dx * half)]
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in corners)


def _legend_states(diagram: Diagram, lit: str | None, states: Mapping[str, str]) -> list[str]:
    """The states the diagram shows, in :data:`STATES` order; none when no state was given or the diagram
    is one lab's (its marks ✓ and ✗ say it)."""
    if not states or len(diagram.labs) < 2:
        return []
    shown = {element_state(n.labs, lit, states) for n in diagram.nodes}
    shown |= {element_state(e.labs, lit, states) for e in diagram.edges}
    return [state for state in STATES if state in shown]


def _legend_svg(legend: list[str], lang: Lang, top: float) -> str:
    parts = ['<g class="legend">']
    x = _MARGIN
    for state in legend:
        fill, stroke, ink = _STYLE[state]
        name = STATE_NAMES[state](lang)
        parts.append(f'<rect x="{_n(x)}" y="{_n(top + 2)}" width="14" height="14" rx="3" fill="{fill}" '
                     f'stroke="{stroke}" stroke-width="1.5"/>')
        parts.append(f'<text x="{_n(x + 20)}" y="{_n(top + 9)}" dominant-baseline="central" font-size="12" '
                     f'fill="{ink}">{_esc(name)}</text>')
        x += 20 + _text_width(name, 12.0) + 18
    parts.append("</g>")
    return "\n".join(parts)


def _description(diagram: Diagram, lang: Lang, lit: str | None, states: Mapping[str, str]) -> str:
    """The diagram in words, for screen readers: its title, its flows, the selected lab, the checks."""
    comma = "、" if lang == "ja" else ", "
    labels = {node.id: node.label(lang) for node in diagram.nodes}
    flows = [f"{labels[e.source]} → {labels[e.target]}" for e in diagram.edges]
    sentences = [diagram.title(lang) + ("。" if lang == "ja" else "."),
                 _UI["flows"](lang).format(flows=comma.join(flows)) if flows else _UI["no_flows"](lang)]
    titles = {lab_id: diagram.lab_titles[lab_id](lang) if lab_id in diagram.lab_titles else lab_id
              for lab_id in diagram.labs}
    if lit is not None:
        sentences.append(_UI["selected"](lang).format(title=titles[lit]))
    if states:
        checks = [f"{titles[lab_id]}: {STATE_NAMES[states.get(lab_id, 'unchecked')](lang)}" for lab_id in diagram.labs]
        sentences.append(_UI["states"](lang).format(states=comma.join(checks)))
    return ("" if lang == "ja" else " ").join(sentences)


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return '"' + html.escape(text, quote=True) + '"'


def _n(value: float) -> str:
    """A coordinate, short: at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _unit(dx: float, dy: float) -> Point:
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    return dx / length, dy / length


# -- layout ---------------------------------------------------------------------------------------------


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn: wide for Japanese and capitals, narrow for spaces."""
    width = 0.0
    for char in text:
        if ord(char) >= 0x2E80:
            width += 1.0
        elif char == " ":
            width += 0.32
        elif char.isupper():
            width += 0.72
        else:
            width += 0.6
    return width * size


def _node_size(label: Text) -> tuple[float, float]:
    """A box wide enough for the label in every language, so the layout does not depend on the language."""
    widest = max(_text_width(label.en, _FONT_SIZE), _text_width(label.ja, _FONT_SIZE))
    return max(_MIN_NODE_WIDTH, widest + 30.0), _NODE_HEIGHT



def _layout(order: list[str], flows: list[tuple[str, str]], sizes: Mapping[str, tuple[float, float]],
            actors: set[str]) -> tuple[dict[str, Point], dict[tuple[str, str], tuple[Point, ...]], float, float]:
    """Layered left to right: each node one column after its latest predecessor (actors first), rows
    ordered to cross few edges and aligned with their neighbours, long edges kept in free slots.

    Returns each node's centre, each flow's route, and the width and height of the drawing."""
    loops = {source for source, target in flows if source == target}
    flipped = _back_edges(order, [f for f in flows if f[0] != f[1]])
    links = [((t, s) if (s, t) in flipped else (s, t), (s, t)) for s, t in flows if s != t]
    layer = _layers(order, [link for link, _ in links], actors)

    # One slot per node and per column a long edge passes through (a dummy), ordered within columns.
    columns: list[list[str]] = [[] for _ in range(max(layer.values(), default=0) + 1)]
    for node in order:
        columns[layer[node]].append(node)
    chains: dict[tuple[str, str], list[str]] = {}
    down: dict[str, list[str]] = {node: [] for node in order}
    for (source, target), flow in links:
        chain = [source]
        for column in range(layer[source] + 1, layer[target]):
            dummy = f"\0{flow[0]}\0{flow[1]}\0{column}"
            columns[column].append(dummy)
            down[dummy] = []
            chain.append(dummy)
        chain.append(target)
        for upper, lower in zip(chain, chain[1:]):
            down[upper].append(lower)
        chains[flow] = chain
    up: dict[str, list[str]] = {slot: [] for slot in down}
    for upper, lowers in down.items():
        for lower in lowers:
            up[lower].append(upper)
    columns = _order_columns(columns, up, down)

    # x: columns as wide as their widest box; y: rows aligned with their neighbours, never overlapping.
    widths = [max((sizes[s][0] for s in column if s in sizes), default=24.0) for column in columns]
    lefts = [_MARGIN + sum(widths[:i]) + i * _COLUMN_GAP for i in range(len(columns))]
    x = {slot: lefts[i] + widths[i] / 2 for i, column in enumerate(columns) for slot in column}

    def height(slot: str) -> float:
        return sizes[slot][1] if slot in sizes else 0.0

    def gap(upper: str, lower: str) -> float:
        space = _ROW_GAP if upper in sizes and lower in sizes else _DUMMY_GAP
        return (height(upper) + height(lower)) / 2 + space + (_LOOP_HEIGHT if lower in loops else 0.0)

    seps = [[gap(a, b) for a, b in zip(column, column[1:])] for column in columns]
    y: dict[str, float] = {}
    for column, sep in zip(columns, seps):
        stacked = [sum(sep[:i]) for i in range(len(column))]
        middle = stacked[-1] / 2 if stacked else 0.0
        y.update({slot: at - middle for slot, at in zip(column, stacked)})
    for _ in range(6):
        for index in list(range(1, len(columns))) + list(range(len(columns) - 2, -1, -1)):
            column = columns[index]
            wanted = [_mean([y[n] for n in up[slot] + down[slot]], y[slot]) for slot in column]
            y.update(zip(column, _spread(wanted, seps[index])))
    top = min((y[s] - height(s) / 2 - (_LOOP_HEIGHT if s in loops else 0.0) for s in y), default=0.0)
    y = {slot: at - top + _MARGIN for slot, at in y.items()}
    total_height = max((y[s] + height(s) / 2 for s in y), default=0.0) + _MARGIN
    total_width = lefts[-1] + widths[-1] + _MARGIN if columns and order else 2 * _MARGIN

    routes = _routes(chains, flipped, loops, x, y, sizes, lefts, widths, layer_of={
        slot: i for i, column in enumerate(columns) for slot in column})
    return {node: (x[node], y[node]) for node in order}, routes, total_width, max(total_height, 2 * _MARGIN)


def _back_edges(order: list[str], flows: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Flows that close a cycle, found depth first from the sources in order: they are laid out reversed."""
    successors: dict[str, list[str]] = {node: [] for node in order}
    for source, target in flows:
        successors[source].append(target)
    has_predecessor = {target for _, target in flows}
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()

    def visit(node: str) -> None:
        state[node] = 1
        for nxt in successors[node]:
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                visit(nxt)
        state[node] = 2

    for node in [n for n in order if n not in has_predecessor] + order:
        if node not in state:
            visit(node)
    return back


def _layers(order: list[str], links: list[tuple[str, str]], actors: set[str]) -> dict[str, int]:
    """Longest path from the sources (actors in the first column); other sources sit just before their
    first successor, so that no edge runs longer than it must."""
    predecessors: dict[str, list[str]] = {node: [] for node in order}
    successors: dict[str, list[str]] = {node: [] for node in order}
    for source, target in links:
        predecessors[target].append(source)
        successors[source].append(target)
    layer: dict[str, int] = {}
    pending = list(order)
    while pending:
        ready = next(node for node in pending if all(p in layer for p in predecessors[node]))
        layer[ready] = max((layer[p] + 1 for p in predecessors[ready]), default=0)
        pending.remove(ready)
    for node in reversed(order):
        if not predecessors[node] and successors[node] and node not in actors:
            layer[node] = min(layer[s] for s in successors[node]) - 1
    return layer


def _order_columns(columns: list[list[str]], up: Mapping[str, list[str]],
                   down: Mapping[str, list[str]]) -> list[list[str]]:
    """Rows sorted by the mean row of their neighbours, sweeping right then left; the order with the
    fewest crossings wins (the first one on a tie), so the result depends on nothing but the input."""
    best, best_crossings = [list(c) for c in columns], _crossings(columns, down)
    current = [list(c) for c in columns]
    sweeps = [(index, up) for index in range(1, len(current))]
    sweeps += [(index, down) for index in range(len(current) - 2, -1, -1)]
    for _ in range(8):
        for index, neighbours in sweeps:
            row = {slot: i for column in current for i, slot in enumerate(column)}
            current[index] = sorted(current[index], key=lambda s: _mean([row[n] for n in neighbours[s]], row[s]))
            crossings = _crossings(current, down)
            if crossings < best_crossings:
                best, best_crossings = [list(c) for c in current], crossings
    return best


def _crossings(columns: list[list[str]], down: Mapping[str, list[str]]) -> int:
    """How many pairs of edges cross between neighbouring columns."""
    total = 0
    for upper, lower in zip(columns, columns[1:]):
        row = {slot: i for i, slot in enumerate(lower)}
        segments = [(i, row[n]) for i, slot in enumerate(upper) for n in down[slot] if n in row]
        total += sum(1 for k, (a, b) in enumerate(segments) for c, d in segments[k + 1:] if (a - c) * (b - d) < 0)
    return total


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def _spread(wanted: list[float], seps: list[float]) -> list[float]:
    """Positions as close as possible to ``wanted`` (least squares), in order and at least ``seps`` apart."""
    offsets = [sum(seps[:i]) for i in range(len(wanted))]
    blocks: list[list[float]] = []  # [sum, count] of pooled values, non-decreasing means
    for value in (w - o for w, o in zip(wanted, offsets)):
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    pooled = [total / count for total, count in blocks for _ in range(int(count))]
    return [p + o for p, o in zip(pooled, offsets)]


def _routes(chains: Mapping[tuple[str, str], list[str]], flipped: set[tuple[str, str]], loops: set[str],
            x: Mapping[str, float], y: Mapping[str, float], sizes: Mapping[str, tuple[float, float]],
            lefts: list[float], widths: list[float], layer_of: Mapping[str, int]
            ) -> dict[tuple[str, str], tuple[Point, ...]]:
    """Each flow's points: out of the right side of the box on its left, through the free slots of the
    columns between, into the left side of the box on its right; ports spread along the sides."""
    ports: dict[tuple[str, str], list[tuple[float, tuple[str, str]]]] = {}
    for flow, chain in chains.items():
        ports.setdefault((chain[0], "out"), []).append((y[chain[1]], flow))
        ports.setdefault((chain[-1], "in"), []).append((y[chain[-2]], flow))
    port_y: dict[tuple[tuple[str, str], str], float] = {}
    for (node, side), users in ports.items():
        users.sort(key=lambda u: (u[0], u[1]))
        step = min(10.0, (sizes[node][1] - 14.0) / max(len(users) - 1, 1))
        for i, (_, flow) in enumerate(users):
            port_y[(flow, side)] = y[node] + (i - (len(users) - 1) / 2) * step
    routes: dict[tuple[str, str], tuple[Point, ...]] = {}
    for flow, chain in chains.items():
        first, last = chain[0], chain[-1]
        points: list[Point] = [(x[first] + sizes[first][0] / 2, port_y[(flow, "out")])]
        for dummy in chain[1:-1]:
            column = layer_of[dummy]
            points += [(lefts[column], y[dummy]), (lefts[column] + widths[column], y[dummy])]
        points.append((x[last] - sizes[last][0] / 2, port_y[(flow, "in")]))
        routes[flow] = tuple(reversed(points)) if flow in flipped else tuple(points)
    for node in loops:
        top = y[node] - sizes[node][1] / 2
        cx = x[node]
        routes[(node, node)] = ((cx + 16, top), (cx + 30, top - _LOOP_HEIGHT - 8), (cx - 30, top - _LOOP_HEIGHT - 8),
                                (cx - 16, top - 1))
    return routes
