#include "ui/video_workspace.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QInputDialog>
#include <QPainter>
#include <QSaveFile>
#include <QVBoxLayout>

#include <cmath>

#include "core/track/annotated_video.h"
#include "ui/job_runner.h"
#include "ui/model_status.h"
#include "ui/session_model.h"
#include "ui/video_controller.h"
#include "ui/video_document.h"
#include "ui/video_heatmap.h"
#include "ui/video_player.h"
#include "ui/video_row.h"
#include "ui/video_timeline.h"
#include "ui/video_truth.h"

namespace corrlens::ui {
namespace {

const char* kVideoFilter = "Videos (*.avi *.mp4 *.mov *.mkv *.webm *.m4v *.mpg *.mpeg *.wmv *.ogv);;All files (*)";

bool IsVideoFile(const QString& path) {
  static const QStringList suffixes = {"avi", "mp4", "mov", "mkv", "webm", "m4v", "mpg", "mpeg", "wmv", "ogv"};
  return suffixes.contains(QFileInfo(path).suffix().toLower());
}

bool WriteFile(const QString& path, const QByteArray& data, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
    if (error) *error = QStringLiteral("%1: cannot write (%2)").arg(path, file.errorString());
    return false;
  }
  return true;
}

}  // namespace

VideoWorkspace::VideoWorkspace(SessionModel* session, JobRunner* jobs, BackendProvider* provider, QWidget* parent)
    : Workspace(parent),
      session_(session),
      jobs_(jobs),
      document_(new VideoDocument(this)),
      heat_(this, [this](quint64, const Heat& heat) {
        for (size_t i = 0; i < rows_.size(); ++i)
          rows_[i]->SetHeatmap(row_ids_[int(i)] == heat.id && heat.id == hovered_ ? heat.image : QImage());
      }) {
  player_ = new VideoPlayer(document_, this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  timeline_ = new VideoTimeline(document_, player_);
  layout->addWidget(timeline_);
  rows_container_ = new QWidget;
  auto* grid = new QGridLayout(rows_container_);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(2);
  layout->addWidget(rows_container_, 1);
  connect(player_, &VideoPlayer::frameShown, this, &VideoWorkspace::ShowFrame);
  connect(player_, &VideoPlayer::frameFailed, this, [this](int, const QString& error) {
    frame_error_ = error;
    emit statusChanged();
  });
  connect(document_, &VideoDocument::videoChanged, this, [this] {
    frame_error_.clear();
    for (VideoRow* row : rows_) row->View()->SetImage(QImage());
    emit statusChanged();
  });
  connect(document_, &VideoDocument::loadingChanged, this, &Workspace::statusChanged);
  connect(document_, &VideoDocument::loadFailed, this, &Workspace::errorOccurred);
  connect(document_, &VideoDocument::opened, this, [this](const QString& path) { emit filesOpened({path}); });
  connect(document_, &VideoDocument::pointsChanged, this, &VideoWorkspace::Redraw);
  connect(document_, &VideoDocument::activePointChanged, this, &VideoWorkspace::RequestHeatmap);
  connect(document_, &VideoDocument::pointsChanged, this, &Workspace::statusChanged);
  connect(document_, &VideoDocument::presetChanged, this, &Workspace::statusChanged);
  SetRows({}, {});
  if (jobs && provider) {
    controller_ = new VideoController(session_, document_, jobs, provider, this);
    ConnectController();
  }
  CreateActions();
}

VideoWorkspace::~VideoWorkspace() = default;

void VideoWorkspace::ConnectController() {
  connect(controller_, &VideoController::rowsChanged, this, &VideoWorkspace::SetRows);
  connect(controller_, &VideoController::tracksReady, this, &VideoWorkspace::Redraw);
  connect(controller_, &VideoController::tracksReady, this, [this] {
    for (size_t i = 0; i < rows_.size(); ++i) {  // the frame's features may have arrived
      if (row_ids_[int(i)] == hovered_ && rows_[i]->Heatmap().isNull()) RequestHeatmap();
    }
  });
  connect(controller_, &VideoController::modelStateChanged, this, &VideoWorkspace::SetRowStatus);
  connect(controller_, &VideoController::modelStateChanged, this, &Workspace::modelStateChanged);
  // The controller announced its rows and states before these connections.
  QStringList titles;
  for (const QString& id : controller_->Models()) titles << controller_->DisplayName(id);
  SetRows(controller_->Models(), titles);
  for (const QString& id : controller_->Models())
    SetRowStatus(id, controller_->Status()->Text(id), controller_->Status()->IsError(id));
}

QAction* VideoWorkspace::AddAction(QList<QAction*>* list, const QString& text, const QKeySequence& key) {
  auto* action = new QAction(text, this);
  action->setShortcut(key);
  list->append(action);
  return action;
}

void VideoWorkspace::CreateActions() {
  connect(AddAction(&open_actions_, tr("Open &Video..."), QKeySequence::Open), &QAction::triggered, this,
          [this] { OpenDialog(false); });
  connect(AddAction(&open_actions_, tr("Open &Frames Folder..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O)),
          &QAction::triggered, this, [this] { OpenDialog(true); });
  connect(AddAction(&open_actions_, tr("Open TAP-Vid &Video..."), {}), &QAction::triggered, this,
          &VideoWorkspace::OpenTapVidDialog);
  connect(
      AddAction(&export_actions_, tr("Export &Tracks (CSV/JSON)..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E)),
      &QAction::triggered, this, &VideoWorkspace::ExportTracksDialog);
  export_actions_.back()->setEnabled(controller_ != nullptr);
  connect(AddAction(&export_actions_, tr("Export Frame as &PNG..."), QKeySequence(Qt::CTRL | Qt::Key_E)),
          &QAction::triggered, this, &VideoWorkspace::ExportFrameDialog);
  connect(AddAction(&export_actions_, tr("Export &Annotated Video..."), {}), &QAction::triggered, this,
          &VideoWorkspace::ExportAnnotatedVideoDialog);
  export_actions_.back()->setEnabled(controller_ != nullptr);
  connect(AddAction(&edit_actions_, tr("&Clear Points"), QKeySequence(Qt::CTRL | Qt::Key_Backspace)),
          &QAction::triggered, document_, &VideoDocument::ClearPoints);
  connect(AddAction(&view_actions_, tr("&Play / Pause"), QKeySequence(Qt::Key_Space)), &QAction::triggered, player_,
          &VideoPlayer::TogglePlay);
  connect(AddAction(&view_actions_, tr("&Next Frame"), QKeySequence(Qt::Key_Right)), &QAction::triggered, player_,
          [this] { player_->Step(1); });
  connect(AddAction(&view_actions_, tr("P&revious Frame"), QKeySequence(Qt::Key_Left)), &QAction::triggered, player_,
          [this] { player_->Step(-1); });
  connect(AddAction(&view_actions_, tr("&Fit Video"), QKeySequence(Qt::Key_F)), &QAction::triggered, this,
          &VideoWorkspace::FitAll);
}

QList<QAction*> VideoWorkspace::Actions(WorkspaceMenu menu) const {
  switch (menu) {
    case WorkspaceMenu::kOpen: return open_actions_;
    case WorkspaceMenu::kExport: return export_actions_;
    case WorkspaceMenu::kEdit: return edit_actions_;
    case WorkspaceMenu::kView: return view_actions_;
  }
  return {};
}

bool VideoWorkspace::CanOpen(const QStringList& files) const {
  return files.size() == 1 && (IsVideoFile(files[0]) || QFileInfo(files[0]).isDir());
}

bool VideoWorkspace::Open(const QStringList& files, std::optional<QPoint>, QString* error) {
  if (files.size() != 1) {
    if (error) *error = tr("open one video file or one folder of frames");
    return false;
  }
  VideoLoadRequest request;
  request.path = files[0];
  request.remember = true;
  return document_->StartLoad(request, error);
}

bool VideoWorkspace::OpenVideoAt(const QString& path, int frame, QString* error) {
  const auto clean = [](const QString& p) { return QDir::cleanPath(QFileInfo(p).absoluteFilePath()); };
  if (document_->HasVideo() && !document_->IsLoading() && clean(document_->Path()) == clean(path)) {
    document_->SetCurrentFrame(frame);
    return true;
  }
  // <dataset>/tapvid-davis/<idx>/video: the reference layout, with its truth.
  const QStringList parts = clean(path).split('/');
  bool numbered = false;
  const int index = parts.value(parts.size() - 2).toInt(&numbered);
  const QString root = parts.mid(0, parts.size() - 3).join('/');
  if (parts.size() >= 4 && parts.last() == "video" && numbered && parts[parts.size() - 3] == "tapvid-davis" &&
      QFileInfo::exists(root + "/" + track::kTapVidStridedPickle))
    return OpenTapVid(root, index, error, frame);
  VideoLoadRequest request;
  request.path = path;
  request.frame = frame;
  return document_->StartLoad(request, error);
}

bool VideoWorkspace::OpenTapVid(const QString& dataset, int video_index, QString* error, int frame) {
  VideoLoadRequest request = TapVidRequest(dataset, video_index);
  request.frame = frame;
  return document_->StartLoad(request, error);
}

QJsonObject VideoWorkspace::SaveDocument() const { return document_->ToJson(); }

QString VideoWorkspace::NotSavable() const {
  return document_->IsLoading() ? tr("%1 is still opening").arg(QFileInfo(document_->LoadingFile()).fileName())
                                : QString();
}

bool VideoWorkspace::LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) {
  return document_->StartFromJson(json, base_dir, error);
}

QString VideoWorkspace::Status() const {
  if (document_->IsLoading()) return tr("Opening %1...").arg(QFileInfo(document_->LoadingFile()).fileName());
  if (!document_->HasVideo()) return tr("Open a video or a folder of frames (File menu or drag and drop).");
  if (!frame_error_.isEmpty()) return frame_error_;
  const video::VideoInfo& info = document_->Info();
  const std::shared_ptr<const VideoTruth> truth = document_->Truth();
  const QString name = truth ? tr("TAP-Vid video %1 of %2 (%3 ground-truth tracks)")
                                   .arg(truth->video_index)
                                   .arg(QFileInfo(truth->dataset).fileName())
                                   .arg(truth->tracks.size())
                             : QFileInfo(document_->Path()).fileName();
  return tr("%1: %2 frames of %3x%4, preset %5, %n point(s). Click to add a point on this frame, right click to "
            "remove one; Space plays, arrows step.",
            "", int(document_->Points().size()))
      .arg(name)
      .arg(info.frame_count)
      .arg(info.width)
      .arg(info.height)
      .arg(document_->Preset());
}

void VideoWorkspace::SetRows(const QStringList& ids, const QStringList& titles) {
  for (VideoRow* row : rows_) row->deleteLater();
  rows_.clear();
  row_ids_ = ids.isEmpty() ? QStringList{QString()} : ids;
  auto* grid = static_cast<QGridLayout*>(rows_container_->layout());
  const int columns = row_ids_.size() >= 3 ? 2 : 1;  // wide frames: two columns from three models on
  for (int i = 0; i < row_ids_.size(); ++i) {
    auto* row = new VideoRow(ids.isEmpty() ? tr("Video") : titles.value(i, ids[i]), rows_container_);
    grid->addWidget(row, i / columns, i % columns);
    rows_.push_back(row);
    ConnectRow(row, row_ids_[i]);
    if (!player_->ShownImage().isNull()) row->View()->SetImage(player_->ShownImage());
  }
  Redraw();
}

void VideoWorkspace::ConnectRow(VideoRow* row, const QString& id) {
  connect(row->View(), &ImageView::pointClicked, this, [this](QPointF p) {
    if (player_->ShownFrame() >= 0) document_->AddPoint({player_->ShownFrame(), p});
  });
  connect(row->View(), &ImageView::removeRequested, this,
          [this, row, id](QPointF p) { RemovePointNear(id, p, 12.0 / row->View()->Zoom()); });
  connect(row->View(), &ImageView::viewChanged, this, &VideoWorkspace::SyncViews);
  connect(row->View(), &ImageView::hovered, this, [this, id] {
    if (id != hovered_) SetHovered(id);
  });
  connect(row->View(), &ImageView::hoverLeft, this, [this, id] {
    if (id == hovered_) SetHovered(QString());
  });
}

void VideoWorkspace::ShowFrame(int, const QImage& image) {
  frame_error_.clear();
  for (VideoRow* row : rows_) {
    if (row->View()->Image().size() != image.size())
      row->View()->SetImage(image);
    else
      row->View()->SetBaseImage(image);
  }
  Redraw();
  RequestHeatmap();
  emit statusChanged();
}

void VideoWorkspace::SetHovered(const QString& id) {
  hovered_ = id;
  RequestHeatmap();
}

void VideoWorkspace::RequestHeatmap() {
  const int active = document_->ActivePoint();
  std::shared_ptr<const track::VolumeBuilder> volume =
      controller_ && !hovered_.isEmpty() ? controller_->Builder(hovered_) : nullptr;
  if (!volume || active < 0 || player_->ShownFrame() < 0) {
    heat_.Discard();
    for (VideoRow* row : rows_) row->SetHeatmap(QImage());
    return;
  }
  VideoHeatmapRequest request;
  request.volume = volume;
  request.query = document_->Points()[active];
  request.frame = player_->ShownFrame();
  request.width = document_->Info().width;
  request.height = document_->Info().height;
  heat_.Submit([request, id = hovered_](const CancelToken& cancel) {
    return Heat{id, ComputeVideoHeatmap(request, cancel)};
  });
}

const VideoModelTracks* VideoWorkspace::TracksOf(const QString& id) const {
  if (!controller_ || id.isEmpty()) return nullptr;
  for (const VideoModelTracks& m : controller_->Tracks()) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

void VideoWorkspace::Redraw() {
  const int frame = player_->ShownFrame();
  for (size_t i = 0; i < rows_.size(); ++i) {
    const QString& id = row_ids_[int(i)];
    static const VideoModelTracks kNone;
    const VideoModelTracks* tracks = id.isEmpty() ? nullptr : TracksOf(id);
    rows_[i]->ShowTracks(id.isEmpty() ? nullptr : (tracks ? tracks : &kNone), document_->Points(), frame, kTrailLength,
                         document_->Truth().get());
  }
}

void VideoWorkspace::RemovePointNear(const QString& id, QPointF p, double radius) {
  const int frame = player_->ShownFrame();
  const VideoModelTracks* tracks = TracksOf(id);
  int best = -1;
  double best_distance = radius;
  auto consider = [&](int index, QPointF q) {
    const double d = std::hypot(q.x() - p.x(), q.y() - p.y());
    if (d <= best_distance) best = index, best_distance = d;
  };
  for (int i = 0; i < document_->Points().size(); ++i) {
    const VideoPoint& query = document_->Points()[i];
    if (query.frame == frame) consider(i, query.position);
    if (tracks && i < tracks->points.size() && frame >= 0 && frame < tracks->points[i].positions.size())
      consider(i, tracks->points[i].positions[frame]);
  }
  if (best >= 0) document_->RemovePoint(best);
}

void VideoWorkspace::SetRowStatus(const QString& id, const QString& status, bool is_error) {
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (row_ids_[int(i)] == id) rows_[i]->SetStatus(status, is_error);
  }
}

void VideoWorkspace::SyncViews(double zoom, QPointF center) {
  for (VideoRow* row : rows_) {
    if (std::abs(row->View()->Zoom() - zoom) > 1e-9 || row->View()->Center() != center)
      row->View()->SetView(zoom, center);
  }
}

void VideoWorkspace::FitAll() {
  for (VideoRow* row : rows_) row->View()->ResetView();
}

void VideoWorkspace::OpenDialog(bool folder) {
  const QString start = QFileInfo(document_->Path()).absolutePath();
  const QString path = folder ? QFileDialog::getExistingDirectory(this, tr("Open Frames Folder"), start)
                              : QFileDialog::getOpenFileName(this, tr("Open Video"), start, tr(kVideoFilter));
  if (path.isEmpty()) return;
  QString error;
  if (!Open({path}, std::nullopt, &error)) emit errorOccurred(error);  // filesOpened once it is open
}

void VideoWorkspace::OpenTapVidDialog() {
  const QString start = QFileInfo(document_->Path()).absolutePath();
  const QString pickle = QFileDialog::getOpenFileName(
      this, tr("Open TAP-Vid Dataset"), start,
      tr("TAP-Vid pickles (tapvid_davis_data_strided.pkl tapvid_davis.pkl *.pkl);;All files (*)"));
  if (pickle.isEmpty()) return;
  bool ok = false;
  const int index =
      QInputDialog::getInt(this, tr("Open TAP-Vid Video"), tr("Video index (video_idx):"), 0, 0, 100000, 1, &ok);
  if (!ok) return;
  // The strided pickle stands for its folder (frames under tapvid-davis/).
  const QFileInfo info(pickle);
  const QString dataset = info.fileName() == track::kTapVidStridedPickle ? info.absolutePath() : pickle;
  QString error;
  if (!OpenTapVid(dataset, index, &error)) emit errorOccurred(error);
}

bool VideoWorkspace::ExportTracks(const QString& path, QString* error) const {
  track::TracksDocument tracks;
  QString reason;
  if (!controller_ || !controller_->Export(&tracks, &reason)) {
    if (error) *error = tr("%1: nothing to export: %2").arg(path, controller_ ? reason : tr("no models"));
    return false;
  }
  const bool json = path.endsWith(".json", Qt::CaseInsensitive);
  const std::string text = json ? track::TracksToJson(tracks) + "\n" : track::TracksToCsv(tracks);
  return WriteFile(path, QByteArray::fromStdString(text), error);
}

QImage VideoWorkspace::Snapshot() const {
  QImage image(rows_container_->size(), QImage::Format_RGB888);
  image.fill(palette().color(QPalette::Window));
  QPainter painter(&image);
  rows_container_->render(&painter);
  return image;
}

bool VideoWorkspace::ExportFrame(const QString& path, QString* error) const {
  const QImage image = Snapshot();
  if (image.isNull() || !image.save(path, "PNG")) {
    if (error) *error = tr("%1: cannot write PNG").arg(path);
    return false;
  }
  return true;
}

quint64 VideoWorkspace::ExportAnnotatedVideo(const QString& path, const QStringList& models, QString* error) {
  track::TracksDocument tracks;
  QString reason;
  if (!controller_ || !jobs_ || !controller_->Export(&tracks, &reason)) {
    if (error) *error = tr("%1: nothing to export: %2").arg(path, controller_ ? reason : tr("no models"));
    return 0;
  }
  std::vector<track::AnnotatedPanel> panels;
  for (const track::TrackedModel& m : tracks.models) {
    const QString id = QString::fromStdString(m.model);
    if (!models.isEmpty() && !models.contains(id)) continue;
    track::AnnotatedPanel panel{m.tracks, {}, controller_->DisplayName(id).toStdString()};
    for (int n = 0; n < m.tracks.tracks; ++n) {
      const QColor c = SessionModel::PointColor(n);
      panel.colors.push_back(cv::Scalar(c.blue(), c.green(), c.red()));
    }
    panels.push_back(std::move(panel));
  }
  if (panels.empty()) {
    if (error) *error = tr("%1: none of %2 is tracked").arg(path, models.join(", "));
    return 0;
  }
  track::AnnotatedVideoOptions options;
  options.frames = tracks.frames;
  options.trail = kTrailLength;
  return jobs_->Run(tr("Annotated video: %1").arg(QFileInfo(path).fileName()),
                    [open = document_->JobReader(), panels, options, file = path.toStdString()](
                        Progress& progress, const CancelToken& cancel) {
                      const std::unique_ptr<video::VideoSource> video = open();
                      track::WriteAnnotatedVideo(file, *video, panels, options, progress, cancel);
                    });
}

void VideoWorkspace::ExportAnnotatedVideoDialog() {
  if (!controller_) return;
  QStringList choices{tr("All rows side by side")};
  for (const QString& id : controller_->Models()) choices << controller_->DisplayName(id);
  bool ok = false;
  const QString choice = QInputDialog::getItem(this, tr("Export Annotated Video"), tr("Rows:"), choices, 0, false, &ok);
  if (!ok) return;
  const int row = choices.indexOf(choice) - 1;
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export Annotated Video"), "tracks.mp4", tr("MP4 (*.mp4);;AVI (*.avi)"));
  if (path.isEmpty()) return;
  QString error;
  const QStringList models = row >= 0 ? QStringList{controller_->Models()[row]} : QStringList();
  if (!ExportAnnotatedVideo(path, models, &error)) emit errorOccurred(error);
}

void VideoWorkspace::ExportTracksDialog() {
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export Tracks"), "tracks.csv", tr("CSV (*.csv);;JSON (*.json)"));
  QString error;
  if (!path.isEmpty() && !ExportTracks(path, &error)) emit errorOccurred(error);
}

void VideoWorkspace::ExportFrameDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export Frame"), "frame.png", tr("PNG (*.png)"));
  QString error;
  if (!path.isEmpty() && !ExportFrame(path, &error)) emit errorOccurred(error);
}

}  // namespace corrlens::ui
