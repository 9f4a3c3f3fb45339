#include <QtTest/QtTest>

#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/render/mesh.h"
#include "core/util/error.h"
#include "tests/common/sample_data.h"

using namespace corrlens::render;

namespace {

const std::string kModels = corrlens::test::AssimpModel("");

// Bounding box of all triangle vertices.
void Bounds(const Mesh& mesh, double lo[3], double hi[3]) {
  for (int a = 0; a < 3; ++a) {
    lo[a] = 1e9;
    hi[a] = -1e9;
  }
  for (const MeshPart& part : mesh.parts)
    for (uint32_t i : part.indices)
      for (int a = 0; a < 3; ++a) {
        lo[a] = std::min<double>(lo[a], part.positions[i * 3 + a]);
        hi[a] = std::max<double>(hi[a], part.positions[i * 3 + a]);
      }
}

QString ErrorOf(const std::string& path) {
  try {
    LoadMesh(path);
  } catch (const corrlens::Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class MeshTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { CORRLENS_REQUIRE_ASSIMP_MODEL("OBJ/spider.obj"); }

  void LoadsFormats_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("textured");
    QTest::newRow("obj+mtl textures") << "OBJ/spider.obj" << true;
    QTest::newRow("gltf1 external png") << "glTF/CesiumMilkTruck/CesiumMilkTruck.gltf" << true;
    QTest::newRow("glb embedded png") << "glTF2/BoxTextured-glTF-Binary/BoxTextured.glb" << true;
    QTest::newRow("gltf2 data uri") << "glTF2/BoxTextured-glTF-Embedded/BoxTextured.gltf" << true;
    QTest::newRow("ply") << "PLY/Wuson.ply" << false;
    QTest::newRow("stl binary") << "STL/Spider_binary.stl" << false;
    QTest::newRow("collada textured") << "Collada/duck.dae" << true;
  }
  void LoadsFormats() {
    QFETCH(QString, path);
    QFETCH(bool, textured);
    const Mesh mesh = LoadMesh(kModels + path.toStdString());
    QVERIFY(mesh.TriangleCount() > 0);
    QCOMPARE(mesh.textured_parts > 0, textured);
    for (const MeshPart& part : mesh.parts) {
      QCOMPARE(part.positions.size(), part.VertexCount() * 3);
      QVERIFY(part.normals.empty() || part.normals.size() == part.positions.size());
      QVERIFY(part.colors.empty() || part.colors.size() == part.positions.size());
      if (!part.texture.empty()) {
        QCOMPARE(part.texture.type(), CV_8UC3);
        QCOMPARE(part.uvs.size(), part.VertexCount() * 2);
      }
    }
    // PROTOCOLS.md section 3: largest side 1, box centred on the origin.
    double lo[3], hi[3];
    Bounds(mesh, lo, hi);
    const double side = std::max({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]});
    QVERIFY2(std::abs(side - 1.0) < 1e-5, qPrintable(QString::number(side)));
    for (int a = 0; a < 3; ++a) {
      QVERIFY(std::abs(lo[a] + hi[a]) < 1e-5);
      QVERIFY(std::abs(mesh.extent[a] - (hi[a] - lo[a])) < 1e-5);
    }
    QVERIFY(mesh.radius > 0.5 - 1e-6 && mesh.radius <= std::sqrt(3.0) / 2 + 1e-6);
    QVERIFY(mesh.scale > 0.0);
  }

  void KeepsVertexColours() {
    const Mesh mesh = LoadMesh(kModels + "OBJ/cube_with_vertexcolors.obj");
    bool any_colours = false;
    for (const MeshPart& part : mesh.parts) any_colours = any_colours || !part.colors.empty();
    QVERIFY(any_colours);
  }

  void TexturesCanBeSkipped() {
    MeshLoadOptions options;
    options.load_textures = false;
    QCOMPARE(LoadMesh(kModels + "OBJ/spider.obj", options).textured_parts, 0);
  }

  void MissingTextureIsAWarning() {
    QTemporaryDir dir;
    const std::string obj = dir.filePath("tri.obj").toStdString();
    std::ofstream(dir.filePath("tri.mtl").toStdString()) << "newmtl m\nKd 1 0 0\nmap_Kd nowhere.png\n";
    std::ofstream(obj)
        << "mtllib tri.mtl\nusemtl m\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 0 1\nf 1/1 2/2 3/3\n";
    const Mesh mesh = LoadMesh(obj);
    QCOMPARE(mesh.TriangleCount(), size_t(1));
    QCOMPARE(mesh.textured_parts, 0);
    QCOMPARE(int(mesh.warnings.size()), 1);
    QVERIFY(mesh.warnings[0].find("nowhere.png") != std::string::npos);
  }

  void ClearErrors() {
    QTemporaryDir dir;
    const QString missing = ErrorOf("/nonexistent/model.obj");
    QVERIFY2(missing.contains("not found") && missing.contains("/nonexistent/model.obj"), qPrintable(missing));
    QVERIFY(ErrorOf(kModels + "invalid/empty.obj").contains("empty"));
    // Truncated binary glTF.
    const std::string truncated = dir.filePath("cut.glb").toStdString();
    {
      std::ifstream in(kModels + "glTF2/BoxTextured-glTF-Binary/BoxTextured.glb", std::ios::binary);
      std::string bytes(200, '\0');
      in.read(bytes.data(), 200);
      std::ofstream(truncated, std::ios::binary) << bytes;
    }
    const QString cut = ErrorOf(truncated);
    QVERIFY2(cut.contains("cut.glb") && cut.contains("could not load"), qPrintable(cut));
    // Text that parses as OBJ but holds no faces.
    const std::string faceless = dir.filePath("faceless.obj").toStdString();
    std::ofstream(faceless) << "v 0 0 0\nv 1 0 0\nl 1 2\n";
    QVERIFY(ErrorOf(faceless).contains("no triangles"));
    // Points only, garbage and out-of-range indices: an Error, never a crash.
    for (const std::string& bad : {kModels + "OBJ/point_cloud.obj", kModels + "invalid/malformed.obj"}) {
      const QString message = ErrorOf(bad);
      QVERIFY2(!message.isEmpty(), bad.c_str());
      QVERIFY(!message.contains('\n'));
    }
    // All vertices in one spot.
    const std::string flat = dir.filePath("point.obj").toStdString();
    std::ofstream(flat) << "v 1 1 1\nv 1 1 1\nv 1 1 1\nf 1 2 3\n";
    QVERIFY(!ErrorOf(flat).isEmpty());
  }
};

QTEST_APPLESS_MAIN(MeshTest)
#include "mesh_test.moc"
