"""Remediation: corrected trust policies, reviewable plans, apply with backups, rollback.

The flow is ``plan`` (pure: a scan document in, a plan out, every corrected policy re-checked by the
engine), ``apply`` (drift check, fsynced backup before the first change, write, read back, verify)
and ``rollback`` (restore the byte-exact originals). IAM is reached only through an injected
:class:`rolescope.remediate.iam.RoleStore` factory.
"""
