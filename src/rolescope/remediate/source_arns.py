"""``fix plan --source-arn``: the resources a service principal may act for, checked before they reach a policy.

A source ARN binds a service to your resources only when its account field names an account (AWS
recommends ``arn:aws:config:*:<account>:*``; a wildcard there binds nothing), and it belongs to the
service principal it is added for. A service principal's name starts with the service's ARN prefix
(``config.amazonaws.com`` → ``config``, ``ecs-tasks.amazonaws.com`` → ``ecs``, ``delivery.logs.amazonaws.com``
→ ``logs``), which is as far as the match can be told without a table of every service.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rolescope.policy.arn import ACCOUNT_ID, PARTITIONS, parse_arn
from rolescope.remediate.errors import Unfixable

_SERVICE = re.compile(r"\A[a-z0-9][a-z0-9-]*\Z")
_SERVICE_DOMAINS = (".amazonaws.com.cn", ".amazonaws.com")


def check_source_arn(value: str) -> str:
    """Validate one ``--source-arn``; returns it.

    Raises:
        Unfixable: not an ARN, a wildcard in its partition, service or account field (it would bind
            nothing, or nobody), or white space IAM would keep as part of the value.
    """
    arn = parse_arn(value)
    if arn is None or any(c.isspace() for c in value):
        raise Unfixable(f"--source-arn {value!r}: not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")
    if arn.partition not in PARTITIONS:
        raise Unfixable(f"--source-arn {value!r}: unknown partition {arn.partition!r}")
    if not _SERVICE.match(arn.service):
        raise Unfixable(f"--source-arn {value!r}: the service field must name one service (e.g. config)")
    if arn.account and not ACCOUNT_ID.match(arn.account):
        raise Unfixable(f"--source-arn {value!r}: the account field must be a 12-digit account id (a wildcard "
                        "there lets another customer's resources in too)")
    if not arn.resource:
        raise Unfixable(f"--source-arn {value!r}: no resource part (use * for every resource of the account)")
    return value


def service_prefixes(principal: str) -> frozenset[str]:
    """The ARN service prefixes a service principal may stand for (see the module docs)."""
    name = principal.lower()
    for domain in _SERVICE_DOMAINS:
        name = name.removesuffix(domain)
    labels = name.split(".")
    return frozenset({*labels, labels[0].split("-", 1)[0]})


def arns_for(principal: str, source_arns: Iterable[str]) -> tuple[str, ...]:
    """The source ARNs whose service is the principal's."""
    prefixes = service_prefixes(principal)
    return tuple(a for a in source_arns if (arn := parse_arn(a)) is not None and arn.service in prefixes)


def unmatched(source_arns: Iterable[str], principals: Iterable[str]) -> list[str]:
    """The source ARNs that belong to none of ``principals``."""
    names = list(principals)
    return [a for a in source_arns if not any(arns_for(p, (a,)) for p in names)]
