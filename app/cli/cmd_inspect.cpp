// corrlens-cli inspect FILE [--json] [--verify] [--tensor PATH [--out T.npy]]
// Lists every tensor (path, dtype, shape, bytes) and the non-tensor metadata
// of a checkpoint, or extracts one tensor as a contiguous .npy. The file is
// read with the safe readers of core/io: nothing in it is executed.
//
// Printing allocates little beyond what the reader built (and charged to its
// memory budget): JSON is streamed, text mode builds only the lines it shows
// and counts the rest, and a tensor is exported by streaming its view.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/cli/command.h"
#include "core/io/npy.h"
#include "core/io/tensor_file.h"
#include "core/io/utf8.h"
#include "core/util/error.h"

namespace corrlens::cli {

// Prints what `inspect FILE [--json]` prints for `file` (also used by the
// fuzz target of the printers).
void PrintInspection(const io::TensorFile& file, bool json, std::ostream& out);

namespace {

using nlohmann::json;

struct InspectArgs {
  std::string file;
  bool json = false;
  bool verify = false;  // read every tensor's bytes (CRC and bounds checks)
  std::string tensor;   // "<root>" names a file that is a single tensor
  bool has_tensor = false;
  std::string out;
};

constexpr size_t kMaxMetadataLines = 200;
constexpr size_t kMaxValueText = 100;

std::string DisplayPath(const std::string& path) { return path.empty() ? "<root>" : path; }

// Text for a terminal: valid UTF-8 without control characters (a name in a
// file cannot move the cursor or recolour the terminal).
std::string Printable(const std::string& text) {
  std::string out = io::ValidUtf8(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string HumanBytes(uint64_t bytes) {
  std::ostringstream text;
  if (bytes < 1024) {
    text << bytes << " B";
  } else {
    const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = static_cast<double>(bytes);
    int unit = -1;
    while (value >= 1024 && unit < 5) value /= 1024, ++unit;
    text << std::fixed << std::setprecision(1) << value << " " << units[unit];
  }
  return text.str();
}

std::string DumpCompact(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// Compact JSON of `value`, stopping soon after `out` holds `limit` bytes (a
// long array or string costs no more than its first elements or bytes).
void DumpBounded(const json& value, size_t limit, std::string& out) {
  if (out.size() > limit) return;
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    out += DumpCompact(text.substr(0, io::Utf8Boundary(text, limit + 1 - std::min(limit, out.size()))));
  } else if (value.is_array()) {
    out += '[';
    for (size_t i = 0; i < value.size() && out.size() <= limit; ++i) {
      if (i) out += ',';
      DumpBounded(value[i], limit, out);
    }
    out += ']';
  } else if (value.is_object()) {
    out += '{';
    bool first = true;
    for (auto it = value.begin(); it != value.end() && out.size() <= limit; ++it) {
      if (!first) out += ',';
      first = false;
      out += DumpCompact(it.key()) + ':';
      DumpBounded(it.value(), limit, out);
    }
    out += '}';
  } else {
    out += DumpCompact(value);
  }
}

std::string Scalar(const json& value) {
  std::string text;
  DumpBounded(value, kMaxValueText, text);
  text = Printable(text);
  if (text.size() > kMaxValueText) text = text.substr(0, io::Utf8Boundary(text, kMaxValueText - 3)) + "...";
  return text;
}

// "path = value" lines for the non-tensor leaves of the metadata tree. Only
// the first kMaxMetadataLines are built; the others are only counted.
class MetadataLines {
 public:
  explicit MetadataLines(std::ostream& out) : out_(out) {}

  void Walk(const json& node) { Visit(node); }
  size_t Total() const { return total_; }

 private:
  bool Wanted() {
    if (++total_ == 1) out_ << "metadata:\n";
    return total_ <= kMaxMetadataLines;
  }
  void Line(const std::string& value) { out_ << "  " << Printable(DisplayPath(path_)) << " = " << value << "\n"; }

  void Child(const std::string& key, const json& node) {
    const size_t old = path_.size();
    if (!path_.empty()) path_ += '.';
    path_ += key;
    Visit(node);
    path_.resize(old);
  }

  void Visit(const json& node) {
    if (node.is_object() && node.contains("__tensor__")) return;
    if (node.is_object() && node.contains("__opaque__")) {
      if (Wanted()) {
        const json& name = node["__opaque__"];
        Line("<" + Printable(name.is_string() ? name.get<std::string>() : DumpCompact(name)) + ", not executed>");
      }
      for (const char* part : {"args", "state", "items", "entries"}) {
        if (node.contains(part)) Child(part, node[part]);
      }
      return;
    }
    if (node.is_object() && node.size() == 1 && node.contains("__shared__") && node["__shared__"].is_string()) {
      if (Wanted()) Line("<the same value as " + Printable(node["__shared__"].get<std::string>()) + ">");
      return;
    }
    const bool flat_array =
        node.is_array() && std::all_of(node.begin(), node.end(), [](const json& item) { return item.is_primitive(); });
    // {"__int__": ...}, {"__bytes__": ...}, {"__set__": [...]}: special values shown on one line.
    const bool special = node.is_object() && !node.empty() && node.begin().key().rfind("__", 0) == 0 &&
                         node.begin().key() != "__metadata__";
    const bool container = (node.is_object() && !node.empty() && !special) || (node.is_array() && !flat_array);
    if (!container) {
      if (Wanted()) Line(Scalar(node));
      return;
    }
    if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) Child(std::to_string(i), node[i]);
      return;
    }
    for (const auto& [key, item] : node.items()) Child(key, item);
  }

  std::ostream& out_;
  std::string path_;
  size_t total_ = 0;
};

json TensorJson(const io::NamedTensor& t) {
  json out = {{"path", t.path},
              {"dtype", io::DTypeName(t.tensor.dtype)},
              {"shape", t.tensor.shape},
              {"bytes", t.tensor.NumBytes()}};
  if (!t.tensor.IsContiguous()) out["strides"] = t.tensor.strides;
  if (t.tensor.storage_offset != 0) out["storage_offset"] = t.tensor.storage_offset;
  return out;
}

// Pretty JSON of `value` (indent 2), as if it were nested `indent` spaces
// deep, written straight to `out` (no string of the whole document).
void DumpTo(std::ostream& out, const json& value, unsigned indent) {
  nlohmann::detail::serializer<json> serializer(nlohmann::detail::output_adapter<char>(out), ' ',
                                                json::error_handler_t::replace);
  serializer.dump(value, true, false, 2, indent);
}

// The same document as json{file, format, metadata, opaque_classes, tensors}.dump(2),
// streamed member by member.
void PrintJson(const io::TensorFile& file, std::ostream& out) {
  out << "{\n  \"file\": ";
  DumpTo(out, io::ValidUtf8(file.source), 2);
  out << ",\n  \"format\": ";
  DumpTo(out, io::FormatName(file.format), 2);
  out << ",\n  \"metadata\": ";
  if (file.metadata) {
    DumpTo(out, *file.metadata, 2);  // not copied
  } else {
    out << "{}";
  }
  out << ",\n  \"opaque_classes\": ";
  DumpTo(out, file.opaque_classes, 2);
  out << ",\n  \"tensors\": ";
  if (file.tensors.empty()) {
    out << "[]";
  } else {
    out << "[\n";
    for (size_t i = 0; i < file.tensors.size(); ++i) {
      out << "    ";
      DumpTo(out, TensorJson(file.tensors[i]), 4);
      out << (i + 1 < file.tensors.size() ? ",\n" : "\n");
    }
    out << "  ]";
  }
  out << "\n}" << std::endl;
}

void PrintText(const io::TensorFile& file, std::ostream& out) {
  uint64_t total = 0;
  size_t width = 4;
  bool any_view = false;
  for (const io::NamedTensor& t : file.tensors) {
    total += t.tensor.NumBytes();
    any_view |= !t.tensor.IsContiguous();
    width = std::max(width, std::min<size_t>(DisplayPath(t.path).size(), 40));  // longer paths overflow
  }
  out << Printable(file.source) << ": " << io::FormatName(file.format) << ", " << file.tensors.size() << " tensors, "
      << HumanBytes(total) << "\n";
  out << "  " << std::left << std::setw(static_cast<int>(width)) << "PATH"
      << "  " << std::setw(9) << "DTYPE" << std::setw(18) << "SHAPE"
      << "BYTES\n";
  for (const io::NamedTensor& t : file.tensors) {
    std::string shape = io::ShapeString(t.tensor.shape);
    if (!t.tensor.IsContiguous()) shape += "*";
    out << "  " << std::setw(static_cast<int>(width)) << Printable(DisplayPath(t.path)) << "  " << std::setw(9)
        << io::DTypeName(t.tensor.dtype) << std::setw(18) << shape << t.tensor.NumBytes() << "\n";
  }
  if (file.metadata) {
    MetadataLines walker(out);
    walker.Walk(*file.metadata);
    if (walker.Total() > kMaxMetadataLines)
      out << "  ... " << walker.Total() - kMaxMetadataLines << " more lines (use --json)\n";
  }
  if (!file.opaque_classes.empty()) {
    out << "classes kept opaque (recorded, never imported or called):";
    for (size_t i = 0; i < file.opaque_classes.size(); ++i)
      out << (i ? ", " : " ") << Printable(file.opaque_classes[i]);
    out << "\n";
  }
  if (any_view) out << "(* = non-contiguous view of a shared or larger storage)\n";
  out << std::flush;
}

// The first `count` elements of a view in row-major order, read one by one
// (nothing the size of the tensor is allocated).
std::vector<double> FirstValues(const io::TensorData& tensor, size_t count) {
  tensor.Validate();
  const int64_t numel = tensor.NumElements();
  const std::vector<int64_t> strides = tensor.EffectiveStrides();
  std::vector<double> values;
  for (int64_t i = 0; i < numel && values.size() < count; ++i) {
    int64_t offset = tensor.storage_offset, rest = i;
    for (size_t d = tensor.shape.size(); d-- > 0;) {
      offset += (rest % tensor.shape[d]) * strides[d];
      rest /= tensor.shape[d];
    }
    io::TensorData element;
    element.dtype = tensor.dtype;
    element.storage_offset = offset;
    element.storage = tensor.storage;
    values.push_back(element.ToDoubles()[0]);
  }
  return values;
}

int ExtractTensor(const InspectArgs& args) {
  io::ReadOptions options;
  options.load_only = [&](const std::string& path) { return path == args.tensor; };
  const io::TensorFile file = io::ReadTensorFile(args.file, options);
  const io::TensorData* tensor = file.Find(args.tensor);
  if (!tensor) {
    std::string near;
    for (const std::string& path : file.Suggest(args.tensor)) near += (near.empty() ? "" : ", ") + path;
    throw Error("no tensor named '" + args.tensor + "' among its " + std::to_string(file.tensors.size()) + " tensors",
                {args.file, std::nullopt, args.tensor},
                near.empty() ? "wrong path; run 'corrlens-cli inspect FILE' to list them" : "did you mean: " + near);
  }
  if (!args.out.empty()) {
    // Streamed: a stride-0 view is never copied whole into memory, and one
    // that would expand beyond the limit is refused before writing.
    const bool bf16 = tensor->dtype == io::DType::kBFloat16;
    const io::DType written = bf16 ? io::DType::kFloat32 : tensor->dtype;  // exact: npy has no bfloat16
    io::WriteNpyAs(args.out, *tensor, written);
    if (bf16) std::cerr << "note: bfloat16 written as float32 (numpy has no bfloat16)" << std::endl;
    if (args.json) {
      std::cout << json{{"tensor", TensorJson({args.tensor, *tensor})}, {"out", args.out}}.dump(
                       2, ' ', false, json::error_handler_t::replace)
                << std::endl;
    } else {
      std::cout << "wrote " << Printable(DisplayPath(args.tensor)) << " " << io::DTypeName(written) << " "
                << io::ShapeString(tensor->shape) << " to " << args.out << std::endl;
    }
    return 0;
  }
  const std::vector<double> values = FirstValues(*tensor, 20);
  json head = json::array();
  for (double v : values) head.push_back(v);
  if (args.json) {
    json j = TensorJson({args.tensor, *tensor});
    j["first_values"] = head;
    std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << std::endl;
  } else {
    std::cout << Printable(DisplayPath(args.tensor)) << " " << io::DTypeName(tensor->dtype) << " "
              << io::ShapeString(tensor->shape) << "\n  first values: " << head.dump()
              << (tensor->NumElements() > 20 ? " ..." : "") << std::endl;
  }
  return 0;
}

int RunInspect(InspectArgs args) {
  if (args.has_tensor) {
    if (args.tensor == "<root>") args.tensor.clear();
    return ExtractTensor(args);
  }
  io::ReadOptions options;
  options.load_data = args.verify;
  const io::TensorFile file = io::ReadTensorFile(args.file, options);
  if (args.verify) {
    for (const io::NamedTensor& t : file.tensors) t.tensor.Validate();
  }
  PrintInspection(file, args.json, std::cout);
  return 0;
}

}  // namespace

void PrintInspection(const io::TensorFile& file, bool json, std::ostream& out) {
  if (json) {
    PrintJson(file, out);
  } else {
    PrintText(file, out);
  }
}

void AddInspectCommand(Commands& commands) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* app = commands.Add(
      "inspect", "List the tensors and metadata of a .pth/.ckpt/.safetensors/.npy/.npz/.pkl file (never executes it)",
      [args] { return RunInspect(*args); });
  CLI::Option* tensor = nullptr;
  app->add_option("file", args->file, "tensor file (format detected from its content)")->required();
  app->add_flag("--json", args->json, "machine-readable output");
  app->add_flag("--verify", args->verify, "also read every tensor's bytes (CRC and bounds checks)");
  tensor = app->add_option("--tensor", args->tensor,
                           "dotted path of one tensor to show or extract (<root> for a bare tensor)")
               ->each([args](const std::string&) { args->has_tensor = true; });
  app->add_option("--out", args->out, "write --tensor as a contiguous .npy file")->needs(tensor);
}

}  // namespace corrlens::cli
