"""The one error type the policy layer raises for documents IAM would reject."""

from __future__ import annotations


class PolicyError(ValueError):
    """A trust policy IAM would reject, with the statement and element that is wrong.

    Args:
        message: what is wrong, for a person.
        statement: index of the offending statement, when the error is inside one.
        sid: that statement's Sid, when it has one.
        element: the policy element (``Principal``, ``Condition``...) that is wrong.
    """

    def __init__(
        self,
        message: str,
        *,
        statement: int | None = None,
        sid: str | None = None,
        element: str | None = None,
    ) -> None:
        self.statement = statement
        self.sid = sid
        self.element = element
        self.reason = message
        where = []
        if statement is not None:
            where.append(f"Statement[{statement}]" + (f" (Sid {sid!r})" if sid else ""))
        if element:
            where.append(element)
        prefix = " ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
