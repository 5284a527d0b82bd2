"""A lab session as notebooks use it."""

from __future__ import annotations

import pytest


def test_api_url_points_at_the_deployed_stage_and_says_when_there_is_no_api_yet(target) -> None:  # type: ignore[no-untyped-def]
    """Learners get the URL of their API from the lab; before it exists, one sentence says so."""
    from mcredlab.errors import NoApiYet
    from mcredlab.labs import get_lab
    from mcredlab.session import LabSession

    cors = LabSession(get_lab("apigw-cors"), target)
    cors.setup()
    assert cors.api_url().endswith(f"/restapis/{cors.context['api_id']}/prod/_user_request_")
    proxy = LabSession(get_lab("apigw-lambda-proxy"), target)
    proxy.setup()
    with pytest.raises(NoApiYet):
        proxy.api_url()


def test_checks_cannot_write_but_may_read_and_evaluate(target) -> None:  # type: ignore[no-untyped-def]
    """The read-only clients checks get refuse writes before sending them."""
    from mcredlab.target import WriteAttempted, reads_only

    aws = target.aws(read_only=True)
    aws.client("s3").list_buckets()
    with pytest.raises(WriteAttempted):
        aws.client("s3").create_bucket(Bucket="not-allowed")
    with pytest.raises(WriteAttempted):
        aws.http("POST", f"{target.endpoint_url}/anything")
    with pytest.raises(WriteAttempted):
        aws.cli("s3", "ls")
    assert reads_only("ApplyGuardrail") and reads_only("GetBucketPolicy") and not reads_only("PutBucketPolicy")
    assert target.aws().client("s3").list_buckets()["Buckets"] == []


