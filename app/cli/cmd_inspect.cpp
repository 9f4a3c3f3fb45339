// corrlens-cli inspect FILE [--json] [--verify] [--tensor PATH [--out T.npy]]
// Lists every tensor (path, dtype, shape, bytes) and the non-tensor metadata
// of a checkpoint, or extracts one tensor as a contiguous .npy. The file is
// read with the safe readers of core/io: nothing in it is executed.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/cli/command.h"
#include "core/io/tensor_file.h"
#include "core/util/error.h"

namespace corrlens::cli {
namespace {

struct InspectArgs {
  std::string file;
  bool json = false;
  bool verify = false;  // read every tensor's bytes (CRC and bounds checks)
  std::string tensor;     // "<root>" names a file that is a single tensor
  bool has_tensor = false;
  std::string out;
};

std::string DisplayPath(const std::string& path) { return path.empty() ? "<root>" : path; }

std::string HumanBytes(uint64_t bytes) {
  std::ostringstream text;
  if (bytes < 1024) {
    text << bytes << " B";
  } else {
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = -1;
    while (value >= 1024 && unit < 3) value /= 1024, ++unit;
    text << std::fixed << std::setprecision(1) << value << " " << units[unit];
  }
  return text.str();
}

std::string Scalar(const nlohmann::json& value) {
  std::string text = value.is_string() ? "\"" + value.get<std::string>() + "\"" : value.dump();
  if (text.size() > 100) text = text.substr(0, 97) + "...";
  return text;
}

// One "path = value" line per non-tensor leaf; opaque objects show their class.
void MetadataLines(const nlohmann::json& node, const std::string& path, std::vector<std::string>& lines) {
  const std::string shown = DisplayPath(path);
  if (node.is_object() && node.contains("__tensor__")) return;
  if (node.is_object() && node.contains("__opaque__")) {
    lines.push_back(shown + " = <" + node["__opaque__"].get<std::string>() + ", not executed>");
    for (const char* part : {"args", "state", "items", "entries"}) {
      if (node.contains(part)) MetadataLines(node[part], path + "." + part, lines);
    }
    return;
  }
  const bool flat_array = node.is_array() && std::all_of(node.begin(), node.end(), [](const nlohmann::json& item) {
                            return item.is_primitive();
                          });
  // {"__int__": ...}, {"__bytes__": ...}, {"__set__": [...]}: special values shown on one line.
  const bool special = node.is_object() && !node.empty() && node.begin().key().rfind("__", 0) == 0 &&
                       node.begin().key() != "__metadata__";
  const bool container = (node.is_object() && !node.empty() && !special) ||
                         (node.is_array() && !flat_array);
  if (!container) {
    lines.push_back(shown + " = " + Scalar(node));
    return;
  }
  if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) MetadataLines(node[i], path.empty() ? std::to_string(i) : path + "." + std::to_string(i), lines);
    return;
  }
  for (const auto& [key, item] : node.items()) MetadataLines(item, path.empty() ? key : path + "." + key, lines);
}

nlohmann::json TensorJson(const io::NamedTensor& t) {
  nlohmann::json out = {{"path", t.path}, {"dtype", io::DTypeName(t.tensor.dtype)}, {"shape", t.tensor.shape},
                        {"bytes", t.tensor.NumBytes()}};
  if (!t.tensor.IsContiguous()) out["strides"] = t.tensor.strides;
  if (t.tensor.storage_offset != 0) out["storage_offset"] = t.tensor.storage_offset;
  return out;
}

void PrintJson(const io::TensorFile& file) {
  nlohmann::json out = {{"file", file.source}, {"format", io::FormatName(file.format)},
                        {"tensors", nlohmann::json::array()}, {"metadata", *file.metadata},
                        {"opaque_classes", file.opaque_classes}};
  for (const io::NamedTensor& t : file.tensors) out["tensors"].push_back(TensorJson(t));
  std::cout << out.dump(2) << std::endl;
}

