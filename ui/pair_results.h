// What the Pair workspace shows for each model's row, computed off the GUI
// thread from a PairComparison, and the matches export (CSV / JSON).
#pragma once

#include <QImage>
#include <QJsonObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>

#include <array>
#include <optional>
#include <vector>

#include "core/compare/pair_comparison.h"
#include "ui/session_model.h"

namespace corrlens::ui {

// One update of the rows: the points, the point whose heatmap is shown (the
// hovered one, else the active one) and the view settings.
struct PairRequest {
  QStringList models;  // prepared models, in row order
  std::vector<cv::Point2d> points;
  std::optional<cv::Point2d> focus;
  ViewSettings view;
};

// One model's row.
struct PairRowResult {
  QString id;
  QVector<ComparedMatch> matches;                 // one per point
  QImage heatmap;                                 // of the focus point; null when not shown
  double min_score = 0.0, max_score = -1.0;       // heatmap score range (min > max: none)
  QVector<QPointF> mutual_source, mutual_target;  // mutual matches, when shown
  std::array<QImage, 2> pca;                      // by Side; null when not shown
  QString error;                                  // why this row has no results
};
using PairResults = QVector<PairRowResult>;

// Computes every requested row; a row's error goes into its `error`.
// Throws Cancelled. PCA images share the comparison's memoised pixels.
PairResults ComputePairResults(const PairComparison& comparison, const PairRequest& request, const CancelToken& cancel);

// A model's matches, for export.
struct ModelMatches {
  QString id;
  QString display_name;
  QVector<ComparedMatch> matches;
};
// model,point,source_x,source_y,target_x,target_y,score (one line per match).
QString MatchesCsv(const QVector<ModelMatches>& models);
// {"source", "target", "models": [{"model", "matches": [{"source", "target", "score"}]}]}.
QJsonObject MatchesJson(const QVector<ModelMatches>& models, const QString& source, const QString& target);

}  // namespace corrlens::ui