def test_a_site_that_does_not_answer_is_a_failed_criterion_and_a_dead_emulator_a_sentence(target) -> None:  # type: ignore[no-untyped-def]
    """An HTTP request of a check that gets no answer is reported as what was sent and what happened."""
    from mcredlab._text import same
    from mcredlab.checking import check_one
    from mcredlab.errors import EmulatorNotRunning
    from mcredlab.lab import Criterion, passed
    from tests.conftest import free_port

    def probe(url: str) -> Criterion:
        return Criterion("probe", same("an answer"), same("a site"), same("-"),
                         lambda aws, ctx: passed(str(aws.http("GET", url).status), ""))

    closed = f"http://127.0.0.1:{free_port()}/index.html"
    result = check_one(probe(closed), target.aws(read_only=True), {})
    assert not result.passed and f"GET {closed} got no answer" in result.found.en and "応答がありません" in result.found.ja
    dead = target.__class__("emulator", target.region, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(EmulatorNotRunning):
        check_one(probe(f"{dead.endpoint_url}/bucket/index.html"), dead.aws(read_only=True), {})


def test_a_learners_own_boto3_and_aws_cli_calls_reach_the_emulator_after_open_lab(target) -> None:  # type: ignore[no-untyped-def]
    """In a kernel (here: a fresh Python process), plain ``boto3.client("s3")`` and ``!aws`` need no arguments."""
    import json
    import os
    import subprocess
    import sys

    learner_code = (
        "import json, shutil, subprocess, boto3, mcredlab\n"
        "lab = mcredlab.open_lab('s3-static-website')\n"
        "own = [b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']]\n"
        "cli = subprocess.run([shutil.which('aws') or 'aws', 's3api', 'list-buckets', '--query', 'Buckets[].Name'],\n"
        "                     capture_output=True, text=True, check=True).stdout\n"
        "print(json.dumps({'bucket': lab.context['bucket'], 'boto3': own, 'cli': json.loads(cli)}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
    done = subprocess.run([sys.executable, "-c", learner_code], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["bucket"] in seen["boto3"] and seen["bucket"] in seen["cli"]


def test_a_criterion_that_meets_an_unforeseen_state_fails_with_a_sentence(target) -> None:  # type: ignore[no-untyped-def]
    from mcredlab._text import same
    from mcredlab.checking import check_one
    from mcredlab.lab import Criterion

    def reads_a_malformed_schema(aws, ctx):  # type: ignore[no-untyped-def]
        return "x".items()  # as when a document holds a string where an object belongs

    result = check_one(Criterion("schema", same("a schema"), same("the schema"), same("-"), reads_a_malformed_schema),
                       target.aws(read_only=True), {})
    assert not result.passed and "AttributeError" in result.found.en and "cannot read" in result.found.en


def test_task_fills_in_the_names_setup_provisioned_and_keeps_placeholders_before_setup(target) -> None:  # type: ignore[no-untyped-def]
    from mcredlab.labs import get_lab
    from mcredlab.session import LabSession

    session = LabSession(get_lab("s3-static-website"), target, lang="ja")
    assert "{bucket}" in session.task()
    session.setup()
    assert session.context["bucket"] in session.task() and "{bucket}" not in session.task("en")


def test_api_url_of_a_lab_without_an_api_says_so_in_one_sentence(target) -> None:  # type: ignore[no-untyped-def]
    from mcredlab.errors import LabHasNoApi
    from mcredlab.labs import get_lab
    from mcredlab.session import LabSession

    website = LabSession(get_lab("s3-static-website"), target)
    website.setup()
    with pytest.raises(LabHasNoApi) as raised:
        website.api_url()
    assert "\n" not in raised.value.message("en") and "API を作成しない" in raised.value.message("ja")


def test_distribution_url_is_where_a_viewer_opens_the_labs_distribution(target) -> None:  # type: ignore[no-untyped-def]
    """Learners get the URL of their distribution from the lab; before it exists, or in a lab without one, one
    sentence says so."""
    import urllib.request

    from mcredlab.errors import LabHasNoDistribution, NoDistributionYet
    from mcredlab.labs import get_lab
    from mcredlab.session import LabSession

    session = LabSession(get_lab("cloudfront-s3-oac"), target)
    session.setup()
    with pytest.raises(NoDistributionYet) as raised:
        session.distribution_url()
    assert "\n" not in raised.value.message("en") and "ディストリビューションはまだありません" in raised.value.message("ja")
    session.solve()
    https, http = session.distribution_url(), session.distribution_url(https=False)
    assert https.startswith(f"{target.endpoint_url}/_cloudfront/https/") and "/https/" not in http
    with urllib.request.urlopen(https + "/", timeout=30) as reply:
        assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/html")
    website = LabSession(get_lab("s3-static-website"), target)
    with pytest.raises(LabHasNoDistribution) as refused:
        website.distribution_url()
    assert "ディストリビューションを作成しない" in refused.value.message("ja")


def test_what_aws_refused_is_named_in_the_language_of_the_message(target) -> None:  # type: ignore[no-untyped-def]
    from mcredlab._text import Text
    from mcredlab.errors import AwsRequestFailed
    from mcredlab.labs import get_lab
    from mcredlab.session import LabSession

    session = LabSession(get_lab("s3-static-website"), target)
    action = Text(en="set up s3-static-website", ja="ラボ s3-static-website の準備")
    with pytest.raises(AwsRequestFailed) as raised:
        session._run(action, lambda: target.aws().client("s3").get_bucket_policy(Bucket="mcredlab-no-such-bucket"))
    assert raised.value.message("ja").startswith("ラボ s3-static-website の準備で AWS がリクエストを拒否しました: ")
    assert "set up" not in raised.value.message("ja")
    assert raised.value.message("en").startswith("AWS refused to set up s3-static-website: NoSuchBucket")


def test_not_set_up_reads_as_one_japanese_sentence_with_a_next_step() -> None:
    from mcredlab.errors import NotSetUp

    message = NotSetUp("s3-static-website").message("ja")
    assert "`mcredlab setup s3-static-website` を実行するか、ラボのノートブックを開いてください。" in message
    assert "開く）して" not in message


# -- what the emulator leaves behind ------------------------------------------------------------------


def test_lambda_workers_keep_their_tmp_under_mcredlab_home_never_in_the_system_temp_dir(target, emulator_info) -> None:  # type: ignore[no-untyped-def]
    import os
    import tempfile
    from pathlib import Path

    from mcredlab.labs import get_lab
    from mcredlab.session import LabSession

    session = LabSession(get_lab("apigw-lambda-proxy"), target)
    session.solve()
    assert session.check().passed  # its checks call /hello: the function runs in a worker
    own = Path(os.environ["MCREDLAB_HOME"]) / "lambda" / "tmp" / f"pid-{emulator_info.pid}"
    assert list(own.glob("mcredlab-lambda-*")), "a worker's /tmp, under the emulator's own directory"
    assert not list(Path(tempfile.gettempdir()).glob("mcredlab-lambda-*"))


def test_a_new_lambda_pool_removes_the_tmp_dirs_a_killed_emulator_left(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    from mcredlab.emulator.lambda_pool import Pool

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / "tmp" / f"pid-{gone.stdout.strip()}" / "mcredlab-lambda-abc"
    stale.mkdir(parents=True)
    pool = Pool(tmp_path / "code", "http://127.0.0.1:1")
    assert not stale.parent.exists()
    assert pool.tmp_root == tmp_path / "tmp" / f"pid-{os.getpid()}" and pool.tmp_root.is_dir()
