// A tiny OnePose-LowTexture-layout dataset written in the real formats (PNG,
// np.savetxt-style matrices, anno_loftr JSON, anno_3d_average.npz): one box
// object with a random texture on each face, rendered with OpenCV
// perspective warps from known cameras, so a correct pose pipeline recovers
// the poses. Header-only; the images are 256x256.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/io/tensor_file.h"

namespace corrlens::test {

class OnePoseFixture {
 public:
  static constexpr int kSize = 256;
  static constexpr int kTexture = 96;  // texture pixels per face side
  static constexpr double kFocal = 420.0;
  static constexpr int kReferenceViews = 8;
  static constexpr int kTestViews = 12;  // paper preset: frames "0" and "8"

  // The box: half extents in metres, centred on the object origin.
  static constexpr double kHalf[3] = {0.05, 0.04, 0.035};

  static cv::Matx33d K() { return {kFocal, 0, kSize / 2.0, 0, kFocal, kSize / 2.0, 0, 0, 1}; }

  // Object-to-camera pose of a camera at distance `d` looking at the origin
  // from azimuth / elevation (degrees), object z up, no roll.
  static cv::Matx44d LookAt(double azimuth, double elevation, double d) {
    const double a = azimuth * M_PI / 180, e = elevation * M_PI / 180;
    const cv::Vec3d centre(d * std::cos(e) * std::cos(a), d * std::cos(e) * std::sin(a), d * std::sin(e));
    const cv::Vec3d forward = cv::normalize(-centre), up(0, 0, 1);
    const cv::Vec3d right = cv::normalize(forward.cross(up)), down = forward.cross(right);
    cv::Matx44d pose = cv::Matx44d::eye();
    for (int c = 0; c < 3; ++c) pose(0, c) = right[c], pose(1, c) = down[c], pose(2, c) = forward[c];
    for (int r = 0; r < 3; ++r) pose(r, 3) = -cv::Vec3d(pose(r, 0), pose(r, 1), pose(r, 2)).dot(centre);  // t = -R c
    return pose;
  }
  static cv::Matx44d ReferencePose(int i) { return LookAt(45.0 * i + 10, 35, 0.32); }
  static cv::Matx44d TestPose(int i) { return LookAt(30.0 * i + 25, 25 + 10 * (i % 3), 0.30 + 0.01 * (i % 2)); }

  // Writes ROOT/lowtexture_test_data/<object>/... and ROOT/sfm_output/...
  // for object "0801-<name>-box".
  static std::string Write(const std::string& root, const std::string& name = "texbox", uint64_t seed = 7) {
    namespace stdfs = std::filesystem;
    const std::string object = "0801-" + name + "-box";
    const stdfs::path dir = stdfs::path(root) / "lowtexture_test_data" / object;
    const std::vector<Face> faces = Faces(seed);
    // 3D points: a grid on every face (global indices), shared by all views.
    std::vector<cv::Point3d> points;
    std::vector<std::vector<int>> face_points(faces.size());
    for (size_t f = 0; f < faces.size(); ++f)
      for (int v = 6; v < kTexture; v += 6)
        for (int u = 6; u < kTexture; u += 6) {
          face_points[f].push_back(static_cast<int>(points.size()));
          points.push_back(faces[f].At(u / double(kTexture), v / double(kTexture)));
        }
    for (int s = 1; s <= 2; ++s) {
      const stdfs::path seq = dir / (name + "-" + std::to_string(s));
      for (const char* sub : {"color", "intrin_ba", "poses_ba", "anno_loftr"})
        if (s == 1 || std::strcmp(sub, "anno_loftr") != 0) stdfs::create_directories(seq / sub);
      const int views = s == 1 ? kReferenceViews : kTestViews;
      for (int i = 0; i < views; ++i) {
        const cv::Matx44d pose = s == 1 ? ReferencePose(i) : TestPose(i);
        const std::string stem = std::to_string(i);
        cv::imwrite((seq / "color" / (stem + ".png")).string(), Render(faces, pose, seed + 100 * s + i));
        const cv::Matx33d k = K();
        WriteMatrix((seq / "intrin_ba" / (stem + ".txt")).string(), k.val, 3, 3);
        WriteMatrix((seq / "poses_ba" / (stem + ".txt")).string(), &pose.val[0], 4, 4);
        if (s == 1) WriteAnnotation((seq / "anno_loftr" / (stem + ".json")).string(), faces, face_points, points, pose);
      }
    }
    std::vector<double> box;
    const int signs[8][3] = {{-1, -1, -1}, {1, -1, -1}, {1, -1, 1}, {-1, -1, 1},
                             {-1, 1, -1},  {1, 1, -1},  {1, 1, 1},  {-1, 1, 1}};
    for (const auto& s : signs)
      for (int c = 0; c < 3; ++c) box.push_back(s[c] * kHalf[c]);
    WriteMatrix((dir / "box3d_corners.txt").string(), box.data(), 8, 3);
    WritePoints((stdfs::path(root) / "sfm_output/outputs_softmax_loftr_loftr" / object / "anno").string(), points);
    return object;
  }

