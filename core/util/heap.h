// The process heap: giving free pages back to the system. LibTorch has no
// CPU caching allocator, and core/model keeps freed blocks in glibc's heap
// (a 1 GB trim threshold) so that small forward passes do not page-fault
// their activations afresh; after a large allocation is done with (a loaded
// checkpoint, the activations of a multi-second forward pass) the free pages
// are worth returning.
#pragma once

#include <cstdint>

namespace corrlens {

// Returns the heap's free pages to the system (glibc's malloc_trim; a no-op
// elsewhere). Cheap: it walks the free lists, it does not move live data.
void ReturnFreeHeapMemory();

// Resident set size of this process in bytes (Linux /proc/self/statm; 0
// where unknown).
int64_t ResidentBytes();

}  // namespace corrlens
