#include "ui/row_header.h"

#include <QFont>
#include <QVBoxLayout>

namespace corrlens::ui {

QWidget* MakeRowHeader(const QString& title, int width, QLabel** title_label, QLabel** status_label) {
  auto* header = new QVBoxLayout;
  auto* name = new QLabel(title);
  name->setWordWrap(true);
  QFont font = name->font();
  font.setBold(true);
  name->setFont(font);
  auto* status = new QLabel;
  status->setWordWrap(true);
  header->addWidget(name);
  header->addWidget(status);
  header->addStretch(1);
  auto* widget = new QWidget;
  widget->setLayout(header);
  widget->setFixedWidth(width);
  *title_label = name;
  *status_label = status;
  return widget;
}

void SetRowStatus(QLabel* status_label, const QString& status, bool is_error) {
  status_label->setText(status);
  status_label->setStyleSheet(is_error ? "color: #d33;" : "");
  status_label->setToolTip(status);
}

}  // namespace corrlens::ui
