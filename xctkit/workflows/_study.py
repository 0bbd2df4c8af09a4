"""A :class:`Study`: the scans a chapter starts from, where they are, and which electrodes train,
validate and test.

A study has two sources. :meth:`Study.from_manifest` reads a user's manifest (their own LR/HR XCT
pairs, pristine and cycled states, SEM sections, optional reference labels);
:meth:`Study.virtual_lab` builds (or opens) the virtual laboratory, whose scans are written to disk
with a manifest exactly like a user's, plus the 3-D truth behind them. Every chapter's workflow takes
a study, so the same code runs on both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .._validate import check_choice, check_int
from ..io import Manifest, Sample, Volume, read_manifest, read_tiff, read_zarr
from ._lab import LAB_PROFILES, VirtualLab, build_lab, lab_root

__all__ = ["Study", "StudyError", "NEEDS", "missing_inputs", "open_study"]

SPLITS = ("train", "val", "test")

NEEDS = {
    "xct_pairs": "LR/HR XCT pairs: two `modality: xct` scans of one electrode state with "
                 "`resolution: lr` / `resolution: hr` and `pair:` naming each other",
    "cycled_states": "pristine and cycled states of one electrode: `modality: xct`, `resolution: hr` "
                     "scans with `state: pristine` and `state: cycled` and the same `electrode:`",
    "sem_sections": "SEM sections: `modality: sem` scans (with `labels:` for training a segmentation)",
    "reference_labels": "reference phase labels of some HR scans: a `labels:` path on those rows",
    "sem_labels": "segmented SEM sections: `modality: sem` rows with a `labels:` image (background, solid, "
                  "crack as in xctkit.phases)",
    "truth": "the virtual laboratory's 3-D truth (a user study has none; judged against the HR scan)",
}
"""What a chapter can need from a study (``xctkit.needs`` in a notebook's metadata) and the
manifest fields that provide it."""


class StudyError(ValueError):
    """A study cannot provide what was asked (names the missing manifest fields)."""


def _read(path: Path, voxel_um: float | None) -> Volume:
    if path.is_dir():
        return read_zarr(path)
    return read_tiff(path, voxel_um=voxel_um)


@dataclass(frozen=True)
class Study:
    """The scans of one study and its train / validation / test split by electrode.

    Attributes
    ----------
    manifest : xctkit.io.Manifest
        Every scan with its path, voxel size (µm), modality, state, resolution and pairing.
    source : {'manifest', 'virtual_lab'}
    test_electrodes, val_electrodes : tuple of str
        Held-out electrodes. Splits are by physical electrode, never by patch, so no test electrode's
        scan (in any state) is trained on.
    lab : VirtualLab or None
        The virtual laboratory behind the study (its 3-D truth), None for a user study.

    Examples
    --------
    >>> from xctkit.workflows import Study
    >>> study = Study.from_manifest("data/my_scans/manifest.yaml", test_electrodes=["cellB"])  # doctest: +SKIP
    >>> [(lr.id, hr.id) for lr, hr in study.pairs(split="train")]                               # doctest: +SKIP
    """

    manifest: Manifest
    source: str = "manifest"
    test_electrodes: tuple[str, ...] = ()
    val_electrodes: tuple[str, ...] = ()
    lab: VirtualLab | None = field(default=None, repr=False)

    def __post_init__(self):
        check_choice(self.source, "source", ("manifest", "virtual_lab"))
        known = set(self.electrodes)
        for name in ("test_electrodes", "val_electrodes"):
            unknown = sorted(set(getattr(self, name)) - known)
            if unknown:
                raise StudyError(f"`{name}` names electrodes not in the manifest: {unknown}; "
                                 f"the manifest has {sorted(known)}")
        both = sorted(set(self.test_electrodes) & set(self.val_electrodes))
        if both:
            raise StudyError(f"electrodes {both} are in both `test_electrodes` and `val_electrodes`")

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_manifest(cls, path, *, test_electrodes=None, val_electrodes=None,
                      check_files: bool = True) -> Study:
        """A user's study from a manifest (YAML or CSV, see :mod:`xctkit.io`).

        Parameters
        ----------
        path : str or Path
            The manifest file; relative scan paths are resolved against its folder.
        test_electrodes, val_electrodes : sequence of str, optional
            Held-out electrodes. Default: the manifest's ``split:`` column (``test`` / ``val``) where
            it has one, else no validation electrode and, for SR, the last electrode with an LR/HR
            pair held out (:meth:`default_test_electrodes`).
        check_files : bool
            Check that every listed file exists.

        Returns
        -------
        Study

        Raises
        ------
        xctkit.io.ManifestError
            On an invalid manifest (the message names the row and field).
        StudyError
            If a held-out electrode is not in the manifest.
        """
        manifest = read_manifest(path, check_files=check_files)
        return cls._with_splits(manifest, "manifest", test_electrodes, val_electrodes, None)

    @classmethod
    def virtual_lab(cls, profile: str = "quick", seed: int = 0, *, data_dir="data/generated",
                    dry_shape=None, dit_shape=None, fov_factor: int | None = None,
                    test_electrodes=("dry2",), val_electrodes=()) -> Study:
        """The virtual laboratory as a study: builds it on first use (cached on disk), else opens it.

        Parameters
        ----------
        profile : {'quick', 'default', 'full'}
            Size preset (:data:`xctkit.workflows.LAB_PROFILES`) and the cache folder's name.
        seed : int
            Seed of every random draw.
        data_dir : str or Path
            Where ``lab/<profile>-seed<seed>/`` is written.
        dry_shape, dit_shape : (int, int, int), optional
            Truth shapes at 0.37 µm; default from the profile.
        fov_factor : int, optional
            Lateral size of the large LR field relative to the HR field; default from the profile.
        test_electrodes, val_electrodes : sequence of str
            Held-out electrodes (default: ``dry2`` tests, as in the report).

        Returns
        -------
        Study
            ``source == 'virtual_lab'``, ``has_truth`` True.
        """
        sizes = LAB_PROFILES[check_choice(profile, "profile", tuple(LAB_PROFILES))]
        seed = check_int(seed, "seed", min_value=0)
        lab = build_lab(lab_root(data_dir, profile=profile, seed=seed),
                        dry_shape=sizes["dry_shape"] if dry_shape is None else dry_shape,
                        dit_shape=sizes["dit_shape"] if dit_shape is None else dit_shape,
                        fov_factor=sizes["fov_factor"] if fov_factor is None else fov_factor, seed=seed)
        return cls._with_splits(lab.manifest, "virtual_lab", test_electrodes, val_electrodes, lab)

    @classmethod
    def _with_splits(cls, manifest, source, test, val, lab) -> Study:
        def listed(split):
            return tuple(sorted({s.electrode for s in manifest if getattr(s, "split", "") == split}))

        test = listed("test") if test is None else tuple(_names(test, "test_electrodes"))
        val = listed("val") if val is None else tuple(_names(val, "val_electrodes"))
        study = cls(manifest, source, test, val, lab)
        if not study.test_electrodes and source == "manifest":
            study = cls(manifest, source, study.default_test_electrodes(), val, lab)
        return study

    # ----------------------------------------------------------------- what is in it
    @property
    def has_truth(self) -> bool:
        """Whether the 3-D truth behind the scans is known (the virtual laboratory only)."""
        return self.lab is not None

    @property
    def name(self) -> str:
        """Short name for cache folders: ``virtual-lab``, or the manifest folder's name and a hash of
        its path (two studies never share trained models)."""
        if self.source == "virtual_lab":
            return "virtual-lab"
        digest = hashlib.sha1(str(self.manifest.root.resolve()).encode()).hexdigest()[:8]
        return f"{self.manifest.root.resolve().name or 'study'}-{digest}"

    @property
    def root(self) -> Path:
        """Folder the manifest's relative paths are resolved against."""
        return self.manifest.root

    @property
    def electrodes(self) -> list[str]:
        """Physical electrodes, in manifest order."""
        return self.manifest.electrodes()

    @property
    def train_electrodes(self) -> list[str]:
        """Electrodes that are neither tested nor validated on."""
        held = set(self.test_electrodes) | set(self.val_electrodes)
        return [e for e in self.electrodes if e not in held]

    def split_of(self, electrode: str) -> str:
        """``'train'``, ``'val'`` or ``'test'`` for one electrode."""
        if electrode not in self.electrodes:
            raise StudyError(f"electrode {electrode!r} is not in the study; it has {self.electrodes}")
        if electrode in self.test_electrodes:
            return "test"
        return "val" if electrode in self.val_electrodes else "train"

    def electrodes_in(self, split: str) -> list[str]:
        """Electrodes of one split."""
        check_choice(split, "split", SPLITS)
        return [e for e in self.electrodes if self.split_of(e) == split]

    def scans(self, *, modality: str | None = None, state: str | None = None,
              resolution: str | None = None, electrode: str | None = None,
              split: str | None = None) -> list[Sample]:
        """Scans matching every given field (None = any)."""
        if split is not None:
            check_choice(split, "split", SPLITS)
        out = []
        for s in self.manifest:
            if modality is not None and s.modality != modality:
                continue
            if state is not None and s.state != state:
                continue
            if resolution is not None and s.resolution != resolution:
                continue
            if electrode is not None and s.electrode != electrode:
                continue
            if split is not None and self.split_of(s.electrode) != split:
                continue
            out.append(s)
        return out

    def pairs(self, *, split: str | None = None, state: str | None = None) -> list[tuple[Sample, Sample]]:
        """(LR, HR) XCT pairs, optionally of one split or state."""
        if split is not None:
            check_choice(split, "split", SPLITS)
        out = []
        for lr, hr in self.manifest.pairs():
            if lr.modality != "xct":
                continue
            if state is not None and hr.state != state:
                continue
            if split is not None and self.split_of(hr.electrode) != split:
                continue
            out.append((lr, hr))
        return out

    def states(self) -> dict[str, dict[str, Sample]]:
        """Electrode -> {'pristine': HR scan, 'cycled': HR scan} for electrodes scanned in both states."""
        by = {}
        for s in self.scans(modality="xct", resolution="hr"):
            by.setdefault(s.electrode, {}).setdefault(s.state, s)
        return {e: d for e, d in by.items() if set(d) == {"pristine", "cycled"}}

    def sem_sections(self, *, split: str | None = None) -> list[Sample]:
        """SEM sections (``modality: sem``)."""
        return self.scans(modality="sem", split=split)

    def default_test_electrodes(self) -> tuple[str, ...]:
        """The electrode held out for SR when nothing is specified: the last one with an LR/HR pair
        (no electrode when the study has a single paired electrode: nothing would be left to train)."""
        paired = list(dict.fromkeys(hr.electrode for _, hr in self.pairs()))
        return (paired[-1],) if len(paired) >= 2 else ()

    # ----------------------------------------------------------------- data
    def read(self, sample_id: str) -> Volume:
        """The grey-level scan of one sample, with its voxel size (TIFF or OME-Zarr)."""
        s = self.manifest.get(sample_id)
        return _read(s.path, s.voxel_um)

    def reference_labels(self, sample_id: str) -> Volume | None:
        """Phase labels attached to a scan (truth in the virtual lab, a manual segmentation in a user
        study), or None."""
        s = self.manifest.get(sample_id)
        if s.labels is None:
            return None
        try:  # labels that carry their own voxel size (the virtual lab's truth is on a finer grid)
            return _read(s.labels, None)
        except ValueError:
            # a plain TIFF without a voxel size: a manual segmentation lies on its scan's grid
            return _read(s.labels, s.voxel_um)

    def provides(self, need: str) -> bool:
        """Whether the study has what ``need`` (a key of :data:`NEEDS`) asks for."""
        check_choice(need, "need", tuple(NEEDS))
        if need == "xct_pairs":
            return bool(self.pairs())
        if need == "cycled_states":
            return bool(self.states())
        if need == "sem_sections":
            return bool(self.sem_sections())
        if need == "sem_labels":
            return any(s.labels is not None for s in self.sem_sections())
        if need == "reference_labels":
            return any(s.labels is not None for s in self.manifest)
        return self.has_truth

    def missing(self, needs) -> list[str]:
        """The entries of ``needs`` the study cannot provide, each with the manifest fields that would."""
        return [f"{n}: {NEEDS[n]}" for n in _names(needs, "needs") if not self.provides(n)]

    def to_frame(self):
        """One row per scan: id, electrode, split, modality, state, resolution, voxel_um, path."""
        import pandas as pd

        return pd.DataFrame([{"id": s.id, "electrode": s.electrode, "split": self.split_of(s.electrode),
                              "modality": s.modality, "state": s.state, "resolution": s.resolution,
                              "voxel_um": s.voxel_um, "path": str(s.path),
                              "labels": "" if s.labels is None else str(s.labels)} for s in self.manifest])


def _names(values, name: str) -> list[str]:
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    try:
        out = [str(v) for v in values]
    except TypeError:
        raise TypeError(f"`{name}` must be a sequence of names, got {type(values).__name__}") from None
    return out


def missing_inputs(manifest_path, needs) -> list[str]:
    """What a chapter needs that a manifest does not provide (empty list: the chapter can run).

    Used by the report runner to render a short page naming the missing manifest fields instead of
    failing a chapter whose inputs a user study lacks.

    Parameters
    ----------
    manifest_path : str or Path or None
        A user manifest; None means the virtual laboratory, which provides everything.
    needs : sequence of str
        Keys of :data:`NEEDS`.

    Returns
    -------
    list of str
        One line per missing need, naming the manifest fields that would provide it.

    Examples
    --------
    >>> from xctkit.workflows import missing_inputs
    >>> missing_inputs(None, ["xct_pairs", "truth"])
    []
    """
    needs = _names(needs, "needs")
    for n in needs:
        check_choice(n, "needs", tuple(NEEDS))
    if manifest_path is None or str(manifest_path) == "":
        return []
    study = Study.from_manifest(manifest_path, test_electrodes=(), check_files=False)
    return study.missing(needs)


def open_study(manifest=None, *, profile: str = "quick", seed: int = 0, data_dir="data/generated",
               dry_shape=None, dit_shape=None, fov_factor: int | None = None, test_electrodes=None,
               lab_test_electrodes=("dry2",)) -> Study:
    """The study a report chapter runs on: the user's manifest when one is given, else the virtual lab.

    Parameters
    ----------
    manifest : str or Path, optional
        A user manifest (``xctkit report --manifest``); None or ``""`` selects the virtual laboratory.
    profile, seed, data_dir, dry_shape, dit_shape, fov_factor
        As :meth:`Study.virtual_lab` (ignored for a manifest).
    test_electrodes : sequence of str, optional
        Held-out electrodes (``--test-electrodes``). Default: the manifest's ``split:`` column or
        :meth:`Study.default_test_electrodes`; for the virtual lab ``lab_test_electrodes``.
    lab_test_electrodes : sequence of str
        The virtual lab's held-out electrodes when ``test_electrodes`` is not given.

    Returns
    -------
    Study

    Examples
    --------
    >>> from xctkit.workflows import open_study
    >>> study = open_study("", profile="quick", seed=0, data_dir="/tmp/xctkit-data")  # doctest: +SKIP
    >>> study.source, study.has_truth                                                 # doctest: +SKIP
    ('virtual_lab', True)
    """
    test = None if test_electrodes is None or len(_names(test_electrodes, "test_electrodes")) == 0 \
        else _names(test_electrodes, "test_electrodes")
    if manifest is not None and str(manifest) != "":
        return Study.from_manifest(manifest, test_electrodes=test)
    return Study.virtual_lab(profile, seed, data_dir=data_dir, dry_shape=dry_shape, dit_shape=dit_shape,
                             fov_factor=fov_factor, test_electrodes=lab_test_electrodes if test is None else test)

