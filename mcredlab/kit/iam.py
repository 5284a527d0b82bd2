"""IAM roles for labs: trust policies, tagged idempotent roles, and the criterion "a role trusts a service".

Setup functions here are idempotent: a setup may run again after a kernel restart, and a role that
exists is kept as it is (it may be the learner's work in progress). Everything created carries the tag
``mcredlab:lab = <lab id>``, and teardown deletes a role only when it carries that tag.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mcredlab._text import Text
from mcredlab.kit.reading import or_none, tag_map, tagged_by
from mcredlab.lab import TAG_KEY, Finding, Lab, failed, passed
from mcredlab.policy import Statement, action_covered, statements
from mcredlab.target import Aws

BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
"""The AWS managed policy that lets a Lambda function write its logs."""


def trust_policy(service: str) -> dict[str, Any]:
    """A role trust policy letting ``service`` (such as ``lambda.amazonaws.com``) assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def role(aws: Aws, name: str) -> dict[str, Any] | None:
    """The role ``name`` as GetRole returns it, or ``None``."""
    found = or_none(aws.client("iam").get_role, RoleName=name)
    return None if found is None else dict(found["Role"])


def ensure_role(aws: Aws, lab_id: str, name: str, trust: Mapping[str, Any], *, managed: tuple[str, ...] = (),
                inline: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """The ARN of role ``name``; created with ``trust``, the ``managed`` policies and ``inline`` ones if missing."""
    existing = role(aws, name)
    if existing is not None:
        return str(existing["Arn"])
    iam = aws.client("iam")
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                              Tags=[{"Key": TAG_KEY, "Value": lab_id}])["Role"]["Arn"])
    for policy_arn in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    for policy_name, document in (inline or {}).items():
        iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    return arn


def delete_role(aws: Aws, lab_id: str, name: str) -> None:
    """Delete the role ``name`` with its policies if the lab tagged it."""
    iam = aws.client("iam")
    tags = or_none(iam.list_role_tags, RoleName=name)
    if tags is None or not tagged_by(lab_id, tag_map(tags["Tags"])):
        return
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    iam.delete_role(RoleName=name)


# -- what a role allows ----------------------------------------------------------------------------


def trust_document(found: Mapping[str, Any]) -> Any:
    """A role's trust policy as a document (IAM answers it URL-decoded JSON, boto3 as a dict)."""
    document = found.get("AssumeRolePolicyDocument")
    return json.loads(document) if isinstance(document, str) else document


def identity_documents(aws: Aws, name: str) -> list[Any]:
    """Every identity policy document of role ``name``: its inline policies and the managed ones attached
    (none when the role does not exist)."""
    client = aws.client("iam")
    documents: list[Any] = []
    for policy_name in (or_none(client.list_role_policies, RoleName=name) or {}).get("PolicyNames", []):
        found = or_none(client.get_role_policy, RoleName=name, PolicyName=policy_name)
        if found is not None:
            documents.append(found["PolicyDocument"])
    for attached in (or_none(client.list_attached_role_policies, RoleName=name) or {}).get("AttachedPolicies", []):
        managed = or_none(client.get_policy, PolicyArn=attached["PolicyArn"])
        if managed is None:
            continue
        version = or_none(client.get_policy_version, PolicyArn=attached["PolicyArn"],
                          VersionId=managed["Policy"]["DefaultVersionId"])
        if version is not None:
            documents.append(version["PolicyVersion"]["Document"])
    return [json.loads(d) if isinstance(d, str) else d for d in documents]


def allows(aws: Aws, name: str, action: str, resource: str, *, documents: list[Any] | None = None) -> bool:
    """Whether the identity policies of role ``name`` allow ``action`` on ``resource`` (an explicit Deny
    wins; conditions are not evaluated). Pass ``documents`` to judge several actions on one reading."""
    covering = [s for document in (identity_documents(aws, name) if documents is None else documents)
                for s in statements(document) if s.covers_action(action) and s.covers_resource(resource)]
    return any(s.effect == "Allow" for s in covering) and not any(s.effect == "Deny" for s in covering)


def _principal_values(statement: Statement) -> list[str]:
    if isinstance(statement.principals, str):
        return [statement.principals]
    return [value for values in statement.principals.values() for value in values]


def role_trusts_finding(aws: Aws, name: str, service: str) -> Finding:
    """Whether role ``name`` lets ``service`` assume it (``sts:AssumeRole``, Allow, that service principal)."""
    found = role(aws, name)
    if found is None:
        return failed(f"no role named {name}", f"{name} という名前のロールがありません")
    grants = [s for s in statements(trust_document(found))
              if s.effect == "Allow" and action_covered(s.actions, "sts:AssumeRole")]
    if any(s.service(service) for s in grants):
        return passed(f"{name} trusts {service}", f"{name} は {service} を信頼しています")
    trusted = sorted({value for s in grants for value in _principal_values(s)})
    listing = ", ".join(trusted)
    if listing:
        return failed(f"{name} trusts only {listing}, not {service}",
                      f"{name} が信頼しているのは {listing} だけで、{service} ではありません")
    return failed(f"{name} trusts no one: its trust policy allows no sts:AssumeRole",
                  f"{name} の信頼ポリシーには sts:AssumeRole を許可するステートメントがありません")


def role_trusts_criterion(lab: Lab, id: str, *, role: str, service: str, requires: str | tuple[str, ...] = ()) -> None:
    """Register criterion ``id``: the role named by context key ``role`` trusts ``service``."""
    name = f"{{{role}}}"
    lab.criterion(
        id,
        expected=Text(en=f"the role {name} can be assumed by {service}",
                      ja=f"ロール {name} を {service} が引き受けられる"),
        looked_at=Text(en=f"the trust policy of role {name}", ja=f"ロール {name} の信頼ポリシー"),
        hint=Text(
            en=f"IAM console > Roles > {name} > Trust relationships > Edit trust policy: allow `sts:AssumeRole` for "
            f'the principal `{{{{"Service": "{service}"}}}}`. Creating the role with trusted entity “AWS service” does this.',
            ja=f"IAM コンソールで「ロール」> {name} >「信頼関係」>「信頼ポリシーを編集」を選び、プリンシパル "
            f'`{{{{"Service": "{service}"}}}}` に `sts:AssumeRole` を許可します。信頼されたエンティティに「AWS のサービス」を選んで'
            "ロールを作成すると、この設定になります。",
        ),
        requires=requires,
    )(lambda aws, ctx: role_trusts_finding(aws, ctx[role], service))
