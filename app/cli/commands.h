// The list of corrlens-cli subcommands; each is defined in its own cmd_*.cpp.
#pragma once

#include "app/cli/command.h"

namespace corrlens::cli {

// Registers every subcommand, in help order.
void AddAllCommands(Commands& commands);

}  // namespace corrlens::cli
