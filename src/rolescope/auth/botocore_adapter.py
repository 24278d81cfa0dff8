"""Every botocore detail rolescope relies on beyond botocore's documented interfaces, in one place.

botocore's public surface (sessions, clients, ``CredentialResolver``'s ``get_provider`` /
``insert_after`` / ``remove``, the provider and credential classes' constructors) does not reach
everything the AWS CLI itself does: a prompter of our own for profiles with ``mfa_serial``, renewal
windows fitted to short sessions, a credential's expiry, policy documents left as IAM sent them. Each
such reliance is one function here, and ``tests/auth/test_botocore_adapter.py`` pins each against the
installed botocore, so an upgrade that changes one fails there, by name, instead of in a scan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # botocore is imported where it is used: counting a client's calls needs none of it
    import botocore.session
    from botocore.credentials import AssumeRoleProvider, CredentialResolver

Config = Mapping[str, Any]


def profile_role_provider(session: botocore.session.Session, profile: str, region: str | None,
                          cache: MutableMapping[str, Any], prompter: Callable[[str], str],
                          client_creator: Callable[..., Any], load_config: Callable[[], Config],
                          resolver: CredentialResolver) -> AssumeRoleProvider:
    """An assume-role provider for ``profile`` like the one botocore builds, with our prompter and config.

    botocore builds its provider with ``getpass`` as the prompter and offers no setter, so an
    equivalent one is built from the same parts. Relies on ``ProfileProviderBuilder`` (documented as
    internal) to resolve ``source_profile`` chains exactly as botocore does, and on the resolver
    naming its container and instance providers ``container-role`` and ``iam-role``.
    """
    from botocore.credentials import (
        AssumeRoleProvider,
        CanonicalNameCredentialSourcer,
        EnvProvider,
        ProfileProviderBuilder,
    )

    sourcer = CanonicalNameCredentialSourcer(
        [EnvProvider(), resolver.get_provider("container-role"), resolver.get_provider("iam-role")]
    )
    return AssumeRoleProvider(
        load_config=load_config,
        client_creator=client_creator,
        cache=cache,
        profile_name=profile,
        prompter=prompter,
        credential_sourcer=sourcer,
        profile_provider_builder=ProfileProviderBuilder(session, cache=cache, region_name=region),
    )


def replace_provider(resolver: CredentialResolver, provider: Any) -> None:
    """Put ``provider`` where the resolver's provider of the same ``METHOD`` is, in its place in the chain.

    Relies on ``remove`` dropping the first provider of a name (botocore's, as ours goes after it).
    """
    resolver.insert_after(provider.METHOD, provider)
    resolver.remove(provider.METHOD)


def use_credential_resolver(session: botocore.session.Session, resolver: CredentialResolver) -> None:
    """Make ``session`` resolve its credentials with ``resolver`` (botocore's ``credential_provider`` component)."""
    session.register_component("credential_provider", resolver)


class _Given:
    """A credential provider that hands out credentials rolescope already holds."""

    METHOD = "rolescope"
    CANONICAL_NAME = None

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials

    def load(self) -> Any:
        return self.credentials


def use_credentials(session: botocore.session.Session, credentials: Any) -> None:
    """Make ``session`` use ``credentials`` (refreshable ones keep refreshing) and nothing else."""
    from botocore.credentials import CredentialResolver

    use_credential_resolver(session, CredentialResolver([_Given(credentials)]))


def share_service_models(source: botocore.session.Session, target: botocore.session.Session) -> None:
    """Let ``target`` use the service models ``source`` already parsed (botocore's ``data_loader`` component).

    Service models are read-only: parsing them once per run, not once per account, saves ~0.2 s each.
    """
    target.register_component("data_loader", source.get_component("data_loader"))


def set_renewal_windows(credentials: Any, advisory: int, mandatory: int) -> None:
    """Renew ``credentials`` ``advisory`` seconds before expiry (one thread), ``mandatory`` seconds (all wait).

    ``RefreshableCredentials`` takes these as constructor arguments, ``DeferredRefreshableCredentials``
    does not: the attributes they set are set here.
    """
    credentials._advisory_refresh_timeout = advisory
    credentials._mandatory_refresh_timeout = mandatory


def credential_expiry(credentials: Any) -> datetime | None:
    """When botocore refreshable credentials expire; ``None`` for long-term keys or before the first fetch.

    botocore keeps the expiry in ``_expiry_time`` and offers no reader.
    """
    expiry = getattr(credentials, "_expiry_time", None)
    return expiry if isinstance(expiry, datetime) else None


def keep_policy_documents_encoded(client: Any) -> None:
    """Stop ``client`` (IAM) from decoding policy documents, so they stay the URL-encoded text IAM sent.

    Relies on botocore's ``json_decode_policies`` handler, registered on ``after-call.iam``.
    """
    from botocore.handlers import json_decode_policies  # heavy: imported when a client is made

    client.meta.events.unregister("after-call.iam", json_decode_policies)


def on_each_operation(client: Any, handler: Callable[[str], None]) -> None:
    """Call ``handler(operation name)`` once per API call of ``client`` (per page for paginated calls)."""
    def before_call(model: Any, **_: Any) -> None:
        handler(str(model.name))

    client.meta.events.register("before-call", before_call)


def on_each_attempt(client: Any, handler: Callable[[], None]) -> None:
    """Call ``handler()`` for every HTTP request ``client`` sends, retries included."""
    def before_send(**_: Any) -> None:
        handler()

    client.meta.events.register("before-send", before_send)


def retrieval_failure(error: Exception) -> tuple[str, str]:
    """The provider (``custom-process``, ``sso``...) and the detail of a ``CredentialRetrievalError``.

    botocore keeps them in the exception's ``kwargs``; its message repeats them in a fixed sentence.
    """
    details: Any = getattr(error, "kwargs", None) or {}
    return str(details.get("provider") or "a credential provider"), str(details.get("error_msg") or "")
