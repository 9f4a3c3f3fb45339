#include "ui/video_document.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>

#include <algorithm>

#include "core/util/error.h"

namespace corrlens::ui {
namespace {

// Opens `path` for display; nullptr with `error` set when it cannot be read.
std::shared_ptr<video::VideoSource> OpenReader(const QString& path, QString* error) {
  try {
    video::VideoOptions options;
    options.cache_frames = 32;  // steps back while scrubbing stay cheap
    std::shared_ptr<video::VideoSource> reader = video::OpenVideo(path.toStdString(), options);
    if (reader->FrameCount() <= 0) throw Error("the video has no frames", {path.toStdString()});
    return reader;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
  }
  return nullptr;
}

// Points as [[t, x, y], ...]; anything else is refused.
bool ReadPoints(const QJsonValue& value, QVector<VideoPoint>* points, QString* error) {
  if (value.isUndefined()) return true;
  if (!value.isArray()) {
    if (error) *error = QStringLiteral("\"points\" is not a list");
    return false;
  }
  for (const QJsonValue& v : value.toArray()) {
    const QJsonArray txy = v.toArray();
    const bool ok = txy.size() == 3 && txy[0].isDouble() && txy[1].isDouble() && txy[2].isDouble() &&
                    txy[0].toDouble() == double(txy[0].toInt(-1)) && txy[0].toInt() >= 0;
    if (!ok) {
      if (error) *error = QStringLiteral("\"points\" holds something other than [frame, x, y]");
      return false;
    }
    points->push_back({txy[0].toInt(), QPointF(txy[1].toDouble(), txy[2].toDouble())});
  }
  return true;
}

bool Inside(const VideoPoint& p, const video::VideoInfo& info) {
  return p.frame >= 0 && p.frame < info.frame_count && p.position.x() >= 0 && p.position.y() >= 0 &&
         p.position.x() <= info.width - 1 && p.position.y() <= info.height - 1;
}

}  // namespace

VideoDocument::VideoDocument(QObject* parent) : QObject(parent) {}

bool VideoDocument::LoadVideo(const QString& path, QString* error) {
  std::shared_ptr<video::VideoSource> reader = OpenReader(path, error);
  if (!reader) return false;
  reader_ = std::move(reader);
  info_ = reader_->Info();
  path_ = QFileInfo(path).absoluteFilePath();
  points_.clear();
  active_point_ = -1;
  frame_ = 0;
  emit videoChanged();
  emit pointsChanged();
  emit activePointChanged(-1);
  emit currentFrameChanged(0);
  return true;
}

void VideoDocument::AddPoint(const VideoPoint& point) {
  if (!Inside(point, info_)) return;
  points_.push_back(point);
  active_point_ = int(points_.size()) - 1;
  emit pointsChanged();
  emit activePointChanged(active_point_);
}

void VideoDocument::RemovePoint(int index) {
  if (index < 0 || index >= points_.size()) return;
  points_.removeAt(index);
  active_point_ = points_.isEmpty() ? -1 : std::min<int>(active_point_, int(points_.size()) - 1);
  emit pointsChanged();
  emit activePointChanged(active_point_);
}

void VideoDocument::ClearPoints() {
  points_.clear();
  active_point_ = -1;
  emit pointsChanged();
  emit activePointChanged(-1);
}

void VideoDocument::SetActivePoint(int index) {
  if (index < -1 || index >= points_.size() || index == active_point_) return;
  active_point_ = index;
  emit activePointChanged(index);
}

void VideoDocument::SetPreset(const QString& preset) {
  if (preset == preset_ || (preset != "interactive" && preset != "paper")) return;
  preset_ = preset;
  emit presetChanged(preset_);
}

void VideoDocument::SetCurrentFrame(int frame) {
  frame = std::clamp(frame, 0, std::max(0, info_.frame_count - 1));
  if (frame == frame_) return;
  frame_ = frame;
  emit currentFrameChanged(frame_);
}

QJsonObject VideoDocument::ToJson() const {
  QJsonArray points;
  for (const VideoPoint& p : points_) points.append(QJsonArray{p.frame, p.position.x(), p.position.y()});
  return QJsonObject{
      {"video", path_}, {"preset", preset_}, {"points", points}, {"active_point", active_point_}, {"frame", frame_}};
}

bool VideoDocument::FromJson(const QJsonObject& json, const QString& base_dir, QString* error) {
  const QString preset = json.value("preset").toString(QStringLiteral("interactive"));
  if (preset != "interactive" && preset != "paper") {
    if (error) *error = QStringLiteral("\"preset\" is '%1', expected interactive or paper").arg(preset);
    return false;
  }
  QVector<VideoPoint> points;
  if (!ReadPoints(json.value("points"), &points, error)) return false;
  const QString relative = json.value("video").toString();
  std::shared_ptr<video::VideoSource> reader;
  if (!relative.isEmpty()) {
    reader = OpenReader(QDir(base_dir).absoluteFilePath(relative), error);
    if (!reader) return false;
    for (const VideoPoint& p : points) {
      if (!Inside(p, reader->Info())) {
        if (error)
          *error = QStringLiteral("\"points\": frame %1 (%2, %3) lies outside the video")
                       .arg(p.frame)
                       .arg(p.position.x())
                       .arg(p.position.y());
        return false;
      }
    }
  } else {
    points.clear();  // points need a video
  }
  reader_ = reader;
  info_ = reader ? reader->Info() : video::VideoInfo();
  path_ = reader ? QDir(base_dir).absoluteFilePath(relative) : QString();
  points_ = points;
  active_point_ = std::clamp(json.value("active_point").toInt(-1), -1, int(points_.size()) - 1);
  frame_ = std::clamp(json.value("frame").toInt(0), 0, std::max(0, info_.frame_count - 1));
  SetPreset(preset);
  emit videoChanged();
  emit pointsChanged();
  emit activePointChanged(active_point_);
  emit currentFrameChanged(frame_);
  return true;
}

}  // namespace corrlens::ui
