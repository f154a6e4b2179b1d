"""The reference for `papers bench encode`: PyTorch sentence-transformers on the same texts and threads.

Not part of `make test` (it needs torch and sentence-transformers, several GB):
    python3 -m venv /tmp/ptvenv && /tmp/ptvenv/bin/pip install torch sentence-transformers
    HF_HUB_OFFLINE=1 /tmp/ptvenv/bin/python scripts/pytorch-encode-bench.py MODEL_DIR [THREADS] [SEED_FILE]
Prints abstracts/s; pass it to `papers bench encode --reference RATE` to get the ratio on this machine.
"""
import json
import sys
import time

import torch
from sentence_transformers import SentenceTransformer

model_dir = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
seed = sys.argv[3] if len(sys.argv) > 3 else "../shared/data/seed-papers.jsonl"
torch.set_num_threads(threads)
model = SentenceTransformer(model_dir, device="cpu")
texts = []
with open(seed) as f:
    for line in f:
        d = json.loads(line)
        texts.append(d["title"] + ". " + d["abstract"])
model.encode(texts[:16], batch_size=32)
best = float("inf")
for _ in range(2):
    start = time.time()
    model.encode(texts, batch_size=32)
    best = min(best, time.time() - start)
print(f"pytorch {torch.__version__} threads {torch.get_num_threads()}: {len(texts) / best:.1f} abstracts/s ({best:.1f} s)")
