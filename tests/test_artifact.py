"""The model artifact: JSON round trip, content hash, refusing changed or foreign files."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from conftest import DATA

from credo.model.artifact import (
    FORMAT_VERSION,
    ArtifactError,
    ModelArtifact,
    content_hash,
    load_model,
    save_model,
    unread_inputs_words,
)
from credo.model.scorecard import Scorecard

PROTECTED = ["personal_status_and_sex", "age_in_years", "foreign_worker"]


@pytest.fixture(scope="module")
def fitted():
    frame = pd.read_csv(DATA / "german_credit.csv")
    y = frame.pop("bad").to_numpy()
    X = frame.drop(columns=PROTECTED)
    return Scorecard(scale="sesame").fit(X, y), X


def test_round_trip_scores_identically(fitted, tmp_path):
    card, X = fitted
    artifact = ModelArtifact(
        scorecard=card,
        training={"rows": len(X), "policy": "us"},
        metrics={"holdout": {"auc": 0.8}},
        challenger={"kind": "stand-in"},
    )
    path = tmp_path / "model.json"
    digest = save_model(artifact, path)
    loaded = load_model(path)
    assert loaded.content_hash == digest
    assert loaded.training["policy"] == "us" and loaded.metrics["holdout"]["auc"] == 0.8
    assert loaded.challenger == {"kind": "stand-in"}
    pd.testing.assert_frame_equal(loaded.score_table(X), card.score_table(X))
    pd.testing.assert_frame_equal(loaded.scorecard.points_table(), card.points_table())
    data = json.loads(path.read_text())
    assert data["format_version"] == FORMAT_VERSION
    assert {"created_at", "credo_version", "scorecard", "training", "metrics"} <= set(data)
    feature = data["scorecard"]["features"][0]
    assert {"name", "dimension", "reason", "bins", "points", "coefficient", "code"} <= set(feature)


def test_saving_again_keeps_the_hash_of_the_same_content(fitted, tmp_path):
    card, _ = fitted
    first = ModelArtifact(scorecard=card, created_at="2026-01-01T00:00:00+00:00")
    second = ModelArtifact(scorecard=card, created_at="2026-01-01T00:00:00+00:00")
    assert save_model(first, tmp_path / "a.json") == save_model(second, tmp_path / "b.json")


def _as_other_tools_write(value):
    """JSON numbers as jq and JavaScript write them: a whole float (a cut at 9.0) as 9."""
    if isinstance(value, dict):
        return {k: _as_other_tools_write(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_other_tools_write(v) for v in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def test_a_file_re_indented_by_jq_or_javascript_is_the_same_content(fitted, tmp_path):
    """`jq . model.json` wrote the cuts 9.0, 12.0 as 9, 12: the same numbers, but the hash of
    Python's text differed and the file was refused as changed."""
    card, X = fitted
    path = tmp_path / "model.json"
    digest = save_model(card, path)
    data = json.loads(path.read_text())
    rewritten = _as_other_tools_write(data)
    assert rewritten != data or json.dumps(rewritten) != json.dumps(data)
    other = tmp_path / "jq.json"
    other.write_text(json.dumps(rewritten, indent=4, sort_keys=True))
    loaded = load_model(other)
    assert loaded.content_hash == digest
    pd.testing.assert_frame_equal(loaded.score_table(X), card.score_table(X))
    # a file hashed before whole numbers were written alike is still read
    data["content_hash"] = content_hash(data, whole_numbers=False)
    assert data["content_hash"] != digest
    path.write_text(json.dumps(data))
    assert load_model(path).content_hash == data["content_hash"]


@pytest.mark.parametrize("emptied", ["features", "segments"])
def test_a_rehashed_model_of_nothing_is_refused_not_a_traceback(fitted, tmp_path, emptied):
    """A card of no features divided by zero on load; a segmented card of no segments
    loaded and stopped `score` with a KeyError."""
    card, X = fitted
    path = tmp_path / "model.json"
    if emptied == "segments":
        from credo.model.segments import SegmentedScorecard

        frame = X.select_dtypes("number").head(600)
        y = (frame.iloc[:, 0] > frame.iloc[:, 0].median()).to_numpy().astype(int)
        card = SegmentedScorecard(max_segments=2, inner_folds=2).fit(frame, y)
    save_model(card, path)
    data = json.loads(path.read_text())
    data["scorecard"][emptied] = []
    data["content_hash"] = content_hash(data)
    path.write_text(json.dumps(data))
    told = "no feature" if emptied == "features" else "malformed"
    with pytest.raises(ArtifactError, match=told):
        load_model(path)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["scorecard"]["features"][0]["points"].__setitem__(0, 999),
        lambda d: d["scorecard"]["features"][0]["bins"]["woe"].__setitem__(0, 0.0),
        lambda d: d["scorecard"].__setitem__("intercept", 0.0),
        lambda d: d["training"].__setitem__("rows", 1),
    ],
)
def test_any_change_is_refused(fitted, tmp_path, tamper):
    card, _ = fitted
    path = tmp_path / "model.json"
    save_model(card, path)
    data = json.loads(path.read_text())
    tamper(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="content hash mismatch"):
        load_model(path)


