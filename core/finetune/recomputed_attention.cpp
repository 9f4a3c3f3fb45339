#include "core/finetune/recomputed_attention.h"

#include <torch/torch.h>

#include <algorithm>

namespace corrlens::finetune {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

int64_t RowsPerBlock(const at::Tensor& q, int64_t block_bytes) {
  const int64_t n = q.size(2);
  const int64_t row_bytes = q.size(0) * q.size(1) * n * static_cast<int64_t>(q.element_size());
  if (block_bytes <= 0) return n;
  return std::clamp<int64_t>(block_bytes / std::max<int64_t>(row_bytes, 1), 1, n);
}

struct AttentionFunction : public torch::autograd::Function<AttentionFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            int64_t block_bytes) {
    ctx->save_for_backward({q, k, v});
    ctx->saved_data["block_bytes"] = block_bytes;
    const int64_t n = q.size(2), rows = RowsPerBlock(q, block_bytes);
    const at::Tensor kt = k.transpose(-2, -1);
    at::Tensor out = at::empty_like(q, at::MemoryFormat::Contiguous);
    for (int64_t start = 0; start < n; start += rows) {
      const int64_t len = std::min(rows, n - start);
      const at::Tensor p = at::softmax(at::matmul(q.narrow(2, start, len), kt), -1);
      out.narrow(2, start, len).copy_(at::matmul(p, v));
    }
    return out;
  }

  // With P = softmax(S), S = q k^T and dO the output gradient, per row block:
  // dV += P^T dO, dP = dO V^T, dS = P * (dP - rowsum(dP * P)),
  // dQ = dS K, dK += dS^T Q.
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2];
    const at::Tensor dout = grads[0].contiguous();
    const int64_t n = q.size(2), rows = RowsPerBlock(q, ctx->saved_data["block_bytes"].toInt());
    const at::Tensor kt = k.transpose(-2, -1), vt = v.transpose(-2, -1);
    at::Tensor dq = at::empty_like(q, at::MemoryFormat::Contiguous);
    at::Tensor dk = at::zeros_like(k, at::MemoryFormat::Contiguous);
    at::Tensor dv = at::zeros_like(v, at::MemoryFormat::Contiguous);
    for (int64_t start = 0; start < n; start += rows) {
      const int64_t len = std::min(rows, n - start);
      const at::Tensor qr = q.narrow(2, start, len), dor = dout.narrow(2, start, len);
      const at::Tensor p = at::softmax(at::matmul(qr, kt), -1);
      dv.add_(at::matmul(p.transpose(-2, -1), dor));
      at::Tensor ds = at::matmul(dor, vt);
      ds.sub_((ds * p).sum(-1, /*keepdim=*/true)).mul_(p);
      dq.narrow(2, start, len).copy_(at::matmul(ds, k));
      dk.add_(at::matmul(ds.transpose(-2, -1), qr));
    }
    return {dq, dk, dv, at::Tensor()};
  }
};

}  // namespace

at::Tensor RecomputedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t block_bytes) {
  return AttentionFunction::apply(q, k, v, block_bytes);
}

}  // namespace corrlens::finetune
