// RecomputedAttention: the output and the gradients of q, k and v equal
// plain autograd through softmax(q k^T) v, for one block and for many row
// blocks (including a last, shorter one), and gradcheck in double.
#include <QtTest>

#include <torch/torch.h>

#include "core/finetune/recomputed_attention.h"

using corrlens::finetune::RecomputedAttention;

namespace {

struct Grads {
  at::Tensor out, dq, dk, dv;
};

// Forward with `attention`, backward of a fixed random weighting of the output.
template <typename Fn>
Grads Run(Fn attention, const at::Tensor& q0, const at::Tensor& k0, const at::Tensor& v0, const at::Tensor& w) {
  at::Tensor q = q0.clone().requires_grad_(true), k = k0.clone().requires_grad_(true),
             v = v0.clone().requires_grad_(true);
  const at::Tensor out = attention(q, k, v);
  (out * w).sum().backward();
  return {out.detach(), q.grad(), k.grad(), v.grad()};
}

double MaxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

class RecomputedAttentionTest : public QObject {
  Q_OBJECT

 private slots:
  void matchesAutogradForAnyBlockSize() {
    torch::manual_seed(3);
    const at::Tensor q = torch::randn({2, 3, 37, 16}) * 0.5, k = torch::randn({2, 3, 37, 16}),
                     v = torch::randn({2, 3, 37, 16}), w = torch::randn({2, 3, 37, 16});
    const Grads plain =
        Run([](const at::Tensor& a, const at::Tensor& b,
               const at::Tensor& c) { return at::matmul(at::softmax(at::matmul(a, b.transpose(-2, -1)), -1), c); },
            q, k, v, w);
    // All rows at once, 5 rows per block (37 = 7 * 5 + 2) and 1 row per block.
    const int64_t row_bytes = 2 * 3 * 37 * 4;
    for (int64_t block_bytes : {int64_t{0}, 5 * row_bytes, int64_t{1}}) {
      const Grads r = Run([block_bytes](const at::Tensor& a, const at::Tensor& b,
                                        const at::Tensor& c) { return RecomputedAttention(a, b, c, block_bytes); },
                          q, k, v, w);
      QVERIFY2(MaxDiff(r.out, plain.out) < 1e-5, qPrintable(QString::number(MaxDiff(r.out, plain.out))));
      QVERIFY2(MaxDiff(r.dq, plain.dq) < 1e-5, qPrintable(QString::number(MaxDiff(r.dq, plain.dq))));
      QVERIFY2(MaxDiff(r.dk, plain.dk) < 1e-5, qPrintable(QString::number(MaxDiff(r.dk, plain.dk))));
      QVERIFY2(MaxDiff(r.dv, plain.dv) < 1e-5, qPrintable(QString::number(MaxDiff(r.dv, plain.dv))));
    }
    // A wrong gradient would be far off: the check can fail.
    QVERIFY(MaxDiff(plain.dq, plain.dk.flip(2)) > 1e-2);
  }

  // Finite differences in double on a small problem (also non-contiguous
  // inputs, as the block hands in permuted views).
  void passesGradcheck() {
    torch::manual_seed(4);
    auto make = [] { return torch::randn({1, 4, 2, 6}, torch::kDouble).permute({0, 2, 1, 3}).requires_grad_(true); };
    const at::Tensor q = make(), k = make(), v = make();
    const int64_t two_rows = 2 * (1 * 2 * 4 * 8);  // 2 of the 4 query rows per block
    QVERIFY(torch::autograd::grad({RecomputedAttention(q, k, v, two_rows).sum()}, {q, k, v}).size() == 3);
    // Central differences on every input element against the analytic gradient.
    const at::Tensor w = torch::randn({1, 2, 4, 6}, torch::kDouble);
    auto loss = [&](const at::Tensor& a, const at::Tensor& b, const at::Tensor& c) {
      return (RecomputedAttention(a, b, c, two_rows) * w).sum();
    };
    const auto analytic = torch::autograd::grad({loss(q, k, v)}, {q, k, v});
    const double eps = 1e-6;
    for (int which = 0; which < 3; ++which) {
      at::Tensor base = (which == 0 ? q : which == 1 ? k : v).detach().contiguous();
      at::Tensor flat = base.view(-1);
      for (int64_t i = 0; i < flat.numel(); ++i) {
        torch::NoGradGuard no_grad;
        const double keep = flat[i].item<double>();
        auto eval = [&] {
          return loss(which == 0 ? base : q.detach(), which == 1 ? base : k.detach(), which == 2 ? base : v.detach())
              .item<double>();
        };
        flat[i] = keep + eps;
        const double up = eval();
        flat[i] = keep - eps;
        const double down = eval();
        flat[i] = keep;
        const double numeric = (up - down) / (2 * eps);
        const double got = analytic[which].contiguous().view(-1)[i].item<double>();
        QVERIFY2(std::abs(numeric - got) < 1e-6,
                 qPrintable(QString("input %1 element %2: %3 vs %4").arg(which).arg(i).arg(numeric).arg(got)));
      }
    }
  }
};

QTEST_GUILESS_MAIN(RecomputedAttentionTest)
#include "recomputed_attention_test.moc"
