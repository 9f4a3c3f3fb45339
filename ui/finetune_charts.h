// The live charts of a finetuning run (Qt Charts): the training loss per step
// and the held-out probe's APE and PCDP@0.1 (percent) per step. Points are
// appended as the run reports them; axes grow with the data.
#pragma once

#include <QWidget>

class QChartView;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace corrlens::ui {

class FinetuneCharts : public QWidget {
  Q_OBJECT
 public:
  explicit FinetuneCharts(QWidget* parent = nullptr);

  // A step's loss (NaN losses, steps without a positive pair, are skipped).
  void AddLoss(qint64 step, double loss);
  // A probe: APE and PCDP@0.1 as fractions (NaN skipped).
  void AddProbe(qint64 step, double ape, double pcdp);
  void Clear();

  int LossPoints() const;
  int ProbePoints() const;
  QChartView* LossView() const { return loss_view_; }
  QChartView* ProbeView() const { return probe_view_; }

 private:
  QChartView* loss_view_;
  QChartView* probe_view_;
  QLineSeries* loss_;
  QLineSeries* ape_;
  QLineSeries* pcdp_;
  QScatterSeries* ape_points_;
  QScatterSeries* pcdp_points_;
  QValueAxis* loss_x_;
  QValueAxis* loss_y_;
  QValueAxis* probe_x_;
  QValueAxis* probe_y_;
};

}  // namespace corrlens::ui
