"""The AWS config editor: profiles added or replaced, every other byte as the user wrote it."""

from __future__ import annotations

from pathlib import Path

from botocore.configloader import load_config
from hypothesis import given
from hypothesis import strategies as st

from rolescope.auth.config_editor import Outcome, ProfileSection, existing_profiles, merge_profiles, profile_of_header

AUDIT = ProfileSection("audit", (("role_arn", "arn:aws:iam::444455556666:role/Audit"), ("source_profile", "base")))
USER = """\
# hand written
[default]
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start

; the next profile is mine
[profile audit]
role_arn = arn:aws:iam::111122223333:role/Old   # not a comment for botocore
source_profile = base
  # an indented comment
# about the services section below

[services local]
s3 =
  endpoint_url = http://localhost:4566
[profile after]
output = json
"""


def test_a_new_profile_goes_at_the_end_after_one_blank_line() -> None:
    merged = merge_profiles("[default]\nregion = eu-west-1", [AUDIT])
    assert merged.text == ("[default]\nregion = eu-west-1\n\n[profile audit]\n"
                           "role_arn = arn:aws:iam::444455556666:role/Audit\nsource_profile = base\n")
    assert merged.outcomes == (("audit", Outcome.ADDED),)
    assert merge_profiles("", [AUDIT]).text.startswith("[profile audit]\n")


def test_an_existing_profile_is_kept_unless_overwritten_and_then_replaced_in_place() -> None:
    kept = merge_profiles(USER, [AUDIT])
    assert kept.text == USER and kept.outcomes == (("audit", Outcome.KEPT),)
    replaced = merge_profiles(USER, [AUDIT], overwrite=True)
    assert replaced.outcomes == (("audit", Outcome.REPLACED),)
    before, _, after = USER.partition("[profile audit]\n")
    old_body_end = after.index("  # an indented comment")
    assert replaced.text == before + "".join(AUDIT.lines("\n")) + after[old_body_end:]


def test_the_same_profile_twice_changes_nothing() -> None:
    once = merge_profiles(USER, [AUDIT, ProfileSection("new", (("region", "us-east-1"),))], overwrite=True).text
    twice = merge_profiles(once, [AUDIT, ProfileSection("new", (("region", "us-east-1"),))], overwrite=True)
    assert twice.text == once
    assert twice.outcomes == (("audit", Outcome.UNCHANGED), ("new", Outcome.UNCHANGED))


def test_crlf_files_stay_crlf_and_default_is_written_as_default() -> None:
    text = "[default]\r\nregion = eu-west-1\r\n"
    merged = merge_profiles(text, [ProfileSection("default", (("region", "us-east-1"),))], overwrite=True)
    assert merged.text == "[default]\r\nregion = us-east-1\r\n"
    added = merge_profiles(text, [AUDIT]).text
    assert added.startswith(text + "\r\n[profile audit]\r\n")


def test_headers_are_read_as_botocore_reads_them() -> None:
    assert profile_of_header("[profile  spaced]\n") == "spaced"
    assert profile_of_header("[default]\r\n") == "default"
    assert profile_of_header("[sso-session corp]\n") is None
    assert profile_of_header("  [profile indented]\n") is None  # a continuation line, not a header
    assert existing_profiles(USER)["after"] == (("output", "json"),)


def test_only_a_line_feed_ends_a_line() -> None:
    # str.splitlines would cut at \x0b, \x1c or U+2028 and lose or move them
    text = "# odd\x0bcomment\u2028still the comment\n[profile x]\nregion = a\x1cb\n"
    merged = merge_profiles(text, [AUDIT])
    assert merged.text.startswith(text)


@given(st.text(alphabet=st.sampled_from("[]#;= \n\r\tabpr\x0b\u2028ofile"), max_size=80))
def test_whatever_the_file_holds_its_bytes_are_kept_before_what_is_added(text: str) -> None:
    merged = merge_profiles(text, [ProfileSection("zz-new", (("region", "us-east-1"),))])
    assert merged.outcomes == (("zz-new", Outcome.ADDED),)
    added = merged.text[len(text):].replace("\r\n", "\n")
    assert merged.text.startswith(text) and added.endswith("[profile zz-new]\nregion = us-east-1\n")


def test_botocore_reads_the_merged_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(merge_profiles(USER, [AUDIT], overwrite=True).text)
    profiles = load_config(str(path))["profiles"]
    assert profiles["audit"] == {"role_arn": "arn:aws:iam::444455556666:role/Audit", "source_profile": "base"}
    assert profiles["after"] == {"output": "json"}
