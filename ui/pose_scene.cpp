#include "ui/pose_scene.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "core/render/scene_view.h"
#include "core/util/error.h"

namespace corrlens::ui {
namespace {

constexpr int kBoxEdges[12][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {4, 5}, {5, 6},
                                  {6, 7}, {7, 4}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};

// Camera centre and the world direction of camera axis `axis`.
cv::Vec3d Centre(const cv::Matx44d& pose) {
  const cv::Matx33d r(pose(0, 0), pose(0, 1), pose(0, 2), pose(1, 0), pose(1, 1), pose(1, 2), pose(2, 0), pose(2, 1),
                      pose(2, 2));
  return -(r.t() * cv::Vec3d(pose(0, 3), pose(1, 3), pose(2, 3)));
}
cv::Vec3d Axis(const cv::Matx44d& pose, int axis) { return {pose(axis, 0), pose(axis, 1), pose(axis, 2)}; }

}  // namespace

PoseScene::PoseScene(QWidget* parent, Backend backend) : QWidget(parent), backend_(backend) {
  setMinimumSize(200, 200);
  setToolTip(tr("Drag to orbit, wheel to zoom, double click to reset"));
}

PoseScene::~PoseScene() = default;

void PoseScene::SetPoints(const std::vector<cv::Point3d>& points, const std::vector<QColor>& colors) {
  points_.clear();
  colors_.clear();
  const size_t step = std::max<size_t>(1, points.size() / kMaxPoints + (points.size() % kMaxPoints ? 1 : 0));
  for (size_t i = 0; i < points.size(); i += step) {
    points_.push_back(points[i]);
    colors_.push_back(i < colors.size() ? colors[i] : QColor(200, 200, 200));
  }
  UpdateExtent();
}

void PoseScene::SetBox(const std::vector<cv::Point3d>& corners) {
  box_ = corners.size() == 8 ? corners : std::vector<cv::Point3d>{};
  UpdateExtent();
}

void PoseScene::SetCameras(const QVector<Camera>& cameras) {
  cameras_ = cameras;
  UpdateExtent();
}

void PoseScene::SetOrbit(double yaw, double pitch) {
  yaw_ = yaw;
  pitch_ = std::clamp(pitch, -89.0, 89.0);
  update();
}

void PoseScene::UpdateExtent() {
  double r = 1e-3;
  for (const cv::Point3d& p : points_) r = std::max(r, cv::norm(p));
  for (const cv::Point3d& p : box_) r = std::max(r, cv::norm(p));
  object_radius_ = r;
  for (const Camera& c : cameras_) {
    const double d = cv::norm(Centre(c.cam_from_object));
    if (d < 100.0 * r + 10.0) r = std::max(r, d);  // identity fallbacks sit at the origin anyway
  }
  extent_ = r;
  vtk_dirty_ = true;
  update();
}

// Orbit camera looking at the origin from yaw/pitch; orthographic-ish
// perspective at 2.5 extents' distance, object +y up on screen.
bool PoseScene::ToScreen(const cv::Vec3d& p, QPointF* out) const {
  const double yaw = yaw_ * M_PI / 180.0, pitch = pitch_ * M_PI / 180.0;
  const double x1 = std::cos(yaw) * p[0] - std::sin(yaw) * p[2];
  const double z1 = std::sin(yaw) * p[0] + std::cos(yaw) * p[2];
  const double y2 = std::cos(pitch) * p[1] - std::sin(pitch) * z1;
  const double z2 = std::sin(pitch) * p[1] + std::cos(pitch) * z1;
  const double distance = 2.5 * extent_;
  const double depth = distance - z2;
  if (depth <= 1e-6) return false;
  const double f = 1.2 * std::min(width(), height()) * zoom_ * distance / (2.0 * extent_);
  *out = QPointF(width() / 2.0 + f * x1 / depth, height() / 2.0 - f * y2 / depth);
  return true;
}

bool PoseScene::PaintWithVtk(QPainter& painter) {
  if (backend_ != Backend::kAuto || vtk_failed_ || width() <= 0 || height() <= 0) return false;
  const cv::Size size(width(), height());
  try {
    if (!vtk_) vtk_ = render::SceneView::Create(size);
    if (vtk_dirty_) {
      render::SceneContent content;
      content.points = points_;
      content.colors.reserve(colors_.size());
      for (const QColor& c : colors_) content.colors.emplace_back(c.red(), c.green(), c.blue());
      content.box = box_;
      for (const Camera& c : cameras_)
        content.cameras.push_back(
            {c.cam_from_object, cv::Vec3b(c.color.red(), c.color.green(), c.color.blue()), c.emphasised});
      vtk_->SetContent(content);
      vtk_dirty_ = false;
    }
    const cv::Mat rgb = vtk_->Render({yaw_, pitch_, zoom_}, size);
    painter.drawImage(0, 0, QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888));
    return true;
  } catch (const Error& e) {  // no display, no OpenGL: the QPainter view from now on
    qInfo("3D view drawn with QPainter: %s", e.what());
    vtk_.reset();
    vtk_failed_ = true;
    return false;
  }
}

