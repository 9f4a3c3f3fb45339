#include "ui/pair_results.h"

#include <QJsonArray>

#include "core/util/error.h"
#include "ui/cv_qt.h"

namespace corrlens::ui {
namespace {

void ComputeRow(const PairComparison& comparison, const PairRequest& request, const CancelToken& cancel,
                PairRowResult* row) {
  const std::string model = row->id.toStdString();
  for (const ComparedMatch& m : comparison.Match(model, request.points)) row->matches.push_back(m);
  if (request.focus && request.view.show_heatmap) {
    const Heatmap heatmap = comparison.SimilarityHeatmap(model, *request.focus);
    row->heatmap = QImageFromMat(heatmap.rgb);
    row->min_score = heatmap.min;
    row->max_score = heatmap.max;
  }
  if (request.view.show_mutual) {
    for (const MatchPair& m : comparison.MutualMatches(model, cancel)) {
      row->mutual_source.push_back(QPointF(m.source.x, m.source.y));
      row->mutual_target.push_back(QPointF(m.target.x, m.target.y));
    }
  }
  if (request.view.show_pca) {
    const std::array<cv::Mat, 2> pca = comparison.PcaImages(model);
    row->pca = {QImageSharingMat(pca[0]), QImageSharingMat(pca[1])};
  }
}

}  // namespace

PairResults ComputePairResults(const PairComparison& comparison, const PairRequest& request,
                               const CancelToken& cancel) {
  PairResults results;
  for (const QString& id : request.models) {
    cancel.ThrowIfCancelled();
    PairRowResult row;
    row.id = id;
    try {
      ComputeRow(comparison, request, cancel, &row);
    } catch (const Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      row.error = QString::fromStdString(e.what());
    }
    results.push_back(std::move(row));
  }
  cancel.ThrowIfCancelled();
  return results;
}

QString MatchesCsv(const QVector<ModelMatches>& models) {
  QString csv = QStringLiteral("model,point,source_x,source_y,target_x,target_y,score\n");
  for (const ModelMatches& m : models) {
    for (int k = 0; k < m.matches.size(); ++k) {
      const ComparedMatch& c = m.matches[k];
      csv += QStringLiteral("%1,%2,%3,%4,%5,%6,%7\n")
                 .arg(m.id)
                 .arg(k + 1)
                 .arg(c.source.x, 0, 'f', 2)
                 .arg(c.source.y, 0, 'f', 2)
                 .arg(c.target.x, 0, 'f', 2)
                 .arg(c.target.y, 0, 'f', 2)
                 .arg(c.score, 0, 'f', 4);
    }
  }
  return csv;
}

QJsonObject MatchesJson(const QVector<ModelMatches>& models, const QString& source, const QString& target) {
  QJsonArray out;
  for (const ModelMatches& m : models) {
    QJsonArray matches;
    for (const ComparedMatch& c : m.matches) {
      matches.append(QJsonObject{{"source", QJsonArray{c.source.x, c.source.y}},
                                 {"target", QJsonArray{c.target.x, c.target.y}},
                                 {"score", c.score}});
    }
    out.append(QJsonObject{{"model", m.id}, {"matches", matches}});
  }
  return QJsonObject{{"source", source}, {"target", target}, {"models", out}};
}

}  // namespace corrlens::ui
