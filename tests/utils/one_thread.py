"""One thread per test process for the numeric libraries, set before any of them loads (a `-p` plugin in
pyproject's addopts is imported before the conftest files and their imports).

OpenBLAS, OpenMP and MKL start a thread per core by default, and read these variables once, when they load. The
suite runs in parallel workers beside servers and browsers; there the extra threads spin against each other: on a
busy 2-core machine the demo's LSA fit (a 292 x 8,254 randomized SVD) took 16.9 s with two BLAS threads and
0.98 s with one. The Makefile exports the same for `make run` and `make test`; a value set in the shell wins.
"""

import os

for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(name, "1")
