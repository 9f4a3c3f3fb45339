// test_pose_core: the torch-free parts of core/pose, one QtTest class per
// source file (pose_metric, pnp, onepose_dataset, pose_overlay), run in turn.
#include <QCoreApplication>

int RunPoseMetricTest(int argc, char** argv);
int RunPnpTest(int argc, char** argv);
int RunOnePoseDatasetTest(int argc, char** argv);
int RunPoseOverlayTest(int argc, char** argv);

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  int failed = 0;
  for (auto run : {RunPoseMetricTest, RunPnpTest, RunOnePoseDatasetTest, RunPoseOverlayTest})
    failed += run(argc, argv) != 0;
  return failed;
}
