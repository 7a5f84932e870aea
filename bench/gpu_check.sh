#!/usr/bin/env bash
# The CUDA checks, on a machine with a GPU, from the checkout root: the CUDA tests, the reduced-precision
# report, every benchmark on the GPU, then the core tests on that machine's Python and torch.
#     bash bench/gpu_check.sh            # logs in ./gpu-logs (or $OUT)
# The peers (torchattacks, Foolbox and what Foolbox needs) are installed from .whl/ when it holds wheels:
# a GPU machine without a package index gets them that way (bench/README.md, "On a GPU").
set -u -o pipefail
out=${OUT:-gpu-logs}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/advviz-peers \
        .whl/*.whl && export PYTHONPATH="/tmp/advviz-peers:$PYTHONPATH"
fi
nvidia-smi -L
python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name())'
status=0
step() {  # step NAME SECONDS COMMAND...: run with a time limit, keep its log, remember a failure
    local name=$1 limit=$2
    shift 2
    echo "=== $name"
    timeout "$limit" "$@" 2>&1 | tee "$out/$name.log" || { echo "=== $name FAILED"; status=1; }
}
step test_cuda 240 python3 -m pytest -q -p no:cacheprovider tests/core/test_cuda.py
for dtype in bfloat16 float16; do
    step "precision_$dtype" 60 python3 -m advviz diagnose --device cuda --samples 2000 --precision "$dtype"
done
for bench in sweep transfer robustness decision_map large_models; do
    step "bench_$bench" 150 python3 bench/$bench.py --quick --device cuda
done
step test_core 150 python3 -m pytest -q -p no:cacheprovider tests/core
exit $status
