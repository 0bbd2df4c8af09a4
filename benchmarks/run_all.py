"""Run every benchmark script in this folder (quick sizes unless told otherwise)."""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
for script in sorted(here.glob("bench_*.py")):
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=True)
