#include "plugins/torchscript/torchscript_manifest.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>

#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::torchscript {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

constexpr uint64_t kMaxManifestBytes = uint64_t{1} << 20;

class Reader {
 public:
  Reader(const json& root, std::string path) : root_(root), path_(std::move(path)) {}

  [[noreturn]] void Fail(const std::string& key, const std::string& message, const std::string& cause = {}) const {
    throw Error(message, {path_, std::nullopt, key}, cause);
  }

  std::optional<std::string> String(const std::string& key, bool required) const {
    if (!root_.contains(key)) {
      if (required) Fail(key, "the manifest has no \"" + key + "\"", Hint(key));
      return std::nullopt;
    }
    if (!root_.at(key).is_string() || root_.at(key).get<std::string>().empty())
      Fail(key, "\"" + key + "\" must be a non-empty string");
    return root_.at(key).get<std::string>();
  }

  int Int(const std::string& key, int fallback, int min, int max) const {
    if (!root_.contains(key)) {
      if (fallback < 0) Fail(key, "the manifest has no \"" + key + "\"", Hint(key));
      return fallback;
    }
    return Checked(root_.at(key), key, min, max);
  }

  int Checked(const json& value, const std::string& key, int min, int max) const {
    if (!value.is_number_integer() || value.get<int64_t>() < min || value.get<int64_t>() > max)
      Fail(key, "\"" + key + "\" must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return static_cast<int>(value.get<int64_t>());
  }

  // An existing file named relative to the manifest's folder.
  std::string File(const std::string& key, bool required) const {
    const std::optional<std::string> name = String(key, required);
    if (!name) return {};
    const stdfs::path file = stdfs::path(path_).parent_path() / *name;
    std::error_code ec;
    if (!stdfs::is_regular_file(file, ec))
      Fail(key, "\"" + key + "\" names '" + *name + "', which is not a file in " +
                    stdfs::path(path_).parent_path().string());
    return stdfs::absolute(file).lexically_normal().string();
  }

  std::array<float, 3> Triple(const json& input, const std::string& key, std::array<float, 3> fallback,
                              bool positive) const {
    if (!input.contains(key)) return fallback;
    const json& v = input.at(key);
    if (!v.is_array() || v.size() != 3 || !std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_number(); }))
      Fail("input." + key, "\"input\": \"" + key + "\" must be a list of 3 numbers (R, G, B)");
    std::array<float, 3> out;
    for (int i = 0; i < 3; ++i) {
      out[i] = v[i].get<float>();
      if (positive && !(out[i] > 0.f)) Fail("input." + key, "\"input\": \"" + key + "\" must be positive");
    }
    return out;
  }

  const json& Root() const { return root_; }

 private:
  static std::string Hint(const std::string& key) {
    if (key == "name") return "the backend's name, e.g. \"my_dinov2_vits14\"";
    if (key == "model") return "the TorchScript file next to the manifest, e.g. \"model.pt\"";
    if (key == "patch_size") return "the token size in input pixels, e.g. 14 for a ViT-S/14, 8 for a stride-8 CNN";
    return {};
  }

  const json& root_;
  std::string path_;
};

json Parse(const std::string& path, std::string* text) {
  const std::vector<uint8_t> bytes = fs::ReadFile(path, kMaxManifestBytes);
  text->assign(bytes.begin(), bytes.end());
  try {
    json root = json::parse(*text);
    if (!root.is_object()) throw Error("the manifest is not a JSON object", {path}, "see docs/cli.md (TorchScript)");
    return root;
  } catch (const json::parse_error& e) {
    throw Error("the manifest is not valid JSON", {path, e.byte > 0 ? e.byte - 1 : 0}, "a syntax error near this byte");
  }
}

void ReadGeometry(const Reader& r, Manifest* m) {
  m->patch = r.Int("patch_size", -1, 1, 1024);
  m->stride = r.Int("stride", m->patch, 1, 1024);
  m->resolution = r.Int("resolution", 0, 16, 8192);
  m->channels = r.Int("channels", 0, 1, 1 << 20);
  if (!r.Root().contains("input_size")) return;
  const json& size = r.Root().at("input_size");
  if (!size.is_array() || size.size() != 2) r.Fail("input_size", "\"input_size\" must be [width, height] in pixels");
  m->input_width = r.Checked(size[0], "input_size", m->patch, 16384);
  m->input_height = r.Checked(size[1], "input_size", m->patch, 16384);
}

}  // namespace

bool ValidModelName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '+' || c == '-';
  });
}

Manifest ReadManifest(const std::string& path) {
  Manifest m;
  m.path = stdfs::absolute(path).lexically_normal().string();
  const json root = Parse(m.path, &m.text);
  const Reader r(root, m.path);
  if (root.contains("version") && r.Int("version", 1, 1, 1000) != 1)
    r.Fail("version", "unsupported manifest version", "this CorrLens reads version 1");
  m.name = *r.String("name", true);
  if (!ValidModelName(m.name))
    r.Fail("name", "\"name\" '" + m.name + "' is not a valid model name", "use 1-64 of A-Z a-z 0-9 _ . + -");
  m.display_name = r.String("display_name", false).value_or(m.name + " (TorchScript)");
  m.model_path = r.File("model", true);
  m.adapter_path = r.File("adapter", false);
  if (root.contains("input")) {
    const json& input = root.at("input");
    if (!input.is_object()) r.Fail("input", "\"input\" must be an object {\"mean\": [...], \"std\": [...]}");
    m.mean = r.Triple(input, "mean", m.mean, false);
    m.std = r.Triple(input, "std", m.std, true);
  }
  ReadGeometry(r, &m);
  return m;
}

std::string ManifestPathFor(const std::string& path) {
  std::error_code ec;
  const stdfs::path p(path);
  if (stdfs::is_directory(p, ec)) {
    if (stdfs::is_regular_file(p / kManifestFile, ec)) return (p / kManifestFile).string();
    throw Error(std::string("no ") + kManifestFile + " in this folder", {path},
                "a TorchScript model folder holds the .pt file and its corrlens.json manifest");
  }
  if (!stdfs::exists(p, ec)) throw Error("file not found", {path});
  if (p.filename() == kManifestFile || p.extension() == ".json") return path;
  const stdfs::path beside = p.parent_path() / kManifestFile;
  if (stdfs::is_regular_file(beside, ec)) return beside.string();
  throw Error(std::string("no ") + kManifestFile + " next to this file", {path},
              "write a manifest next to the TorchScript file (docs/cli.md, Bring your own backbone)");
}

std::vector<std::string> FindManifests(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  if (dir.empty() || !stdfs::is_directory(dir, ec)) return found;
  if (stdfs::is_regular_file(stdfs::path(dir) / kManifestFile, ec))
    found.push_back((stdfs::path(dir) / kManifestFile).string());
  for (stdfs::directory_iterator it(dir, stdfs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
       it.increment(ec)) {
    const stdfs::path manifest = it->path() / kManifestFile;
    std::error_code file_ec;
    if (it->is_directory(file_ec) && stdfs::is_regular_file(manifest, file_ec)) found.push_back(manifest.string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace corrlens::torchscript
