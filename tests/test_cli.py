"""The ``mcredlab`` command: what it prints, its exit codes, and that every learner-facing failure is one
sentence with exit code 2 and no traceback. Most tests drive it in-process with click's CliRunner; a few
run the installed command in a real subprocess, as a learner's terminal does."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest
from click.testing import CliRunner, Result

from mcredlab import emulator
from mcredlab.catalog import service_names
from mcredlab.cli import main
from mcredlab.emulator import control
from mcredlab.lab import Lab
from mcredlab.labs import all_labs
from mcredlab.store import Store
from mcredlab.target import Target
from tests.conftest import free_port

LABS = list(all_labs().values())
WEBSITE = "s3-static-website"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
by_id = pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)


def run(*args: str) -> Result:
    """``mcredlab ARGS`` in this process (stderr kept apart from stdout)."""
    return CliRunner().invoke(main, list(args))


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``mcredlab ARGS`` as a real process, the installed script when there is one."""
    script = Path(sys.executable).with_name("mcredlab")
    argv = [str(script)] if script.exists() else [sys.executable, "-c", "from mcredlab.cli import main; main()"]
    return subprocess.run([*argv, *args], env=env, capture_output=True, text=True, timeout=120)


def assert_learner_error(result: Result | subprocess.CompletedProcess[str], *says: str) -> str:
    """Exit code 2, one line on stderr containing ``says``, nothing on stdout, no traceback."""
    code = result.exit_code if isinstance(result, Result) else result.returncode
    assert code == 2, result.stdout + result.stderr
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message and "\n" not in message, f"not one line: {message!r}"
    assert "Traceback" not in message
    for part in says:
        assert part in message
    return message


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    return free_port()


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A ``MCREDLAB_HOME`` of its own, whose emulator (if a test starts one) uses a free port and is stopped after."""
    monkeypatch.setenv("MCREDLAB_HOME", str(tmp_path))
    monkeypatch.setattr(control, "DEFAULT_PORT", free_port())
    yield tmp_path
    emulator.stop()


# -- list ----------------------------------------------------------------------------------------


def test_list_json_names_every_lab_with_its_metadata_in_both_languages() -> None:
    result = run("list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == list(all_labs())
    for row in rows:
        lab = all_labs()[row["id"]]
        assert row["track"] == lab.track
        assert row["services"] == list(lab.services) and row["certs"] == list(lab.certs)
        assert row["title"] == {"en": lab.title.en, "ja": lab.title.ja}


@by_id
def test_list_filters_by_track_and_by_cert_in_any_case(lab: Lab) -> None:
    by_track = json.loads(run("list", "--json", "--track", lab.track).stdout)
    assert lab.id in [row["id"] for row in by_track] and {row["track"] for row in by_track} == {lab.track}
    cert = lab.certs[0]
    by_cert = json.loads(run("list", "--json", "--cert", cert.lower()).stdout)
    assert lab.id in [row["id"] for row in by_cert] and all(cert in row["certs"] for row in by_cert)
    assert json.loads(run("list", "--json", "--track", "no-such-track").stdout) == []
    assert json.loads(run("list", "--json", "--cert", "NOPE").stdout) == []


def test_list_that_matches_nothing_says_so_and_names_the_tracks() -> None:
    for lang, says in (("en", "No lab matches"), ("ja", "条件に合うラボはありません")):
        result = run("list", "--track", "nope", "--lang", lang)
        assert result.exit_code == 0 and says in result.output and "serverless" in result.output


def test_list_lines_up_its_columns_for_the_longest_lab_id() -> None:
    lines = run("list").stdout.splitlines()
    assert len(lines) == len(LABS)
    assert len({line.index(" min  ") for line in lines}) == 1


def test_list_in_japanese_prints_the_japanese_titles() -> None:
    result = run("list", "--lang", "ja")
    assert result.exit_code == 0
    for lab in LABS:
        assert lab.title.ja in result.stdout


def test_list_shows_each_labs_services_as_the_console_names_them() -> None:
    for lang in ("en", "ja"):
        lines = run("list", "--track", "serverless", "--lang", lang).stdout.splitlines()
        rows = {line.split()[0]: line for line in lines}
        for lab in LABS:
            if lab.track == "serverless":
                assert all(name in rows[lab.id] for name in service_names(lab, lang)), rows[lab.id]  # type: ignore[arg-type]
        assert "API Gateway" in rows["apigw-lambda-proxy"]
    rows = json.loads(run("list", "--json").stdout)
    assert {row["id"]: row["service_names"] for row in rows}["bedrock-agent-guardrail"] == [
        "Bedrock Agents", "Bedrock", "IAM"]


def test_list_json_in_a_real_process() -> None:
    done = run_process("list", "--json")
    assert done.returncode == 0, done.stderr
    assert [row["id"] for row in json.loads(done.stdout)] == list(all_labs())


# -- the lab lifecycle on the test emulator -------------------------------------------------------


@by_id
def test_setup_check_solve_check_reset(lab: Lab, target: Target) -> None:
    """Fresh state fails (1), the reference solution passes (0), and reset forgets the attempt (2)."""
    setup = run("setup", lab.id, "--json")
    assert setup.exit_code == 0, setup.output
    context = json.loads(setup.stdout)
    assert context and all(isinstance(v, str) and v for v in context.values())
    assert Store().attempt(lab.id, target.key).context == context  # type: ignore[union-attr]

    assert run("check", lab.id).exit_code == 1
    solved = run("solve", lab.id)
    assert solved.exit_code == 0 and lab.id in solved.stdout
    passed = run("check", lab.id)
    assert passed.exit_code == 0, passed.output
    assert "PASSED" in passed.stdout

    assert run("reset", lab.id).exit_code == 0
    assert_learner_error(run("check", lab.id), f"mcredlab setup {lab.id}")


def test_setup_without_json_prints_the_title_and_the_resources(target: Target) -> None:
    result = run("setup", WEBSITE)
    assert result.exit_code == 0
    assert all_labs()[WEBSITE].title.en in result.stdout and "bucket:" in result.stdout


def test_check_json_has_the_documented_shape(target: Target) -> None:
    run("setup", WEBSITE)
    result = run("check", WEBSITE, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"lab", "passed", "counts", "criteria"}
    assert report["lab"] == WEBSITE and report["passed"] is False
    assert [c["id"] for c in report["criteria"]] == [c.id for c in all_labs()[WEBSITE].criteria]
    assert set(report["counts"]) == {"passed", "failed", "waiting"}
    assert sum(report["counts"].values()) == len(report["criteria"])
    for criterion in report["criteria"]:
        assert set(criterion) == {"id", "state", "passed", "waiting_on", "message", "hint"}
        assert criterion["state"] in report["counts"] and isinstance(criterion["waiting_on"], list)
        assert isinstance(criterion["passed"], bool) and criterion["message"] and criterion["hint"]


def test_check_in_japanese_prints_japanese(target: Target) -> None:
    run("setup", WEBSITE)
    result = run("check", WEBSITE, "--lang", "ja")
    assert result.exit_code == 1
    assert "未達成" in result.stdout and "ヒント" in result.stdout
    as_json = json.loads(run("check", WEBSITE, "--json", "--lang", "ja").stdout)
    assert all(JAPANESE.search(c["message"]) and JAPANESE.search(c["hint"]) for c in as_json["criteria"])


def test_lang_comes_from_mcredlab_lang(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    run("setup", WEBSITE)
    monkeypatch.setenv("MCREDLAB_LANG", "ja")
    assert "未達成" in run("check", WEBSITE).stdout


def test_progress_shows_what_was_checked_and_passed(target: Target) -> None:
    run("solve", WEBSITE)
    run("check", WEBSITE)
    rows = json.loads(run("progress", "--json").stdout)
    assert [(row["lab"], row["passed"], row["checks"]) for row in rows] == [(WEBSITE, True, 1)]
    assert "合格" in run("progress", "--lang", "ja").stdout


def test_setup_solve_check_in_real_processes(target: Target) -> None:
    """The installed command, as a terminal runs it, finds the test emulator through MCREDLAB_HOME."""
    assert run_process("setup", WEBSITE).returncode == 0
    assert run_process("check", WEBSITE).returncode == 1
    assert run_process("solve", WEBSITE).returncode == 0
    done = run_process("check", WEBSITE, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["passed"] is True


def test_the_aws_cli_reaches_the_emulator_and_sees_the_labs_bucket(target: Target) -> None:
    """With only the target's environment, no extra arguments, the real ``aws`` command sees the lab's bucket."""
    aws = shutil.which("aws")
    if aws is None:
        pytest.skip("the aws command is not installed")
    bucket = json.loads(run("setup", WEBSITE, "--json").stdout)["bucket"]
    done = subprocess.run(
        [aws, "s3api", "list-buckets", "--query", "Buckets[].Name", "--output", "json"],
        env={**os.environ, **target.environ()}, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert bucket in json.loads(done.stdout)


# -- the emulator commands, on an emulator of their own ----------------------------------------------


def test_emulator_start_is_idempotent_and_status_and_stop_follow_it(empty_home: Path) -> None:
    assert run("emulator", "status").exit_code == 1
    started = run("emulator", "start")
    assert started.exit_code == 0, started.output
    url = started.stdout.strip()
    assert url == f"http://127.0.0.1:{control.DEFAULT_PORT}"
    assert run("emulator", "start").stdout.strip() == url
    status = run("emulator", "status", "--json")
    assert status.exit_code == 0
    assert json.loads(status.stdout)["url"] == url and json.loads(status.stdout)["running"] is True
    assert url in run("emulator", "status").stdout
    assert run("emulator", "reset").stdout.strip() == "reset"
    assert run("emulator", "stop").stdout.strip() == "stopped"
    assert run("emulator", "status").exit_code == 1
    assert run("emulator", "stop").stdout.strip() == "not running"


def test_emulator_reset_without_an_emulator_is_a_learner_error(empty_home: Path) -> None:
    assert_learner_error(run("emulator", "reset"), "mcredlab emulator start")


def test_progress_needs_no_running_emulator(empty_home: Path) -> None:
    result = run("progress", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    assert emulator.status() is None


# -- learner errors: exit 2, one sentence, no traceback ------------------------------------------------


@pytest.mark.parametrize("command", ["setup", "check", "solve", "reset"])
def test_unknown_lab(command: str) -> None:
    assert_learner_error(run(command, "no-such-lab"), "no-such-lab", WEBSITE)


def test_unknown_lab_in_japanese() -> None:
    message = assert_learner_error(run("check", "no-such-lab", "--lang", "ja"), "no-such-lab")
    assert JAPANESE.search(message)


def test_check_when_the_emulator_is_not_running(empty_home: Path) -> None:
    assert_learner_error(run("check", WEBSITE), "mcredlab emulator start")
    assert emulator.status() is None, "check never starts an emulator"


def test_check_when_the_emulator_is_not_running_in_a_real_process(empty_home: Path) -> None:
    done = run_process("check", WEBSITE)  # inherits the empty MCREDLAB_HOME
    assert_learner_error(done, "mcredlab emulator start")


@pytest.mark.parametrize("command", ["setup", "check"])
def test_real_aws_needs_the_opt_in(command: str) -> None:
    assert_learner_error(run(command, WEBSITE, "--target", "aws"), "MCREDLAB_ALLOW_REAL_AWS=1")


def test_real_aws_with_the_opt_in_but_no_credentials(monkeypatch: pytest.MonkeyPatch, closed_port: int) -> None:
    monkeypatch.setenv("MCREDLAB_ALLOW_REAL_AWS", "1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata credentials either
    # Safety net: should credentials turn up after all, requests go to a closed port, never to AWS.
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    assert_learner_error(run("setup", WEBSITE, "--target", "aws"), "aws configure")


def test_endpoint_that_does_not_answer(monkeypatch: pytest.MonkeyPatch, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    assert_learner_error(run("setup", WEBSITE), url, "AWS_ENDPOINT_URL")


def test_check_in_another_region_than_setup(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCREDLAB_REGION", "us-east-1")
    assert run("setup", WEBSITE).exit_code == 0
    monkeypatch.setenv("MCREDLAB_REGION", "eu-west-1")
    assert_learner_error(run("check", WEBSITE), "us-east-1", "eu-west-1")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_an_aws_endpoint_url_of_the_running_emulator_is_the_emulator_target(
    host: str, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lab set up on the emulator is found again when AWS_ENDPOINT_URL names that emulator, however spelt."""
    assert run("setup", WEBSITE).exit_code == 0
    port = urlsplit(str(target.endpoint_url)).port
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    assert run("check", WEBSITE).exit_code == 1, "checked, not 'has not been set up'"
    env = {**os.environ, "AWS_ENDPOINT_URL": f"http://{host}:{port}/"}
    done = run_process("check", WEBSITE, "--target", "endpoint", env=env)
    assert done.returncode == 1, done.stderr
    assert json.loads(run("progress", "--json").stdout)[0]["checks"] == 2


