// The Pair workspace's toolbar: heatmap opacity, and toggles for the heatmap,
// the hover preview, mutual nearest neighbours and PCA colours. Bound to the
// session's view settings both ways.
#pragma once

#include <QToolBar>

class QSlider;

namespace corrlens::ui {

class SessionModel;

class PairToolbar : public QToolBar {
  Q_OBJECT
 public:
  PairToolbar(SessionModel* session, QWidget* parent = nullptr);

  QAction* HeatmapAction() const { return heatmap_; }
  QAction* HoverAction() const { return hover_; }
  QAction* MutualAction() const { return mutual_; }
  QAction* PcaAction() const { return pca_; }

 private:
  void FromSession();
  void ToSession();

  SessionModel* session_;
  QSlider* opacity_;
  QAction* heatmap_;
  QAction* hover_;
  QAction* mutual_;
  QAction* pca_;
  bool updating_ = false;
};

}  // namespace corrlens::ui
