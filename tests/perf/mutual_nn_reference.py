"""The reference's mutual nearest neighbours, for benchmarks: two separate
passes (query -> templates, then templates -> query), each a chunked
`sim = x @ y.T` followed by an argmax over the full rows, with chunks of about
25000 * 10000 similarities as in 3DCorrEnhance's pose evaluation.

Run by build/<dir>/tests/corr/perf_mutual_nn (or alone) with Debian's
/usr/bin/python3 torch:
  python3 tests/perf/mutual_nn_reference.py --n 16384 --m 120000 --c 768 --threads 2
Prints one line: `reference two-pass: <seconds> s, <GFLOP/s> GFLOP/s, <mutual> mutual`.
"""
import argparse
import time

import torch


def nearest(x, y, chunk_elements=25000 * 10000):
    chunk = (chunk_elements - 1) // y.shape[0] + 1
    values, indices = [], []
    for part in torch.split(x, chunk):
        sim = part @ y.T
        v, i = sim.max(dim=1)
        values.append(v)
        indices.append(i)
    return torch.cat(values), torch.cat(indices)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=16384)
    parser.add_argument("--m", type=int, default=120000)
    parser.add_argument("--c", type=int, default=768)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    with torch.inference_mode():
        a = torch.nn.functional.normalize(torch.randn(args.n, args.c), dim=1)
        b = torch.nn.functional.normalize(torch.randn(args.m, args.c), dim=1)
        start = time.perf_counter()
        _, a_to_b = nearest(a, b)
        _, b_to_a = nearest(b, a)
        mutual = int((b_to_a[a_to_b] == torch.arange(args.n)).sum())
        seconds = time.perf_counter() - start
    flops = 2.0 * args.n * args.m * args.c
    print(f"reference two-pass (python3 torch {torch.__version__}, {torch.get_num_threads()} threads): "
          f"{seconds:.2f} s, {flops / seconds / 1e9:.1f} GFLOP/s of one similarity pass "
          f"(it computes two), {mutual} mutual", flush=True)


if __name__ == "__main__":
    main()
