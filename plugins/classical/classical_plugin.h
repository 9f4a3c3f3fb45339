// Registration of the classical backends (dense_sift, dense_rootsift).
#pragma once

#include "core/feature/backend_registry.h"

namespace corrlens {

void RegisterClassicalBackends(BackendRegistry& registry);

}  // namespace corrlens
