#include "ui/video_player.h"

#include <algorithm>

#include "ui/cv_qt.h"
#include "ui/video_document.h"

namespace corrlens::ui {

VideoPlayer::VideoPlayer(VideoDocument* document, QObject* parent)
    : QObject(parent),
      document_(document),
      frames_(
          this,
          [this](quint64, const Decoded& decoded) {
            shown_frame_ = decoded.index;
            shown_image_ = decoded.image;
            emit frameShown(shown_frame_, shown_image_);
          },
          [this](quint64, const QString& error) {
            Pause();
            emit frameFailed(document_->CurrentFrame(), error);
          }) {
  connect(&timer_, &QTimer::timeout, this, &VideoPlayer::OnTick);
  connect(document_, &VideoDocument::videoChanged, this, [this] {
    Pause();
    shown_frame_ = -1;
    shown_image_ = QImage();
    RequestFrame();
  });
  connect(document_, &VideoDocument::currentFrameChanged, this, &VideoPlayer::RequestFrame);
}

VideoPlayer::~VideoPlayer() = default;

void VideoPlayer::RequestFrame() {
  const std::shared_ptr<video::VideoSource> reader = document_->Reader();
  if (!reader) {
    frames_.Discard();
    return;
  }
  const int index = document_->CurrentFrame();
  frames_.Submit([reader, index](const CancelToken&) {
    return Decoded{index, QImageSharingMat(reader->Frame(index))};
  });
}

void VideoPlayer::Play() {
  if (!document_->HasVideo() || IsPlaying()) return;
  if (document_->CurrentFrame() >= document_->Info().frame_count - 1) document_->SetCurrentFrame(0);
  const double fps = document_->Info().fps > 0 ? std::clamp(document_->Info().fps, 1.0, 60.0) : 10.0;
  timer_.start(int(1000.0 / fps));
  emit playingChanged(true);
}

void VideoPlayer::Pause() {
  if (!IsPlaying()) return;
  timer_.stop();
  emit playingChanged(false);
}

void VideoPlayer::TogglePlay() { IsPlaying() ? Pause() : Play(); }

void VideoPlayer::Step(int delta) {
  Pause();
  document_->SetCurrentFrame(document_->CurrentFrame() + delta);
}

void VideoPlayer::OnTick() {
  if (!frames_.IsCurrent()) return;  // the previous frame is still decoding: skip this tick
  if (document_->CurrentFrame() >= document_->Info().frame_count - 1) {
    Pause();
    return;
  }
  document_->SetCurrentFrame(document_->CurrentFrame() + 1);
}

}  // namespace corrlens::ui
