"""The labs as people read about them: service and track names, and the READMEs' lab tables.

The tables in ``README.md`` and ``README.ja.md`` are rendered from the labs, as the notebooks are:
``mcredlab notebooks`` rewrites what stands between the two markers, and ``--check`` (and the tests)
fail while a README is stale. Nothing about a lab is written by hand in two places.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mcredlab._text import Lang, Text, same
from mcredlab.lab import Lab

SERVICES: dict[str, Text] = {
    "apigateway": same("API Gateway"),
    "apigatewayv2": same("API Gateway"),
    "bedrock": same("Bedrock"),
    "bedrock-runtime": same("Bedrock"),
    "bedrock-agent": Text(en="Bedrock Agents", ja="Bedrock エージェント"),
    "bedrock-agent-runtime": Text(en="Bedrock Agents", ja="Bedrock エージェント"),
    "cloudformation": same("CloudFormation"),
    "cloudfront": same("CloudFront"),
    "codebuild": same("CodeBuild"),
    "codepipeline": same("CodePipeline"),
    "dynamodb": same("DynamoDB"),
    "dynamodbstreams": same("DynamoDB"),
    "events": same("EventBridge"),
    "iam": same("IAM"),
    "lambda": same("Lambda"),
    "logs": same("CloudWatch Logs"),
    "s3": same("S3"),
    "s3vectors": same("S3 Vectors"),
    "sns": same("SNS"),
    "sqs": same("SQS"),
    "stepfunctions": same("Step Functions"),
    "wafv2": same("WAF"),
}
"""Each boto3 service a lab may name in ``Lab.services``, as the AWS console names it."""

TRACKS: dict[str, Text] = {
    "serverless": Text(en="Serverless", ja="サーバーレス"),
    "agentic-ai": Text(en="Agentic AI", ja="エージェント型 AI"),
}
"""Each track a lab may belong to (``Lab.track``), in the order the READMEs list them."""

BEGIN, END = "<!-- labs: rendered from the labs by `mcredlab notebooks` -->", "<!-- /labs -->"
READMES: dict[str, Lang] = {"README.md": "en", "README.ja.md": "ja"}


def service_names(lab: Lab, lang: Lang) -> list[str]:
    """The lab's services as the console names them, each once (a runtime API counts as its service)."""
    names: list[str] = []
    for service in lab.services:
        name = SERVICES[service](lang)
        if name not in names:
            names.append(name)
    return names


def unknown_names(lab: Lab) -> list[str]:
    """What ``lab`` names that this catalogue does not know (its track, its services)."""
    unknown = [service for service in lab.services if service not in SERVICES]
    return unknown if lab.track in TRACKS else [lab.track, *unknown]


HEADERS = {
    "en": ("lab", "what you do", "services", "minutes", "certifications"),
    "ja": ("ラボ", "課題", "サービス", "制限時間（分）", "対応する AWS 認定"),
}


def lab_tables(labs: Iterable[Lab], lang: Lang) -> str:
    """One Markdown table per track: id, title, services, minutes and certifications of each lab."""
    labs = list(labs)
    separator = "、" if lang == "ja" else ", "
    out: list[str] = []
    for track, name in TRACKS.items():
        rows = [lab for lab in labs if lab.track == track]
        if not rows:
            continue
        count = Text(en=f"{len(rows)} labs, `--track {track}`", ja=f"ラボ {len(rows)} 個、`--track {track}`")(lang)
        out += [f"### {name(lang)} ({count})" if lang == "en" else f"### {name(lang)}（{count}）", ""]
        out += ["| " + " | ".join(HEADERS[lang]) + " |", "|" + "---|" * len(HEADERS[lang])]
        for lab in rows:
            cells = (f"`{lab.id}`", lab.title(lang), separator.join(service_names(lab, lang)), str(lab.minutes),
                     ", ".join(lab.certs))
            out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        out.append("")
    return "\n".join(out).rstrip("\n")


def rendered(text: str, labs: Iterable[Lab], lang: Lang) -> str:
    """``text`` (a README) with the tables between the markers rendered anew."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"the README has no {BEGIN} ... {END} markers")
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    return f"{before}{BEGIN}\n{lab_tables(labs, lang)}\n{END}{after}"


def stale_readmes(root: Path, labs: Iterable[Lab]) -> list[Path]:
    """The READMEs under ``root`` whose lab tables differ from the labs."""
    labs = list(labs)
    return [root / name for name, lang in READMES.items()
            if (root / name).read_text() != rendered((root / name).read_text(), labs, lang)]


def write_readmes(root: Path, labs: Iterable[Lab]) -> list[Path]:
    """Render the lab tables of the READMEs under ``root``; return those that changed."""
    labs = list(labs)
    changed = []
    for name, lang in READMES.items():
        path = root / name
        text = path.read_text()
        new = rendered(text, labs, lang)
        if new != text:
            path.write_text(new)
            changed.append(path)
    return changed
