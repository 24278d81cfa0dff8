"""What changed between two scans: new, resolved and unchanged findings.

Findings are matched by their stable id (check, account, role, statement). A finding missing from
the new scan is *resolved* only when the new scan could have reported it: its account was scanned,
its check ran and its severity was kept. Otherwise it is *not re-assessed*, never counted as fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rolescope.checks.catalogue import severity_rank
from rolescope.report.model import FindingEntry, ScanDocument
from rolescope.textsafe import safe_text

# v2: findings are written as in rolescope.scan/v2 (their check's text in "title" only), not with the
# compliance and remediation text v1 embedded in each.
DIFF_SCHEMA = "rolescope.diff/v2"


@dataclass(frozen=True, slots=True)
class Change:
    """A finding present in both scans whose severity or suppression changed."""

    old: FindingEntry
    new: FindingEntry

    def describe(self) -> str:
        parts = []
        if self.old.severity != self.new.severity:
            parts.append(f"severity {self.old.severity} -> {self.new.severity}")
        if bool(self.old.suppressed) != bool(self.new.suppressed):
            parts.append("now suppressed" if self.new.suppressed else "no longer suppressed")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class ScanDiff:
    """The findings of two scans, sorted most severe first.

    Attributes:
        new: in the new scan only.
        resolved: in the old scan only, and the new scan would have reported them.
        unchanged: in both (the new scan's entries).
        not_reassessed: in the old scan only, but the new scan did not look (account failed or
            filtered out, check not run, severity filtered out).
        changed: the unchanged findings whose severity or suppression changed.
    """

    new: list[FindingEntry]
    resolved: list[FindingEntry]
    unchanged: list[FindingEntry]
    not_reassessed: list[FindingEntry]
    changed: list[Change]

    def as_json(self, old: ScanDocument, new: ScanDocument) -> dict[str, Any]:
        def summary(document: ScanDocument) -> dict[str, Any]:
            return {"generated_at": document.generated_at or None, "findings": len(document.findings)}

        def entry(finding: FindingEntry, document: ScanDocument) -> dict[str, Any]:
            return {**finding.as_json(), "title": document.check(finding.check).title}

        return {
            "schema": DIFF_SCHEMA,
            "old": summary(old),
            "new": summary(new),
            "summary": {"new": len(self.new), "resolved": len(self.resolved), "unchanged": len(self.unchanged),
                        "not_reassessed": len(self.not_reassessed), "changed": len(self.changed)},
            "new_findings": [entry(f, new) for f in self.new],
            "resolved_findings": [entry(f, old) for f in self.resolved],
            "unchanged_findings": [entry(f, new) for f in self.unchanged],
            "not_reassessed_findings": [entry(f, old) for f in self.not_reassessed],
            "changed_findings": [{"id": c.new.id, "change": c.describe(), "old": entry(c.old, old),
                                  "new": entry(c.new, new)} for c in self.changed],
        }


def _assessed(finding: FindingEntry, document: ScanDocument, scanned: frozenset[str]) -> bool:
    """Whether ``document``'s scan would have reported ``finding`` had it still been there."""
    return (finding.account_id in scanned and finding.check in document.scope.checks
            and finding.severity in document.scope.severities)


def _order(finding: FindingEntry) -> tuple[int, str, str, str]:
    return severity_rank(finding.severity), finding.account_id, finding.resource, finding.check


def diff_documents(old: ScanDocument, new: ScanDocument) -> ScanDiff:
    """Compare two scan documents (see the module docstring)."""
    before = {f.id: f for f in old.findings}
    after = {f.id: f for f in new.findings}
    added = [f for i, f in after.items() if i not in before]
    gone = [f for i, f in before.items() if i not in after]
    kept = [f for i, f in after.items() if i in before]
    changed = [Change(before[f.id], f) for f in kept
               if before[f.id].severity != f.severity or bool(before[f.id].suppressed) != bool(f.suppressed)]
    scanned = new.scanned_accounts
    return ScanDiff(
        new=sorted(added, key=_order),
        resolved=sorted((f for f in gone if _assessed(f, new, scanned)), key=_order),
        unchanged=sorted(kept, key=_order),
        not_reassessed=sorted((f for f in gone if not _assessed(f, new, scanned)), key=_order),
        changed=sorted(changed, key=lambda c: _order(c.new)),
    )


def render_diff_markdown(diff: ScanDiff) -> str:
    """The diff as Markdown, e.g. for a pull-request comment."""
    lines = [f"**rolescope**: {len(diff.new)} new, {len(diff.resolved)} resolved, {len(diff.unchanged)} "
             f"unchanged" + (f", {len(diff.not_reassessed)} not re-assessed" if diff.not_reassessed else "")
             + " findings."]
    for title, findings in (("New", diff.new), ("Resolved", diff.resolved), ("Not re-assessed", diff.not_reassessed)):
        if not findings:
            continue
        lines += ["", f"### {title}", "", "| severity | check | role | account |", "|---|---|---|---|"]
        lines += [f"| {_cell(f.severity)}{' (suppressed)' if f.suppressed else ''} | "
                  f"{_cell(f.check)} | {_code(f.resource, in_table=True)} | {_cell(f.account_id)} |" for f in findings]
    if diff.changed:
        lines += ["", "### Changed", ""]
        lines += [f"- {_code(c.new.resource)} {_cell(c.new.check)}: {_cell(c.describe())}" for c in diff.changed]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Table-safe Markdown: no pipes, backticks or angle brackets from AWS data, and its invisible
    characters (line breaks included) shown as escapes."""
    return (safe_text(str(text)).replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _code(text: str, in_table: bool = False) -> str:
    """A Markdown code span of AWS data. Inside one, backslashes and entities are shown as written, so only
    what ends the span (a backtick) or, in a table, the cell (a pipe, which tables alone unescape) is replaced;
    invisible characters are shown as escapes."""
    shown = safe_text(str(text)).replace("`", "'")
    return "`" + (shown.replace("|", "\\|") if in_table else shown) + "`"
