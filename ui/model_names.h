// Row titles of the selected models, shared by the workspace controllers.
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

#include "ui/backend_provider.h"

namespace corrlens::ui {

// Display names of `ids` by id (the id itself where the provider has none),
// and the row titles in the order of `ids`.
inline QMap<QString, QString> DisplayNames(BackendProvider& provider, const QStringList& ids, QStringList* titles) {
  QMap<QString, QString> names;
  for (const ModelEntry& entry : provider.Models()) {
    if (ids.contains(entry.id) && !entry.display_name.isEmpty()) names[entry.id] = entry.display_name;
  }
  titles->clear();
  for (const QString& id : ids) titles->push_back(names.value(id, id));
  return names;
}

}  // namespace corrlens::ui
