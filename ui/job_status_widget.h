// Status-bar widget: the running job's title, a progress bar with percentage
// and a Cancel button. Hidden when no job runs.
#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace corrlens::ui {

class JobRunner;

class JobStatusWidget : public QWidget {
  Q_OBJECT
 public:
  JobStatusWidget(JobRunner* jobs, QWidget* parent = nullptr);

 private:
  void Update(quint64 id, double fraction, const QString& message);

  JobRunner* jobs_;
  QLabel* label_;
  QProgressBar* bar_;
  QPushButton* cancel_;
  quint64 current_ = 0;
};

}  // namespace corrlens::ui
