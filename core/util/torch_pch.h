// Precompiled header for targets that use LibTorch (see corrlens_use_torch_pch).
#pragma once
#include <torch/torch.h>
