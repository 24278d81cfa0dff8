"""From a scan document to a reviewable plan: the corrected trust policy of every role, proven safe.

For each selected role the fixers run in a fixed order on the role's current document (as the scan
recorded it). After each one the engine re-analyses the result; the step is kept only when it closes
its finding, raises no new one, and both :func:`~rolescope.remediate.verify.widening_reasons` and
:func:`~rolescope.remediate.verify.analysis_regressions` find nothing. Anything else is listed under
``not_fixed`` with the reason; nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from rolescope import __version__
from rolescope.checks.context import CheckSettings
from rolescope.checks.filters import unmatchable_filter
from rolescope.checks.registry import CHECK_IDS
from rolescope.data.vendors import VendorDirectory, load_vendors
from rolescope.inventory.model import AccountSnapshot, OrgAccount, Organization
from rolescope.policy.arn import ACCOUNT_ID, parse_arn
from rolescope.policy.errors import PolicyError
from rolescope.policy.names import role_name_problem
from rolescope.policy.parse import parse_policy
from rolescope.remediate.edit import JsonObject
from rolescope.remediate.errors import PlanError, Unfixable
from rolescope.remediate.fixers import FIXERS, NOT_TRUST_FIXES, FixOptions, FixStep, RoleFixContext
from rolescope.remediate.render import cli_command, digest, terraform, unified_diff
from rolescope.remediate.session_duration import CHECK as SESSION_CHECK
from rolescope.remediate.session_duration import SessionChange, load_session, plan_session
from rolescope.remediate.verify import analysis_regressions, open_checks, widening_reasons
from rolescope.report.model import FindingEntry, RoleEntry, ScanDocument
from rolescope.scanner import zone_for
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.witness import Zone
from rolescope.wording import listed

PLAN_SCHEMA = "rolescope.fix-plan/v1"
# Paths of roles whose trust policy AWS owns: changes are refused or overwritten by AWS.
AWS_MANAGED_PATHS = ("/aws-service-role/", "/aws-reserved/")
TRUST_POLICY_QUOTA = 2048  # characters, whitespace excluded; adjustable up to 8192 in Service Quotas


# The name `rolescope template` gives the role scans go through.
AUDIT_ROLE = "RolescopeAudit"


AUDIT_LOCKOUT = "the role rolescope scans through: a new guard on it locks the next scan out"


@dataclass(frozen=True, slots=True)
class Selection:
    """Which findings to fix: empty sets select everything.

    Attributes:
        checks, roles (names or ARNs), accounts: what to fix.
        audit_roles: the names of the roles rolescope scans through: an ExternalId or MFA on one of them
            locks the next scan out (it would need ``-I``), so they are left alone unless
            ``include_audit_roles``. ``None``: :func:`audit_roles_of` the scan.
        include_audit_roles: plan them too (with a warning on each change).
    """

    checks: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    accounts: frozenset[str] = frozenset()
    audit_roles: frozenset[str] | None = None
    include_audit_roles: bool = False


def audit_roles_of(scan: ScanDocument) -> frozenset[str]:
    """The roles a plan of ``scan`` leaves alone by default: the one ``rolescope template`` names, and those
    the scan went through, as its document records them."""
    return frozenset({AUDIT_ROLE, *(scan.collection.role_names if scan.collection is not None else ())})


@dataclass(frozen=True, slots=True)
class RoleChange:
    """One role's corrected trust policy.

    Attributes:
        account_id, role_name, role_arn: the role.
        before: the trust policy the scan recorded (decoded); apply refuses if IAM holds another.
        after: the corrected policy.
        checks: the checks the change closes.
        findings: the ids of the findings it closes (as in the scan document).
        fixes: ``{"check", "description"}`` for each step.
        external_id: the ExternalId the change requires, when it adds or replaces one.
        notify: the outside accounts that must be told that ExternalId.
        warnings: what the reviewer should know.
        max_session: the role's ``MaxSessionDuration`` before and after, when the change lowers it
            (``before`` and ``after`` are then equal when the trust policy stays as it is).
    """

    account_id: str
    role_name: str
    role_arn: str
    before: JsonObject
    after: JsonObject
    checks: tuple[str, ...]
    findings: tuple[str, ...] = ()
    fixes: tuple[dict[str, str], ...] = ()
    external_id: str | None = None
    notify: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    max_session: SessionChange | None = None

    @property
    def trust_changes(self) -> bool:
        return self.before != self.after

    @property
    def partition(self) -> str:
        arn = parse_arn(self.role_arn)
        return arn.partition if arn else "aws"


@dataclass(frozen=True, slots=True)
class NotFixed:
    account_id: str
    role_arn: str
    check: str
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Every change, what was left alone and why, and who must be told a new ExternalId."""

    changes: tuple[RoleChange, ...]
    not_fixed: tuple[NotFixed, ...] = ()
    source: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    generated_at: str = ""
    org_accounts: frozenset[str] = frozenset()
    # who the outside accounts are: the bundled list with rolescope.yaml's vendor_accounts over it
    vendors: VendorDirectory = field(default_factory=load_vendors, compare=False)

    @property
    def digest(self) -> str:
        """The plan's identity: the digest of its changes (what apply acts on)."""
        return digest([_change_core(c) for c in self.changes])

    def third_parties(self) -> list[dict[str, Any]]:
        """The outside accounts to tell about a new ExternalId, each with the roles and values."""
        vendors = self.vendors
        grouped: dict[str, list[dict[str, str]]] = {}
        for change in self.changes:
            for account in change.notify:
                grouped.setdefault(account, []).append(
                    {"role_arn": change.role_arn, "external_id": change.external_id or ""})
        return [
            {"account_id": account, "vendor": vendors.name_of(account),
             "in_organization": account == "*" or account in self.org_accounts, "roles": roles}
            for account, roles in sorted(grouped.items())
        ]


