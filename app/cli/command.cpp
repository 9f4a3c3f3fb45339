#include "app/cli/command.h"

#include <sstream>

#include "core/util/error.h"

namespace corrlens::cli {

CLI::App* Commands::Add(const std::string& name, const std::string& description, Action run) {
  CLI::App* sub = root_.add_subcommand(name, description);
  commands_.push_back({sub, std::move(run)});
  return sub;
}

int Commands::RunParsed() const {
  for (const Command& command : commands_) {
    if (command.app->parsed()) return command.run();
  }
  return 2;
}

std::vector<std::pair<double, double>> ParsePoints(const std::string& text) {
  std::vector<std::pair<double, double>> points;
  std::stringstream all(text);
  std::string item;
  while (std::getline(all, item, ';')) {
    if (item.find_first_not_of(" \t") == std::string::npos) continue;
    const size_t comma = item.find(',');
    try {
      if (comma == std::string::npos) throw std::invalid_argument("no comma");
      size_t used_x = 0, used_y = 0;
      const std::string xs = item.substr(0, comma), ys = item.substr(comma + 1);
      const double x = std::stod(xs, &used_x), y = std::stod(ys, &used_y);
      if (xs.find_first_not_of(" \t", used_x) != std::string::npos ||
          ys.find_first_not_of(" \t", used_y) != std::string::npos)
        throw std::invalid_argument("trailing text");
      points.emplace_back(x, y);
    } catch (const std::exception&) {
      throw Error("bad point '" + item + "'", {"", std::nullopt, "--points"},
                  "expected \"x,y;x,y\" with numbers in image pixels");
    }
  }
  if (points.empty()) throw Error("no points given", {"", std::nullopt, "--points"}, "expected \"x,y;x,y\"");
  return points;
}

}  // namespace corrlens::cli
