#include "app/cli/commands.h"

namespace corrlens::cli {

// Defined in the cmd_*.cpp files.
void AddInspectCommand(Commands& commands);
void AddRenderCommand(Commands& commands);
void AddMatchCommand(Commands& commands);
void AddEvalCommand(Commands& commands);
void AddTrackCommand(Commands& commands);
void AddPoseCommand(Commands& commands);      // cmd_pose.cpp
void AddFinetuneCommand(Commands& commands);  // cmd_finetune.cpp
#ifdef CORRLENS_HAVE_MODEL
void AddModelsCommand(Commands& commands);
void AddFetchCommand(Commands& commands);  // cmd_fetch.cpp
void AddFeaturesCommand(Commands& commands);
void AddPerfCommand(Commands& commands);
#endif

void AddAllCommands(Commands& commands) {
  AddInspectCommand(commands);
  AddRenderCommand(commands);
  AddMatchCommand(commands);
  AddEvalCommand(commands);
  AddTrackCommand(commands);
  AddPoseCommand(commands);
  AddFinetuneCommand(commands);
#ifdef CORRLENS_HAVE_MODEL
  AddModelsCommand(commands);
  AddFetchCommand(commands);
  AddFeaturesCommand(commands);
  AddPerfCommand(commands);
#endif
}

}  // namespace corrlens::cli
