#include "ui/video_timeline.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QToolButton>

#include <algorithm>

#include "ui/session_model.h"
#include "ui/video_document.h"
#include "ui/video_player.h"

namespace corrlens::ui {

MarkedSlider::MarkedSlider(QWidget* parent) : QSlider(Qt::Horizontal, parent) { setMinimumHeight(26); }

void MarkedSlider::SetMarks(const QVector<int>& frames, const QVector<QColor>& colors) {
  frames_ = frames;
  colors_ = colors;
  update();
}

void MarkedSlider::paintEvent(QPaintEvent* event) {
  QSlider::paintEvent(event);
  if (frames_.isEmpty() || maximum() <= minimum()) return;
  QStyleOptionSlider option;
  initStyleOption(&option);
  const QRect groove = style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderGroove, this);
  const QRect handle = style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle, this);
  const int span = groove.width() - handle.width();
  QPainter painter(this);
  for (int i = 0; i < frames_.size(); ++i) {
    const int x =
        groove.left() + handle.width() / 2 + QStyle::sliderPositionFromValue(minimum(), maximum(), frames_[i], span);
    painter.setPen(QPen(colors_.value(i, Qt::yellow), 3));
    painter.drawLine(x, rect().bottom() - 6, x, rect().bottom());
  }
}

VideoTimeline::VideoTimeline(VideoDocument* document, VideoPlayer* player, QWidget* parent)
    : QWidget(parent), document_(document), player_(player) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 2, 4, 2);
  auto button = [this, layout](QStyle::StandardPixmap icon, const QString& tip) {
    auto* b = new QToolButton;
    b->setIcon(style()->standardIcon(icon));
    b->setToolTip(tip);
    b->setAutoRaise(true);
    layout->addWidget(b);
    return b;
  };
  QToolButton* back = button(QStyle::SP_MediaSeekBackward, tr("Previous frame (Left)"));
  play_ = button(QStyle::SP_MediaPlay, tr("Play / pause (Space)"));
  QToolButton* forward = button(QStyle::SP_MediaSeekForward, tr("Next frame (Right)"));
  slider_ = new MarkedSlider;
  slider_->setToolTip(tr("Scrub through the video; ticks mark the frames of the query points"));
  counter_ = new QLabel;
  counter_->setMinimumWidth(130);
  preset_ = new QComboBox;
  preset_->addItem(tr("interactive (640 px, stride 14)"), QStringLiteral("interactive"));
  preset_->addItem(tr("paper (854x476, stride 7)"), QStringLiteral("paper"));
  preset_->setToolTip(
      tr("Tracking preset: frame size, token stride and layer of the features (recorded in sessions "
         "and exports)"));
  layout->addWidget(slider_, 1);
  layout->addWidget(counter_);
  layout->addWidget(new QLabel(tr("Preset:")));
  layout->addWidget(preset_);

  connect(back, &QToolButton::clicked, player_, [this] { player_->Step(-1); });
  connect(forward, &QToolButton::clicked, player_, [this] { player_->Step(1); });
  connect(play_, &QToolButton::clicked, player_, &VideoPlayer::TogglePlay);
  connect(player_, &VideoPlayer::playingChanged, this, [this](bool playing) {
    play_->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  });
  connect(slider_, &QSlider::valueChanged, document_, &VideoDocument::SetCurrentFrame);
  connect(slider_, &QSlider::sliderPressed, player_, &VideoPlayer::Pause);
  connect(preset_, &QComboBox::currentIndexChanged, this,
          [this](int index) { document_->SetPreset(preset_->itemData(index).toString()); });
  connect(document_, &VideoDocument::videoChanged, this, &VideoTimeline::FromDocument);
  connect(document_, &VideoDocument::currentFrameChanged, this, &VideoTimeline::FromDocument);
  connect(document_, &VideoDocument::presetChanged, this, &VideoTimeline::FromDocument);
  connect(document_, &VideoDocument::pointsChanged, this, &VideoTimeline::UpdateMarks);
  FromDocument();
}

QString VideoTimeline::CounterText() const { return counter_->text(); }

void VideoTimeline::FromDocument() {
  const int frames = document_->Info().frame_count;
  const QSignalBlocker block_slider(slider_), block_preset(preset_);
  slider_->setEnabled(frames > 0);
  slider_->setRange(0, std::max(0, frames - 1));
  slider_->setValue(document_->CurrentFrame());
  counter_->setText(frames > 0 ? tr("frame %1 / %2").arg(document_->CurrentFrame() + 1).arg(frames) : tr("no video"));
  preset_->setCurrentIndex(std::max(0, preset_->findData(document_->Preset())));
  UpdateMarks();
}

void VideoTimeline::UpdateMarks() {
  QVector<int> frames;
  QVector<QColor> colors;
  for (int i = 0; i < document_->Points().size(); ++i) {
    frames << document_->Points()[i].frame;
    colors << SessionModel::PointColor(i);
  }
  slider_->SetMarks(frames, colors);
}

}  // namespace corrlens::ui