def test_rehashed_but_inconsistent_points_are_refused(fitted, tmp_path):
    card, _ = fitted
    path = tmp_path / "model.json"
    save_model(card, path)
    data = json.loads(path.read_text())
    data["scorecard"]["features"][0]["points"][0] += 5
    data["content_hash"] = content_hash(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="do not follow from its bins"):
        load_model(path)


@pytest.mark.parametrize("edit", ["band_gap", "band_overlap", "shared_code", "feature_code"])
def test_rehashed_bands_that_leave_a_gap_or_codes_shared_are_refused(fitted, tmp_path, edit):
    card, _ = fitted
    path = tmp_path / "model.json"
    save_model(ModelArtifact(scorecard=card), path)
    data = json.loads(path.read_text())
    bands = data["scorecard"]["scale"]["bands"]
    if edit == "band_gap":
        bands[1]["low"] += 20  # scores between two bands would have no band
    elif edit == "band_overlap":
        bands[1]["low"] -= 20
    elif edit == "shared_code":
        codes = data["scorecard"]["reason_codes"]
        first, second = list(codes)[:2]
        codes[second] = codes[first]
    else:  # two features listed with one code, though the reason codes tell them apart
        features = data["scorecard"]["features"]
        features[1]["code"] = features[0]["code"]
    data["content_hash"] = content_hash(data)  # a hash anyone can work out again
    path.write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="malformed"):
        load_model(path)


def test_foreign_and_future_files_are_refused(fitted, tmp_path):
    card, _ = fitted
    path = tmp_path / "model.json"
    save_model(card, path)
    data = json.loads(path.read_text())
    data["format_version"] = FORMAT_VERSION + 1
    data["content_hash"] = content_hash(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="newer credo: upgrade credo"):
        load_model(path)
    data["format_version"] = str(FORMAT_VERSION)  # text, not the number
    data["content_hash"] = content_hash(data)
    path.write_text(json.dumps(data))
    with pytest.raises(
        ArtifactError, match=f'version "{FORMAT_VERSION}", this credo reads version'
    ):
        load_model(path)
    (tmp_path / "nan.json").write_text('{"format": "credo.model", "x": NaN}')
    with pytest.raises(ArtifactError, match="NaN is not a number"):
        load_model(tmp_path / "nan.json")
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(ArtifactError, match="is a folder"):
        load_model(tmp_path / "folder.json")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    with pytest.raises(ArtifactError, match="not a credo model"):
        load_model(tmp_path / "other.json")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ArtifactError, match="not a JSON"):
        load_model(tmp_path / "broken.json")
    with pytest.raises(ArtifactError, match="no such model"):
        load_model(tmp_path / "absent.json")


def test_unfitted_scorecard_cannot_be_saved(tmp_path):
    with pytest.raises(ArtifactError, match="not fitted"):
        save_model(Scorecard(), tmp_path / "m.json")


def test_a_model_is_written_as_utf8_whatever_the_locale(fitted, tmp_path):
    """The sesame bands' names are Chinese: under an ASCII locale the write failed midway and
    left an empty file where the model had been."""
    import subprocess
    import sys

    card, _ = fitted
    path = tmp_path / "model.json"
    save_model(card, path)
    script = (
        "import sys\n"
        "from credo.model.artifact import load_model, save_model\n"
        "save_model(load_model(sys.argv[1]), sys.argv[1] + '.copy')\n"
    )
    env = {"LC_ALL": "POSIX", "LANG": "POSIX", "PYTHONUTF8": "0", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, env=env)
    copy = tmp_path / "model.json.copy"
    assert load_model(copy).content_hash == load_model(path).content_hash
    assert any(ord(c) > 127 for c in copy.read_text(encoding="utf-8"))


def test_an_output_stopped_midway_leaves_the_file_that_was_there(tmp_path):
    from credo import output

    path = tmp_path / "scores.csv"
    path.write_text("id,score\n1,700\n")
    with pytest.raises(KeyboardInterrupt), output.replacing(path) as temporary:
        temporary.write_text("id,score\n1,6")  # half written
        raise KeyboardInterrupt
    assert path.read_text() == "id,score\n1,700\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no part file left
    with output.replacing(tmp_path / "new" / "scores.csv") as temporary:
        temporary.write_text("done")
    assert (tmp_path / "new" / "scores.csv").read_text() == "done"
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["scores.csv"]


