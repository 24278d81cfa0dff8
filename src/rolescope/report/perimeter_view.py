"""The data perimeter for people: the policies a scan considered and each role's verdict in words.

The scan document keeps the verdicts as data (``docs/scan-document.md``, roles' ``perimeter``); the
HTML page and the console say them the same way, from here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from rolescope.report.index import AccountNames
from rolescope.report.model import ScanDocument
from rolescope.wording import count

POLICY_KINDS = {"RESOURCE_CONTROL_POLICY": "RCP", "SERVICE_CONTROL_POLICY": "SCP"}
# the console line's words for each status, in the order it lists them
STATUS_WORDS = {"closes": "closed", "narrows": "narrowed", "open-by-exception": "open by exception",
                "enforced": "enforced", "exempt": "exempt", "not-covered": "gap"}
_VERDICTS = {
    "closes": "Closed by the data perimeter: the RCP statements below deny every outside way in its trust admits.",
    "narrows": "Narrowed by the data perimeter: the RCP statements below deny some outside ways in; others remain.",
    "open-by-exception": "Open by exception: an outsider gets in only because the RCP statement below lists it as an "
                         "exception.",
    "enforced": "Under the data perimeter: RCP Denies cover it and stop nobody its trust policy admits.",
    "not-covered": "Not covered by the data perimeter: the organisation has RCPs, but none of their Denies covers it.",
    "exempt": "Exempt from the data perimeter: RCPs do not apply to it",
}


def target_label(target: str, names: AccountNames) -> str:
    """Where a policy is attached, for people: ``root r-abcd``, ``OU ou-...``, ``account 1234... (name)``."""
    if target.startswith("r-"):
        return "root " + target
    if target.startswith("ou-"):
        return "OU " + target
    return "account " + names.label(target)


def policy_rows(document: ScanDocument, names: AccountNames) -> list[dict[str, str]]:
    """The SCPs and RCPs the scan considered: ``kind`` (RCP, SCP), ``id``, ``name``, ``attached`` (where)."""
    policies = document.organization.policies if document.organization else ()
    return [{"kind": POLICY_KINDS.get(p.type, p.type), "id": p.id, "name": p.name,
             "attached": ", ".join(target_label(t, names) for t in p.targets) or "nowhere"} for p in policies]


def statement_label(applied: Mapping[str, Any], names: AccountNames) -> str:
    """One deciding statement: ``RCP northwind-sts-perimeter (p-...) attached to root r-..., Statement[0] (Sid)``."""
    name, policy_id = applied.get("policy_name") or "", applied.get("policy_id") or ""
    where = applied.get("attached_to")
    targets = [where] if isinstance(where, str) else list(applied.get("targets") or ())
    attached = " attached to " + ", ".join(target_label(str(t), names) for t in targets) if targets else ""
    return f"RCP {name} ({policy_id}){attached}, {applied.get('statement') or 'a statement'}"


def verdict_words(perimeter: Mapping[str, Any]) -> str:
    """The role's perimeter verdict as a sentence."""
    status = str(perimeter.get("status"))
    words = _VERDICTS.get(status, f"Data perimeter: {status}.")
    if status == "exempt":
        reason = perimeter.get("reason")
        words += f" ({reason})." if reason else "."
    return words


def perimeter_view(perimeter: Mapping[str, Any], names: AccountNames) -> dict[str, Any]:
    """A role's verdict as the page shows it: ``status``, ``words`` and the deciding ``statements``, each
    ``{"label", "document"}`` (the organisation's statements that leave the role out, for a gap)."""
    deciding = [*(perimeter.get("closed_by") or ()), *(perimeter.get("exceptions") or ()),
                *(perimeter.get("not_covered_by") or ())]
    return {"status": perimeter.get("status"), "words": verdict_words(perimeter),
            "statements": [{"label": statement_label(s, names), "document": s.get("document")}
                           for s in deciding if isinstance(s, Mapping)]}


def perimeter_line(document: ScanDocument) -> str | None:
    """``data perimeter: 1 RCP, 1 SCP; roles: 1 closed, 2 narrowed, 1 gap``; None without organisation policies."""
    policies = document.organization.policies if document.organization else ()
    if not policies:
        return None
    kinds = Counter(POLICY_KINDS.get(p.type, p.type) for p in policies)
    statuses: Counter[str] = Counter()
    for account in document.accounts:  # counted over every role: the document may keep only some
        statuses.update(account.perimeter_statuses)
    verdicts = [count(statuses[s], w) if s == "not-covered" else f"{statuses[s]:,} {w}"
                for s, w in STATUS_WORDS.items() if statuses[s]]
    line = "data perimeter: " + ", ".join(count(n, k) for k, n in sorted(kinds.items()))
    return line + "; roles: " + (", ".join(verdicts) or "none judged")