void PoseScene::PaintLabels(QPainter& painter) const {
  QPointF apex;
  for (const Camera& camera : cameras_) {
    if (camera.label.isEmpty() || !ToScreen(Centre(camera.cam_from_object), &apex)) continue;
    painter.setPen(camera.color);
    painter.drawText(apex + QPointF(4, -4), camera.label);
  }
}

void PoseScene::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  if (PaintWithVtk(painter)) {
    PaintLabels(painter);
    return;
  }
  painter.fillRect(rect(), QColor(30, 30, 34));
  QPointF a, b;
  for (size_t i = 0; i < points_.size(); ++i) {
    if (!ToScreen(cv::Vec3d(points_[i].x, points_[i].y, points_[i].z), &a)) continue;
    painter.fillRect(QRectF(a.x() - 1.0, a.y() - 1.0, 2.0, 2.0), colors_[i]);
  }
  painter.setPen(QPen(QColor(160, 160, 160), 1.0));
  for (const auto& e : kBoxEdges) {
    if (box_.empty()) break;
    const cv::Point3d& p = box_[size_t(e[0])];
    const cv::Point3d& q = box_[size_t(e[1])];
    if (ToScreen({p.x, p.y, p.z}, &a) && ToScreen({q.x, q.y, q.z}, &b)) painter.drawLine(a, b);
  }
  const double size = 0.4 * object_radius_;
  for (const Camera& camera : cameras_) {
    const cv::Matx44d& pose = camera.cam_from_object;
    const cv::Vec3d c = Centre(pose);
    const cv::Vec3d x = Axis(pose, 0), y = Axis(pose, 1), z = Axis(pose, 2);
    const cv::Vec3d corners[4] = {c + size * (z - 0.5 * x - 0.5 * y), c + size * (z + 0.5 * x - 0.5 * y),
                                  c + size * (z + 0.5 * x + 0.5 * y), c + size * (z - 0.5 * x + 0.5 * y)};
    painter.setPen(QPen(camera.color, camera.emphasised ? 2.5 : 1.0));
    QPointF apex, s[4];
    if (!ToScreen(c, &apex)) continue;
    bool visible = true;
    for (int i = 0; i < 4; ++i) visible = visible && ToScreen(corners[i], &s[i]);
    if (!visible) continue;
    for (int i = 0; i < 4; ++i) {
      painter.drawLine(apex, s[i]);
      painter.drawLine(s[i], s[(i + 1) % 4]);
    }
  }
  PaintLabels(painter);
}

void PoseScene::mousePressEvent(QMouseEvent* event) { last_mouse_ = event->position(); }

void PoseScene::mouseMoveEvent(QMouseEvent* event) {
  if (!(event->buttons() & Qt::LeftButton)) return;
  const QPointF delta = event->position() - last_mouse_;
  last_mouse_ = event->position();
  SetOrbit(yaw_ + delta.x() * 0.5, pitch_ + delta.y() * 0.5);
}

void PoseScene::wheelEvent(QWheelEvent* event) {
  zoom_ = std::clamp(zoom_ * std::pow(1.0015, event->angleDelta().y()), 0.1, 20.0);
  update();
}

void PoseScene::mouseDoubleClickEvent(QMouseEvent*) {
  zoom_ = 1.0;
  SetOrbit(35.0, 25.0);
}

}  // namespace corrlens::ui
