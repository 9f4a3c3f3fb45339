// test_pose_task: the template database and pose estimation
// (core/pose/pose_estimator), its dumps (core/pose/pose_dump) and the
// benchmark task (core/bench/pose_task), one QtTest class per source file,
// run in turn.
#include <QCoreApplication>

int RunPoseEstimatorTest(int argc, char** argv);
int RunPoseTaskTest(int argc, char** argv);
int RunPoseDumpTest(int argc, char** argv);

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  int failed = 0;
  for (auto run : {RunPoseEstimatorTest, RunPoseTaskTest, RunPoseDumpTest}) failed += run(argc, argv) != 0;
  return failed;
}
