// Subcommand plumbing for corrlens-cli. Each command lives in its own file
// and registers itself through an Add...Command function listed in cli_main.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace corrlens::cli {

// A parsed subcommand's action; returns the process exit code
// (0 ok, 1 failure). Errors are thrown as corrlens::Error and printed by main.
using Action = std::function<int()>;

struct Command {
  CLI::App* app = nullptr;
  Action run;
};

// Registry filled by the Add...Command functions.
class Commands {
 public:
  explicit Commands(CLI::App& root) : root_(root) {}
  // Adds a subcommand named `name`; the caller adds its options to the result.
  CLI::App* Add(const std::string& name, const std::string& description, Action run);
  // Runs the subcommand that was parsed; 2 when none was given.
  int RunParsed() const;

 private:
  CLI::App& root_;
  std::vector<Command> commands_;
};

// Parses "x,y;x,y;..." into points; throws corrlens::Error on bad text.
std::vector<std::pair<double, double>> ParsePoints(const std::string& text);

}  // namespace corrlens::cli
