// corrlens-cli: every CorrLens job without a GUI. Exit codes: 0 ok,
// 1 failure (one line on stderr naming the file and the reason), 2 usage.
#include <iostream>

#include "app/cli/command.h"
#include "app/cli/commands.h"
#include "core/util/error.h"

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
  try {
    return commands.RunParsed();
  } catch (const corrlens::Error& e) {
    std::cerr << "corrlens-cli: error: " << e.what() << std::endl;
  } catch (const corrlens::Cancelled&) {
    std::cerr << "corrlens-cli: cancelled" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "corrlens-cli: error: " << e.what() << std::endl;
  }
  return 1;
}