void PrintText(const io::TensorFile& file) {
  uint64_t total = 0;
  size_t width = 4;
  bool any_view = false;
  for (const io::NamedTensor& t : file.tensors) {
    total += t.tensor.NumBytes();
    any_view |= !t.tensor.IsContiguous();
    width = std::max(width, std::min<size_t>(DisplayPath(t.path).size(), 40));  // longer paths overflow
  }
  std::cout << file.source << ": " << io::FormatName(file.format) << ", " << file.tensors.size() << " tensors, "
            << HumanBytes(total) << "\n";
  std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << "PATH" << "  " << std::setw(9) << "DTYPE"
            << std::setw(18) << "SHAPE" << "BYTES\n";
  for (const io::NamedTensor& t : file.tensors) {
    std::string shape = io::ShapeString(t.tensor.shape);
    if (!t.tensor.IsContiguous()) shape += "*";
    std::cout << "  " << std::setw(static_cast<int>(width)) << DisplayPath(t.path) << "  " << std::setw(9)
              << io::DTypeName(t.tensor.dtype) << std::setw(18) << shape << t.tensor.NumBytes() << "\n";
  }
  std::vector<std::string> lines;
  MetadataLines(*file.metadata, "", lines);
  if (!lines.empty()) std::cout << "metadata:\n";
  const size_t shown = std::min<size_t>(lines.size(), 200);
  for (size_t i = 0; i < shown; ++i) std::cout << "  " << lines[i] << "\n";
  if (lines.size() > shown) std::cout << "  ... " << lines.size() - shown << " more lines (use --json)\n";
  if (!file.opaque_classes.empty()) {
    std::cout << "classes kept opaque (recorded, never imported or called):";
    for (size_t i = 0; i < file.opaque_classes.size(); ++i) std::cout << (i ? ", " : " ") << file.opaque_classes[i];
    std::cout << "\n";
  }
  if (any_view) std::cout << "(* = non-contiguous view of a shared or larger storage)\n";
  std::cout << std::flush;
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
  io::TensorData out = *tensor;
  if (out.dtype == io::DType::kBFloat16) {
    out = out.ConvertTo(io::DType::kFloat32);  // exact: npy has no bfloat16
    if (!args.out.empty()) std::cerr << "note: bfloat16 written as float32 (numpy has no bfloat16)" << std::endl;
  }
  if (!args.out.empty()) {
    io::WriteNpy(args.out, out);
    if (args.json) {
      std::cout << nlohmann::json{{"tensor", TensorJson({args.tensor, *tensor})}, {"out", args.out}}.dump(2) << std::endl;
    } else {
      std::cout << "wrote " << DisplayPath(args.tensor) << " " << io::DTypeName(out.dtype) << " "
                << io::ShapeString(out.shape) << " to " << args.out << std::endl;
    }
    return 0;
  }
  const std::vector<double> values = out.ToDoubles();
  nlohmann::json head = nlohmann::json::array();
  for (size_t i = 0; i < values.size() && i < 20; ++i) head.push_back(values[i]);
  if (args.json) {
    nlohmann::json j = TensorJson({args.tensor, *tensor});
    j["first_values"] = head;
    std::cout << j.dump(2) << std::endl;
  } else {
    std::cout << DisplayPath(args.tensor) << " " << io::DTypeName(tensor->dtype) << " " << io::ShapeString(tensor->shape)
              << "\n  first values: " << head.dump() << (values.size() > 20 ? " ..." : "") << std::endl;
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
  if (args.json) {
    PrintJson(file);
  } else {
    PrintText(file);
  }
  return 0;
}

}  // namespace

void AddInspectCommand(Commands& commands) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* app = commands.Add(
      "inspect", "List the tensors and metadata of a .pth/.ckpt/.safetensors/.npy/.npz/.pkl file (never executes it)",
      [args] { return RunInspect(*args); });
  CLI::Option* tensor = nullptr;
  app->add_option("file", args->file, "tensor file (format detected from its content)")->required();
  app->add_flag("--json", args->json, "machine-readable output");
  app->add_flag("--verify", args->verify, "also read every tensor's bytes (CRC and bounds checks)");
  tensor = app->add_option("--tensor", args->tensor, "dotted path of one tensor to show or extract (<root> for a bare tensor)")
               ->each([args](const std::string&) { args->has_tensor = true; });
  app->add_option("--out", args->out, "write --tensor as a contiguous .npy file")->needs(tensor);
}

}  // namespace corrlens::cli
