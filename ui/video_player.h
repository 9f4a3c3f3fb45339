// Shows a VideoDocument's current frame: decodes it off the GUI thread (the
// latest request wins, so scrubbing never queues up) and plays the video at
// its frame rate, advancing only once the previous frame was shown.
#pragma once

#include <QImage>
#include <QObject>
#include <QString>
#include <QTimer>

#include "ui/latest_result.h"

namespace corrlens::ui {

class VideoDocument;

class VideoPlayer : public QObject {
  Q_OBJECT
 public:
  explicit VideoPlayer(VideoDocument* document, QObject* parent = nullptr);
  ~VideoPlayer() override;

  bool IsPlaying() const { return timer_.isActive(); }
  // Index and pixels of the frame shown last (-1 and null before the first).
  int ShownFrame() const { return shown_frame_; }
  const QImage& ShownImage() const { return shown_image_; }
  // True when the current frame is shown (or failed) and nothing is pending.
  bool IsIdle() const { return frames_.IsCurrent(); }

 public slots:
  void Play();
  void Pause();
  void TogglePlay();
  // One frame forward or back (stops playing).
  void Step(int delta);

 signals:
  void frameShown(int index, const QImage& image);
  // A frame that cannot be decoded: one line naming the frame and the reason.
  void frameFailed(int index, const QString& error);
  void playingChanged(bool playing);

 private:
  void RequestFrame();
  void OnTick();

  VideoDocument* document_;
  QTimer timer_;
  int shown_frame_ = -1;
  QImage shown_image_;
  struct Decoded {
    int index = -1;
    QImage image;
  };
  LatestResult<Decoded> frames_;  // last member: joined first on destruction
};

}  // namespace corrlens::ui
