"""The cross-account trust graph: who can assume what, and the role chains that cross accounts.

Nodes are accounts, roles, users, services, identity providers and "anyone"; an edge ``a -> r`` says
``a`` can assume role ``r``, carrying the statement and what the request must bear. Trust in an
account's root is expanded into the roles and users of that account (when it was scanned) whose
identity policies let them call ``sts:AssumeRole`` on the role.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from rolescope.inventory.model import AccountSnapshot, ManagedPolicy, Role
from rolescope.policy.identity import AWS_MANAGED_ALLOWING_STS, action_statements, allows_on, may_allow
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.reach import Admissions
from rolescope.trust.witness import Scope

MAX_CHAIN_LENGTH = 6
MAX_CHAINS = 1000


@dataclass(frozen=True, slots=True)
class AuditedAccount:
    snapshot: AccountSnapshot
    roles: tuple[tuple[Role, TrustAnalysis], ...]


# What the graph needs of one scanned account. Today it still holds the snapshot; it is meant to become a
# snapshot-free, picklable summary (issue 10), built by account_graph_part inside the scan of the account.
AccountGraphPart = AuditedAccount


def account_graph_part(snapshot: AccountSnapshot, roles: Sequence[tuple[Role, TrustAnalysis]]) -> AccountGraphPart:
    """What the trust graph needs of one scanned account: its principals and its roles' trust analyses."""
    return AuditedAccount(snapshot, tuple(roles))


ASSUME_ROLE = "sts:assumerole"
Principal = tuple[str, str, tuple[dict[str, Any], ...], bool]


def _identity_documents(managed: dict[str, ManagedPolicy], policies: Iterable[Any], inline: Iterable[Any]
                        ) -> tuple[list[Any], bool]:
    documents: list[Any] = [p.document for p in inline]
    managed_admin = False
    for ref in policies:
        if ref.aws_managed and ref.name in AWS_MANAGED_ALLOWING_STS:
            managed_admin = True
        found = managed.get(ref.arn)
        if found is not None and found.document is not None:
            documents.append(found.document)
    return documents, managed_admin


def _principals(snapshot: AccountSnapshot) -> Iterator[Principal]:
    """(kind, arn, identity statements about sts:AssumeRole, has an AWS managed admin policy) for each
    role and user whose identity policies may let it call sts:AssumeRole at all (the others never
    can, whatever the target: leaving them out spares reading their policies once per target)."""
    managed: dict[str, ManagedPolicy] = {}
    for policy in snapshot.policies:
        managed.setdefault(policy.arn, policy)  # the first, as AccountSnapshot.policy finds it
    candidates: list[tuple[str, str, list[Any], bool]] = []
    for role in snapshot.roles:
        documents, admin = _identity_documents(managed, role.attached_policies, role.inline_policies)
        candidates.append(("role", role.arn, documents, admin))
    groups = {g.name: g for g in snapshot.groups}
    for user in snapshot.users:
        refs, inline = list(user.attached_policies), list(user.inline_policies)
        for name in user.groups:
            if name in groups:
                refs += groups[name].attached_policies
                inline += groups[name].inline_policies
        documents, admin = _identity_documents(managed, refs, inline)
        candidates.append(("user", user.arn, documents, admin))
    for kind, arn, documents, admin in candidates:
        statements = action_statements(documents, ASSUME_ROLE)
        if admin or may_allow(statements):
            yield kind, arn, statements, admin


def _node_for(principal: str) -> tuple[str, str]:
    if principal == "*":
        return "anyone", "anyone"
    if principal.endswith(":root") or principal.isdigit():
        account = principal.split(":")[4] if ":" in principal else principal
        return f"account:{account}", "account"
    if ":role/" in principal:
        return principal, "role"
    if ":user/" in principal:
        return principal, "user"
    if ":saml-provider/" in principal or ":oidc-provider/" in principal or ("." in principal and ":" not in principal):
        return principal, "service" if principal.endswith((".amazonaws.com", ".amazonaws.com.cn")) else "federated"
    return principal, "principal"


