"""A user's study built in the tests, not by xctkit: ball packings imaged by a simple model written here,
delivered the way a microscope delivers them.

- HR scans (0.74 µm) are an *interior* region of a larger LR field (2.22 µm, a ×3 coarser voxel, twice the
  lateral extent) at an offset the user does not state;
- 16-bit ImageJ TIFFs written with tifffile (voxel size in the ImageJ resolution/spacing tags);
- a YAML manifest with pairs, states and an optional held-out split.

Nothing here imports xctkit: the structure, the imaging model and the files are independent of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tifffile
from scipy import ndimage

HR_UM = 0.74
LR_FACTOR = 3
LR_UM = HR_UM * LR_FACTOR


def ball_packing(shape, *, radius_vox=(4.0, 8.0), solid_fraction=0.5, seed=0) -> np.ndarray:
    """Overlapping random balls until ``solid_fraction`` is reached: a boolean solid mask."""
    rng = np.random.default_rng(seed)
    solid = np.zeros(shape, bool)
    target = solid_fraction * solid.size
    count = 0
    while count < target:
        c = rng.uniform(0, shape)
        r = rng.uniform(*radius_vox)
        lo = [max(int(np.floor(ci - r)), 0) for ci in c]
        hi = [min(int(np.ceil(ci + r)) + 1, n) for ci, n in zip(c, shape, strict=True)]
        zz, yy, xx = np.ogrid[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        box = solid[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        before = int(box.sum())
        box |= (zz - c[0]) ** 2 + (yy - c[1]) ** 2 + (xx - c[2]) ** 2 <= r * r
        count += int(box.sum()) - before
    return solid


def image(solid: np.ndarray, *, factor: int, blur_vox: float, noise: float, seed: int) -> np.ndarray:
    """Grey levels: solid bright, pore dark, optical blur, block averaging onto a coarser grid, noise, uint16."""
    rng = np.random.default_rng(seed)
    grey = np.where(solid, 0.75, 0.2).astype(np.float32)
    grey = ndimage.gaussian_filter(grey, blur_vox * factor)
    if factor > 1:
        z, y, x = (n // factor * factor for n in grey.shape)
        grey = grey[:z, :y, :x].reshape(z // factor, factor, y // factor, factor, x // factor, factor).mean((1, 3, 5))
    grey = grey + rng.normal(0.0, noise, grey.shape)
    return np.clip(grey * 50000 + 5000, 0, 65535).astype(np.uint16)


def write_imagej(path: Path, volume: np.ndarray, voxel_um: float) -> None:
    tifffile.imwrite(path, volume, imagej=True, resolution=(1 / voxel_um, 1 / voxel_um),
                     metadata={"spacing": voxel_um, "unit": "um", "axes": "ZYX"})


def make_user_study(root: Path, *, electrodes=("cellA", "cellB", "cellC"), hr_shape=(24, 72, 72),
                    cycled=("cellA",), split_test=None, seed=0) -> Path:
    """Write scans and ``manifest.yaml`` under ``root``; return the manifest path.

    Each electrode: a truth field of ``(hr_shape[0] + 12, 2·hr_shape[1], 2·hr_shape[2])`` voxels at 0.74 µm;
    its LR scan covers the whole field at 2.22 µm, its HR scan a ``hr_shape`` region at a random interior
    offset (a multiple of 3 voxels so the LR grid is exact). ``cycled`` electrodes get a second state
    whose balls are grown by one voxel (lower porosity). The true porosity of every HR region is written
    to ``truth.json`` (``{"electrode/state": porosity}``) beside the manifest, for the tests only.
    """
    root = Path(root)
    (root / "scans").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    field = (hr_shape[0] + 12, 2 * hr_shape[1], 2 * hr_shape[2])
    rows, truth_porosity = [], {}
    for i, e in enumerate(electrodes):
        truth = ball_packing(field, seed=seed * 100 + i)
        states = {"pristine": truth}
        if e in cycled:
            states["cycled"] = ndimage.binary_dilation(truth)
        off = [LR_FACTOR * int(rng.integers(1, (f - h) // LR_FACTOR)) for f, h in zip(field, hr_shape, strict=True)]
        for state, solid in states.items():
            sl = tuple(slice(o, o + h) for o, h in zip(off, hr_shape, strict=True))
            truth_porosity[f"{e}/{state}"] = float(1.0 - solid[sl].mean())
            hr = image(solid, factor=1, blur_vox=0.8, noise=0.02, seed=seed + 7 * i + 1)[sl]
            lr = image(solid, factor=LR_FACTOR, blur_vox=0.8, noise=0.02, seed=seed + 7 * i + 2)
            hr_id, lr_id = f"{e}_{state}_hr", f"{e}_{state}_lr"
            write_imagej(root / "scans" / f"{hr_id}.tif", hr, HR_UM)
            write_imagej(root / "scans" / f"{lr_id}.tif", lr, LR_UM)
            split = "" if split_test is None else ("test" if e in split_test else "train")
            for sid, res, vox, partner in ((hr_id, "hr", HR_UM, lr_id), (lr_id, "lr", LR_UM, hr_id)):
                rows.append({"id": sid, "path": f"scans/{sid}.tif", "voxel_um": vox, "modality": "xct",
                             "state": state, "electrode": e, "resolution": res, "pair": partner, "split": split,
                             "notes": f"HR at LR offset {[o // LR_FACTOR for o in off]}" if res == "hr" else ""})
    # the test's own answer key, next to (not in) the manifest: porosity of each HR region
    (root / "truth.json").write_text(json.dumps(truth_porosity))
    lines = ["# a user's own scans (written by tests/user_study.py)", "samples:"]
    for r in rows:
        lines.append(f"  - id: {r['id']}")
        for k in ("path", "voxel_um", "modality", "state", "electrode", "resolution", "pair", "split", "notes"):
            if r[k] != "":
                lines.append(f"    {k}: {r[k]!r}" if isinstance(r[k], str) else f"    {k}: {r[k]}")
    path = root / "manifest.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


# phase values of a user's segmentation, as xctkit documents them (background, solid, crack)
BACKGROUND, SOLID, CRACK_PHASE = 0, 2, 3
SEM_UM = 0.0143


def sem_section(*, n_cracks: int, size=(240, 240), radius=44, seed=0):
    """A section through four disc particles, each crossed by ``n_cracks`` parallel 3-px-wide cracks,
    and its grey image (solid bright, background and cracks dark, noise, uint16)."""
    rng = np.random.default_rng(seed)
    y, x = np.indices(size)
    phases = np.full(size, BACKGROUND, np.uint8)
    for cy, cx in ((60, 60), (60, 180), (180, 60), (180, 180)):
        disc = (y - cy) ** 2 + (x - cx) ** 2 <= radius**2
        phases[disc] = SOLID
        for k in range(n_cracks):
            row = cy - radius // 2 + k * (radius // max(n_cracks, 1))
            crack = disc & (np.abs(y - row) <= 1) & (np.abs(x - cx) <= radius // 2)
            phases[crack] = CRACK_PHASE
    grey = np.where(phases == SOLID, 0.8, 0.15) + rng.normal(0, 0.03, size)
    return phases, np.clip(grey * 40000 + 2000, 0, 65535).astype(np.uint16)


def make_sem_study(root: Path, *, cracks_by_temperature=((20, 1), (50, 3)), sections_per_condition=2,
                   unlabelled=1) -> Path:
    """SEM sections (ImageJ TIFFs) with their segmentations, grouped by ``condition.temperature_c``,
    plus ``unlabelled`` sections without labels; returns the manifest path."""
    root = Path(root)
    (root / "sem").mkdir(parents=True, exist_ok=True)
    lines = ["# a user's SEM sections (tests/user_study.py)", "samples:"]
    for t, n in cracks_by_temperature:
        for i in range(sections_per_condition + unlabelled):
            sid = f"sem_{t}c_{i}"
            phases, grey = sem_section(n_cracks=n, seed=100 * t + i)
            tifffile.imwrite(root / "sem" / f"{sid}.tif", grey, imagej=True, resolution=(1 / SEM_UM, 1 / SEM_UM),
                             metadata={"unit": "um"})
            lines += [f"  - id: {sid}", f"    path: sem/{sid}.tif", f"    voxel_um: {SEM_UM}", "    modality: sem",
                      "    state: cycled", f"    electrode: cathode_{t}c", f"    condition: {{temperature_c: {t}}}"]
            if i < sections_per_condition:
                tifffile.imwrite(root / "sem" / f"{sid}_labels.tif", phases)
                lines.append(f"    labels: sem/{sid}_labels.tif")
    path = root / "manifest.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path