def test_check_before_setup(target: Target) -> None:
    assert_learner_error(run("check", WEBSITE), f"mcredlab setup {WEBSITE}")


def test_unknown_target_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCREDLAB_TARGET", "mars")
    assert_learner_error(run("check", WEBSITE), "mars")


def test_lab_starts_the_emulator_and_execs_jupyterlab_on_the_labs_with_extra_options(
    fresh_emulator, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """`mcredlab lab` passes Jupyter's own options through and points kernels at the emulator."""
    seen: dict[str, object] = {}

    def fake_exec(program: str, argv: list[str]) -> None:
        seen["argv"] = argv
        seen["endpoint"] = os.environ.get("AWS_ENDPOINT_URL")

    monkeypatch.setattr(os, "execvp", fake_exec)
    monkeypatch.delenv("MCREDLAB_TARGET", raising=False)
    monkeypatch.setattr(os, "environ", dict(os.environ))  # the command sets variables for Jupyter's kernels
    result = CliRunner().invoke(main, ["lab", "--no-browser", "--port", "18999", "--ServerApp.token=abc"])
    assert result.exit_code == 0, result.output
    argv = seen["argv"]
    assert isinstance(argv, list) and "lab" in argv and "--ServerApp.token=abc" in argv and "--no-browser" in argv
    assert any(a.startswith("--notebook-dir=") and a.endswith("labs") for a in argv)
    assert seen["endpoint"] == fresh_emulator.url



def test_lab_keeps_the_learners_endpoint_and_starts_no_emulator(
    empty_home: Path, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    """An AWS_ENDPOINT_URL set by the learner means that endpoint, in JupyterLab's kernels too."""
    seen: dict[str, object] = {}
    monkeypatch.setattr(os, "execvp", lambda program, argv: seen.update(os.environ))
    monkeypatch.delenv("MCREDLAB_TARGET", raising=False)
    monkeypatch.setattr(os, "environ", dict(os.environ))
    url = f"http://127.0.0.1:{closed_port}"
    os.environ["AWS_ENDPOINT_URL"] = url
    result = CliRunner().invoke(main, ["lab", "--no-browser"])
    assert result.exit_code == 0, result.output
    assert seen["AWS_ENDPOINT_URL"] == url and seen["MCREDLAB_TARGET"] == "endpoint"
    assert emulator.status() is None


def test_emulator_start_on_another_port_never_moves_a_running_emulator(empty_home: Path) -> None:
    url = run("emulator", "start").stdout.strip()
    try:
        assert_learner_error(run("emulator", "start", "--port", str(free_port())), url, "mcredlab emulator stop")
        assert run("emulator", "status", "--json").exit_code == 0
        assert json.loads(run("emulator", "status", "--json").stdout)["url"] == url
    finally:
        run("emulator", "stop")


def test_endpoint_target_without_an_endpoint_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert_learner_error(run("check", WEBSITE, "--target", "endpoint"), "AWS_ENDPOINT_URL", "--target emulator")


# -- a terminal of the learner's own: env, task, url ------------------------------------------------


def _without_aws_settings() -> dict[str, str]:
    """This process's environment without any AWS_ variable (but the test's empty AWS config files)."""
    keep = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MCREDLAB_TARGET")) or k in keep}


def test_eval_mcredlab_env_lets_plain_aws_commands_in_a_shell_reach_the_emulator(target: Target) -> None:
    aws = shutil.which("aws")
    if aws is None:
        pytest.skip("the aws command is not installed")
    bucket = json.loads(run("setup", WEBSITE, "--json").stdout)["bucket"]
    script = Path(sys.executable).with_name("mcredlab")
    mcredlab = shlex.quote(str(script)) if script.exists() else f"{shlex.quote(sys.executable)} -m mcredlab"
    shell = (f'eval "$({mcredlab} env)" && aws s3 ls && aws sts get-caller-identity --query Account --output text '
             '&& echo "endpoint=$AWS_ENDPOINT_URL"')
    done = subprocess.run(["bash", "-c", shell], env=_without_aws_settings(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert bucket in done.stdout and "123456789012" in done.stdout
    assert f"endpoint={target.endpoint_url}" in done.stdout


def test_env_prints_one_shell_quoted_export_per_variable_of_the_target(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCREDLAB_REGION", "us-east-1; echo oops")  # quoted, never run by eval
    result = run("env")
    assert result.exit_code == 0, result.output
    exports = [shlex.split(line) for line in result.stdout.splitlines()]
    assert all(len(words) == 2 and words[0] == "export" for words in exports)
    assert dict(words[1].split("=", 1) for words in exports) == resolve_target().environ()


def resolve_target() -> Target:
    from mcredlab.target import resolve

    return resolve(None, start_emulator=False)


def test_env_starts_the_emulator_when_it_is_not_running(empty_home: Path) -> None:
    result = run("env")
    assert result.exit_code == 0, result.output
    info = emulator.status()
    assert info is not None and f"export AWS_ENDPOINT_URL={info.url}" in result.stdout


def test_task_sets_the_lab_up_and_prints_it_with_the_names_of_its_resources(target: Target) -> None:
    result = run("task", WEBSITE)
    assert result.exit_code == 0, result.output
    attempt = Store().attempt(WEBSITE, target.key)
    assert attempt is not None, "task set the lab up"
    assert attempt.context["bucket"] in result.stdout and "{bucket}" not in result.stdout
    assert all_labs()[WEBSITE].title.en in result.stdout
    japanese = run("task", WEBSITE, "--lang", "ja")
    assert all_labs()[WEBSITE].title.ja in japanese.stdout and attempt.context["bucket"] in japanese.stdout
    assert "準備しました" not in japanese.stderr, "only the first call sets the lab up"


def test_url_prints_the_invoke_url_and_says_in_one_sentence_when_there_is_none(target: Target) -> None:
    assert run("setup", "apigw-cors").exit_code == 0
    api_id = Store().attempt("apigw-cors", target.key).context["api_id"]  # type: ignore[union-attr]
    result = run("url", "apigw-cors")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{target.endpoint_url}/restapis/{api_id}/prod/_user_request_"
    run("setup", "apigw-lambda-proxy")
    assert_learner_error(run("url", "apigw-lambda-proxy"), "no REST API named mcredlab-hello-api")
    assert_learner_error(run("url", WEBSITE), "does not build an API")  # set up or not
    assert JAPANESE.search(assert_learner_error(run("url", WEBSITE, "--lang", "ja"), "API"))


def test_url_of_a_lab_with_a_distribution_prints_where_an_https_or_http_viewer_opens_it(target: Target) -> None:
    from mcredlab.kit import cloudfront

    lab = all_labs()["cloudfront-s3-oac"]
    assert run("setup", lab.id).exit_code == 0
    comment = Store().attempt(lab.id, target.key).context["distribution_comment"]  # type: ignore[union-attr]
    assert_learner_error(run("url", lab.id), f"no CloudFront distribution described as {comment}")
    assert JAPANESE.search(assert_learner_error(run("url", lab.id, "--lang", "ja"), comment))
    assert run("solve", lab.id).exit_code == 0
    found = cloudfront.distribution_by_comment(target.aws(), comment)
    assert found is not None
    assert run("url", lab.id).stdout.strip() == f"{target.endpoint_url}/_cloudfront/https/{found['Id']}"
    assert run("url", lab.id, "--http").stdout.strip() == f"{target.endpoint_url}/_cloudfront/{found['Id']}"


def test_progress_says_so_when_nothing_has_been_checked_yet(empty_home: Path) -> None:
    assert "No lab has been checked" in run("progress").stdout
    assert "まだどのラボもチェックしていません" in run("progress", "--lang", "ja").stdout


def test_progress_in_japanese_names_the_number_of_checks_in_japanese(target: Target) -> None:
    run("setup", WEBSITE)
    run("check", WEBSITE)
    assert "checks: 1" in run("progress").stdout
    assert "チェック回数: 1" in run("progress", "--lang", "ja").stdout


# -- every string in both languages ----------------------------------------------------------------


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("how", ["--lang ja", "MCREDLAB_LANG=ja"])
def test_help_of_the_group_and_of_every_command_is_japanese(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcredlab.cli import Command, Group, Option

    if how.startswith("MCREDLAB_LANG"):
        monkeypatch.setenv("MCREDLAB_LANG", "ja")
    for path, command in _commands(main):
        args = ["--lang", "ja", *path, "--help"] if how == "--lang ja" else [*path, "--help"]
        result = run(*args)
        assert result.exit_code == 0, result.output
        help_text = _squeezed(result.stdout)
        assert isinstance(command, (Command, Group)), path
        assert _squeezed(command.text.ja) in help_text, path
        for param in command.params:
            if isinstance(param, click.Option):
                assert isinstance(param, Option) and param.text is not None, (path, param.name)
                assert _squeezed(param.text.ja) in help_text, (path, param.name)
        assert "使い方:" in result.stdout and "このヘルプを表示して終了します。" in result.stdout
        for english in ("Usage:", "Options:", "Show this message", "Commands:"):
            assert english not in result.stdout, (path, english)
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                assert _squeezed(sub.text.ja.split("。")[0]) in help_text  # type: ignore[attr-defined]


def test_help_is_english_by_default_and_japanese_after_a_command_s_own_lang() -> None:
    assert "Check LAB: exit 0" in run("check", "--help").stdout
    assert "LAB をチェックします" in run("check", "--lang", "ja", "--help").stdout
    assert "LAB をチェックします" in run("check", "--help", "--lang=ja").stdout
    done = run_process("--lang", "ja", "--help")
    assert done.returncode == 0 and "ローカルの AWS エミュレーター" in done.stdout


def test_the_group_lang_applies_to_a_command_s_output() -> None:
    assert all_labs()[WEBSITE].title.ja in run("--lang", "ja", "list").stdout
    assert " 分  " in run("--lang", "ja", "list").stdout


def test_emulator_commands_speak_japanese(empty_home: Path) -> None:
    assert run("emulator", "status", "--lang", "ja").stdout.strip() == "起動していません"
    url = run("emulator", "start").stdout.strip()
    status = run("--lang", "ja", "emulator", "status").stdout.strip()
    assert status.startswith(f"{url} で起動しています（PID ")
    assert run("emulator", "reset", "--lang", "ja").stdout.strip() == "リセットしました"
    assert run("emulator", "stop", "--lang", "ja").stdout.strip() == "停止しました"
    message = assert_learner_error(run("emulator", "reset", "--lang", "ja"), "mcredlab emulator start")
    assert message.startswith("ローカルの AWS エミュレーターが起動していません")


def test_an_emulator_port_in_use_is_said_in_japanese(empty_home: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        message = assert_learner_error(run("emulator", "start", "--port", str(port), "--lang", "ja"))
    assert f"ポート {port} はすでに使用されています" in message and "in use" not in message


def test_emulator_not_running_at_a_url_reads_naturally_in_japanese() -> None:
    from mcredlab.errors import EmulatorNotRunning

    message = EmulatorNotRunning("http://127.0.0.1:4747").message("ja")
    assert message.startswith("http://127.0.0.1:4747 のローカルの AWS エミュレーターが起動していません。")
    assert " at " not in message


# -- mcredlab lab --------------------------------------------------------------------------------------


def _exec_recorder(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Make ``os.execvp`` record its argv and the environment it would hand JupyterLab."""
    seen: dict[str, object] = {}
    monkeypatch.setattr(os, "execvp", lambda program, argv: seen.update(argv=argv, env=dict(os.environ)))
    monkeypatch.delenv("MCREDLAB_TARGET", raising=False)
    monkeypatch.setattr(os, "environ", dict(os.environ))
    return seen


def test_lab_starts_the_emulator_on_the_emulator_port(empty_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _exec_recorder(monkeypatch)
    port = free_port()
    result = CliRunner().invoke(main, ["lab", "--emulator-port", str(port), "--port", "18998", "--no-browser"])
    assert result.exit_code == 0, result.output
    assert f"AWS emulator: http://127.0.0.1:{port}" in result.stdout
    assert emulator.status().port == port  # type: ignore[union-attr]
    assert "--port=18998" in seen["argv"]  # type: ignore[operator]
    assert seen["env"]["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{port}"  # type: ignore[index]


def test_lab_in_japanese_uses_its_own_settings_with_the_japanese_locale_and_leaves_the_learners_alone(
    fresh_emulator: emulator.EmulatorInfo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    own = tmp_path / "own-settings"
    (own / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (own / "@jupyterlab" / "apputils-extension" / "themes.jupyterlab-settings").write_text('{"theme": "JupyterLab Dark"}')
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(own))
    seen = _exec_recorder(monkeypatch)
    result = CliRunner().invoke(main, ["lab", "--lang", "ja", "--no-browser"])
    assert result.exit_code == 0, result.output
    assert "AWS エミュレーター:" in result.stdout
    settings = Path(seen["env"]["JUPYTERLAB_SETTINGS_DIR"])  # type: ignore[index]
    assert settings.is_relative_to(os.environ["MCREDLAB_HOME"])
    plugin = settings / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
    assert json.loads(plugin.read_text()) == {"locale": "ja_JP"}
    assert (settings / "@jupyterlab" / "apputils-extension" / "themes.jupyterlab-settings").exists()
    assert sorted(p.name for p in own.rglob("*")) == ["@jupyterlab", "apputils-extension", "themes.jupyterlab-settings"]


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return json.loads(reply.read())


def test_lab_lang_ja_opens_jupyterlab_with_its_menus_in_japanese(fresh_emulator: emulator.EmulatorInfo, tmp_path: Path) -> None:
    """The real JupyterLab, started by the real command: its translation setting is Japanese, and the pack is there."""
    port, token = free_port(), "mcredlab-lab-ja"
    script = Path(sys.executable).with_name("mcredlab")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "mcredlab"]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    process = subprocess.Popen([*argv, "lab", "--lang", "ja", "--no-browser", "--port", str(port),
                                f"--ServerApp.token={token}"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}/lab/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                setting = _get_json(f"{base}/settings/@jupyterlab/translation-extension:plugin?token={token}")
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.5)
        assert setting["settings"]["locale"] == "ja_JP"  # type: ignore[index]
        pack = _get_json(f"{base}/translations/ja_JP?token={token}")
        assert pack["message"] == "" and pack["data"]  # type: ignore[index]
        assert "ファイル" in json.dumps(pack["data"], ensure_ascii=False)  # type: ignore[index]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.parametrize(("args", "says"), [
    (["check"], "引数 'LAB' を指定してください。"),
    (["chek"], "コマンド 'chek' はありません。check のことですか？"),
    (["list", "--bogus"], "オプション --bogus はありません。"),
    (["setup", "s3-static-website", "--target", "x"], "'--target' の値が正しくありません"),
])
def test_usage_errors_speak_the_chosen_language(args: list[str], says: str) -> None:
    japanese = CliRunner().invoke(main, [*args, "--lang", "ja"], prog_name="mcredlab")
    assert japanese.exit_code == 2 and says in japanese.stderr and "使い方: mcredlab" in japanese.stderr
    assert "Error" not in japanese.stderr and "Usage" not in japanese.stderr
    english = CliRunner().invoke(main, args, prog_name="mcredlab")
    assert english.exit_code == 2 and "Error: " in english.stderr and "Usage: mcredlab" in english.stderr


def test_a_usage_error_in_a_real_process_is_japanese_under_mcredlab_lang() -> None:
    done = run_process("chek", env={**os.environ, "MCREDLAB_LANG": "ja"})
    assert done.returncode == 2 and "コマンド 'chek' はありません。" in done.stderr and "Traceback" not in done.stderr