def _change_core(change: RoleChange) -> dict[str, Any]:
    core = {"account_id": change.account_id, "role_name": change.role_name, "role_arn": change.role_arn,
            "before": change.before, "after": change.after}
    if change.max_session is not None:  # only then: the digests of plans without one stay as they were
        core["max_session_duration"] = change.max_session.as_json()
    return core


def _organization(scan: ScanDocument) -> Organization | None:
    org = scan.organization
    if org is None:
        return None
    return Organization(org.id, org.management_account, tuple(OrgAccount(a) for a in org.accounts))


def _zone(account_id: str, role_arn: str, organization: Organization | None, org_id: str | None,
          clock: datetime | None = None) -> Zone:
    arn = parse_arn(role_arn)
    zone = replace(zone_for(AccountSnapshot(account_id, ()), organization, clock),
                   partition=arn.partition if arn else "aws")
    if org_id is not None:
        if zone.org_id is not None and zone.org_id != org_id:
            raise PlanError(f"--org-id {org_id} differs from the scan's organisation {zone.org_id}")
        zone = replace(zone, org_id=org_id)
    return zone


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PlanError(message)


def _roles(scan: ScanDocument) -> dict[str, tuple[str, RoleEntry]]:
    """Role ARN -> (account id, role) for every role the document holds."""
    return {role.arn: (account.account_id, role) for account in scan.accounts for role in account.roles}


def _selected(finding: FindingEntry, selection: Selection, role: RoleEntry | None) -> bool:
    if finding.suppressed:
        return False
    if selection.checks and finding.check not in selection.checks:
        return False
    if selection.accounts and finding.account_id not in selection.accounts:
        return False
    if selection.roles:
        names = {finding.resource, role.name if role else None}
        return bool(names & selection.roles)
    return True


