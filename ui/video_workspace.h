// The Video workspace: a video (file or frames folder) with a timeline, and
// one row per selected model showing the current frame with that model's
// tracks of the clicked query points. Left click adds a query point on the
// current frame, right click removes the nearest one; zoom and pan stay in
// sync across rows. Its document is a VideoDocument; a VideoPlayer shows the
// frames and a VideoController computes the tracks.
#pragma once

#include <QImage>
#include <QList>

#include <vector>

#include "ui/latest_result.h"
#include "ui/video_tracks.h"
#include "ui/workspace.h"

namespace corrlens::ui {

class BackendProvider;
class JobRunner;
class SessionModel;
class VideoController;
class VideoDocument;
class VideoPlayer;
class VideoRow;
class VideoTimeline;

class VideoWorkspace : public Workspace {
  Q_OBJECT
 public:
  // Without jobs and a provider the workspace shows the video and queries only.
  VideoWorkspace(SessionModel* session, JobRunner* jobs = nullptr, BackendProvider* provider = nullptr,
                 QWidget* parent = nullptr);
  ~VideoWorkspace() override;

  VideoDocument* Document() const { return document_; }
  VideoController* Controller() const { return controller_; }
  VideoPlayer* Player() const { return player_; }
  VideoTimeline* Timeline() const { return timeline_; }
  const std::vector<VideoRow*>& Rows() const { return rows_; }

  QString Id() const override { return QStringLiteral("video"); }
  QString Title() const override { return tr("Video"); }
  QList<QAction*> Actions(WorkspaceMenu menu) const override;
  // One video file (by suffix) or one folder of frames.
  bool CanOpen(const QStringList& files) const override;
  bool Open(const QStringList& files, std::optional<QPoint> drop_at, QString* error) override;
  // Shows `frame` (clamped) of the video or frames folder at `path`, opening
  // it unless it is open already (its points then stay); false with `error`.
  // A frames folder of a TAP-Vid dataset in the reference layout
  // (<dataset>/tapvid-davis/<idx>/video) opens as OpenTapVid would.
  bool OpenVideoAt(const QString& path, int frame, QString* error);
  // Opens video `video_index` (its video_idx) of the TAP-Vid dataset at
  // `dataset` (a folder in the reference layout or a .pkl of either layout)
  // with its queries as the points and their true tracks drawn in every row,
  // off the GUI thread; false with `error` when `dataset` does not exist.
  bool OpenTapVid(const QString& dataset, int video_index, QString* error, int frame = 0);
  QJsonObject SaveDocument() const override;
  bool LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) override;
  QString NotSavable() const override;
  QString Status() const override;

  // Writes the tracks as CSV or JSON (by suffix; the layout of corrlens-cli
  // track --out), or the rows at the current frame as PNG. False with
  // `error` ("<file>: <reason>" or why there is nothing to export yet).
  bool ExportTracks(const QString& path, QString* error) const;
  bool ExportFrame(const QString& path, QString* error) const;
  // Writes the video (.avi or .mp4) with the tracks drawn, the rows of
  // `models` side by side (empty: every row), as a job with progress and
  // Cancel; its id, or 0 with `error` when the tracks are not complete.
  quint64 ExportAnnotatedVideo(const QString& path, const QStringList& models, QString* error);
  QImage Snapshot() const;
  // Frames of trail drawn behind each prediction.
  static constexpr int kTrailLength = 10;

 public slots:
  void SetRows(const QStringList& ids, const QStringList& titles);
  void FitAll();

 private:
  void CreateActions();
  QAction* AddAction(QList<QAction*>* list, const QString& text, const QKeySequence& key);
  void ConnectController();
  void ConnectRow(VideoRow* row, const QString& id);
  void ShowFrame(int index, const QImage& image);
  void Redraw();
  void RemovePointNear(const QString& id, QPointF p, double radius);
  // The hover heatmap of the hovered row's model (none: cleared).
  void SetHovered(const QString& id);
  void RequestHeatmap();
  const VideoModelTracks* TracksOf(const QString& id) const;
  void SetRowStatus(const QString& id, const QString& status, bool is_error);
  void SyncViews(double zoom, QPointF center);
  void OpenDialog(bool folder);
  void OpenTapVidDialog();
  void ExportTracksDialog();
  void ExportFrameDialog();
  void ExportAnnotatedVideoDialog();

  SessionModel* session_;
  JobRunner* jobs_;
  VideoDocument* document_;
  VideoPlayer* player_;
  VideoTimeline* timeline_;
  VideoController* controller_ = nullptr;
  QList<QAction*> open_actions_, export_actions_, edit_actions_, view_actions_;
  QWidget* rows_container_;
  std::vector<VideoRow*> rows_;
  QStringList row_ids_;  // model id of each row (empty: the video row)
  QString frame_error_;  // the shown frame could not be decoded
  QString hovered_;      // model id of the hovered row ("" when none)
  struct Heat {
    QString id;
    QImage image;
  };
  LatestResult<Heat> heat_;  // last member: joined first on destruction
};

}  // namespace corrlens::ui
