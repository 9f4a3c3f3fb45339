// The Pose workspace's 3D view: the object's 3D points, its bounding box,
// the reference cameras (grey), the query's true camera (green) and each
// model's estimated camera in its row colour. Rendered by VTK offscreen
// (core/render/scene_view) and shown as an image, because Debian's
// QVTKOpenGLNativeWidget is built for Qt 5 and cannot be embedded in this
// Qt 6 window; without a display (or when VTK fails) the same scene is drawn
// with QPainter. Drag to orbit, wheel to zoom, double click to reset.
#pragma once

#include <QColor>
#include <QPainter>
#include <QPointF>
#include <QString>
#include <QVector>
#include <QWidget>

#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <memory>
#include <vector>

namespace corrlens::render {
class SceneView;
}

namespace corrlens::ui {

class PoseScene : public QWidget {
  Q_OBJECT
 public:
  struct Camera {
    cv::Matx44d cam_from_object;  // object-to-camera, metres
    QColor color;
    QString label;  // drawn next to the camera ("" = none)
    bool emphasised = false;
  };

  enum class Backend { kAuto, kPainter };  // kAuto: VTK when it renders, else QPainter

  explicit PoseScene(QWidget* parent = nullptr, Backend backend = Backend::kAuto);
  ~PoseScene() override;

  // Points (object frame, metres) with colours; at most `max_points` are drawn.
  void SetPoints(const std::vector<cv::Point3d>& points, const std::vector<QColor>& colors);
  void SetBox(const std::vector<cv::Point3d>& corners);
  void SetCameras(const QVector<Camera>& cameras);
  const QVector<Camera>& Cameras() const { return cameras_; }
  // View angles in degrees.
  void SetOrbit(double yaw, double pitch);
  QSize sizeHint() const override { return {360, 360}; }
  // True while frames come from VTK (false before the first paint).
  bool RenderedByVtk() const { return vtk_ != nullptr && !vtk_failed_; }

  static constexpr int kMaxPoints = 6000;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

 private:
  // Screen position of an object point; false when behind the viewer.
  bool ToScreen(const cv::Vec3d& p, QPointF* out) const;
  void UpdateExtent();
  // Draws the VTK image; false when VTK is off or failed (then QPainter draws).
  bool PaintWithVtk(QPainter& painter);
  void PaintLabels(QPainter& painter) const;

  std::vector<cv::Point3d> points_;
  std::vector<QColor> colors_;
  std::vector<cv::Point3d> box_;
  QVector<Camera> cameras_;
  double yaw_ = 35.0, pitch_ = 25.0, zoom_ = 1.0;
  double extent_ = 0.2;         // radius of everything shown, metres
  double object_radius_ = 0.1;  // radius of the points and the box
  QPointF last_mouse_;
  Backend backend_;
  std::unique_ptr<render::SceneView> vtk_;
  bool vtk_failed_ = false;
  bool vtk_dirty_ = true;  // content changed since the last SetContent
};

}  // namespace corrlens::ui