  // A matrix as np.savetxt writes it ("%.18e", space separated).
  static void WriteMatrix(const std::string& path, const double* values, int rows, int cols) {
    std::ofstream out(path);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) out << fmt::format("{:.18e}", values[r * cols + c]) << (c + 1 < cols ? " " : "\n");
  }

 private:
  struct Face {
    cv::Vec3d origin, u, v;  // corner and the two edges (metres)
    cv::Mat texture;         // kTexture x kTexture BGR
    cv::Point3d At(double s, double t) const {
      const cv::Vec3d p = origin + u * s + v * t;
      return {p[0], p[1], p[2]};
    }
    cv::Vec3d Normal() const { return cv::normalize(u.cross(v)); }
  };

  // Six outward faces (u x v points outwards), each with its own texture.
  static std::vector<Face> Faces(uint64_t seed) {
    const double x = kHalf[0], y = kHalf[1], z = kHalf[2];
    std::vector<Face> faces = {
        {{x, -y, -z}, {0, 2 * y, 0}, {0, 0, 2 * z}, {}}, {{-x, y, -z}, {0, -2 * y, 0}, {0, 0, 2 * z}, {}},
        {{x, y, -z}, {-2 * x, 0, 0}, {0, 0, 2 * z}, {}}, {{-x, -y, -z}, {2 * x, 0, 0}, {0, 0, 2 * z}, {}},
        {{-x, -y, z}, {2 * x, 0, 0}, {0, 2 * y, 0}, {}}, {{-x, y, -z}, {2 * x, 0, 0}, {0, -2 * y, 0}, {}}};
    cv::RNG rng(seed);
    for (Face& f : faces) {
      f.texture = cv::Mat(kTexture, kTexture, CV_8UC3, cv::Scalar(rng.uniform(60, 200), rng.uniform(60, 200), 128));
      for (int k = 0; k < 45; ++k) {
        const cv::Scalar color(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
        const cv::Point c(rng.uniform(0, kTexture), rng.uniform(0, kTexture));
        if (k % 2)
          cv::circle(f.texture, c, rng.uniform(3, 12), color, cv::FILLED, cv::LINE_AA);
        else
          cv::rectangle(f.texture, c, c + cv::Point(rng.uniform(4, 16), rng.uniform(4, 16)), color, cv::FILLED);
      }
      cv::GaussianBlur(f.texture, f.texture, {3, 3}, 0.8);
    }
    return faces;
  }

  static bool Visible(const Face& f, const cv::Matx44d& pose) {
    const cv::Matx33d r = pose.get_minor<3, 3>(0, 0);
    const cv::Vec3d t(pose(0, 3), pose(1, 3), pose(2, 3));
    const cv::Point3d c = f.At(0.5, 0.5);
    const cv::Vec3d centre = r * cv::Vec3d(c.x, c.y, c.z) + t;
    return (r * f.Normal()).dot(cv::normalize(centre)) < -0.2;
  }

  // Texture pixel (u, v) -> image pixel for face `f`.
  static cv::Matx33d Homography(const Face& f, const cv::Matx44d& pose) {
    const cv::Matx33d r = pose.get_minor<3, 3>(0, 0);
    const cv::Vec3d t(pose(0, 3), pose(1, 3), pose(2, 3));
    const cv::Vec3d a = r * f.u * (1.0 / kTexture), b = r * f.v * (1.0 / kTexture), o = r * f.origin + t;
    return K() * cv::Matx33d(a[0], b[0], o[0], a[1], b[1], o[1], a[2], b[2], o[2]);
  }

  static cv::Mat Render(const std::vector<Face>& faces, const cv::Matx44d& pose, uint64_t seed) {
    cv::Mat image(kSize, kSize, CV_8UC3, cv::Scalar(118, 118, 118));
    cv::Mat noise(kSize, kSize, CV_8UC3);
    cv::RNG(seed).fill(noise, cv::RNG::NORMAL, 0, 3);
    image += noise;
    for (const Face& f : faces) {
      if (!Visible(f, pose)) continue;
      cv::Mat warped, mask;
      const cv::Matx33d h = Homography(f, pose);
      cv::warpPerspective(f.texture, warped, h, image.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
      cv::warpPerspective(cv::Mat(kTexture, kTexture, CV_8UC1, cv::Scalar(255)), mask, h, image.size(),
                          cv::INTER_NEAREST, cv::BORDER_CONSTANT);
      warped.copyTo(image, mask);
    }
    return image;
  }

  static bool Project(const cv::Matx44d& pose, const cv::Point3d& p, cv::Point2d* pixel) {
    const cv::Vec4d c = pose * cv::Vec4d(p.x, p.y, p.z, 1);
    if (c[2] <= 0) return false;
    *pixel = {K()(0, 0) * c[0] / c[2] + K()(0, 2), K()(1, 1) * c[1] / c[2] + K()(1, 2)};
    return pixel->x >= 0 && pixel->y >= 0 && pixel->x < kSize - 1 && pixel->y < kSize - 1;
  }

  // keypoints2d: projections of the visible faces' grid points plus a few
  // keypoints without a 3D point; assign_matrix pairs them with keypoints3d.
  static void WriteAnnotation(const std::string& path, const std::vector<Face>& faces,
                              const std::vector<std::vector<int>>& face_points, const std::vector<cv::Point3d>& points,
                              const cv::Matx44d& pose) {
    nlohmann::json keypoints = nlohmann::json::array(), rows = {nlohmann::json::array(), nlohmann::json::array()};
    for (int k = 0; k < 5; ++k) keypoints.push_back({3.0 + k, 5.0 + 2 * k});  // unassigned
    for (size_t f = 0; f < faces.size(); ++f) {
      if (!Visible(faces[f], pose)) continue;
      for (int index : face_points[f]) {
        cv::Point2d pixel;
        if (!Project(pose, points[static_cast<size_t>(index)], &pixel)) continue;
        rows[0].push_back(keypoints.size());
        rows[1].push_back(index);
        keypoints.push_back({pixel.x, pixel.y});
      }
    }
    nlohmann::json scores = nlohmann::json::array();
    for (size_t k = 0; k < keypoints.size(); ++k) scores.push_back({1.0});
    const nlohmann::json json = {
        {"keypoints2d", keypoints}, {"scores2d", scores}, {"assign_matrix", rows}, {"num_matches", rows[0].size()}};
    std::ofstream(path) << json.dump();
  }

  static void WritePoints(const std::string& folder, const std::vector<cv::Point3d>& points) {
    std::filesystem::create_directories(folder);
    const int64_t m = static_cast<int64_t>(points.size());
    std::vector<uint8_t> xyz(points.size() * 3 * sizeof(double)), ones(points.size() * sizeof(double));
    std::memcpy(xyz.data(), points.data(), xyz.size());  // cv::Point3d is three packed doubles
    for (int64_t i = 0; i < m; ++i) {
      const double one = 1.0;
      std::memcpy(ones.data() + i * sizeof(double), &one, sizeof(double));
    }
    io::WriteNpz(folder + "/anno_3d_average.npz",
                 {{"keypoints3d", io::TensorData::FromBytes(io::DType::kFloat64, {m, 3}, xyz)},
                  {"scores3d", io::TensorData::FromBytes(io::DType::kFloat64, {m, 1}, ones)}});
  }
};

}  // namespace corrlens::test
