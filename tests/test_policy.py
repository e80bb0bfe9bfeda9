"""Jurisdiction policies: presets, custom files, and the rules they enforce on the catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from credo.features.catalog import CATALOG, catalog_for
from credo.policy import PRESETS, Policy, PolicyError, load_policy


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_as_frozen_policies(name):
    policy = load_policy(name)
    assert isinstance(policy, Policy) and policy.name == name
    assert "message_content" in policy.forbidden_data
    assert policy.negative_data_months > 0 and policy.dispute_deadline_days > 0
    with pytest.raises(AttributeError):
        policy.name = "other"  # type: ignore[misc]


def test_default_policy_is_us():
    assert load_policy() == load_policy("us")


def test_protected_attributes_are_listed_and_never_features():
    for name in PRESETS:
        protected = set(load_policy(name).protected_attributes)
        assert {"sex", "marriage"} <= protected
        assert not protected & {s.name for s in CATALOG}
    assert {"age", "age_in_years", "personal_status_and_sex"} <= set(
        load_policy("us").protected_attributes
    )


def test_digital_footprint_only_where_allowed():
    def dims(name: str) -> set[str]:
        return {s.dimension for s in catalog_for(load_policy(name))}

    assert "digital_footprint" not in dims("us")
    assert "digital_footprint" not in dims("eu")
    assert "digital_footprint" in dims("cn")
    assert "social" not in load_policy("eu").allowed_sources


def test_denied_family_and_disallowed_sources_remove_features():
    eu = {s.name for s in catalog_for(load_policy("eu"))}
    assert "id_address_months" not in eu and "id_verified" in eu
    base = load_policy("us").to_dict()
    base.update(name="no-bank", allowed_sources=[s for s in base["allowed_sources"] if s != "bank"])
    no_bank = Policy(**{k: tuple(v) if isinstance(v, list) else v for k, v in base.items()})
    names = {s.name for s in catalog_for(no_bank)}
    assert "cb_income_mean_12m" not in names
    assert "ao_debt_to_income" not in names  # a ratio needs both of its parts
    assert "ph_dpd_latest" in names


def test_negative_data_window_differs_by_jurisdiction():
    months = {name: load_policy(name).negative_data_months for name in PRESETS}
    assert months["eu"] < months["cn"] < months["us"]


def _write(tmp_path, **changes):
    data = load_policy("us").to_dict()
    data.update(changes)
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    return path


def test_a_policys_rules_are_its_decisive_fields_in_any_order():
    from credo.policy.policy import policy_from_dict

    rules = load_policy("us").to_dict()
    mine = policy_from_dict({**rules, "name": "mine"})
    sources = rules["allowed_sources"]
    alike = [
        {"title": "another title", "notes": "other notes", "dispute_deadline_days": 10},
        {"allowed_sources": [*reversed(sources), sources[0]]},  # another order, one twice
        {"protected_attributes": list(reversed(rules["protected_attributes"]))},
    ]
    for change in alike:
        assert policy_from_dict({**rules, "name": "mine", **change}).rules == mine.rules, change
    other = [
        {"allowed_sources": sources[1:]},
        {"negative_data_months": rules["negative_data_months"] - 1},
        {"allow_protected": not rules["allow_protected"]},
    ]
    for change in other:
        assert policy_from_dict({**rules, "name": "mine", **change}).rules != mine.rules, change


def test_policies_are_read_as_utf_8_whatever_the_locale(tmp_path):
    # in an ASCII locale every preset failed to load (UnicodeDecodeError); in a Latin-1 one
    # its protected names 性别 and 年龄 were garbled and matched no column of that name
    path = tmp_path / "policy.json"
    data = load_policy("eu").to_dict() | {"name": "eu-société", "protected_attributes": ["性别"]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    # the command line itself in ASCII: this locale could not decode it otherwise
    check = (
        "from credo.policy import load_policy;"
        f"assert {ascii('性别')} in load_policy('us').protected_attributes;"
        f"policy = load_policy({ascii(str(path))});"
        f"assert policy.name == {ascii('eu-société')};"
        f"assert policy.protected_attributes == ({ascii('性别')},)"
    )
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_custom_policy_file_loads(tmp_path):
    policy = load_policy(_write(tmp_path, name="bank-x", negative_data_months=24))
    assert policy.name == "bank-x" and policy.negative_data_months == 24


@pytest.mark.parametrize("policy", PRESETS)
def test_protected_names_in_other_scripts_and_spellings_are_refused(policy):
    """ "género" (Spanish, accented), "性别" (Chinese) and "Ｓｅｘ" (full-width) were model
    inputs under every policy, and "skin_color", "birthday" and "birthyear" under some."""
    from credo.model.training import names_protected, protected_inputs

    names = load_policy(policy).protected_attributes
    refused = ["género", "性别", "客户性别", "性別", "年龄", "Ｓｅｘ", "Gender", "sexo_cliente",
               "skin_color", "applicant_colour", "birthday", "Birthyear", "出生日期"]  # fmt: skip
    kept = ["income", "utilisation", "region_code", "账龄", "贷款金额", "account_age"]
    assert protected_inputs(refused + kept, names) == refused
    # a name of no letter or digit names nothing (it had named every column)
    assert not names_protected("income", ["--"]) and not names_protected("income", [""])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"allowed_sources": ["card", "gossip"]}, "allowed_sources has unknown value"),
        ({"allowed_dimensions": ["vibes"]}, "allowed_dimensions has unknown value"),
        ({"negative_data_months": 0}, "negative_data_months must be a positive"),
        ({"forbidden_data": []}, "must include message_content"),
        ({"allow_protected": "yes"}, "allow_protected must be true or false"),
        ({"colour": "blue"}, "unknown field"),
        ({"denied_families": ["adress_tenure"]}, "denied_families has unknown value"),
        ({"forbidden_data": ["message_content", "socail"]}, "forbidden_data has unknown value"),
        ({"name": ""}, "name must be a non-empty text"),
        ({"name": 5}, "name must be a non-empty text"),
        ({"negative_data_months": 3}, "named 'us' like the preset 'us', but it differs"),
        ({"name": " US", "negative_data_months": 3}, "like the preset 'us', but it differs"),
        # a name of no letter or digit had named every column (the target audited as one)
        ({"name": "x", "protected_attributes": ["sex", "--"]}, "of no letter or digit: '--'"),
    ],
)
def test_bad_policy_files_say_which_field_and_why(tmp_path, changes, message):
    with pytest.raises(PolicyError, match=message):
        load_policy(_write(tmp_path, **changes))


def test_policy_vocabulary_covers_the_catalog_and_forbidden_data_takes_its_sources(tmp_path):
    from credo.policy.policy import FAMILIES

    assert {s.family for s in CATALOG if s.family} <= set(FAMILIES)
    # a copy of a preset under its own name is that preset
    assert load_policy(_write(tmp_path)) == load_policy("us")
    cn = load_policy("cn").to_dict()
    assert "social" in cn["allowed_sources"]
    cn.update(name="cn-no-social", forbidden_data=[*cn["forbidden_data"], "social_network"])
    path = tmp_path / "cn-no-social.json"
    path.write_text(json.dumps(cn))
    without = load_policy(path)
    assert load_policy("cn").allows_source("social") and not without.allows_source("social")
    fed_by_social = {s.name for s in catalog_for(load_policy("cn"))} - {
        s.name for s in catalog_for(without)
    }
    assert fed_by_social and all(s.startswith("df_") for s in fed_by_social)
    # and no social event counts as data or provenance where no feature reads one
    from credo.features.compiler import read_types

    assert "social" in read_types(catalog_for(load_policy("cn")), load_policy("cn"))
    assert "social" not in read_types(catalog_for(without), without)
    no_footprint = load_policy("cn").to_dict()
    no_footprint.update(name="cn-no-df", denied_families=["digital_footprint"])
    path.write_text(json.dumps(no_footprint))
    denied = load_policy(path)
    assert denied.allows_source("social") and "social" not in read_types(
        catalog_for(denied), denied
    )


def test_unknown_name_says_what_to_use(tmp_path):
    with pytest.raises(PolicyError, match="us, eu, cn"):
        load_policy("mars")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(PolicyError, match="not valid JSON"):
        load_policy(bad)