def build_plan(scan: ScanDocument, selection: Selection, options: FixOptions, *, source: str = "",
               source_digest: str = "", now: datetime | None = None, settings: CheckSettings | None = None) -> Plan:
    """Compute the corrected trust policy of every selected role with a finding a trust edit can close.

    Args:
        scan: the scan document (it must hold the roles of the findings to fix, as documents read
            from a file and scans made for the HTML report do).
        selection: which checks, roles and accounts to fix.
        options: the user's decisions (guard, ExternalId, subjects, audiences, organisation).
        source: where the scan came from, recorded in the plan.
        source_digest: the SHA-256 of the scan file, recorded in the plan.
        now: the clock.
        settings: the checks' settings (severities, thresholds, vendors) the fixes are judged by
            (default: the bundled ones); the scan's organisation replaces theirs.

    Returns:
        The plan; ``not_fixed`` says why each selected finding without a change was left alone.

    Raises:
        PlanError: the options contradict the selection, or it can select nothing the scan kept.
    """
    settings = settings or CheckSettings()
    unknown = sorted(selection.checks - set(CHECK_IDS))
    _require(not unknown, f"--check {unknown[0] if unknown else ''}: no such check")
    not_run = sorted(selection.checks - set(scan.scope.checks))
    _require(not not_run, f"--check {', '.join(not_run)}: the scan did not run it "
                          f"(it ran {listed(list(scan.scope.checks)) if scan.scope.checks else 'no check'})")
    # what the scan's checks could produce is judged by the settings it ran with, when it recorded them
    scanned_with = settings if scan.settings is None else scan.settings.applied_to(CheckSettings())
    never = unmatchable_filter(selection.checks, scan.scope.severities, scanned_with, CHECK_IDS,
                               "the scan's --severity")
    _require(never is None, str(never))
    roles = _roles(scan)
    known = set(roles) | {role.name for _, role in roles.values()}
    missing = sorted(selection.roles - known)
    _require(not missing, f"--role {missing[0] if missing else ''}: no such role in the scan (give a name or an ARN)")
    present = sorted({account.account_id for account in scan.accounts})
    absent = sorted(selection.accounts - set(present))
    _require(not absent, f"--account {', '.join(absent)}: not in the scan; its accounts: {listed(present)}")
    organization = _organization(scan)
    audit_roles = audit_roles_of(scan) if selection.audit_roles is None else selection.audit_roles
    by_role: dict[str, list[FindingEntry]] = {}
    for finding in scan.findings:
        found = roles.get(finding.resource)
        if _selected(finding, selection, found[1] if found else None):
            by_role.setdefault(finding.resource, []).append(finding)
    oidc_roles = [arn for arn, found in by_role.items() if any(f.check == "oidc-trust-without-subject" for f in found)]
    _require(not options.oidc_subjects or len(oidc_roles) <= 1,
             f"--oidc-subject pins the subject of one role, but {len(oidc_roles)} selected roles trust an OIDC "
             "provider without one: select one with --role")
    changes: list[RoleChange] = []
    not_fixed: list[NotFixed] = []
    # The scan's clock, so the plan judges time windows as the scan did (now for scans that do not say).
    clock = datetime.fromisoformat(scan.as_of) if scan.as_of else (now or datetime.now(UTC))
    for arn in sorted(by_role):
        findings = by_role[arn]
        if arn not in roles:
            # a finding about a user (an identity policy) says why no trust-policy edit fixes it
            not_fixed += [NotFixed(f.account_id, arn, f.check, NOT_TRUST_FIXES.get(
                f.check, "the role is not in the scan document's accounts")) for f in findings]
            continue
        account_id, role = roles[arn]
        audit_role = role.name in audit_roles
        if audit_role and not selection.include_audit_roles:
            not_fixed += [NotFixed(f.account_id, arn, f.check, f"{AUDIT_LOCKOUT}; --include-audit-role plans it")
                          for f in findings]
            continue
        change, skipped = plan_role(account_id, role, findings, organization, options, clock, settings)
        not_fixed += skipped
        if change is not None and audit_role:
            change = replace(change, warnings=(*change.warnings, f"{AUDIT_LOCKOUT}: scan with the new guard "
                                                                 "(-I EXTERNAL_ID or --mfa) after the apply"))
        if change is not None:
            changes.append(change)
    stamp = (now or datetime.now(UTC)).isoformat()
    recorded = {"guard": options.guard, "external_id": "given" if options.external_id else "generated per role",
                "mfa_max_age": options.mfa_max_age, "oidc_subjects": list(options.oidc_subjects),
                "saml_audiences": list(options.saml_audiences), "org_id": options.org_id,
                "source_arns": list(options.source_arns), "max_session_seconds": options.max_session_seconds,
                "checks": sorted(selection.checks), "roles": sorted(selection.roles),
                "accounts": sorted(selection.accounts), "audit_roles": sorted(audit_roles),
                "include_audit_roles": selection.include_audit_roles}
    scan_source = {"path": source, "generated_at": scan.generated_at or None, "digest": source_digest}
    members = organization.account_ids if organization is not None else frozenset()
    return Plan(tuple(changes), tuple(not_fixed), scan_source, recorded, stamp, members, settings.vendors)


