// Attention for training that keeps only q, k and v for the backward pass
// and recomputes the probabilities there, a block of query rows at a time.
// Autograd through softmax(q k^T) v keeps the [B, H, N, N] probabilities of
// every trained block (about 1 GB per block for ViT-S at 1120 px); this
// keeps [B, H, rows, N] at a time and gives the same gradients.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace corrlens::finetune {

// softmax(q k^T) v for q, k, v of shape [B, H, N, D] (q already scaled),
// differentiable in all three. `block_bytes` bounds one block of
// probabilities ([B, H, rows, N] floats); <= 0 means all rows at once.
at::Tensor RecomputedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               int64_t block_bytes = int64_t{64} << 20);

}  // namespace corrlens::finetune
