// Readers for torch.save files: the zip layout (torch >= 1.6: any top-level
// folder, data.pkl, data/<key>, byteorder), the legacy non-zip layout
// (magic number, protocol, sys_info, main pickle, storage keys, raw
// storages) and plain pickles (numpy arrays become tensors). Lightning .ckpt
// files are zip checkpoints with more bookkeeping, read the same way.
#pragma once

#include <memory>

#include "core/io/tensor_file.h"

namespace corrlens::io {

class ByteSource;
class ZipReader;

// `zip` must hold a data.pkl; throws Error otherwise.
TensorFile ReadTorchZip(const ZipReader& zip, const ReadOptions& options);
TensorFile ReadTorchLegacy(const ByteSource& source, const ReadOptions& options);
TensorFile ReadPlainPickle(const ByteSource& source, const ReadOptions& options);

// True when `zip` looks like a torch.save archive (has <folder>/data.pkl).
bool IsTorchZip(const ZipReader& zip);
// True when the first bytes are the legacy torch.save magic number pickle.
bool IsTorchLegacy(const uint8_t* bytes, uint64_t size);

}  // namespace corrlens::io
