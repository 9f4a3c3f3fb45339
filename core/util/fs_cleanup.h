// Cleaning up after writers that were killed: fs::WriteFileAtomic leaves
// "<name>.tmp<digits>" next to its target when the process dies mid-write.
#pragma once

#include <chrono>
#include <string>

namespace corrlens::fs {

// Removes the temporaries of WriteFileAtomic(`path`) older than `age` (a
// younger one may belong to a write in progress). Returns how many went.
// Never throws; files it cannot remove stay.
int RemoveStaleTemporaries(const std::string& path, std::chrono::seconds age = std::chrono::hours(1));

}  // namespace corrlens::fs
