"""Super-resolution training at a report profile's size: time per epoch, best validation loss and the
held-out PSNR/SSIM gain over bicubic, per model. Meant for the `full` profile on a CUDA GPU
(Keras on torch uses it unchanged); the quick profile runs on a CPU.

    python benchmarks/bench_sr_train.py --profile full --models CNN GAN --out results/sr_full.json

The virtual lab is generated in parallel worker processes (one per electrode); results are written
after every model, so a run cut short still leaves its JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")


def _build_one(args):
    root, sid, params, seed, fov = args
    from xctkit import lab

    return lab.build_lab(Path(root) / sid, dry_shape=params["lab_dry_shape"], dit_shape=params["lab_dit_shape"],
                         fov_factor=params["lab_fov_factor"], seed=seed, samples=(sid,),
                         measure_tortuosity=False, include_fov=fov).root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--models", nargs="+", default=["CNN", "GAN", "SRGAN", "EDSR"])
    ap.add_argument("--epochs", type=int, default=None, help="override the profile's epochs")
    ap.add_argument("--patches", type=int, default=None, help="override the profile's patch count")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    import multiprocessing as mp

    from xctkit import lab
    from xctkit.report import profile_parameters

    p = profile_parameters(args.profile)
    tmpdir = tempfile.TemporaryDirectory()
    t0 = time.perf_counter()
    # the lab first, in worker processes, before torch/CUDA is initialised in this one
    jobs = [(tmpdir.name, sid, p, args.seed, False) for sid in lab.LAB_SAMPLES]
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1), mp_context=mp.get_context("spawn")) as ex:
        roots = list(ex.map(_build_one, jobs))
    lab_seconds = round(time.perf_counter() - t0, 1)

    import keras
    import numpy as np
    import torch

    from xctkit import io, sr

    epochs = args.epochs or p["sr_epochs"]
    n_patches = args.patches or p["sr_patches"]
    out = Path(args.out or Path(__file__).parent / "results" / f"sr_train_{args.profile}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": "sr training", "profile": args.profile, "epochs": epochs, "n_patches": n_patches,
              "patch": p["sr_patch"], "backend": keras.backend.backend(), "keras": keras.__version__,
              "torch": torch.__version__, "cuda": torch.cuda.is_available(),
              "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor(),
              "cpu_count": os.cpu_count(), "models": {}}

    def dump():
        out.write_text(json.dumps(result, indent=1))

    with tmpdir:
        result["lab_seconds"] = lab_seconds
        pairs = []
        for r in roots:
            pairs += sr.load_pairs(io.read_manifest(Path(r) / "manifest.yaml"))
        t1 = time.perf_counter()
        patches = sr.make_patch_set(pairs, test_electrodes=p["sr_test_electrodes"], patch=p["sr_patch"],
                                    n_patches=n_patches, seed=args.seed)
        result["patch_seconds"] = round(time.perf_counter() - t1, 1)
        result["split"] = patches.split.to_dict()
        dump()
        test = [q for q in pairs if q.electrode in p["sr_test_electrodes"]]

        def quality(model, norm):
            qs = []
            for q in test:
                pred = np.clip(sr.super_resolve(model, q.lr_up, normalisation=norm), 0, 1)
                qs.append(sr.image_quality(pred, q.hr))
            return {"psnr_db": float(np.mean([x.psnr_db for x in qs])), "ssim": float(np.mean([x.ssim for x in qs]))}

        result["models"]["bicubic"] = quality(sr.bicubic_baseline(), None)
        dump()
        for name in args.models:
            m = sr.build_model(name, patch=p["sr_patch"], filters=p["sr_filters"], n_blocks=p["sr_blocks"],
                               learning_rate=p["sr_learning_rate"])
            run = sr.train(m, patches, epochs=epochs, learning_rate=p["sr_learning_rate"], seed=args.seed, name=name)
            t2 = time.perf_counter()
            q = quality(run.model, patches.normalisation)
            voxels = sum(x.lr_up.size for x in test)
            result["models"][name] = {
                **q, "psnr_gain_db": q["psnr_db"] - result["models"]["bicubic"]["psnr_db"],
                "ssim_gain": q["ssim"] - result["models"]["bicubic"]["ssim"],
                "epochs_run": int(len(run.history)), "best_epoch": run.best_epoch,
                "best_val_mse": run.best_val_loss, "train_seconds": round(run.seconds, 1),
                "seconds_per_epoch": round(run.seconds / len(run.history), 2),
                "parameters": run.n_parameters,
                "inference_voxels_per_s": round(voxels / (time.perf_counter() - t2), 0),
                "history": run.history.round(6).to_dict(orient="list")}
            dump()
    result["total_seconds"] = round(time.perf_counter() - t0, 1)
    dump()
    print(json.dumps({k: v for k, v in result.items() if k != "models"}, indent=1))
    for k, v in result["models"].items():
        print(k, {kk: vv for kk, vv in v.items() if kk != "history"})


if __name__ == "__main__":
    main()
