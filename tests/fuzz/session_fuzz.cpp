// Fuzz target: session files (ui/session_file) and what a session restores:
// the shared part (SessionModel) and the pair workspace's document. A
// session that reads must write and read back to the same contents.
#include <QJsonDocument>
#include <QString>

#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/temp_input.h"
#include "ui/pair_document.h"
#include "ui/session_file.h"
#include "ui/session_model.h"

using namespace corrlens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const QString path = QString::fromStdString(fuzz::WriteTempInput(data, size, "input.corrlens"));
  ui::SessionContents contents;
  QString error;
  if (!ui::ReadSessionFile(path, &contents, &error)) {
    fuzz::Require(!error.isEmpty(), "a refused session has no reason");
    return 0;
  }
  ui::SessionModel model;
  QString model_error;
  const bool checked = ui::SessionModel::Check(contents.shared, &model_error);
  fuzz::Require(checked == model.FromJson(contents.shared, &model_error), "Check() and FromJson() disagree");
  if (contents.workspaces.contains("pair")) {
    ui::PairDocument document;
    QString pair_error;
    if (!document.FromJson(contents.workspaces.value("pair"), QString(), &pair_error))
      fuzz::Require(document.Points().isEmpty() && !document.HasImages(),
                    "a refused pair section changed the document");
  }
  const QString again = path + ".again";
  fuzz::Require(ui::WriteSessionFile(again, contents, &error), "cannot write back: " + error.toStdString());
  ui::SessionContents back;
  fuzz::Require(ui::ReadSessionFile(again, &back, &error), "written session does not read: " + error.toStdString());
  fuzz::Require(ui::SessionToJson(back) == ui::SessionToJson(contents), "session round trip changed it");
  return 0;
}
