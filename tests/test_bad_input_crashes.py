"""Bad input, class 'crashes': what used to end in an unrelated exception from inside xctkit
(NoneType, AttributeError, KeyError) is an error naming the argument or the file."""

import json
import zipfile

import numpy as np
import pytest

from xctkit import micro, sr
from xctkit.phases import NMC, PORE


def _archive(path, members: dict):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


DAMAGED = {
    "not-a-zip": (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), ValueError, "not a .keras archive"),
    "empty-file": (lambda p: p.write_bytes(b""), ValueError, "not a .keras archive"),
    "no-config": (lambda p: _archive(p, {"model.weights.h5": b""}), ValueError, "no config.json"),
    "config-not-json": (lambda p: _archive(p, {"config.json": b"{oops", "metadata.json": b"{}"}), ValueError,
                        "could not be loaded as a Keras model"),
    "config-of-nothing": (lambda p: _archive(p, {"config.json": json.dumps({"class_name": "Nope"}),
                                                 "metadata.json": b"{}"}), ValueError,
                          "could not be loaded as a Keras model"),
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_damaged_model_file_is_named_with_the_cause(case, tmp_path, untouched):
    write, exc, why = DAMAGED[case]
    path = tmp_path / f"{case}.keras"
    write(path)
    untouched(tmp_path)
    with pytest.raises(exc, match=f"{case}.keras.*{why}"):
        sr.load_sr_model(path)


def test_missing_model_file(tmp_path, untouched):
    with pytest.raises(FileNotFoundError, match="absent.keras.*does not exist"):
        sr.load_sr_model(tmp_path / "absent.keras")


@pytest.mark.parametrize("model", [None, "model.keras", 3], ids=["None", "str", "int"])
def test_super_resolve_without_a_model(model, untouched):
    with pytest.raises(TypeError, match="`model` must be a Keras model"):
        sr.super_resolve(model, np.zeros((2, 16, 16), np.float32))


def test_predict_image_without_a_model(untouched):
    with pytest.raises(TypeError, match="`model` must be a Keras model"):
        sr.predict_image(None, np.zeros((1, 16, 16), np.float32))


@pytest.mark.parametrize("iter_limit, exc", [(0, ValueError), (-3, ValueError), ("many", TypeError), (2.5, TypeError)])
def test_tortuosity_iteration_limit_is_checked(iter_limit, exc, untouched):
    lab = np.full((6, 6, 6), NMC, np.uint8)
    lab[:, 2:4, 2:4] = PORE
    with pytest.raises(exc, match="`iter_limit`"):
        micro.tortuosity(lab, iter_limit=iter_limit)
