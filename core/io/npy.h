// numpy .npy (format versions 1.0, 2.0 and 3.0) and .npz (a zip of .npy
// files, stored or deflated). The header is a Python dict literal parsed by a
// tiny literal parser (no eval); big-endian data is byte-swapped,
// fortran_order becomes strides, object and structured arrays are refused,
// and the announced shape must match the bytes present.
#pragma once

#include <string>
#include <vector>

#include "core/io/tensor_file.h"

namespace corrlens::io {

class ByteSource;
class ZipReader;

struct NpyHeader {
  DType dtype = DType::kFloat32;
  bool big_endian = false;
  bool fortran_order = false;
  std::vector<int64_t> shape;
  uint64_t data_offset = 0;  // relative to the start of the .npy
};

// Parses the header of the .npy that occupies [base, base + size) of `source`.
// `key` names the npz entry in errors (empty for a plain .npy).
NpyHeader ParseNpyHeader(const ByteSource& source, uint64_t base, uint64_t size, const std::string& key = {});
// Reads the array (header + data) at [base, base + size); data is loaded only when `load`.
TensorData ReadNpyArray(const ByteSource& source, uint64_t base, uint64_t size, bool load, const std::string& key = {});

// A single .npy file; the tensor's path is "" (use any name you like).
TensorFile ReadNpy(const ByteSource& source, const ReadOptions& options);
// An .npz archive; paths are entry names without ".npy".
TensorFile ReadNpz(const ZipReader& zip, const ReadOptions& options);
// True when every entry of `zip` is a .npy file (an empty zip counts too).
bool IsNpz(const ZipReader& zip);

// The bytes of a .npy file holding `tensor` (C order).
std::vector<uint8_t> EncodeNpy(const TensorData& tensor);

// Writes `tensor` to `path` as a C-order .npy of `dtype` (converted like
// TensorData::ConvertTo), atomically. The view is streamed in 1 MiB pieces,
// so no contiguous copy is made; a view that repeats stored elements (stride
// 0) is refused before anything is written when the file would exceed
// kMaxExpandedBytes (core/io/view_limits.h). WriteNpy is WriteNpyAs with the
// tensor's own dtype.
void WriteNpyAs(const std::string& path, const TensorData& tensor, DType dtype);

}  // namespace corrlens::io
