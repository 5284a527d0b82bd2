"""AWS's managed IAM policies are built once per account and partition, not at every reset.

moto 5.2.5 builds every AWS managed policy (about 1,500, from a multi-megabyte JSON string it parses
again each time) whenever an IAM backend is created: ``/moto-api/reset`` first re-creates every IAM
backend it holds (one per partition) and then drops them, and the first IAM request afterwards creates
them once more. With ``MOTO_IAM_LOAD_MANAGED_POLICIES`` on (the emulator's default, so that
``AWSLambdaBasicExecutionRole`` and the like can be attached), a reset and the next request cost about
1.5 seconds, during which every other request waits.

Here the parsed JSON is kept for the emulator's life, and the policy objects of an account and
partition are made once and handed to each new IAM backend of that account and partition, returned
to their pristine state first: no attachments, no tags, and the versions AWS published (a policy
whose versions or default version were changed is made again). What a learner sees is unchanged: the
same policies, ARNs, documents and dates, and an attachment count of 0 after a reset. A policy's
``PolicyId`` is now kept across resets (AWS's managed policies have fixed ids too). Reused policies are listed
again among the instances moto's state dump (``/moto-api/data.json``) shows.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

SEAMS = (
    ("moto.iam.models", "IAMBackend", "_init_aws_policies"),
    ("moto.iam.models", "AWSManagedPolicy", "from_data"),
    ("moto.iam.models", "aws_managed_policies_data", None),
    ("moto.iam.models", "load_iam_aws_managed_policies", None),
    ("moto.iam.models", "AWSManagedPolicy", "instances_tracked"),
)


@cache
def _published() -> dict[str, dict[str, Any]]:
    """AWS's managed policies as moto ships them, parsed once."""
    from moto.iam.models import aws_managed_policies_data

    return dict(json.loads(aws_managed_policies_data))


_made: dict[tuple[str, str], list[tuple[Any, tuple[Any, ...]]]] = {}
"""The policies made for each (account, partition), each with the state it was made in."""


def _state(policy: Any) -> tuple[Any, ...]:
    return (policy.default_version_id, policy.next_version_num, tuple(policy.versions), policy.update_date)


def _pristine(name: str, policy: Any, made_as: tuple[Any, ...], account_id: str, region_name: str) -> Any:
    """``policy`` as AWS publishes it: the same object with attachments and tags cleared, or a new one if its
    versions were changed."""
    from moto.iam.models import AWSManagedPolicy

    if _state(policy) != made_as:
        return AWSManagedPolicy.from_data(name, account_id, region_name, _published()[name])
    policy.attachment_count = 0
    policy.tags = {}
    return policy


def aws_policies(self: Any) -> list[Any]:
    """``IAMBackend._init_aws_policies``: this account's AWS managed policies, made once and reused."""
    from moto.iam.models import AWSManagedPolicy, load_iam_aws_managed_policies
    from moto.utilities.utils import get_partition

    if not load_iam_aws_managed_policies():
        return []
    key = (self.account_id, get_partition(self.region_name))
    made = _made.get(key)
    if made is None:
        made = [(AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data), ())
                for name, data in _published().items()]
    policies = [_pristine(policy.name, policy, made_as, self.account_id, self.region_name) if made_as else policy
                for policy, made_as in made]
    _made[key] = [(policy, _state(policy)) for policy in policies]
    _track(policies)
    return policies


def _track(policies: list[Any]) -> None:
    """List reused policies again among the instances moto's state dump shows (a reset forgets them)."""
    from moto.iam.models import AWSManagedPolicy

    tracked = AWSManagedPolicy.instances_tracked  # type: ignore[attr-defined]
    known = {id(policy) for policy in tracked}
    tracked.extend(policy for policy in policies if id(policy) not in known)


def install() -> None:
    from moto.iam.models import IAMBackend

    IAMBackend._init_aws_policies = aws_policies  # type: ignore[method-assign]
