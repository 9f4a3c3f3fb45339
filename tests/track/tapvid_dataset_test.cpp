// TAP-Vid data in both real pickle layouts (written by /usr/bin/python3):
// the reference's strided pickle with frame folders (lists and numpy
// arrays, int and numpy-int keys) and the official tapvid_davis.pkl with
// embedded videos and tapnet's strided query sampling; one clear error for
// missing, corrupt or inconsistent data.
#include <QFile>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/io/pickle_writer.h"
#include "core/track/tapvid_dataset.h"
#include "core/util/error.h"
#include "tests/common/test_helpers.h"
#include "tests/track/tapvid_fixture.h"

using namespace corrlens;
using namespace corrlens::track;

namespace {

// Checks `video` against the fixture's tracks: queries every 5th frame, one
// per track visible there, in track order.
void CompareWithFixture(const TapVidVideo& video, const test::TinyTapVid::Video& truth) {
  QCOMPARE(video.frames, int(truth.frames.size()));
  QCOMPARE(video.width, test::TinyTapVid::kWidth);
  QCOMPARE(video.height, test::TinyTapVid::kHeight);
  size_t groups = 0;
  for (int f = 0; f < video.frames; f += 5) {
    std::vector<size_t> visible;
    for (size_t n = 0; n < truth.tracks.size(); ++n)
      if (!truth.occluded[n][size_t(f)]) visible.push_back(n);
    if (visible.empty()) continue;
    const TapVidQueries& g = video.groups[groups++];
    QCOMPARE(g.frame, f);
    QCOMPARE(g.truth.tracks, int(visible.size()));
    for (size_t i = 0; i < visible.size(); ++i) {
      QVERIFY(std::abs(g.x[i] - truth.tracks[visible[i]][size_t(f)].x) < 1e-3);
      for (int t = 0; t < video.frames; ++t) {
        QVERIFY(std::abs(g.truth.X(int(i), t) - truth.tracks[visible[i]][size_t(t)].x) < 1e-3);
        QVERIFY(std::abs(g.truth.Y(int(i), t) - truth.tracks[visible[i]][size_t(t)].y) < 1e-3);
        QCOMPARE(g.truth.Occluded(int(i), t), bool(truth.occluded[visible[i]][size_t(t)]));
      }
    }
  }
  QCOMPARE(video.groups.size(), groups);
}

std::string WritePickle(const QTemporaryDir& dir, const std::string& json_text) {
  io::pickle::PickleWriter w;
  w.Json(nlohmann::json::parse(json_text));
  w.Stop();
  const std::string path = dir.filePath("bad.pkl").toStdString();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(w.Bytes().data()), w.Bytes().size());
  return path;
}

