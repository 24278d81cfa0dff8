"""Reaching AWS accounts the ways AWS users do: profiles, roles, MFA, the AWS CLI's credential cache.

Everything here is built on botocore's own credential machinery (providers, ``AssumeRoleProvider``,
``JSONFileCache``, refreshable credentials), so a profile means exactly what it means to the AWS CLI.
"""