def test_an_output_through_a_link_or_over_a_private_file_stays_so(tmp_path):
    from credo import output

    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    output.write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"  # written through the link
    private = tmp_path / "private.csv"
    private.write_text("old")
    private.chmod(0o600)
    output.write_text(private, "new")
    assert private.stat().st_mode & 0o777 == 0o600  # not made world-readable
    with pytest.raises(OSError) as failed, output.replacing(tmp_path / "scores.csv"):
        raise OSError(28, "No space left on device")
    assert failed.value.filename == str(tmp_path / "scores.csv")  # the name given, not the part
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "private.csv", "real.csv"]


def test_categories_written_otherwise_are_said_in_any_number_of_rows(fitted):
    """Training read " 36 months" and 30 % of the rows held "36 months" (or "c2" for "C2"): they
    were scored as unseen, the riskiest group, without a word below half the rows: now said, with
    an example pair; the scores stay those of an unseen level, as the exported SQL gives."""
    card, X = fitted
    artifact = ModelArtifact(scorecard=card)
    name = "status_of_existing_checking_account"
    assert card.bins_[name].kind == "categorical"
    level = "no checking account"
    rows = X.index[X[name] == level][:120]
    changed = X.copy()
    changed.loc[rows[:100], name] = " No Checking Account "
    changed.loc[rows[100:], name] = "NO CHECKING ACCOUNT"
    (said,) = [c for c in artifact.unread_inputs(changed) if c["name"] == name]
    assert said["respelled"] == 120 and said["share"] == pytest.approx(0.12)
    assert (said["given"], said["trained"]) == (" No Checking Account ", level)
    words = " ".join(unread_inputs_words(said).split())
    assert words.startswith(f"{name}: 120 rows (12% of the rows) hold categories training saw")
    assert f"(e.g. ' No Checking Account ' for {level!r})" in words
    assert "scored as categories training never saw, in its riskiest group" in words
    # scored as any unseen level, as before
    unseen = X.copy()
    unseen.loc[rows, name] = "a level never seen"
    assert artifact.score_table(changed).equals(artifact.score_table(unseen))
    # a level written as at training, and a level that is no training level, say nothing new
    assert artifact.unread_inputs(X) == []
    assert all("respelled" not in c for c in artifact.unread_inputs(unseen))


def test_categories_never_seen_in_a_twentieth_of_the_rows_are_said(fitted):
    """A new state in 30 % of a batch was scored in the riskiest group without a word (the
    bar was half the rows)."""
    card, X = fitted
    artifact = ModelArtifact(scorecard=card)
    name = "status_of_existing_checking_account"
    new = X.copy()
    new.loc[X.index[:100], name] = "a level never seen"  # 10 % of German credit's 1,000
    (said,) = [c for c in artifact.unread_inputs(new) if c["name"] == name]
    assert said["unseen"] == pytest.approx(0.1)
    words = " ".join(unread_inputs_words(said).split())
    assert words.startswith(f"{name}: 10% of the rows hold categories training never saw")
    assert "(e.g. 'a level never seen')" in words
    few = X.copy()
    few.loc[X.index[:30], name] = "a level never seen"  # 3 %: below the bar
    assert [c for c in artifact.unread_inputs(few) if c["name"] == name] == []


def test_a_number_past_a_double_is_refused_as_not_json(fitted, tmp_path):
    """1e400 (a cut typed as infinity by hand) reads as inf: the hash check, which writes the
    content again, had stopped on it with a ValueError traceback."""
    card, _ = fitted
    path = tmp_path / "model.json"
    save_model(card, path)
    text = path.read_text(encoding="utf-8")
    for number in ("1e400", "-1E+999"):
        path.write_text(text.replace('"intercept": ', f'"intercept": {number}, "was": ', 1))
        with pytest.raises(ArtifactError, match=re.escape(f"({number} is not a number")):
            load_model(path)


@pytest.mark.parametrize(
    ("field", "value"),
    [("created_at", None), ("credo_version", 3), ("training", []), ("challenger", "x")],
)
def test_a_file_of_malformed_fields_beside_the_scorecard_is_refused(fitted, tmp_path, field, value):
    """Each had passed the hash check (worked out again) and stopped `credo model show` or
    `credo score` later with a KeyError, an AttributeError or a rich rendering error."""
    card, _ = fitted
    path = tmp_path / "model.json"
    save_model(card, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    if value is None:
        del data[field]
    else:
        data[field] = value
    data["content_hash"] = content_hash(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ArtifactError, match=f"malformed \\({field}: missing or of the wrong"):
        load_model(path)


def test_a_file_saved_with_a_byte_order_mark_or_crlf_is_the_same_model(fitted, tmp_path):
    """A Windows editor's save (a UTF-8 BOM, CRLF line ends) changes no content: the BOM had
    been refused as not JSON."""
    card, X = fitted
    path = tmp_path / "model.json"
    digest = save_model(card, path)
    text = path.read_text(encoding="utf-8")
    edited = tmp_path / "edited.json"
    edited.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    loaded = load_model(edited)
    assert loaded.content_hash == digest
    pd.testing.assert_frame_equal(loaded.score_table(X), card.score_table(X))
