"""``mcredlab new-lab ID``: a new task module and its notebook, as a small lab that already works.

The module it writes passes the lab contract as it stands (a queue that keeps messages for one day),
so the author starts from green and changes it into the real task piece by piece, running
``pytest tests/test_lab_contract.py -k ID`` as they go.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from mcredlab import notebooks
from mcredlab._text import Text
from mcredlab.catalog import TRACKS
from mcredlab.lab import Lab

LAB_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
"""A lab id: lower-case words joined by hyphens, at least two (``s3-lifecycle-rules``)."""

TEMPLATE = '''"""{title_en}."""

from __future__ import annotations

import json

from mcredlab.kit import Aws, Context, Finding, Lab, Text, failed, or_none, passed, sqs

# Replace this example (a queue that keeps messages for one day) with the task, part by part: metadata and
# texts, setup, criteria, the reference solution, near misses and other valid solutions. The docstring of
# mcredlab/lab.py explains each part; `from mcredlab.kit import ...` is all a task module needs. `flows` is the
# lab's part of its track's architecture diagram (docs/diagrams.md).

lab = Lab(
    id="{lab_id}",
    track="{track}",
    services=("sqs",),
    flows=(("app", "sqs"),),
    certs=("DVA",),
    minutes=10,
    title=Text(en="{title_en}", ja="{title_ja}"),
    task=Text(
        en="Create an SQS standard queue named **{{queue_name}}** that keeps messages for one day "
        "(message retention period 86400 seconds).",
        ja="メッセージを 1 日（メッセージ保持期間 86400 秒）保持する SQS 標準キュー **{{queue_name}}** を作成してください。",
    ),
)

ONE_DAY = "86400"


@lab.setup
def setup(aws: Aws) -> Context:
    """Nothing to provision: the learner creates the queue. The context names what to build."""
    return {{"queue_name": "mcredlab-{lab_id}"}}


@lab.criterion(
    "queue",
    expected=Text(en="a queue named {{queue_name}}", ja="{{queue_name}} という名前のキュー"),
    looked_at=Text(en="the SQS queues of the Region", ja="リージョン内の SQS キュー"),
    hint=Text(en="SQS console > Create queue > Standard, named exactly {{queue_name}}.",
              ja="SQS コンソールで「キューを作成」>「標準」を選び、名前を正確に {{queue_name}} にします。"),
)
def queue(aws: Aws, ctx: Context) -> Finding:
    url = sqs.queue_url(aws, ctx["queue_name"])
    if url is None:
        return failed("no queue with that name", "その名前のキューがありません")
    return passed(f"queue `{{url}}`", f"キュー `{{url}}`")


@lab.criterion(
    "retention-one-day",
    expected=Text(en="messages are kept for one day (86400 seconds)", ja="メッセージが 1 日（86400 秒）保持される"),
    looked_at=Text(en="the message retention period of {{queue_name}}", ja="{{queue_name}} のメッセージ保持期間"),
    hint=Text(en="Edit the queue > Configuration > Message retention period: 1 day.",
              ja="キューを編集し、「設定」の「メッセージ保持期間」を 1 日にします。"),
    requires="queue",
)
def retention_one_day(aws: Aws, ctx: Context) -> Finding:
    seconds = (sqs.attributes(aws, ctx["queue_name"]) or {{}}).get("MessageRetentionPeriod")
    if seconds == ONE_DAY:
        return passed(f"{{seconds}} seconds", f"{{seconds}} 秒")
    return failed(f"{{seconds}} seconds", f"{{seconds}} 秒")


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    aws.client("sqs").create_queue(QueueName=ctx["queue_name"], Attributes={{"MessageRetentionPeriod": ONE_DAY}})


@lab.alternative("aws-cli", story=Text(en="the AWS CLI", ja="AWS CLI で作成"))
def with_the_cli(aws: Aws, ctx: Context) -> None:
    aws.cli("sqs", "create-queue", "--queue-name", ctx["queue_name"],
            "--attributes", json.dumps({{"MessageRetentionPeriod": ONE_DAY}}))


@lab.near_miss("default-retention", fails="retention-one-day",
               story=Text(en="the queue created with the default retention (4 days)",
                          ja="既定の保持期間（4 日）のままキューを作成"))
def default_retention(aws: Aws, ctx: Context) -> None:
    aws.client("sqs").create_queue(QueueName=ctx["queue_name"])


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the queue the task names (the lab's own name)."""
    url = sqs.queue_url(aws, ctx["queue_name"])
    if url is not None:
        or_none(aws.client("sqs").delete_queue, QueueUrl=url)
'''


class ScaffoldError(ValueError):
    """Why a lab cannot be scaffolded, in one sentence in each language."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


def module_name(lab_id: str) -> str:
    return lab_id.replace("-", "_")


def module_source(lab_id: str, track: str) -> str:
    """The source of a new task module called ``lab_id`` in ``track``."""
    return TEMPLATE.format(lab_id=lab_id, track=track,
                           title_en=f"{lab_id}: a queue that keeps messages for one day",
                           title_ja=f"{lab_id}: メッセージを 1 日保持するキュー")


def load(path: Path) -> Lab:
    """The lab defined by the task module at ``path`` (imported by path, not through the registry)."""
    spec = importlib.util.spec_from_file_location(f"mcredlab_new_lab_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lab = module.lab
    assert isinstance(lab, Lab)
    lab.validate()
    return lab


def new_lab(root: Path, lab_id: str, track: str = "serverless") -> tuple[Path, Path]:
    """Write ``mcredlab/labs/<module>.py`` and ``labs/<id>.ipynb`` under ``root``; return both paths."""
    if not LAB_ID.match(lab_id):
        raise ScaffoldError(Text(
            en=f"{lab_id} is not a lab id: use lower-case words joined by hyphens, such as s3-lifecycle-rules.",
            ja=f"{lab_id} はラボ ID として使えません。s3-lifecycle-rules のように、小文字の単語をハイフンでつないでください。"))
    if track not in TRACKS:
        tracks = ", ".join(TRACKS)
        raise ScaffoldError(Text(en=f"There is no track {track}; use one of {tracks}.",
                                 ja=f"トラック {track} はありません。{tracks} のいずれかを指定してください。"))
    module = root / "mcredlab" / "labs" / f"{module_name(lab_id)}.py"
    if module.exists():
        raise ScaffoldError(Text(en=f"{module} exists already; choose another id.",
                                 ja=f"{module} はすでにあります。別の ID を指定してください。"))
    if not module.parent.is_dir():
        raise ScaffoldError(Text(en=f"{module.parent} is not a directory: name a source checkout of mcredlab with --root.",
                                 ja=f"{module.parent} はディレクトリではありません。--root で mcredlab のソースのチェックアウトを"
                                 "指定してください。"))
    module.write_text(module_source(lab_id, track))
    notebook = notebooks.path_for(root / "labs", load(module))
    notebook.parent.mkdir(parents=True, exist_ok=True)
    notebook.write_text(notebooks.dumps(notebooks.render(load(module))))
    return module, notebook
