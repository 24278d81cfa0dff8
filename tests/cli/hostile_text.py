"""An account whose names and policy strings try to drive the terminal, forge lines of our output,
reorder what people read, inject rich markup, break DOT and Mermaid, and plant spreadsheet formulas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.factories import ACCOUNT, OUTSIDER, allow, gaad, organization, role, trust

CLEAR_AND_TITLE = "\x1b]0;pwned\x07\x1b[2J\x1b[H"  # set the terminal title, clear the screen
FORGED_LINE = "\nFAKE: all clear\r"
BIDI = "\u202egnp.exe\u202c\u2066x\u2069"  # right-to-left override and isolates reorder what is read
OTHERS = "\x7f\x85\u2028\u2029\x00\t"  # DEL, NEL, line/paragraph separators, NUL, TAB
MARKUP = "[bold red]markup[/][link=https://evil.example]link[/link]"
GRAPH_META = 'q"b\\s];#;<x>{y}|z`&'  # DOT and Mermaid metacharacters
FORMULA = "=HYPERLINK(\"evil.example\",\"click\")"  # no "/": the name must stay one role name

# What the first name looks like once escaped, written out with real backslashes: still another role.
LOOKALIKE = "ops\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H"
HOSTILE_NAMES = [f"ops{CLEAR_AND_TITLE}", LOOKALIKE, f"ci{FORGED_LINE}", f"admin{BIDI}", f"del{OTHERS}", f"m{MARKUP}",
                 f"g{GRAPH_META}", FORMULA, "+cmd", "@sum", "-2+3"]
# The escapes a reader must see in every text output, one per kind of character above.
VISIBLE = ("\\x1b", "\\x07", "\\n", "\\r", "\\u202e", "\\u2066", "\\x7f", "\\x85", "\\u2028", "\\x00", "\\t")
ALIAS = f"org\x1b[31m{FORGED_LINE}"


def write_hostile_account(directory: Path) -> tuple[Path, Path]:
    """The GAAD directory (roles named as above, each trusting an outside account; one with a hostile
    path; ``quoted`` with :func:`hostile_policy`) and an organisation file with a hostile account name."""
    directory.mkdir(parents=True, exist_ok=True)
    roles = [role(name, trust(allow({"AWS": OUTSIDER}))) for name in HOSTILE_NAMES]
    roles.append(role("pathed", trust(allow({"AWS": OUTSIDER})), path=f"/p{CLEAR_AND_TITLE}/"))
    roles.append(role("quoted", hostile_policy()))
    # a chain from outside: the outsider assumes the first hop, which alone may assume the second
    hop = f"hop{CLEAR_AND_TITLE}"
    roles.append(role(hop, trust(allow({"AWS": OUTSIDER})), inline={"assume": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}))
    roles.append(role(f"deep{FORGED_LINE}{BIDI}", trust(allow({"AWS": f"arn:aws:iam::{ACCOUNT}:role/{hop}"}))))
    scan = directory / "accounts"
    scan.mkdir(exist_ok=True)
    (scan / f"{ACCOUNT}.json").write_text(json.dumps(gaad(*roles)))
    org: dict[str, Any] = organization(ACCOUNT, OUTSIDER)
    org["Accounts"][0]["Name"] = ALIAS
    org_file = directory / "org.json"
    org_file.write_text(json.dumps(org))
    return scan, org_file


def hostile_policy() -> dict[str, Any]:
    """A lone trust policy whose Sid, principal and ExternalId carry the same attacks."""
    return trust(
        allow({"AWS": f"arn:aws:iam::{OUTSIDER}:role/r{FORGED_LINE}{BIDI}"}, sid=f"Sid{CLEAR_AND_TITLE}{MARKUP}",
              condition={"StringEquals": {"sts:ExternalId": f"ab{CLEAR_AND_TITLE}{FORGED_LINE}"}}),
        allow({"AWS": OUTSIDER}, sid=f"Open{BIDI}{OTHERS}"),
    )