// A strided pickle whose only query group is `points`, raw pickle opcodes
// (protocol 2), for values the writer cannot make: deep nesting, cycles,
// shared references.
std::string WriteRawPickle(const QTemporaryDir& dir, const std::string& points) {
  const auto text = [](const std::string& t) {
    const uint32_t n = uint32_t(t.size());
    return "X" + std::string{char(n & 255), char(n >> 8 & 255), char(n >> 16 & 255), char(n >> 24)} + t;
  };
  const std::string bytes = std::string("\x80\x02}(") + text("videos") + "](}(" + text("video_idx") +
                            std::string("K\0", 2) + text("h") + "K\xf0" + text("w") + "M\xab\x01" +
                            text("query_points") + std::string("}(K\0", 4) + points + "uueu.";
  const std::string path = dir.filePath("raw.pkl").toStdString();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace

class TapVidDatasetTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { CORRLENS_REQUIRE_OPENCV_DATA("graf1.png"); }

  void BothLayouts() {
    test::TinyTapVid data;
    const QString failed = data.WritePickles();
    if (failed.contains("No module named")) QSKIP("/usr/bin/python3 lacks numpy");
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
    QCOMPARE(CheckTapVidPath(data.Root()), std::string());
    const TapVidDataset strided = LoadTapVid(data.Root());
    QVERIFY(strided.layout == TapVidLayout::kStrided);
    QCOMPARE(strided.videos.size(), size_t(2));
    for (size_t v = 0; v < 2; ++v) CompareWithFixture(strided.videos[v], data.Videos()[v]);
    const auto frames = OpenTapVidFrames(strided.videos[1]);
    QCOMPARE(frames->FrameCount(), 10);
    QCOMPARE(frames->Info().kind, std::string("images"));
    const TapVidDataset official = LoadTapVid(data.Path("tapvid_davis.pkl"));
    QVERIFY(official.layout == TapVidLayout::kOfficial);
    QCOMPARE(official.videos[1].name, std::string("slide-down"));
    for (size_t v = 0; v < 2; ++v) CompareWithFixture(official.videos[v], data.Videos()[v]);
    const auto embedded = OpenTapVidFrames(official.videos[0]);
    QCOMPARE(cv::norm(embedded->Frame(7), data.Videos()[0].frames[7], cv::NORM_L1), 0.0);
    TapVidLoadOptions one;
    one.videos = 1;
    QCOMPARE(LoadTapVid(data.Root(), one).videos.size(), size_t(1));
    QCOMPARE(LoadTapVid(data.Path("tapvid_davis.pkl"), one).videos.size(), size_t(1));
  }

  void InconsistentData() {
    test::TinyTapVid data;
    const QString failed = data.WritePickles();
    if (failed.contains("No module named")) QSKIP("/usr/bin/python3 lacks numpy");
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
    QVERIFY(QFile::remove(QString::fromStdString(data.Path("tapvid-davis/0/video/00009.jpg"))));
    const TapVidDataset strided = LoadTapVid(data.Root());
    std::string e = test::ErrorOf([&] { OpenTapVidFrames(strided.videos[0]); });
    QVERIFY2(e.find("9 frames, the ground truth of video 0 has 10") != std::string::npos, e.c_str());
    QDir(QString::fromStdString(data.Path("tapvid-davis/1"))).removeRecursively();
    e = test::ErrorOf([&] { OpenTapVidFrames(strided.videos[1]); });
    QVERIFY2(e.find("tapvid-davis/1/video: frames folder not found") != std::string::npos, e.c_str());
    QDir(QString::fromStdString(data.Path("tapvid-davis"))).removeRecursively();
    QVERIFY(CheckTapVidPath(data.Root()).find("tapvid-davis is missing") != std::string::npos);
  }

  void BadPickles() {
    QTemporaryDir dir;
    QVERIFY(CheckTapVidPath(dir.path().toStdString()).find("tapvid_davis_data_strided.pkl is missing") !=
            std::string::npos);
    QVERIFY_THROWS_EXCEPTION(Error, LoadTapVid(dir.path().toStdString()));
    std::ofstream(dir.filePath("garbage.pkl").toStdString()) << "not a pickle at all";
    QVERIFY_THROWS_EXCEPTION(Error, LoadTapVid(dir.filePath("garbage.pkl").toStdString()));
    // String keys stand in for ints; each malformed variant names its key.
    const std::string good = R"({"videos": [{"video_idx": 0, "h": 240, "w": 427, "query_points": {"0": [[1, 2]]},
        "target_points": {"0": [[[1, 2], [3, 4]]]}, "occluded": {"0": [[false, true]]}}]})";
    const TapVidDataset ok = LoadTapVid(WritePickle(dir, good));
    QCOMPARE(ok.videos[0].frames, 2);
    QCOMPARE(ok.videos[0].frames_dir, (dir.path() + "/tapvid-davis/0/video").toStdString());
    const std::vector<std::vector<std::string>> bad = {
        {R"("occluded": {"0": [[false]]})", "shape [1, 1], expected [1, 2]", "key 'videos[0].occluded[0]'"},
        {R"("occluded": {"5": [[false, true]]})", "no entry for query frame 0", "videos[0].occluded"},
        {R"("w": "wide")", "expected an integer", "key 'videos[0].w'"},
        {R"("query_points": {"7": [[1, 2]]}, "target_points": {"7": [[[1, 2], [3, 4]]]},
            "occluded": {"7": [[false, true]]})",
         "query frame 7 outside the 2 frames"},
    };
    for (const std::vector<std::string>& c : bad) {
      nlohmann::json j = nlohmann::json::parse(good);
      const nlohmann::json patch = nlohmann::json::parse("{" + c[0] + "}");
      for (const auto& [k, v] : patch.items()) j["videos"][0][k] = v;
      const std::string e = test::ErrorOf([&] { LoadTapVid(WritePickle(dir, j.dump())); });
      QVERIFY2(e.find('\n') == std::string::npos, e.c_str());
      for (size_t i = 1; i < c.size(); ++i) QVERIFY2(e.find(c[i]) != std::string::npos, e.c_str());
    }
    const std::string e = test::ErrorOf([&] { LoadTapVid(WritePickle(dir, R"({"videos": [{"video_idx": 0}]})")); });
    QVERIFY2(e.find("has no key 'h'") != std::string::npos, e.c_str());
  }

  // Fuzzing findings: nesting without end (200,000 one-tuples, or a list
  // that holds itself) overflowed the stack, and shared references let a
  // few hundred bytes name 2^40 numbers; each is one clear error now.
  void HostileNesting() {
    QTemporaryDir dir;
    const std::string one = "G" + std::string(8, '\0');  // the float 0.0
    const std::vector<std::pair<std::string, std::string>> cases = {
        {one + std::string(200000, '\x85'), "nested lists deeper than 64 levels"},
        {std::string("]q\x01h\x01") + 'a', "nested lists deeper than 64 levels"},  // a list that holds itself
        {[&] {  // x0 = [0.0]; x(k+1) = [xk, xk]: 2^40 numbers in 450 bytes
           std::string p = "]q\x01" + one + "a0";
           for (int k = 1; k <= 40; ++k) {
             const std::string get = "h" + std::string(1, char(k));
             p += "](" + get + get + "eq" + std::string(1, char(k + 1)) + "0";
           }
           return p + "h" + std::string(1, char(41));
         }(),
         "more than 16777216 numbers in one array"},
    };
    for (const auto& [points, message] : cases) {
      const std::string e = test::ErrorOf([&] { LoadTapVid(WriteRawPickle(dir, points)); });
      QVERIFY2(e.find(message) != std::string::npos, e.c_str());
      QVERIFY2(e.find("videos[0].query_points[0]") != std::string::npos, e.c_str());
    }
  }
};

QTEST_APPLESS_MAIN(TapVidDatasetTest)
#include "tapvid_dataset_test.moc"
