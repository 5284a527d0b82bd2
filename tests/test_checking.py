"""Root causes first: a criterion that requires another waits on it while it fails, and every output says so."""

from __future__ import annotations

import json

import pytest

from mcredlab._text import Text
from mcredlab.checking import CriterionResult, run_check
from mcredlab.lab import Context, Finding, Lab, failed, passed
from mcredlab.render import report_html, report_text
from mcredlab.target import Aws, Target

NOBODY = Target("emulator", "us-east-1", "http://127.0.0.1:1")  # the criteria below send nothing


def _lab(outcomes: dict[str, bool], requires: dict[str, tuple[str, ...]]) -> tuple[Lab, list[str]]:
    lab = Lab(id="chain", track="serverless", services=("s3",), certs=("SAA",), minutes=5,
              title=Text(en="Chain", ja="連鎖"), task=Text(en="Do it.", ja="実行してください。"))
    ran: list[str] = []
    for cid, ok in outcomes.items():
        def check(aws: Aws, ctx: Context, cid: str = cid, ok: bool = ok) -> Finding:
            ran.append(cid)
            return passed(f"{cid} is there", f"{cid} があります") if ok else failed(f"no {cid}", f"{cid} がありません")

        lab.criterion(cid, expected=Text(en=f"{cid} exists", ja=f"{cid} が存在する"),
                      looked_at=Text(en=cid, ja=cid), hint=Text(en="Make it.", ja="作成します。"),
                      requires=requires.get(cid, ()))(check)
    return lab, ran


def _check(lab: Lab):  # type: ignore[no-untyped-def]
    return run_check(lab, NOBODY.aws(read_only=True), {})


def test_a_criterion_whose_requirement_fails_waits_and_is_not_run() -> None:
    lab, ran = _lab({"guardrail": False, "topic": True, "version": True}, {"topic": ("guardrail",)})
    report = _check(lab)
    states = {r.id: r.state for r in report.results}
    assert states == {"guardrail": "failed", "topic": "waiting", "version": "passed"}
    assert ran == ["guardrail", "version"]
    topic = report.results[1]
    assert topic.waiting_on == ("guardrail",) and not topic.passed
    assert topic.found.en == "waiting on: guardrail exists" and "guardrail が存在する" in topic.found.ja
    assert report.failed_ids == ["guardrail", "topic"] and report.ids("waiting") == ["topic"]


def test_waiting_follows_the_chain_to_its_failed_root() -> None:
    lab, _ = _lab({"api": False, "method": True, "deployed": True, "behaviour": True},
                  {"method": ("api",), "deployed": ("method",), "behaviour": ("deployed", "api")})
    report = _check(lab)
    assert [(r.id, r.state, r.waiting_on) for r in report.results] == [
        ("api", "failed", ()), ("method", "waiting", ("api",)), ("deployed", "waiting", ("api",)),
        ("behaviour", "waiting", ("api",)),
    ]


def test_a_met_requirement_lets_the_criterion_run() -> None:
    lab, ran = _lab({"guardrail": True, "topic": False}, {"topic": ("guardrail",)})
    assert [r.state for r in _check(lab).results] == ["passed", "failed"] and ran == ["guardrail", "topic"]


def test_requires_must_name_an_earlier_criterion() -> None:
    with pytest.raises(ValueError, match="not earlier criteria"):
        _lab({"topic": True, "guardrail": True}, {"topic": ("guardrail",)})


def test_json_keeps_every_criterion_with_its_state_and_what_it_waits_on() -> None:
    lab, _ = _lab({"guardrail": False, "topic": True}, {"topic": ("guardrail",)})
    shown = json.loads(json.dumps(_check(lab).to_json("ja"), ensure_ascii=False))
    assert shown["counts"] == {"passed": 0, "failed": 1, "waiting": 1}
    assert [(c["id"], c["state"], c["waiting_on"], c["passed"]) for c in shown["criteria"]] == [
        ("guardrail", "failed", [], False), ("topic", "waiting", ["guardrail"], False)]
    assert shown["criteria"][1]["message"].startswith("次の項目の達成を待っています")


def test_a_waiting_criterion_is_one_folded_line_in_text_and_html() -> None:
    lab, _ = _lab({"guardrail": False, "topic": True}, {"topic": ("guardrail",)})
    report = _check(lab)
    text = report_text(report, "en").splitlines()
    assert text[0] == "chain: NOT YET (0 of 2 criteria met, 1 waiting on another)"
    assert text[-1] == "  … [topic] topic exists — waiting on: guardrail exists"
    html = report_html(report, "en")
    waiting_row = html.split('data-criterion="topic"')[1].split("</li>")[0]
    assert 'data-state="waiting"' in waiting_row and "<details" not in waiting_row and "Checked" not in waiting_row


def test_a_stored_result_keeps_its_state_and_older_records_still_load() -> None:
    lab, _ = _lab({"guardrail": False, "topic": True}, {"topic": ("guardrail",)})
    for result in _check(lab).results:
        assert CriterionResult.from_record(json.loads(json.dumps(result.to_record()))) == result
    old = {"id": "x", "passed": True, **{k: {"en": "e", "ja": "j"} for k in ("expected", "looked_at", "found", "hint")}}
    assert CriterionResult.from_record(old).state == "passed"
