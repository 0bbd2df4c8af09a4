"""The virtual laboratory: Table 2's electrodes, pristine and cycled, scanned at two resolutions.

:func:`build_lab` writes TIFF stacks (with voxel size and provenance) and a manifest, exactly the way a
user's own scans are organised, so every later chapter reads the lab through :mod:`xctkit.io` and the
same code runs on real data.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from .._validate import check_int, check_positive, check_shape3
from ..imaging import HR_SETUP, LR_SETUP, register_scans, render_xct, XCT_GREY, xct_pair
from ..io import atomic_path, Manifest, read_manifest, read_tiff, Volume, write_manifest, write_tiff
from ..micro import intensity_shift, particle_sizes
from ..papers import table2
from ..phases import NMC
from ..synth import HR_VOXEL_UM, LAB_PROFILES, load_presets, preset_electrode, TRUTH_VOXEL_UM

from ._calibrate import measure
from ._parallel import run_in_processes

__all__ = ["VirtualLab", "build_lab", "open_lab", "lab_root", "LAB_SAMPLES", "LAB_PROFILES"]

log = logging.getLogger(__name__)

LAB_SAMPLES = ("dry1", "dry2", "dry3", "dit")
"""Table 2 electrodes of paper 000, in table order."""



@dataclass(frozen=True)
class VirtualLab:
    """A built virtual laboratory on disk.

    Attributes
    ----------
    root : Path
        Folder holding ``manifest.yaml``, ``lab.json``, ``truth/`` and ``scans/``.
    manifest : Manifest
        One entry per scan (HR and LR of each electrode state, plus the large field of view), with
        the truth phase labels and particle instances attached.
    info : dict
        Build configuration, timings (s) and the measured porosity/tortuosity of every state.
    """

    root: Path
    manifest: Manifest
    info: dict = field(default_factory=dict)

    def scan(self, sample_id: str) -> Volume:
        """Read one scan of the manifest (grey levels)."""
        s = self.manifest.get(sample_id)
        return read_tiff(s.path, voxel_um=s.voxel_um)

    def labels(self, sample_id: str) -> Volume:
        """Truth phase labels attached to a scan (on the truth grid, 0.37 µm by default)."""
        s = self.manifest.get(sample_id)
        if s.labels is None:
            raise ValueError(f"sample {sample_id!r} has no label volume")
        return read_tiff(s.labels)

    def instances(self, sample_id: str) -> Volume:
        """Truth particle instances attached to a scan."""
        s = self.manifest.get(sample_id)
        if s.instances is None:
            raise ValueError(f"sample {sample_id!r} has no instance volume")
        return read_tiff(s.instances)

    def pair_ids(self, electrode: str, state: str) -> tuple[str, str]:
        """(LR id, HR id) of one electrode state."""
        return f"{electrode}_{state}_lr", f"{electrode}_{state}_hr"

    def measurements(self):
        """Target (Table 2) vs measured porosity and tortuosity of every generated state."""
        import pandas as pd

        return pd.DataFrame(self.info.get("measurements", []))

    def registration_table(self):
        """Register every LR scan to its HR partner and compare with the known offset.

        Returns
        -------
        pandas.DataFrame
            Per electrode state and axis: true and recovered shift and the absolute error, in HR
            voxels.
        """
        import pandas as pd


        rows = []
        for m in self.info.get("measurements", []):
            lr_id, hr_id = self.pair_ids(m["sample"], m["state"])
            lr, hr = self.scan(lr_id), self.scan(hr_id)
            _, reg = register_scans(lr.array, hr.array, lr_voxel_um=lr.voxel_um, hr_voxel_um=hr.voxel_um)
            true = np.asarray(m["lr_offset_um"]) / hr.voxel_um
            for axis, t, f in zip("zyx", true, reg.shift_vox, strict=True):
                rows.append({"sample": m["sample"], "state": m["state"], "axis": axis,
                             "true_shift_hr_vox": float(t), "found_shift_hr_vox": float(f),
                             "abs_error_hr_vox": float(abs(f - t))})
        return pd.DataFrame(rows)

    def timings(self):
        import pandas as pd

        return pd.DataFrame(self.info.get("timings", []))

    def intensity_shifts(self, samples=LAB_SAMPLES):
        """Grey-level histogram shift of every electrode's HR scan, pristine -> cycled (paper 000 Fig. 10).

        Returns
        -------
        pandas.DataFrame
            One row per sample: ``mean_pristine``, ``mean_cycled``, ``mean_shift``, ``median_shift``.
        """
        import pandas as pd

        rows = []
        for sid in samples:
            s = intensity_shift(self.scan(f"{sid}_pristine_hr").array, self.scan(f"{sid}_cycled_hr").array)
            rows.append({"sample": sid, "mean_pristine": s.mean_before, "mean_cycled": s.mean_after,
                         "mean_shift": s.mean_shift, "median_shift": s.median_shift})
        return pd.DataFrame(rows)

    def porosity_conventions(self, samples=LAB_SAMPLES, *, voxel_um: float = HR_VOXEL_UM):
        """Porosity of every state's truth under the conventions in use, on the HR grid.

        The generator keeps particles until the porosity *measured on the 0.74 µm grid by block mean
        > 0.5* (:func:`xctkit.synth.coarsen_solid`, every exact tie → pore; the grid of paper 000's HR
        segmentation) hits Table 2, and :func:`calibrate` measures τ on that same mask. The volume
        fraction (the non-NMC share of the truth voxels, no rounding) is what chapter 03 takes as the
        porosity reference; the two differ by the ties.

        Returns
        -------
        pandas.DataFrame
            One row per sample and state: ``porosity_table2`` (the target), ``porosity_hr_grid`` (the
            calibration's convention), ``porosity_volume_fraction``, ``hr_grid_minus_volume_fraction``,
            ``tie_share`` (HR voxels whose block is exactly half NMC).
        """
        import pandas as pd

        from ._sr import truth_on_grid

        targets = {(m["sample"], m["state"]): m.get("porosity_paper", np.nan)
                   for m in self.info.get("measurements", [])}
        rows = []
        for sid in samples:
            for state in ("pristine", "cycled"):
                lab = self.labels(self.pair_ids(sid, state)[1])
                grid = truth_on_grid(lab.array == NMC, voxel_um=lab.voxel_um, target_um=voxel_um)
                hr, vf = float(grid.tie_rule_pore.mean()), float(grid.fraction.mean())
                rows.append({"sample": sid, "state": state, "porosity_table2": targets.get((sid, state), np.nan),
                             "porosity_hr_grid": hr, "porosity_volume_fraction": vf,
                             "hr_grid_minus_volume_fraction": hr - vf, "tie_share": grid.tie_fraction})
        return pd.DataFrame(rows)

    def truth_size_distributions(self, samples=LAB_SAMPLES, *, bin_um: float = 1.0) -> dict:
        """The generator's particle size distributions: ``{(sample, state): SizeDistribution}``."""
        out = {}
        for sid in samples:
            for state in ("pristine", "cycled"):
                inst = self.instances(f"{sid}_{state}_hr")
                out[(sid, state)] = particle_sizes(inst.array, voxel_um=inst.voxel_um, bin_um=bin_um)
        return out


def describe_porosity_conventions(conventions) -> str:
    """Chapter 01's sentence on which porosity the presets hit, generated from
    :meth:`VirtualLab.porosity_conventions`.

    Examples
    --------
    >>> describe_porosity_conventions(lab.porosity_conventions())         # doctest: +SKIP
    'The generator hits Table 2's porosity on the 0.74 µm grid ...'
    """
    gap = conventions.hr_grid_minus_volume_fraction * 100
    ties = conventions.tie_share * 100
    return (f"The generator hits Table 2's porosity on the {HR_VOXEL_UM} µm grid with the rule *block mean of "
            "NMC > 0.5* (a perfect two-phase segmentation of the HR scan, every exact tie counted as pore), "
            "and τ is calibrated on that same mask. The volume-fraction porosity of the same truths (the "
            f"non-NMC share of the {TRUTH_VOXEL_UM} µm voxels, chapter 03's reference) is lower by "
            f"{gap.min():.1f}–{gap.max():.1f} points (mean {gap.mean():.1f}); exact ties are "
            f"{ties.min():.1f}–{ties.max():.1f} % of the HR voxels.")


def lab_root(data_dir, *, profile: str, seed: int) -> Path:
    """Folder of the virtual lab for one report profile and seed: ``<data_dir>/lab/<profile>-seed<seed>``."""
    return Path(data_dir) / "lab" / f"{profile}-seed{int(seed)}"


def open_lab(root) -> VirtualLab:
    """Open a lab written by :func:`build_lab`."""
    root = Path(root)
    if not (root / "lab.json").exists():
        raise FileNotFoundError(f"no virtual lab in {str(root)!r} (lab.json missing); run build_lab first")
    info = json.loads((root / "lab.json").read_text())
    return VirtualLab(root, read_manifest(root / "manifest.yaml"), info)


_LAB_MARK = ".xctkit-lab"


def _claim_lab_folder(root: Path) -> None:
    """Refuse to write into a folder build_lab did not create (a user's scans and manifest).

    A lab folder is marked by ``.xctkit-lab`` (written before the first file, so an interrupted build is
    still recognised) or, for labs built before the mark existed, by ``lab.json``.
    """
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(f"`root` {str(root)!r} is a file, not a folder for the virtual lab")
    if root.is_dir() and any(root.iterdir()) and not ((root / _LAB_MARK).exists() or (root / "lab.json").exists()):
        found = sorted(p.name for p in root.iterdir())[:5]
        raise FileExistsError(
            f"`root` {str(root)!r} is not empty ({', '.join(found)}, ...) and was not written by build_lab; "
            "the virtual lab is built only in a new or empty folder (or one it built before), so a "
            "manifest.yaml or scans of yours are never replaced: pass another `root`"
        )
    root.mkdir(parents=True, exist_ok=True)
    (root / _LAB_MARK).write_text("folder written by xctkit.workflows.build_lab; safe to delete with it\n")


def build_lab(root, *, dry_shape, dit_shape, fov_factor: int = 2, fov_voxel_um: float = 0.74,
              seed: int = 0, samples=LAB_SAMPLES, measure_tortuosity: bool = True, include_fov: bool = True,
              force: bool = False, progress: bool = False, workers: int | None = None) -> VirtualLab:
    """Generate (or reuse) the virtual laboratory.

    For every Table 2 electrode: the pristine electrode from its calibrated preset, the same electrode
    after 100 cycles, and an HR (0.74 µm) / LR (2.3 µm) scan pair of each state; plus one LR-only large
    field of view (``fov_factor``² times the area of a dry electrode, paper 000 Fig. 8) of an unseen
    dry electrode.

    Parameters
    ----------
    root : path
        Output folder; reused as is when its configuration matches (unless ``force``).
    dry_shape, dit_shape : (3,) tuple of int
        Truth shapes ``(Z, Y, X)`` at 0.37 µm.
    fov_factor : int
        Lateral enlargement of the large field of view (2 → 4× the area).
    fov_voxel_um : float
        Truth voxel of the large field of view (coarser to save memory; it is imaged at 2.3 µm only).
    seed : int
    samples : sequence of str
        Subset of :data:`LAB_SAMPLES`.
    measure_tortuosity : bool
        Measure every state's tortuosity factor on the HR grid (TauFactor), for the calibration table.
    include_fov : bool
        Also generate the large LR-only field of view.
    force : bool
        Rebuild even if the folder holds a matching lab.
    progress : bool
    workers : int, optional
        Samples built side by side in spawned processes (default: the CPU count, at most one per
        sample and the large field, where :func:`run_in_processes` finds spawning safe); 1 builds in
        this process. The lab is the same either way.

    Returns
    -------
    VirtualLab

    Raises
    ------
    FileExistsError
        If ``root`` holds files that build_lab did not write (e.g. your own ``manifest.yaml``).
    MemoryError
        If a shape would not fit in the available memory (checked before anything is generated).
    """
    root = Path(root)
    dry_shape = check_shape3(dry_shape, "dry_shape", min_size=16)
    dit_shape = check_shape3(dit_shape, "dit_shape", min_size=16)
    fov_factor = check_int(fov_factor, "fov_factor", min_value=1, max_value=8)
    fov_voxel_um = check_positive(fov_voxel_um, "fov_voxel_um")
    seed = check_int(seed, "seed", min_value=0)
    workers = None if workers is None else check_int(workers, "workers", min_value=1)
    samples = tuple(samples)
    unknown = set(samples) - set(LAB_SAMPLES)
    if unknown:
        raise ValueError(f"`samples` must be drawn from {LAB_SAMPLES}, got {sorted(unknown)}")
    config = {"dry_shape": list(dry_shape), "dit_shape": list(dit_shape), "fov_factor": fov_factor,
              "fov_voxel_um": fov_voxel_um, "seed": seed, "samples": list(samples),
              "measure_tortuosity": measure_tortuosity, "include_fov": include_fov,
              "xctkit_version": __version__,
              "presets_sha": hashlib.sha256(json.dumps(load_presets()["samples"], sort_keys=True).encode()).hexdigest()[:16],
              # imaging set-up: a change of the forward model invalidates a cached lab
              "imaging": {"hr": HR_SETUP, "lr": LR_SETUP, "grey": {str(k): v for k, v in XCT_GREY.items()}}}
    if not force and (root / "lab.json").exists():
        try:
            lab = open_lab(root)
            if lab.info.get("config") == config:
                log.info("virtual lab in %s is up to date", root)
                return lab
        except Exception as exc:  # noqa: BLE001 - a broken lab is rebuilt
            log.warning("rebuilding the virtual lab in %s: %s", root, exc)
    _claim_lab_folder(root)
    (root / "truth").mkdir(parents=True, exist_ok=True)
    (root / "scans").mkdir(parents=True, exist_ok=True)

    t2 = table2().set_index("sample_id")
    tasks = [(_build_sample, dict(root=root, sid=sid, k=k, shape=dry_shape if t2.loc[sid, "kind"] == "dry" else dit_shape,
                                  seed=seed, measure_tortuosity=measure_tortuosity))
             for k, sid in enumerate(samples)]
    if include_fov:  # the largest task first, so the workers finish together
        tasks.insert(0, (_build_fov, dict(root=root, dry_shape=dry_shape, fov_factor=fov_factor,
                                          fov_voxel_um=fov_voxel_um, seed=seed)))
    parts = run_in_processes(tasks, workers=workers, progress=progress, desc="virtual lab")
    if include_fov:
        parts.append(parts.pop(0))  # manifest order: the electrodes, then the large field
    rows = [r for part in parts for r in part[0]]
    measurements = [m for part in parts for m in part[1]]
    timings = [t for part in parts for t in part[2]]
    write_manifest(root / "manifest.yaml", rows, overwrite=True)
    info = {"config": config, "measurements": measurements, "timings": timings,
            "fov_area_factor": fov_factor**2 if include_fov else None}
    with atomic_path(root / "lab.json", overwrite=True) as tmp:
        Path(tmp).write_text(json.dumps(info, indent=1, default=_json_default))
    return open_lab(root)


def _build_sample(*, root: Path, sid: str, k: int, shape, seed: int, measure_tortuosity: bool):
    """One Table 2 electrode, pristine and cycled, truth and scans written: (rows, measurements, timings)."""
    t2 = table2().set_index("sample_id")
    kind = t2.loc[sid, "kind"]
    rows, measurements, timings = [], [], []
    t0 = time.perf_counter()
    pristine = preset_electrode(sid, shape=shape, seed=seed + 100 * k)
    t1 = time.perf_counter()
    cycled = preset_electrode(sid, state="cycled", shape=shape, seed=seed + 100 * k, pristine=pristine)
    t2_ = time.perf_counter()
    timings.append({"sample": sid, "state": "pristine", "seconds": round(t1 - t0, 2), "shape": list(shape)})
    timings.append({"sample": sid, "state": "cycled", "seconds": round(t2_ - t1, 2), "shape": list(shape)})
    for state, e in (("pristine", pristine), ("cycled", cycled)):
        base = f"{sid}_{state}"
        t_img = time.perf_counter()
        pair = xct_pair(e.labels, voxel_um=e.voxel_um, seed=seed + 100 * k + (state == "cycled"))
        lab_path = write_tiff(root / "truth" / f"{base}_labels.tif", e.labels, voxel_um=e.voxel_um,
                              provenance=e.provenance, overwrite=True)
        inst_path = write_tiff(root / "truth" / f"{base}_instances.tif", e.particle_ids,
                               voxel_um=e.voxel_um, provenance=e.provenance, overwrite=True)
        hr_path = write_tiff(root / "scans" / f"{base}_hr.tif", pair.hr.grey, voxel_um=pair.hr.voxel_um,
                             provenance=pair.hr.provenance, overwrite=True)
        lr_path = write_tiff(root / "scans" / f"{base}_lr.tif", pair.lr.grey, voxel_um=pair.lr.voxel_um,
                             provenance=pair.lr.provenance, overwrite=True)
        timings.append({"sample": sid, "state": f"{state} scans", "seconds": round(time.perf_counter() - t_img, 2),
                        "shape": list(pair.hr.shape)})
        common = {"modality": "xct", "state": state, "electrode": sid, "kind": kind,
                  "labels": lab_path, "instances": inst_path}
        rows.append({"id": f"{base}_hr", "path": hr_path, "voxel_um": pair.hr.voxel_um,
                     "resolution": "hr", "pair": f"{base}_lr", **common})
        rows.append({"id": f"{base}_lr", "path": lr_path, "voxel_um": pair.lr.voxel_um,
                     "resolution": "lr", "pair": f"{base}_hr",
                     "notes": "offset_um=" + ",".join(f"{v:.4f}" for v in pair.true_offset_um), **common})
        if measure_tortuosity:
            phi, tau = measure(e, voxel_um=HR_VOXEL_UM)
        else:
            phi, tau = float(1 - e.solid_at(HR_VOXEL_UM).mean()), float("nan")
        psd = particle_sizes(e.particle_ids, voxel_um=e.voxel_um)
        target_phi = t2.loc[sid, f"porosity_{state}"]
        target_tau = t2.loc[sid, f"tortuosity_{state}"]
        measurements.append({
            "sample": sid, "label": t2.loc[sid, "sample"], "kind": kind, "state": state,
            "porosity_paper": float(target_phi), "porosity_xctkit": round(phi, 4),
            "tortuosity_paper": float(target_tau), "tortuosity_xctkit": round(tau, 4),
            "tortuosity_rel_error": round((tau - target_tau) / target_tau, 4),
            "nmc_fraction_truth": round(e.fractions()["nmc"], 4),
            "cbd_fraction_truth": round(e.fractions()["cbd"], 4),
            "crack_fraction_truth": round(e.fractions()["crack"], 4),
            "n_particles": int(psd.n_particles), "psd_peak_um": list(psd.peak_bin_um),
            "psd_median_um": round(psd.median_um, 3),
            "lr_offset_um": [round(float(v), 4) for v in pair.true_offset_um],
        })
    return rows, measurements, timings


def _build_fov(*, root: Path, dry_shape, fov_factor: int, fov_voxel_um: float, seed: int):
    """Large field of view: an unseen dry electrode, LR only, ``fov_factor``² times the area:
    (rows, measurements, timings) as :func:`_build_sample`."""

    t0 = time.perf_counter()
    fov_shape = (int(round(dry_shape[0] * TRUTH_VOXEL_UM / fov_voxel_um)),
                 int(round(dry_shape[1] * fov_factor * TRUTH_VOXEL_UM / fov_voxel_um)),
                 int(round(dry_shape[2] * fov_factor * TRUTH_VOXEL_UM / fov_voxel_um)))
    fov = preset_electrode("dry1", shape=fov_shape, seed=seed + 999, voxel_um=fov_voxel_um,
                           name="fov")
    fov_scan = render_xct(fov.labels, voxel_um=fov.voxel_um, seed=seed + 999, **LR_SETUP)
    fov_lab = write_tiff(root / "truth" / "fov_labels.tif", fov.labels, voxel_um=fov.voxel_um,
                         provenance=fov.provenance, overwrite=True)
    fov_path = write_tiff(root / "scans" / "fov_lr.tif", fov_scan.grey, voxel_um=fov_scan.voxel_um,
                          provenance=fov_scan.provenance, overwrite=True)
    row = {"id": "fov_lr", "path": fov_path, "voxel_um": fov_scan.voxel_um, "modality": "xct",
           "state": "pristine", "electrode": "fov", "kind": "dry", "labels": fov_lab,
           "notes": f"large field of view, {fov_factor}x{fov_factor} lateral, LR only"}
    timing = {"sample": "fov", "state": "pristine + LR scan", "seconds": round(time.perf_counter() - t0, 2),
              "shape": list(fov_shape)}
    return [row], [], [timing]


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)
