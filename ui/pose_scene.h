// The Pose workspace's 3D view: the object's 3D points, its bounding box,
// the reference cameras (grey), the query's true camera (green) and each
// model's estimated camera in its row colour, drawn with QPainter (Debian's
// QVTKOpenGLNativeWidget is built for Qt 5, so VTK cannot be embedded in
// this Qt 6 window). Drag to orbit, wheel to zoom, double click to reset.
#pragma once

#include <QColor>
#include <QPointF>
#include <QString>
#include <QVector>
#include <QWidget>

#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <vector>

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

  explicit PoseScene(QWidget* parent = nullptr);

  // Points (object frame, metres) with colours; at most `max_points` are drawn.
  void SetPoints(const std::vector<cv::Point3d>& points, const std::vector<QColor>& colors);
  void SetBox(const std::vector<cv::Point3d>& corners);
  void SetCameras(const QVector<Camera>& cameras);
  const QVector<Camera>& Cameras() const { return cameras_; }
  // View angles in degrees.
  void SetOrbit(double yaw, double pitch);
  QSize sizeHint() const override { return {360, 360}; }

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

  std::vector<cv::Point3d> points_;
  std::vector<QColor> colors_;
  std::vector<cv::Point3d> box_;
  QVector<Camera> cameras_;
  double yaw_ = 35.0, pitch_ = 25.0, zoom_ = 1.0;
  double extent_ = 0.2;         // radius of everything shown, metres
  double object_radius_ = 0.1;  // radius of the points and the box
  QPointF last_mouse_;
};

}  // namespace corrlens::ui
