// The left column every per-model row shares (Pair, Video): the model's name
// in bold above its state line.
#pragma once

#include <QLabel>
#include <QString>
#include <QWidget>

namespace corrlens::ui {

// A fixed-width header; `title_label` and `status_label` receive its labels.
QWidget* MakeRowHeader(const QString& title, int width, QLabel** title_label, QLabel** status_label);
// Shows `status` (also as the tooltip), in red when it is an error.
void SetRowStatus(QLabel* status_label, const QString& status, bool is_error);

}  // namespace corrlens::ui
