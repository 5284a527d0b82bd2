"""WAFv2 answers the managed-rule-group reads with AWS's shapes, from a small static catalogue.

moto 5.2.5 has no ``DescribeManagedRuleGroup`` or ``ListAvailableManagedRuleGroups``: they raised
``NotImplementedError`` (an HTML 500 the CLI retried; with extension not_implemented_errors a 501), so
a learner could not look up which rules ``AWSManagedRulesCommonRuleSet`` holds before adding it to a
web ACL. moto also reports every web ACL's ``Capacity`` as 3.

Here ``WAFV2Response`` gains both reads, as AWS answers them (``Capacity``, ``Rules`` with their
default ``Action``, ``LabelNamespace``, ``AvailableLabels``, ``SnsTopicArn``; the list with
``VendorName``, ``Name``, ``VersioningSupported``, ``Description``), for three AWS managed rule
groups held in a static catalogue: ``AWSManagedRulesCommonRuleSet`` (700 WCU),
``AWSManagedRulesKnownBadInputsRuleSet`` (200) and ``AWSManagedRulesAmazonIpReputationList`` (25).
Another name answers ``WAFNonexistentItemException``. A web ACL whose rules are all rate-based
statements without a scope-down statement (2 WCU each) or managed rule groups of the catalogue
reports their sum as ``Capacity``, as AWS computes it; any other web ACL keeps moto's figure.

Still unlike AWS: the catalogue is a snapshot of the groups' static versions (rule names and labels
as AWS documents them), without versions (``VersionName`` is never returned and
``ListAvailableManagedRuleGroupVersions`` stays unimplemented); other vendors' and other AWS
groups are missing from the list, though a web ACL may still name them. No rule is ever evaluated:
managed groups and rate limits are stored, never enforced.
"""

from __future__ import annotations

import json
from typing import Any

SEAMS = (
    ("moto.wafv2.responses", "WAFV2Response", "_get_param"),
    ("moto.wafv2.models", "FakeWebACL", "to_dict"),
    ("moto.wafv2.exceptions", "WAFNonexistentItemException", None),
)

SNS_TOPIC = "arn:aws:sns:us-east-1:248400274283:aws-managed-waf-rule-notifications"
RATE_BASED_WCU = 2

_CRS = [
    ("NoUserAgent_HEADER", "NoUserAgent_Header"),
    ("UserAgent_BadBots_HEADER", "BadBots_Header"),
    ("SizeRestrictions_QUERYSTRING", "SizeRestrictions_QueryString"),
    ("SizeRestrictions_Cookie_HEADER", "SizeRestrictions_Cookie_Header"),
    ("SizeRestrictions_BODY", "SizeRestrictions_Body"),
    ("SizeRestrictions_URIPATH", "SizeRestrictions_URIPath"),
    ("EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_Body"),
    ("EC2MetaDataSSRF_COOKIE", "EC2MetaDataSSRF_Cookie"),
    ("EC2MetaDataSSRF_URIPATH", "EC2MetaDataSSRF_URIPath"),
    ("EC2MetaDataSSRF_QUERYARGUMENTS", "EC2MetaDataSSRF_QueryArguments"),
    ("GenericLFI_QUERYARGUMENTS", "GenericLFI_QueryArguments"),
    ("GenericLFI_URIPATH", "GenericLFI_URIPath"),
    ("GenericLFI_BODY", "GenericLFI_Body"),
    ("RestrictedExtensions_URIPATH", "RestrictedExtensions_URIPath"),
    ("RestrictedExtensions_QUERYARGUMENTS", "RestrictedExtensions_QueryArguments"),
    ("GenericRFI_QUERYARGUMENTS", "GenericRFI_QueryArguments"),
    ("GenericRFI_BODY", "GenericRFI_Body"),
    ("GenericRFI_URIPATH", "GenericRFI_URIPath"),
    ("CrossSiteScripting_COOKIE", "CrossSiteScripting_Cookie"),
    ("CrossSiteScripting_QUERYARGUMENTS", "CrossSiteScripting_QueryArguments"),
    ("CrossSiteScripting_BODY", "CrossSiteScripting_Body"),
    ("CrossSiteScripting_URIPATH", "CrossSiteScripting_URIPath"),
]
_KNOWN_BAD_INPUTS = [
    ("JavaDeserializationRCE_HEADER", "JavaDeserializationRCE_Header"),
    ("JavaDeserializationRCE_BODY", "JavaDeserializationRCE_Body"),
    ("JavaDeserializationRCE_URIPATH", "JavaDeserializationRCE_URIPath"),
    ("JavaDeserializationRCE_QUERYSTRING", "JavaDeserializationRCE_QueryString"),
    ("Host_localhost_HEADER", "LocalHost_Header"),
    ("PROPFIND_METHOD", "Propfind_Method"),
    ("ExploitablePaths_URIPATH", "ExploitablePaths_URIPath"),
    ("Log4JRCE_QUERYSTRING", "Log4JRCE_QueryString"),
    ("Log4JRCE_BODY", "Log4JRCE_Body"),
    ("Log4JRCE_URIPATH", "Log4JRCE_URIPath"),
    ("Log4JRCE_HEADER", "Log4JRCE_Header"),
]
_IP_REPUTATION = [
    ("AWSManagedIPReputationList", "AWSManagedIPReputationList"),
    ("AWSManagedReconnaissanceList", "AWSManagedReconnaissanceList"),
    ("AWSManagedIPDDoSList", "AWSManagedIPDDoSList"),
]

