// The Video workspace's timeline: play/pause, frame stepping, a slider for
// scrubbing with each query point's frame marked in its colour, the frame
// counter, and the tracking preset (always shown). Bound to a VideoDocument
// and a VideoPlayer both ways.
#pragma once

#include <QSlider>
#include <QVector>
#include <QWidget>

class QComboBox;
class QLabel;
class QToolButton;

namespace corrlens::ui {

class VideoDocument;
class VideoPlayer;

// A horizontal slider with coloured ticks at the query frames.
class MarkedSlider : public QSlider {
  Q_OBJECT
 public:
  explicit MarkedSlider(QWidget* parent = nullptr);
  void SetMarks(const QVector<int>& frames, const QVector<QColor>& colors);

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QVector<int> frames_;
  QVector<QColor> colors_;
};

class VideoTimeline : public QWidget {
  Q_OBJECT
 public:
  VideoTimeline(VideoDocument* document, VideoPlayer* player, QWidget* parent = nullptr);

  MarkedSlider* Slider() const { return slider_; }
  QComboBox* PresetBox() const { return preset_; }
  QString CounterText() const;

 private:
  void FromDocument();
  void UpdateMarks();

  VideoDocument* document_;
  VideoPlayer* player_;
  QToolButton* play_;
  MarkedSlider* slider_;
  QLabel* counter_;
  QComboBox* preset_;
};

}  // namespace corrlens::ui
