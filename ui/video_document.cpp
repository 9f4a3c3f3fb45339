#include "ui/video_document.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

#include "core/util/error.h"
#include "ui/video_truth.h"

namespace corrlens::ui {
namespace {

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

// The opens' own threads: a slow file never waits behind other work.
Q_GLOBAL_STATIC(QThreadPool, open_pool)

QThreadPool* OpenPool() {
  if (open_pool->maxThreadCount() < 2) open_pool->setMaxThreadCount(2);
  return open_pool;
}

// The first offending point, as one line; "" when all lie inside.
QString OutsidePoint(const QVector<VideoPoint>& points, const video::VideoInfo& info) {
  for (const VideoPoint& p : points) {
    if (!Inside(p, info))
      return QStringLiteral("\"points\": frame %1 (%2, %3) lies outside the video")
          .arg(p.frame)
          .arg(p.position.x())
          .arg(p.position.y());
  }
  return {};
}

}  // namespace

VideoDocument::VideoDocument(QObject* parent) : QObject(parent) {}

std::shared_ptr<video::VideoSource> VideoDocument::OpenReader(const QString& path, QString* error) {
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

bool VideoDocument::StartLoad(const VideoLoadRequest& request, QString* error) {
  if (!QFileInfo::exists(request.path)) {
    if (error) *error = QStringLiteral("%1: file not found").arg(request.path);
    return false;
  }
  if (request.preset && *request.preset != "interactive" && *request.preset != "paper") {
    if (error) *error = QStringLiteral("\"preset\" is '%1', expected interactive or paper").arg(*request.preset);
    return false;
  }
  const quint64 generation = ++generation_;
  if (loading_++ == 0) emit loadingChanged(true);
  loading_path_ = request.path;
  QtConcurrent::run(OpenPool(), [opener = opener_, request] {
    std::pair<VideoOpened, QString> result;
    VideoOpened& opened = result.first;
    QString& error = result.second;
    if (request.open)
      opened = request.open(&error);
    else
      opened.reader = opener(request.path, &error);
    if (!opened.reader && error.isEmpty()) error = QStringLiteral("%1: cannot open").arg(request.path);
    if (opened.reader) {
      try {  // decoded here, the first frame shown comes from the reader's cache
        opened.reader->Frame(std::clamp(request.frame, 0, opened.reader->FrameCount() - 1));
      } catch (const std::exception&) {
        // The player names the frame that cannot be decoded.
      }
    }
    return result;
  }).then(this, [this, generation, request](const std::pair<VideoOpened, QString>& result) {
    FinishLoad(generation, request, result.first, result.second);
  });
  return true;
}

void VideoDocument::FinishLoad(quint64 generation, const VideoLoadRequest& request, const VideoOpened& opened,
                               const QString& error) {
  if (--loading_ == 0) {
    loading_path_.clear();
    emit loadingChanged(false);
  }
  if (generation != generation_) return;  // superseded
  if (!opened.reader) {
    emit loadFailed(error);
    return;
  }
  const bool has_points = request.points || opened.points;
  const QVector<VideoPoint> points = request.points ? *request.points : opened.points.value_or(QVector<VideoPoint>());
  const QString outside = OutsidePoint(points, opened.reader->Info());
  if (!outside.isEmpty()) {
    emit loadFailed(QStringLiteral("%1: %2").arg(request.path, outside));
    return;
  }
  if (request.preset) SetPreset(*request.preset);
  const int active = request.points ? request.active_point : (has_points && !points.isEmpty() ? 0 : -1);
  Apply(opened, opened.path.isEmpty() ? request.path : opened.path, points, active, request.frame);
  if (request.remember) emit this->opened(request.path);
}

bool VideoDocument::StartFromJson(const QJsonObject& json, const QString& base_dir, QString* error) {
  VideoLoadRequest request;
  request.preset = json.value("preset").toString(QStringLiteral("interactive"));
  if (*request.preset != "interactive" && *request.preset != "paper") {
    if (error) *error = QStringLiteral("\"preset\" is '%1', expected interactive or paper").arg(*request.preset);
    return false;
  }
  QVector<VideoPoint> points;
  if (!ReadPoints(json.value("points"), &points, error)) return false;
  const QString relative = json.value("video").toString();
  const QJsonObject tapvid = json.value("tapvid").toObject();
  if (!tapvid.isEmpty()) {
    const QString dataset = QDir(base_dir).absoluteFilePath(tapvid.value("dataset").toString());
    const VideoLoadRequest truth = TapVidRequest(dataset, tapvid.value("video").toInt(-1));
    request.path = truth.path;
    request.open = truth.open;
  } else if (relative.isEmpty()) {
    return FromJson(json, base_dir, error);  // nothing to open
  } else {
    request.path = QDir(base_dir).absoluteFilePath(relative);
  }
  request.points = points;
  request.active_point = json.value("active_point").toInt(-1);
  request.frame = json.value("frame").toInt(0);
  return StartLoad(request, error);
}

void VideoDocument::Apply(const VideoOpened& opened, const QString& path, const QVector<VideoPoint>& points,
                          int active_point, int frame) {
  reader_ = opened.reader;
  job_reader_ = opened.job_reader;
  truth_ = opened.truth;
  info_ = reader_ ? reader_->Info() : video::VideoInfo();
  path_ = reader_ ? QFileInfo(path).absoluteFilePath() : QString();
  points_ = points;
  active_point_ = std::clamp(active_point, -1, int(points_.size()) - 1);
  frame_ = std::clamp(frame, 0, std::max(0, info_.frame_count - 1));
  emit videoChanged();
  emit pointsChanged();
  emit activePointChanged(active_point_);
  emit currentFrameChanged(frame_);
}

bool VideoDocument::LoadVideo(const QString& path, QString* error) {
  std::shared_ptr<video::VideoSource> reader = OpenReader(path, error);
  if (!reader) return false;
  ++generation_;  // loads in flight are stale now
  VideoOpened opened;
  opened.reader = reader;
  Apply(opened, path, {}, -1, 0);
  return true;
}

std::function<std::unique_ptr<video::VideoSource>()> VideoDocument::JobReader() const {
  if (job_reader_) return job_reader_;
  return [path = path_.toStdString()] { return video::OpenVideo(path); };
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
  QJsonObject json{
      {"video", path_}, {"preset", preset_}, {"points", points}, {"active_point", active_point_}, {"frame", frame_}};
  if (truth_) json["tapvid"] = QJsonObject{{"dataset", truth_->dataset}, {"video", truth_->video_index}};
  return json;
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
    const QString outside = OutsidePoint(points, reader->Info());
    if (!outside.isEmpty()) {
      if (error) *error = outside;
      return false;
    }
  } else {
    points.clear();  // points need a video
  }
  ++generation_;  // loads in flight are stale now
  SetPreset(preset);
  VideoOpened opened;
  opened.reader = reader;
  Apply(opened, QDir(base_dir).absoluteFilePath(relative), points, json.value("active_point").toInt(-1),
        json.value("frame").toInt(0));
  return true;
}

}  // namespace corrlens::ui