CATALOGUE: dict[str, dict[str, Any]] = {
    "AWSManagedRulesCommonRuleSet": {
        "Capacity": 700,
        "Namespace": "awswaf:managed:aws:core-rule-set:",
        "Rules": _CRS,
        "Count": (),
        "Description": "Contains rules that are generally applicable to web applications. This provides protection "
                       "against exploitation of a wide range of vulnerabilities, including those described in OWASP "
                       "publications.",
    },
    "AWSManagedRulesKnownBadInputsRuleSet": {
        "Capacity": 200,
        "Namespace": "awswaf:managed:aws:known-bad-inputs:",
        "Rules": _KNOWN_BAD_INPUTS,
        "Count": (),
        "Description": "Contains rules that allow you to block request patterns that are known to be invalid and are "
                       "associated with exploitation or discovery of vulnerabilities. This can help reduce the risk "
                       "of a malicious actor discovering a vulnerable application.",
    },
    "AWSManagedRulesAmazonIpReputationList": {
        "Capacity": 25,
        "Namespace": "awswaf:managed:aws:amazon-ip-list:",
        "Rules": _IP_REPUTATION,
        "Count": ("AWSManagedIPDDoSList",),
        "Description": "This group contains rules that are based on Amazon threat intelligence. This is useful if you "
                       "would like to block sources associated with bots or other threats.",
    },
}


def describe(name: str) -> dict[str, Any] | None:
    """DescribeManagedRuleGroup's answer for an AWS group of the catalogue, or None."""
    group = CATALOGUE.get(name)
    if group is None:
        return None
    namespace = group["Namespace"]
    return {
        "SnsTopicArn": SNS_TOPIC,
        "Capacity": group["Capacity"],
        "Rules": [{"Name": rule, "Action": {"Count": {}} if rule in group["Count"] else {"Block": {}}}
                  for rule, _ in group["Rules"]],
        "LabelNamespace": namespace,
        "AvailableLabels": [{"Name": namespace + label} for _, label in group["Rules"]],
        "ConsumedLabels": [],
    }


def available() -> list[dict[str, Any]]:
    """ListAvailableManagedRuleGroups' entries, in AWS's order (by name)."""
    return [{"VendorName": "AWS", "Name": name, "VersioningSupported": True, "Description": group["Description"]}
            for name, group in sorted(CATALOGUE.items())]


def _statement_capacity(statement: Any) -> int | None:
    if not isinstance(statement, dict) or len(statement) != 1:
        return None
    kind, body = next(iter(statement.items()))
    if not isinstance(body, dict) or "ScopeDownStatement" in body:
        return None
    if kind == "RateBasedStatement":
        return RATE_BASED_WCU
    if kind == "ManagedRuleGroupStatement" and body.get("VendorName") == "AWS" and body.get("Name") in CATALOGUE:
        return int(CATALOGUE[str(body["Name"])]["Capacity"])
    return None


def capacity(rules: list[dict[str, Any]]) -> int | None:
    """The web ACL's WCUs when every rule's statement is known here, else None."""
    total = 0
    for rule in rules:
        units = _statement_capacity(rule.get("Statement"))
        if units is None:
            return None
        total += units
    return total


def _describe_managed_rule_group(self: Any) -> tuple[int, dict[str, str], str]:
    from moto.wafv2.exceptions import WAFNonexistentItemException

    found = describe(str(self._get_param("Name") or "")) if self._get_param("VendorName") == "AWS" else None
    if found is None:
        raise WAFNonexistentItemException()
    return 200, {"Content-Type": "application/json"}, json.dumps(found)


def _list_available_managed_rule_groups(self: Any) -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/json"}, json.dumps({"ManagedRuleGroups": available()})


def install() -> None:
    from moto.wafv2.models import FakeWebACL
    from moto.wafv2.responses import WAFV2Response

    WAFV2Response.describe_managed_rule_group = _describe_managed_rule_group  # type: ignore[attr-defined]
    WAFV2Response.list_available_managed_rule_groups = _list_available_managed_rule_groups  # type: ignore[attr-defined]
    moto_to_dict = FakeWebACL.to_dict

    def to_dict(self: Any) -> dict[str, Any]:
        answer: dict[str, Any] = moto_to_dict(self)
        units = capacity(list(answer.get("Rules") or []))
        if units is not None:
            answer["Capacity"] = units
        return answer

    FakeWebACL.to_dict = to_dict  # type: ignore[method-assign]
