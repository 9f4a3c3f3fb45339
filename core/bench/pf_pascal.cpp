#include "core/bench/pf_pascal.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace corrlens::bench {
namespace {

namespace stdfs = std::filesystem;

constexpr char kHeader[] = "source_image,target_image,class,XA,YA,XB,YB";
constexpr size_t kMaxBytes = 64u << 20;  // a pair list is ~160 KB
constexpr size_t kMaxPoints = 1000;

// np.fromstring(text, sep=";"): decimal numbers separated by ';'.
std::vector<double> ParseCoordinates(const std::string& text, const std::string& csv, int line, const char* field) {
  std::vector<double> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ';')) {
    const char* begin = item.c_str();
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(begin, &end);
    while (end && (*end == ' ' || *end == '\t')) ++end;
    if (item.empty() || end == begin || *end != '\0' || errno == ERANGE || !std::isfinite(v))
      throw Error("bad coordinate '" + item + "' in column " + field,
                  {csv, std::nullopt, "line " + std::to_string(line)}, "coordinates are ';'-separated decimal numbers");
    values.push_back(v);
  }
  if (values.empty() || values.size() > kMaxPoints)
    throw Error(std::string("column ") + field + " has " + std::to_string(values.size()) + " coordinates",
                {csv, std::nullopt, "line " + std::to_string(line)}, "expected 1.." + std::to_string(kMaxPoints));
  return values;
}

std::vector<cv::Point2d> Points(const std::vector<double>& x, const std::vector<double>& y, const std::string& csv,
                                int line, const char* side) {
  if (x.size() != y.size())
    throw Error(std::string("X and Y of the ") + side + " differ in length (" + std::to_string(x.size()) + " vs " +
                    std::to_string(y.size()) + ")",
                {csv, std::nullopt, "line " + std::to_string(line)});
  std::vector<cv::Point2d> points;
  for (size_t i = 0; i < x.size(); ++i) points.emplace_back(x[i], y[i]);
  return points;
}

std::vector<std::string> SplitFields(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

PfPascalPair ParseRow(const std::string& text, int row, const std::string& csv) {
  const int line = row + 2;  // 1-based, after the header
  const std::vector<std::string> f = SplitFields(text);
  if (f.size() != 7)
    throw Error("expected 7 comma-separated fields, found " + std::to_string(f.size()),
                {csv, std::nullopt, "line " + std::to_string(line)}, "not a PF-PASCAL pair list");
  PfPascalPair pair;
  pair.row = row;
  pair.source_image = f[0];
  pair.target_image = f[1];
  char* end = nullptr;
  const long category = std::strtol(f[2].c_str(), &end, 10);
  if (f[2].empty() || *end != '\0' || category < 1 || category > 20)
    throw Error("class '" + f[2] + "' is not 1..20", {csv, std::nullopt, "line " + std::to_string(line)});
  pair.category = static_cast<int>(category) - 1;
  pair.source_points =
      Points(ParseCoordinates(f[3], csv, line, "XA"), ParseCoordinates(f[4], csv, line, "YA"), csv, line, "source");
  pair.target_points =
      Points(ParseCoordinates(f[5], csv, line, "XB"), ParseCoordinates(f[6], csv, line, "YB"), csv, line, "target");
  if (pair.source_image.empty() || pair.target_image.empty())
    throw Error("empty image path", {csv, std::nullopt, "line " + std::to_string(line)});
  return pair;
}

}  // namespace

const std::vector<std::string>& PfPascalClasses() {
  static const std::vector<std::string> classes = {
      "aeroplane",   "bicycle", "bird",  "boat",      "bottle", "bus",         "car",   "cat",  "chair", "cow",
      "diningtable", "dog",     "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"};
  return classes;
}

const std::vector<int>& PfPascalWeights() {
  static const std::vector<int> weights = {15, 30, 10, 6, 8, 32, 19, 27, 13, 3, 8, 24, 9, 27, 12, 7, 1, 13, 20, 15};
  return weights;
}

std::string PfPascalPairs::ImagePath(const std::string& csv_path) const {
  return (stdfs::path(root) / csv_path).string();
}

PfPascalPairs ReadPfPascalPairs(const std::string& csv, const std::string& root) {
  std::error_code ec;
  if (!stdfs::is_regular_file(csv, ec))
    throw Error("pair list not found", {csv}, "wrong path or dataset not downloaded");
  if (stdfs::file_size(csv, ec) > kMaxBytes)
    throw Error("pair list is larger than 64 MB", {csv}, "not a PF-PASCAL CSV");
  std::ifstream in(csv, std::ios::binary);
  PfPascalPairs result;
  result.csv = csv;
  const stdfs::path folder = stdfs::path(csv).parent_path();
  result.root = !root.empty()                              ? root
                : folder.filename() == "PF-dataset-PASCAL" ? folder.parent_path().string()
                                                           : folder.string();
  std::string line;
  if (!std::getline(in, line)) throw Error("empty file", {csv}, "not a PF-PASCAL pair list");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line != kHeader)
    throw Error("unexpected header '" + line.substr(0, 80) + "'", {csv, std::nullopt, "line 1"},
                std::string("expected '") + kHeader + "'");
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    result.pairs.push_back(ParseRow(line, static_cast<int>(result.pairs.size()), csv));
    const PfPascalPair& p = result.pairs.back();
    if (p.source_points.size() != p.target_points.size()) ++result.mismatched_rows;
  }
  if (result.pairs.empty()) throw Error("no pairs", {csv}, "the file has a header and nothing else");
  return result;
}

}  // namespace corrlens::bench
