#include "app/cli/commands.h"

namespace corrlens::cli {

// Defined in the cmd_*.cpp files.
void AddInspectCommand(Commands& commands);
void AddRenderCommand(Commands& commands);
void AddMatchCommand(Commands& commands);
void AddEvalCommand(Commands& commands);
#ifdef CORRLENS_HAVE_MODEL
void AddModelsCommand(Commands& commands);
void AddFeaturesCommand(Commands& commands);
void AddPerfCommand(Commands& commands);
#endif

void AddAllCommands(Commands& commands) {
  AddInspectCommand(commands);
  AddRenderCommand(commands);
  AddMatchCommand(commands);
  AddEvalCommand(commands);
#ifdef CORRLENS_HAVE_MODEL
  AddModelsCommand(commands);
  AddFeaturesCommand(commands);
  AddPerfCommand(commands);
#endif
}

}  // namespace corrlens::cli
