"""AWS WAF (WAFv2) web ACLs for labs: readers by name and scope, what a rule means, and teardown.

A web ACL's rules are judged by what they do, not by how they are spelled: a rate-based rule's limit counts
over its evaluation window (300 seconds unless set), per IP address whether it aggregates on ``IP`` or on a
single custom key ``IP``; a managed rule group's rules keep their own actions unless the group is overridden
to Count, or a rule is (``RuleActionOverrides``, or the older ``ExcludedRules``).

A CLOUDFRONT-scope web ACL protects a distribution through the distribution's ``WebACLId`` (WAF's
AssociateWebACL is for regional resources only). On AWS, CLOUDFRONT-scope calls go to us-east-1: the readers
use the target's Region, so a lab that reads them runs there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcredlab.kit.reading import or_none
from mcredlab.target import Aws

CLOUDFRONT = "CLOUDFRONT"
REGIONAL = "REGIONAL"
DEFAULT_EVALUATION_WINDOW = 300
"""Seconds a rate-based rule counts over when ``EvaluationWindowSec`` is not set (AWS's default)."""


# -- readers -----------------------------------------------------------------------------------


def web_acl_summaries(aws: Aws, scope: str = CLOUDFRONT) -> list[dict[str, Any]]:
    """Every web ACL of ``scope`` as ListWebACLs summarises them (``Name``, ``Id``, ``ARN``, ``LockToken``)."""
    client, found, marker = aws.client("wafv2"), [], None
    while True:
        page = client.list_web_acls(Scope=scope, Limit=100, **({"NextMarker": marker} if marker else {}))
        found.extend(dict(item) for item in page.get("WebACLs") or [])
        marker = page.get("NextMarker")
        if not marker or not page.get("WebACLs"):
            return found


def web_acl(aws: Aws, name: str, scope: str = CLOUDFRONT) -> dict[str, Any] | None:
    """The web ACL ``name`` of ``scope`` as GetWebACL returns it (``ARN``, ``Rules``, ``DefaultAction`` ...),
    or ``None``."""
    summary = next((item for item in web_acl_summaries(aws, scope) if item.get("Name") == name), None)
    if summary is None:
        return None
    found = or_none(aws.client("wafv2").get_web_acl, Name=name, Scope=scope, Id=summary["Id"])
    return None if found is None else dict(found["WebACL"])


def rules(acl: dict[str, Any]) -> list[dict[str, Any]]:
    """The web ACL's rules in the order WAF evaluates them (lowest ``Priority`` first)."""
    return sorted((dict(rule) for rule in acl.get("Rules") or []), key=lambda rule: int(rule.get("Priority", 0)))


def rule(acl: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The rule ``name`` of the web ACL, or ``None``."""
    return next((item for item in rules(acl) if item.get("Name") == name), None)


def statement_kind(item: dict[str, Any]) -> str:
    """The kind of a rule's top-level statement (``RateBasedStatement``, ``ManagedRuleGroupStatement`` ...)."""
    return next(iter(item.get("Statement") or {}), "")


def action(item: dict[str, Any]) -> str | None:
    """A rule's own action (``Block``, ``Count``, ``Allow``, ``Captcha``, ``Challenge``), or ``None`` for a rule
    group, which has an override action instead."""
    return next(iter(item.get("Action") or {}), None)


def default_action(acl: dict[str, Any]) -> str:
    """The web ACL's default action for requests no rule terminates (``Allow`` or ``Block``)."""
    return next(iter(acl.get("DefaultAction") or {}), "")


@dataclass(frozen=True)
class RateLimit:
    """What a rate-based rule does: how many requests, over how many seconds, counted per what."""

    limit: int
    window_seconds: int
    key: str
    """``IP``, ``FORWARDED_IP``, ``CONSTANT`` (all requests together), or the custom keys joined by ``+``."""
    scoped_down: bool
    """Whether a scope-down statement counts only some requests."""

    @property
    def per_ip(self) -> bool:
        """Whether requests are counted per client IP address (``IP``, or the single custom key ``IP``)."""
        return self.key == "IP"


def rate_limit(item: dict[str, Any]) -> RateLimit | None:
    """The meaning of a rate-based rule, or ``None`` for any other rule."""
    statement = (item.get("Statement") or {}).get("RateBasedStatement")
    if not isinstance(statement, dict):
        return None
    key = str(statement.get("AggregateKeyType") or "IP")
    if key == "CUSTOM_KEYS":
        key = "+".join(next(iter(custom), "?") for custom in statement.get("CustomKeys") or [])
    return RateLimit(limit=int(statement.get("Limit", 0)),
                     window_seconds=int(statement.get("EvaluationWindowSec") or DEFAULT_EVALUATION_WINDOW),
                     key=key, scoped_down="ScopeDownStatement" in statement)


def managed_group(item: dict[str, Any]) -> tuple[str, str] | None:
    """``(vendor, name)`` of the managed rule group a rule adds, or ``None`` for any other rule."""
    statement = (item.get("Statement") or {}).get("ManagedRuleGroupStatement")
    if not isinstance(statement, dict):
        return None
    return str(statement.get("VendorName", "")), str(statement.get("Name", ""))


def managed_rule_group(aws: Aws, vendor: str, name: str, scope: str = CLOUDFRONT) -> dict[str, Any] | None:
    """DescribeManagedRuleGroup's answer (``Capacity``, ``Rules`` with their own ``Action`` ...), or ``None``."""
    found = or_none(aws.client("wafv2").describe_managed_rule_group, VendorName=vendor, Name=name, Scope=scope)
    return None if found is None else dict(found)


def group_rule_actions(item: dict[str, Any], group: dict[str, Any]) -> dict[str, str]:
    """The action each rule of the managed ``group`` (as :func:`managed_rule_group` describes it) takes in the
    web ACL's rule ``item``: its own action, unless the whole group is overridden to Count (``OverrideAction``),
    or the rule is overridden (``RuleActionOverrides``) or excluded (``ExcludedRules``, which count)."""
    statement = (item.get("Statement") or {}).get("ManagedRuleGroupStatement") or {}
    overrides = {str(o.get("Name")): next(iter(o.get("ActionToUse") or {}), "")
                 for o in statement.get("RuleActionOverrides") or []}
    overrides.update({str(e.get("Name")): "Count" for e in statement.get("ExcludedRules") or []})
    group_counts = "Count" in (item.get("OverrideAction") or {})
    actions: dict[str, str] = {}
    for member in group.get("Rules") or []:
        name = str(member.get("Name"))
        own = next(iter(member.get("Action") or {}), "")
        actions[name] = "Count" if group_counts else overrides.get(name) or own
    return actions


def metrics_on(item: dict[str, Any]) -> bool:
    """Whether a web ACL or a rule sends CloudWatch metrics (its ``VisibilityConfig``)."""
    return bool((item.get("VisibilityConfig") or {}).get("CloudWatchMetricsEnabled"))


def rules_without_metrics(acl: dict[str, Any]) -> list[str]:
    """The names of the web ACL's rules that send no CloudWatch metrics."""
    return [str(item.get("Name")) for item in rules(acl) if not metrics_on(item)]


def distributions_protected_by(aws: Aws, web_acl_arn: str) -> list[dict[str, Any]]:
    """The CloudFront distributions whose ``WebACLId`` is ``web_acl_arn`` (ListDistributionsByWebACLId)."""
    client, found, marker = aws.client("cloudfront"), [], ""
    while True:
        page = client.list_distributions_by_web_acl_id(WebACLId=web_acl_arn, **({"Marker": marker} if marker else {}))
        listed = page.get("DistributionList") or {}
        found.extend(dict(item) for item in listed.get("Items") or [])
        marker = str(listed.get("NextMarker") or "")
        if not listed.get("IsTruncated") or not marker:
            return found


# -- teardown ----------------------------------------------------------------------------------


def unlink_distribution(aws: Aws, distribution_id: str) -> None:
    """Set the distribution's ``WebACLId`` to empty (no web ACL), as CloudFront's console does; nothing happens
    when it has none or does not exist."""
    client = aws.client("cloudfront")
    found = or_none(client.get_distribution_config, Id=distribution_id)
    if found is not None and found["DistributionConfig"].get("WebACLId"):
        client.update_distribution(Id=distribution_id, IfMatch=found["ETag"],
                                   DistributionConfig={**found["DistributionConfig"], "WebACLId": ""})


def unlink_distributions(aws: Aws, web_acl_arn: str) -> None:
    """Unlink every distribution the web ACL ``web_acl_arn`` protects (:func:`unlink_distribution`)."""
    for item in distributions_protected_by(aws, web_acl_arn):
        unlink_distribution(aws, str(item["Id"]))


def delete_web_acl(aws: Aws, name: str, scope: str = CLOUDFRONT) -> None:
    """Delete the web ACL ``name`` of ``scope`` (the lab's own name, whoever made it), unlinking it from the
    distributions it protects first, as AWS requires; nothing happens when there is none."""
    summary = next((item for item in web_acl_summaries(aws, scope) if item.get("Name") == name), None)
    if summary is None:
        return
    if scope == CLOUDFRONT:
        unlink_distributions(aws, str(summary["ARN"]))
    found = or_none(aws.client("wafv2").get_web_acl, Name=name, Scope=scope, Id=summary["Id"])
    if found is not None:
        or_none(aws.client("wafv2").delete_web_acl, Name=name, Scope=scope, Id=summary["Id"],
                LockToken=found["LockToken"])
