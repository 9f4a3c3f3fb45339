// One row of the pair workspace: a model's name and state, the source image
// with the clicked points, and the target image with that model's matches
// and similarity heatmap.
#pragma once

#include <QImage>
#include <QLabel>
#include <QWidget>

#include "ui/image_view.h"

namespace corrlens::ui {

class ColorLegend;

class PairRow : public QWidget {
  Q_OBJECT
 public:
  explicit PairRow(const QString& title, QWidget* parent = nullptr);

  ImageView* Source() const { return source_; }
  ImageView* Target() const { return target_; }
  void SetTitle(const QString& title);
  // State text under the title: "ready", "computing 40%", an error...
  void SetStatus(const QString& status, bool is_error = false);
  // Score range of the heatmap shown (hides the legend when min > max).
  void SetLegendRange(double min_score, double max_score);

 private:
  QLabel* title_;
  QLabel* status_;
  ImageView* source_;
  ImageView* target_;
  ColorLegend* legend_;
};

// A vertical colour bar with the score range of the heatmap.
class ColorLegend : public QWidget {
  Q_OBJECT
 public:
  explicit ColorLegend(QWidget* parent = nullptr);
  void SetRange(double min_score, double max_score);

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  double min_ = 0.0;
  double max_ = -1.0;
  QImage ramp_;
};

}  // namespace corrlens::ui
