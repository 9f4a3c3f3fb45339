#include "ui/pair_toolbar.h"

#include <QAction>
#include <QLabel>
#include <QSlider>

#include "ui/session_model.h"

namespace corrlens::ui {

PairToolbar::PairToolbar(SessionModel* session, QWidget* parent) : QToolBar(tr("Pair"), parent), session_(session) {
  auto toggle = [this](const QString& text, const QKeySequence& key, const QString& tip) {
    QAction* action = addAction(text);
    action->setCheckable(true);
    action->setShortcut(key);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString()));
    connect(action, &QAction::toggled, this, &PairToolbar::ToSession);
    return action;
  };
  heatmap_ = toggle(tr("Heatmap"), QKeySequence(Qt::Key_H), tr("Overlay the similarity of the active point"));
  hover_ = toggle(tr("Hover preview"), QKeySequence(Qt::Key_P), tr("Live heatmap of the point under the mouse"));
  mutual_ = toggle(tr("Mutual matches"), QKeySequence(Qt::Key_M), tr("Show mutual nearest-neighbour matches"));
  pca_ = toggle(tr("PCA colours"), QKeySequence(Qt::Key_C), tr("Show each model's features as PCA false colour"));
  addSeparator();
  addWidget(new QLabel(tr(" Opacity ")));
  opacity_ = new QSlider(Qt::Horizontal);
  opacity_->setRange(0, 100);
  opacity_->setMaximumWidth(160);
  opacity_->setToolTip(tr("Heatmap opacity"));
  addWidget(opacity_);
  connect(opacity_, &QSlider::valueChanged, this, &PairToolbar::ToSession);
  connect(session_, &SessionModel::viewChanged, this, &PairToolbar::FromSession);
  FromSession();
}

void PairToolbar::FromSession() {
  updating_ = true;
  const ViewSettings& view = session_->View();
  heatmap_->setChecked(view.show_heatmap);
  hover_->setChecked(view.hover_preview);
  mutual_->setChecked(view.show_mutual);
  pca_->setChecked(view.show_pca);
  opacity_->setValue(int(view.heatmap_opacity * 100));
  updating_ = false;
}

void PairToolbar::ToSession() {
  if (updating_) return;
  ViewSettings view = session_->View();
  view.show_heatmap = heatmap_->isChecked();
  view.hover_preview = hover_->isChecked();
  view.show_mutual = mutual_->isChecked();
  view.show_pca = pca_->isChecked();
  view.heatmap_opacity = opacity_->value() / 100.0;
  session_->SetView(view);
}

}  // namespace corrlens::ui