def build_graph(accounts: Iterable[AuditedAccount]) -> nx.MultiDiGraph:
    """The trust graph of all audited accounts.

    Args:
        accounts: each account's snapshot and its roles' trust analyses.

    Returns:
        A networkx multigraph; node attributes ``kind``, ``account``, ``label``; edge attributes
        ``statement``, ``sid``, ``scope``, ``requires``, ``via`` (the policy principal).
    """
    audited = list(accounts)
    graph = nx.MultiDiGraph()
    principals = {a.snapshot.account_id: list(_principals(a.snapshot)) for a in audited}
    for account in audited:
        snapshot = account.snapshot
        graph.add_node(f"account:{snapshot.account_id}", kind="account", account=snapshot.account_id,
                       label=snapshot.alias or snapshot.account_id)
        for role, _ in account.roles:
            graph.add_node(role.arn, kind="role", account=snapshot.account_id, label=role.name)
    for account in audited:
        for role, analysis in account.roles:
            for path in analysis.paths:
                for principal in path.principals:
                    node, kind = _node_for(principal)
                    if node not in graph:
                        graph.add_node(node, kind=kind, account=_account_of(node), label=_label(node))
                    attributes = {"statement": path.statement, "sid": path.sid, "scope": path.scope.value,
                                  "requires": list(path.requires), "via": principal}
                    graph.add_edge(node, role.arn, **attributes)
                    # "*" confined by conditions (an organisation...) is expanded into the scanned
                    # principals it admits; a public "*" stays one edge from "anyone".
                    if kind == "account" or (principal == "*" and path.scope is Scope.CROSS_ACCOUNT
                                             and not path.public):
                        _expand(graph, role, analysis, node, principals, attributes)
    return graph


def _expand(graph: nx.MultiDiGraph, role: Role, analysis: TrustAnalysis, node: str,
            principals: dict[str, list[Principal]], attributes: dict[str, Any]) -> None:
    accounts = [node.split(":", 1)[1]] if node.startswith("account:") else [
        a for a in principals if a != analysis.zone.account_id]
    admissions = Admissions(analysis.policy, analysis.zone)
    target = role.arn
    by_statement: dict[int, dict[str, Any]] = {}  # the edge attributes, one set per admitting statement
    for account in accounts:
        for kind, arn, statements, admin in principals.get(account, ()):
            if arn == target or not (admin or allows_on(statements, target)):
                continue
            statement = admissions.statement_for(arn)
            if statement is None:
                continue
            expanded = by_statement.get(statement.index)
            if expanded is None:
                path = analysis.path_for(statement.index, Scope.CROSS_ACCOUNT) or analysis.path_for(
                    statement.index, Scope.SAME_ACCOUNT)
                expanded = by_statement[statement.index] = {
                    **attributes, "statement": statement.index, "sid": statement.sid,
                    "requires": list(path.requires) if path else attributes["requires"], "expanded": True}
            if arn not in graph:
                graph.add_node(arn, kind=kind, account=account, label=arn.rsplit("/", 1)[-1])
            graph.add_edge(arn, target, **expanded)


def _account_of(node: str) -> str | None:
    if node.startswith("account:"):
        return node.split(":", 1)[1]
    parts = node.split(":")
    return parts[4] if len(parts) > 5 and parts[4].isdigit() else None


def _label(node: str) -> str:
    if node.startswith("account:"):
        return node.split(":", 1)[1]
    return node.rsplit("/", 1)[-1] if "/" in node else node


def role_chains(graph: nx.MultiDiGraph, max_length: int = MAX_CHAIN_LENGTH,
                limit: int = MAX_CHAINS) -> list[list[str]]:
    """Chains of role assumptions (role -> role -> ...) that cross at least one account boundary.

    Args:
        graph: the trust graph.
        max_length: the most roles in one chain.
        limit: the most chains returned (a large organisation has combinatorially many).

    Returns:
        Chains of at least two hops, starting at roles nobody else assumes, sorted.
    """
    role_graph = nx.DiGraph()
    for source, target in graph.edges():
        if graph.nodes[source].get("kind") == "role" and graph.nodes[target].get("kind") == "role":
            role_graph.add_edge(source, target)
    chains: list[list[str]] = []
    starts = sorted(r for r in role_graph if role_graph.in_degree(r) == 0)
    for start in starts:
        stack: list[list[str]] = [[start]]
        while stack and len(chains) < limit:
            chain = stack.pop()
            if len(chain) >= 3 and len({graph.nodes[n].get("account") for n in chain}) > 1:
                chains.append(chain)
            if len(chain) < max_length:
                stack.extend([*chain, nxt] for nxt in sorted(role_graph.successors(chain[-1]), reverse=True)
                             if nxt not in chain)
    return sorted(chains)
