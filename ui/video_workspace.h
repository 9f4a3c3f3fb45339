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
  bool OpenVideoAt(const QString& path, int frame, QString* error);
  QJsonObject SaveDocument() const override;
  bool LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) override;
  QString Status() const override;

  // Writes the tracks as CSV or JSON (by suffix; the layout of corrlens-cli
  // track --out), or the rows at the current frame as PNG. False with
  // `error` ("<file>: <reason>" or why there is nothing to export yet).
  bool ExportTracks(const QString& path, QString* error) const;
  bool ExportFrame(const QString& path, QString* error) const;
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
  const VideoModelTracks* TracksOf(const QString& id) const;
  void SetRowStatus(const QString& id, const QString& status, bool is_error);
  void SyncViews(double zoom, QPointF center);
  void OpenDialog(bool folder);
  void ExportTracksDialog();
  void ExportFrameDialog();

  SessionModel* session_;
  VideoDocument* document_;
  VideoPlayer* player_;
  VideoTimeline* timeline_;
  VideoController* controller_ = nullptr;
  QList<QAction*> open_actions_, export_actions_, edit_actions_, view_actions_;
  QWidget* rows_container_;
  std::vector<VideoRow*> rows_;
  QStringList row_ids_;  // model id of each row (empty: the video row)
  QString frame_error_;  // the shown frame could not be decoded
};

}  // namespace corrlens::ui
