// corrlens-cli: every CorrLens job without a GUI. Exit codes: 0 ok,
// 1 failure (one line on stderr naming the file and the reason), 2 usage.
#include <iostream>

#include "app/cli/command.h"
#include "app/cli/commands.h"
#include "core/util/blas_check.h"
#include "core/util/error.h"

namespace {

// Core errors name the thing ("model", "points", "output folder"); on the
// command line that thing is a flag of the parsed subcommand.
corrlens::Error WithFlag(const corrlens::Error& e, CLI::App& root) {
  std::string key = e.where().key;
  if (key.empty() || key.rfind("--", 0) == 0) return e;
  if (key == "output folder") key = "out";
  for (char& c : key) c = c == ' ' || c == '_' ? '-' : c;
  for (CLI::App* sub : root.get_subcommands()) {
    if (!sub->get_option_no_throw("--" + key)) continue;
    return corrlens::Error(e.message(), {e.where().file, e.where().offset, "--" + key}, e.cause());
  }
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App root{"CorrLens: explore dense correspondences of vision backbones"};
  root.require_subcommand(1);
  root.set_version_flag("--version", std::string(CORRLENS_VERSION));
  corrlens::cli::Commands commands(root);
  corrlens::cli::AddAllCommands(commands);
  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = root.exit(e);
    return code == 0 ? 0 : 2;
  }
  corrlens::blas::WarnIfReferenceBlas("corrlens-cli");
  try {
    return commands.RunParsed();
  } catch (const corrlens::Error& e) {
    std::cerr << "corrlens-cli: error: " << WithFlag(e, root).what() << std::endl;
  } catch (const corrlens::Cancelled&) {
    std::cerr << "corrlens-cli: cancelled" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "corrlens-cli: error: " << e.what() << std::endl;
  }
  return 1;
}