def plan_role(account_id: str, role: RoleEntry, findings: list[FindingEntry], organization: Organization | None,
              options: FixOptions, clock: datetime | None = None, settings: CheckSettings | None = None
              ) -> tuple[RoleChange | None, list[NotFixed]]:
    """The change for one role (or none) and the findings left alone, with reasons; ``settings`` are those the
    checks judge the corrected policy by (default: the bundled ones), ``options``' ExternalId minimums and the
    ``clock`` over them."""
    arn, name = role.arn, role.name
    wanted = sorted({f.check for f in findings})

    def skip(checks: list[str], reason: str) -> list[NotFixed]:
        return [NotFixed(account_id, arn, check, reason) for check in checks]

    if role.path.startswith(AWS_MANAGED_PATHS):
        return None, skip(wanted, "AWS manages this role's trust policy (service-linked or IAM Identity Center)")
    refused = role_name_problem(name, role.path)
    if refused is not None:  # the scan's input is untrusted: a change no IAM call can make is no plan
        return None, skip(wanted, f"{refused}: no such role can exist in IAM")
    before = role.trust.document
    if not isinstance(before, dict):
        return None, skip(wanted, "the scan holds no readable trust policy for the role")
    try:
        policy = parse_policy(before)
        zone = _zone(account_id, arn, organization, options.org_id, clock)
    except PolicyError as error:
        return None, skip(wanted, f"the trust policy does not parse: {error}")
    settings = replace(settings or CheckSettings(), organization=organization,
                       min_external_id_length=options.min_external_id_length,
                       min_external_id_pattern_literals=options.min_external_id_pattern_literals,
                       now=clock or datetime.now(UTC))
    analysis = analyse_trust(policy, zone, settings.min_external_id_pattern_literals)
    open_before = open_checks(analysis, settings, arn)
    skipped = [NotFixed(account_id, arn, c, NOT_TRUST_FIXES.get(c, "no automatic fix")) for c in wanted
               if c not in FIXERS and c != SESSION_CHECK]
    context = RoleFixContext(options)
    document, current = before, analysis
    steps: list[FixStep] = []
    for check in (c for c in FIXERS if c in wanted):
        now_open = open_checks(current, settings, arn)
        if check not in now_open:
            if check not in open_before:
                skipped += skip([check], "the engine no longer finds this problem in the recorded policy "
                                         "(was the scan made by another version?)")
            continue  # an earlier step closed it
        try:
            step = FIXERS[check](document, current, now_open[check], context)
            candidate = parse_policy(step.document)
        except Unfixable as error:
            skipped += skip([check], str(error))
            continue
        except PolicyError as error:
            skipped += skip([check], f"refused: the corrected policy would not be valid: {error}")
            continue
        corrected = analyse_trust(candidate, zone, settings.min_external_id_pattern_literals)
        reasons = widening_reasons(policy, candidate) + analysis_regressions(analysis, corrected)
        after_open = open_checks(corrected, settings, arn)
        if check in after_open:
            reasons.append(f"the finding stays open: {after_open[check][0].message}")
        new = sorted(set(after_open) - set(open_before))
        if new:
            reasons.append(f"it would raise new findings: {', '.join(new)}")
        if reasons:
            skipped += skip([check], "refused: " + "; ".join(reasons))
            continue
        document, current = step.document, corrected
        steps.append(step)
    session = None
    if SESSION_CHECK in wanted:
        try:
            session = plan_session(role.max_session_duration, options.max_session_seconds)
        except Unfixable as error:
            skipped += skip([SESSION_CHECK], str(error))
    if not steps and session is None:
        return None, skipped
    closed = [c for c in wanted if c in open_before and c not in open_checks(current, settings, arn)]
    closed += [SESSION_CHECK] if session is not None else []
    notify = sorted({account for step in steps for account in step.notify})
    warnings = [w for step in steps for w in step.warnings]
    size = len(orjson.dumps(document))
    if size > max(TRUST_POLICY_QUOTA, len(orjson.dumps(before))):
        warnings.append(f"the corrected policy has {size} characters; IAM's default quota for a trust policy is "
                        f"{TRUST_POLICY_QUOTA} (raise it in Service Quotas, or the apply of this role fails)")
    members = organization.account_ids if organization is not None else frozenset()
    inside = sorted(a for a in notify if a in members)
    if inside:
        verb = "is" if len(inside) == 1 else "are"
        warnings.append(f"{', '.join(inside)} {verb} in your organisation: people who switch into this role from "
                        "the AWS console cannot send an ExternalId (use --guard mfa for roles people use)")
    if options.guard == "mfa":
        vendors = settings.vendors
        for account in current.outside_accounts:
            if vendors.name_of(account):
                warnings.append(f"{account} is {vendors.name_of(account)}, a vendor whose software assumes the "
                                "role without a person: it cannot present MFA (use --guard external-id)")
    change = RoleChange(
        account_id=account_id,
        role_name=name,
        role_arn=arn,
        before=before,
        after=document,
        checks=tuple(closed),
        findings=tuple(f.id for f in findings if f.check in closed),
        fixes=tuple([{"check": s.check, "description": s.description} for s in steps]
                    + ([{"check": SESSION_CHECK, "description": session.description}] if session else [])),
        external_id=next((s.external_id for s in steps if s.external_id), None),
        notify=tuple(notify),
        warnings=tuple(warnings),
        max_session=session,
    )
    return change, skipped


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as JSON (schema ``rolescope.fix-plan/v1``), with diff, CLI command and Terraform per role."""
    return {
        "schema": PLAN_SCHEMA,
        "tool": {"name": "rolescope", "version": __version__},
        "generated_at": plan.generated_at,
        "digest": plan.digest,
        "scan": plan.source,
        "options": plan.options,
        "changes": [
            {
                **_change_core(c),
                "checks": list(c.checks),
                "findings": list(c.findings),
                "fixes": list(c.fixes),
                "external_id": c.external_id,
                "notify": list(c.notify),
                "warnings": list(c.warnings),
                "before_digest": digest(c.before),
                "after_digest": digest(c.after),
                "diff": unified_diff(c.before, c.after, c.role_name),
                "cli": change_cli(c),
                "terraform": change_terraform(c),
                **({"max_session_duration": c.max_session.as_json()} if c.max_session is not None else {}),
            }
            for c in plan.changes
        ],
        "not_fixed": [
            {"account_id": n.account_id, "role_arn": n.role_arn, "check": n.check, "reason": n.reason}
            for n in plan.not_fixed
        ],
        "third_parties": plan.third_parties(),
    }


def change_cli(change: RoleChange) -> str:
    """The AWS CLI commands that make the change: the trust policy's, the role setting's, or both."""
    commands = [cli_command(change.role_name, change.after)] if change.trust_changes else []
    if change.max_session is not None:
        commands.append(change.max_session.cli(change.role_name))
    return "\n".join(commands)


def change_terraform(change: RoleChange) -> str:
    if change.trust_changes:
        text = terraform(change.role_arn, change.after)
    else:
        text = f"# aws_iam_role for {change.role_arn}\n"
    return text + (change.max_session.terraform() if change.max_session is not None else "")


def load_plan(data: Any) -> Plan:
    """Read a plan document back, checking everything apply relies on.

    Raises:
        PlanError: not a plan, a malformed change, or a plan edited after rolescope wrote it (its
            digest no longer matches its changes).
    """
    _require(isinstance(data, dict) and data.get("schema") == PLAN_SCHEMA,
             f"not a rolescope plan (expected schema {PLAN_SCHEMA}); write one with rolescope fix plan")
    _require(isinstance(data.get("changes"), list), "the plan has no changes list")
    changes = []
    seen: set[str] = set()
    for index, item in enumerate(data["changes"]):
        where = f"changes[{index}]"
        _require(isinstance(item, dict), f"{where} is not an object")
        for key in ("account_id", "role_name", "role_arn"):
            _require(isinstance(item.get(key), str) and item[key], f"{where} has no {key}")
        _require(bool(ACCOUNT_ID.match(item["account_id"])), f"{where}: account_id is not 12 digits")
        arn = parse_arn(item["role_arn"])
        _require(arn is not None and arn.account == item["account_id"] and arn.resource_name == item["role_name"],
                 f"{where}: role_arn does not name role {item['role_name']} in account {item['account_id']}")
        _require(item["role_arn"] not in seen, f"{where}: role {item['role_arn']} appears twice")
        seen.add(item["role_arn"])
        for key in ("before", "after"):
            _require(isinstance(item.get(key), dict), f"{where} has no {key} document")
            try:
                parse_policy(item[key])
            except PolicyError as error:
                raise PlanError(f"{where}: the {key} document is not a valid trust policy: {error}") from None
        changes.append(RoleChange(
            account_id=item["account_id"], role_name=item["role_name"], role_arn=item["role_arn"],
            before=item["before"], after=item["after"], checks=tuple(item.get("checks") or ()),
            findings=tuple(item.get("findings") or ()), external_id=item.get("external_id"),
            notify=tuple(item.get("notify") or ()),
            max_session=load_session(item.get("max_session_duration"), where),
        ))
    plan = Plan(tuple(changes), source=data.get("scan") or {}, options=data.get("options") or {},
                generated_at=str(data.get("generated_at", "")))
    _require(data.get("digest") == plan.digest,
             "the plan's changes do not match its digest: it was edited or damaged after rolescope wrote it "
             "(make a new plan with rolescope fix plan)")
    return plan
