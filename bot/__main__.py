import os
import sys

# One thread for numpy's BLAS, before numpy is imported: the bot's matrix work is small (one
# query against a few thousand vectors), and BLAS threads that wait on each other made it 4x
# slower on a busy 2-core machine (bench/semantic.py); a 1-vCPU VPS has no core to spare.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from .cli import main

sys.exit(main())
