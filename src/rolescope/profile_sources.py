"""The roles ``rolescope profiles`` writes profiles for, with what assuming each requires.

Two sources: a scan document (every role a principal can reach, as ``rolescope can-assume`` answers:
:func:`rolescope.trust.access.can_assume` over the document's graph), and roles read live (``iam:GetRole`` in each
account, judged by :func:`rolescope.trust.analysis.analyse_trust` for the caller's account). Both
give :class:`~rolescope.auth.profile_plan.RoleTarget` objects, so the planner does not know which
source it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from rolescope.auth.broker import SessionBroker
from rolescope.auth.errors import describe_error
from rolescope.auth.identity import Identity
from rolescope.auth.profile_plan import RoleTarget
from rolescope.auth.targets import Target
from rolescope.auth.validate import validate_role_arn
from rolescope.inventory.model import Organization
from rolescope.policy.arn import role_arn
from rolescope.policy.parse import parse_policy
from rolescope.report.model import ScanDocument
from rolescope.trust.access import Access, can_assume
from rolescope.trust.analysis import TrustPath, analyse_trust
from rolescope.trust.graph_read import GraphSectionError, graph_from_section
from rolescope.trust.witness import Zone

# Requirements that say who the caller is (the graph already placed it), not what its request carries.
_ABOUT_THE_CALLER = frozenset({"org", "principal_arn", "principal_account"})
_IN_A_PROFILE = frozenset({"mfa", "external_id"})


def _requirements(requires: Iterable[str]) -> tuple[bool, bool, tuple[str, ...]]:
    """(requires MFA, requires an ExternalId, notes on what else a request must carry)."""
    needed = set(requires)
    others = sorted(needed - _IN_A_PROFILE - _ABOUT_THE_CALLER)
    notes = []
    if "mfa_or_external_id" in others:
        others.remove("mfa_or_external_id")
        notes.append("its trust policy requires MFA or an ExternalId: give --mfa-serial or --external-id for it")
    if others:
        notes.append(f"its trust policy also requires {', '.join(others)}, which a profile cannot set")
    return "mfa" in needed, "external_id" in needed, tuple(notes)


def _account_name(document: ScanDocument, account_id: str) -> str:
    """The account's alias, else its organisation name, else "" (as the live source names it)."""
    alias = next((a.alias for a in document.accounts if a.account_id == account_id and a.alias), None)
    if alias is not None:
        return alias
    organization = document.organization
    return organization.account_names.get(account_id, "") if organization is not None else ""


def roles_from_scan(document: ScanDocument, principal: str) -> list[RoleTarget]:
    """Every role ``principal`` can reach in the scan (what ``can-assume`` lists), nearest first; a chained
    role names the role whose session assumes it.

    Raises:
        GraphSectionError: the document's graph section is malformed.
        UnknownNode: the principal is not in the graph (no policy lets it assume a role).
        AuthConfigError: the document names a role by something that is not a role ARN.
    """
    if document.graph is None:
        raise GraphSectionError("the scan document has no graph section: scan again with --format json "
                                "(a scan of files or accounts writes it unless --no-graph)")
    targets = []
    for access in can_assume(graph_from_section(document.graph), principal):
        arn = validate_role_arn(access.role.id)
        entry = document.role(access.role.id)
        mfa, external_id, notes = _requirements(access.last.requires)
        targets.append(RoleTarget(arn.arn, arn.account_id, arn.name, _account_name(document, arn.account_id),
                                  entry.max_session_duration if entry is not None else None, mfa, external_id,
                                  _assumed_before(access), notes))
    return targets


def _assumed_before(access: Access) -> str | None:
    """The role whose session makes the last call (its profile is the source), or ``None`` when the
    principal makes it itself (alone or standing as a member of its group)."""
    assumed = [hop.target.id for hop in access.chain[:-1] if hop.assumption]
    return assumed[-1] if assumed else None


def _caller_paths(paths: Iterable[TrustPath], caller_account: str, caller_arn: str) -> list[TrustPath]:
    """The ways in that admit a caller of ``caller_account`` (the account, the caller itself, or anyone)."""
    def admits(principal: str) -> bool:
        parts = principal.split(":")
        return principal in ("*", caller_arn) or (len(parts) > 4 and parts[4] == caller_account)

    return [p for p in paths if p.scope.value in ("cross-account", "same-account") and any(map(admits, p.principals))]


def role_from_iam(role: Mapping[str, Any], account_name: str, zone: Zone, caller_account: str, caller_arn: str
                  ) -> RoleTarget:
    """A role as ``iam:GetRole`` describes it, with what a caller of ``caller_account`` must carry to assume it.

    Raises:
        AuthConfigError: the role's ARN is not one.
        PolicyError: its trust policy cannot be parsed.
    """
    arn = validate_role_arn(str(role.get("Arn", "")))
    analysis = analyse_trust(parse_policy(role.get("AssumeRolePolicyDocument") or {}), zone)
    paths = _caller_paths(analysis.paths, caller_account, caller_arn)
    notes: tuple[str, ...] = ()
    if not paths:
        return RoleTarget(arn.arn, arn.account_id, arn.name, account_name, _int(role.get("MaxSessionDuration")),
                          None, None, None, (f"its trust policy admits no principal of account {caller_account}: "
                                             "the profile will not work from there",))
    best = min(paths, key=lambda p: (len(p.requires), p.requires))
    mfa, external_id, notes = _requirements(best.requires)
    return RoleTarget(arn.arn, arn.account_id, arn.name, account_name, _int(role.get("MaxSessionDuration")), mfa,
                      external_id, None, notes)


def unread_role(arn: str, account_name: str, reason: str) -> RoleTarget:
    """A role that could not be read: its profile is written with what is known, and the reason noted."""
    valid = validate_role_arn(arn)
    return RoleTarget(valid.arn, valid.account_id, valid.name, account_name, None, None, None, None,
                      (f"not read ({reason}): its trust policy's requirements and MaxSessionDuration are unknown",))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None



def read_live_roles(broker: SessionBroker, identity: Identity, organization: Organization | None,
                    targets: Sequence[Target], role_name: tuple[str, str], notify: Callable[[str], None]
                    ) -> list[RoleTarget]:
    """Each account's role ``role_name``, read through its own session (``iam:GetRole``, and the account alias).

    An account without the role is left out (with a note); a role that cannot be read is kept with
    what is known (see :func:`unread_role`).
    """
    path, name = role_name
    members = frozenset(a.account_id for a in organization.accounts) if organization is not None else None
    found = []
    for target in targets:
        arn = target.role_arn or role_arn(identity.partition, target.account_id, name, path)
        try:
            session, _ = broker.session_for(target)
            iam = session.client("iam")
            role = iam.get_role(RoleName=name)["Role"]
            aliases = iam.list_account_aliases().get("AccountAliases") or []
        except Exception as error:  # one account's failure is that account's note, never the run's end
            if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") == "NoSuchEntity":
                notify(f"account {target.account_id} has no role {name}: no profile for it")
                continue
            found.append(unread_role(arn, target.name, str(describe_error(error))))
            continue
        account_name = str(aliases[0]) if aliases else target.name
        zone = Zone(target.account_id, identity.partition, organization.org_id if organization else None, members)
        found.append(role_from_iam(role, account_name, zone, identity.account_id, identity.arn))
    return found
