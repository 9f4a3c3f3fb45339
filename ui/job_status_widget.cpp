#include "ui/job_status_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

#include "ui/job_runner.h"

namespace corrlens::ui {

JobStatusWidget::JobStatusWidget(JobRunner* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  label_ = new QLabel;
  bar_ = new QProgressBar;
  bar_->setRange(0, 1000);
  bar_->setFormat(QStringLiteral("%p%"));
  bar_->setTextVisible(true);
  bar_->setFixedWidth(160);
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setToolTip(tr("Cancel all running computations (Esc)"));
  layout->addWidget(label_);
  layout->addWidget(bar_);
  layout->addWidget(cancel_);
  setVisible(false);
  connect(cancel_, &QPushButton::clicked, jobs_, &JobRunner::CancelAll);
  connect(jobs_, &JobRunner::jobStarted, this, [this](quint64 id, const QString& title) {
    current_ = id;
    label_->setText(title);
    bar_->setValue(0);
    setVisible(true);
  });
  connect(jobs_, &JobRunner::jobProgress, this, &JobStatusWidget::Update);
  connect(jobs_, &JobRunner::idle, this, [this] { setVisible(false); });
}

void JobStatusWidget::Update(quint64 id, double fraction, const QString& message) {
  if (id != current_) return;
  bar_->setValue(int(fraction * 1000));
  if (!message.isEmpty()) label_->setText(message);
}

}  // namespace corrlens::ui
