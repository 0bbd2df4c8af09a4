"""Paper 003 chain: speed of the implicit-geometry sections, the 3-D truth, the centre-distance
table, the per-pixel centre distance and the descriptor chain, as the image grows.

    .venv/bin/python benchmarks/bench_stereology.py [--sizes 560 1120 2240]

Writes benchmarks/results/stereology.json (seconds and pixels per second per step).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=int, default=[560, 1120, 2240])
    args, _ = ap.parse_known_args()

    from xctkit import imaging, segment, synth
    from xctkit import stereology as st

    eta = synth.SEM_HR_PIXEL_UM
    f_r = st.volume_to_number_weighted(st.fit_lognormal_percentiles([3.55, 4.65, 6.05]))
    table, t_table = _timed(lambda: st.centre_distance_table(f_r))
    rows = []
    for px in args.sizes:
        side = px * eta
        spec, t_spec = _timed(lambda side=side: synth.sem_specimen(20, extent_um=(26.0, side, side), seed=0))
        sec, t_sec = _timed(lambda spec=spec, px=px: spec.section(13.0, shape_px=(px, px)))
        pair, t_pair = _timed(lambda sec=sec: imaging.sem_pair(sec.phase, grain=sec.grain, seed=0))
        seg, t_seg = _timed(lambda pair=pair: segment.segment_sem(pair.hr, pixel_um=eta))
        _, t_chain = _timed(lambda sec=sec: st.analyse_sections([sec.phase], pixel_um=eta, tables={"paper": table},
                                                                 oracle=[sec.rel_distance]))
        sp = st.particle_instances(sec.phase)
        _, t_map = _timed(lambda sp=sp: st.relative_centre_distance(sp, pixel_um=eta, table=table))
        truth, t_truth = _timed(lambda spec=spec: spec.truth(points_per_um3=100, lines_per_particle=50, seed=0))
        n = px * px
        rows.append({"image_px": px, "pixels": n, "particles": len(spec.particles),
                     "specimen_s": t_spec, "section_s": t_sec, "section_px_per_s": n / t_sec,
                     "sem_pair_s": t_pair, "classical_segmentation_s": t_seg, "descriptor_chain_s": t_chain,
                     "centre_distance_map_px_per_s": n / t_map, "truth_s": t_truth,
                     "truth_s_per_particle": t_truth / len(spec.particles), "truth_points": truth.n_points})
        print(json.dumps(rows[-1]), flush=True)
    out = Path(__file__).parent / "results" / "stereology.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": platform.platform(), "cpu_count": os.cpu_count(),
                               "centre_distance_table_s": t_table, "rows": rows}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
