#include "app/cli/commands.h"

namespace corrlens::cli {

// Defined in the cmd_*.cpp files.

void AddAllCommands(Commands& commands) {
  (void)commands;
}

}  // namespace corrlens::cli
