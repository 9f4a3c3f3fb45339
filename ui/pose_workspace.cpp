#include "ui/pose_workspace.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QJsonObject>
#include <QLabel>
#include <QPainter>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>

#include "ui/image_view.h"
#include "ui/pose_controller.h"
#include "ui/pose_scene.h"
#include "ui/session_model.h"

namespace corrlens::ui {
namespace {

const QStringList kMeshSuffixes = {"obj", "glb", "gltf", "ply", "stl", "dae", "fbx", "3ds", "off"};

bool IsMesh(const QString& file) { return kMeshSuffixes.contains(QFileInfo(file).suffix().toLower()); }

// A OnePose root with one object, or an object folder inside lowtexture_test_data.
bool IsOnePoseFolder(const QString& path) {
  const QFileInfo info(path);
  if (!info.isDir()) return false;
  return QDir(path).exists(QStringLiteral("lowtexture_test_data")) ||
         info.absoluteDir().dirName() == QStringLiteral("lowtexture_test_data");
}

QColor ToQColor(const cv::Scalar& rgb) { return QColor(int(rgb[0]), int(rgb[1]), int(rgb[2])); }

}  // namespace

struct PoseWorkspace::Row {
  QString id;
  QWidget* widget = nullptr;
  QLabel* title = nullptr;
  QLabel* status = nullptr;
  ImageView* view = nullptr;
  QLabel* match = nullptr;  // the reference view a clicked query pixel matched
  QColor color;
};

PoseWorkspace::PoseWorkspace(SessionModel* session, JobRunner* jobs, BackendProvider* provider, QWidget* parent)
    : Workspace(parent), controller_(new PoseController(session, jobs, provider, this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  info_ = new QLabel;
  info_->setContentsMargins(6, 4, 6, 4);
  layout->addWidget(info_);
  auto* splitter = new QSplitter(Qt::Horizontal);
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  rows_container_ = new QWidget;
  auto* grid = new QGridLayout(rows_container_);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(2);
  scroll->setWidget(rows_container_);
  splitter->addWidget(scroll);
  scene_ = new PoseScene;
  splitter->addWidget(scene_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  splitter->setSizes({600, 400});
  layout->addWidget(splitter, 1);

  connect(controller_, &PoseController::rowsChanged, this, &PoseWorkspace::SetRows);
  connect(controller_, &PoseController::referenceChanged, this, [this] {
    UpdateScene();
    emit statusChanged();
  });
  connect(controller_, &PoseController::queryChanged, this, &PoseWorkspace::ShowQuery);
  connect(controller_, &PoseController::resultChanged, this, &PoseWorkspace::ShowResult);
  connect(controller_, &PoseController::errorOccurred, this, &Workspace::errorOccurred);
  connect(controller_, &PoseController::modelStateChanged, this,
          [this](const QString& id, const QString& text, bool is_error) {
            if (Row* row = FindRow(id)) {
              row->status->setText(text);
              row->status->setStyleSheet(is_error ? QStringLiteral("color: #c0392b") : QString());
            }
            emit modelStateChanged(id, text, is_error);
            emit statusChanged();
          });
  CreateActions();
  QStringList titles;
  for (const QString& id : controller_->Models()) titles << controller_->DisplayName(id);
  SetRows(controller_->Models(), titles);
  ShowQuery();
}

PoseWorkspace::~PoseWorkspace() { qDeleteAll(rows_); }

QColor PoseWorkspace::RowColor(int index) {
  static const QColor colors[] = {QColor(255, 200, 0), QColor(0, 170, 255),  QColor(255, 80, 200),
                                  QColor(0, 220, 160), QColor(255, 120, 40), QColor(160, 120, 255)};
  return colors[index % 6];
}

QAction* PoseWorkspace::AddAction(QList<QAction*>* list, const QString& text, const QKeySequence& key) {
  auto* action = new QAction(text, this);
  if (!key.isEmpty()) action->setShortcut(key);
  list->append(action);
  return action;
}

void PoseWorkspace::CreateActions() {
  connect(AddAction(&open_actions_, tr("Open Pose &Object Folder..."), {}), &QAction::triggered, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("OnePose object folder (lowtexture_test_data/<id>-<name>-<category>) or dataset root"));
    if (dir.isEmpty()) return;
    QString error;
    if (!Open({dir}, std::nullopt, &error)) emit errorOccurred(error);
  });
  connect(AddAction(&open_actions_, tr("Open &Mesh for Pose..."), {}), &QAction::triggered, this, [this] {
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Mesh"), {}, tr("Meshes (*.%1)").arg(kMeshSuffixes.join(QStringLiteral(" *."))));
    if (file.isEmpty()) return;
    QString error;
    if (!Open({file}, std::nullopt, &error)) emit errorOccurred(error);
  });
  connect(AddAction(&open_actions_, tr("Open Pose &Query Image..."), {}), &QAction::triggered, this, [this] {
    const QString file =
        QFileDialog::getOpenFileName(this, tr("Query image"), {}, tr("Images (*.png *.jpg *.jpeg *.bmp)"));
    QString error;
    if (!file.isEmpty() && !controller_->OpenQueryImage(file, &error)) emit errorOccurred(error);
  });
  connect(AddAction(&view_actions_, tr("&Next Test Frame"), QKeySequence(Qt::Key_Right)), &QAction::triggered, this,
          [this] { controller_->Step(1); });
  connect(AddAction(&view_actions_, tr("P&revious Test Frame"), QKeySequence(Qt::Key_Left)), &QAction::triggered, this,
          [this] { controller_->Step(-1); });
  QAction* outliers = AddAction(&view_actions_, tr("Show &Outlier Matches"), {});
  outliers->setCheckable(true);
  connect(outliers, &QAction::toggled, controller_, &PoseController::SetShowOutliers);
  connect(AddAction(&edit_actions_, tr("Cancel Pose Jobs"), {}), &QAction::triggered, controller_,
          &PoseController::CancelAll);
}

QList<QAction*> PoseWorkspace::Actions(WorkspaceMenu menu) const {
  switch (menu) {
    case WorkspaceMenu::kOpen: return open_actions_;
    case WorkspaceMenu::kEdit: return edit_actions_;
    case WorkspaceMenu::kView: return view_actions_;
    case WorkspaceMenu::kExport: return {};
  }
  return {};
}

bool PoseWorkspace::CanOpen(const QStringList& files) const {
  return files.size() == 1 && (IsMesh(files[0]) || IsOnePoseFolder(files[0]));
}

bool PoseWorkspace::Open(const QStringList& files, std::optional<QPoint>, QString* error) {
  if (!CanOpen(files)) {
    *error = tr("%1: not a mesh or a OnePose object folder").arg(files.value(0));
    return false;
  }
  if (IsMesh(files[0])) {
    if (!QFileInfo(files[0]).isReadable()) {
      *error = tr("%1: cannot read the file").arg(files[0]);
      return false;
    }
    mesh_ = QFileInfo(files[0]).absoluteFilePath();
    controller_->OpenMesh(mesh_);
  } else {
    mesh_.clear();
    controller_->OpenObjectFolder(QFileInfo(files[0]).absoluteFilePath());
  }
  emit filesOpened(files);
  emit statusChanged();
  return true;
}

bool PoseWorkspace::OpenObjectFrame(const QString& folder, const QString& frame, QString* error) {
  const QString full = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  if (mesh_.isEmpty() && controller_->Reference() && QDir::cleanPath(controller_->ReferenceSource()) == full) {
    if (frame.isEmpty()) return true;  // the object alone: it is shown
    const int index = controller_->FrameIndex(frame);
    if (index < 0) {
      *error = tr("%1: no test frame %2").arg(full, frame);
      return false;
    }
    controller_->SetFrame(index);
    return true;
  }
  controller_->SetInitialFrame(frame);
  if (Open({full}, std::nullopt, error)) return true;
  controller_->SetInitialFrame(QString());
  return false;
}

QJsonObject PoseWorkspace::SaveDocument() const {
  QJsonObject json;
  if (!mesh_.isEmpty()) json[QStringLiteral("mesh")] = mesh_;
  if (mesh_.isEmpty() && controller_->Reference()) json[QStringLiteral("object")] = controller_->ReferenceSource();
  if (controller_->Frame() >= 0) json[QStringLiteral("frame")] = controller_->Frame();
  return json;
}

bool PoseWorkspace::LoadDocument(const QJsonObject& json, const QString& base_dir, QString* error) {
  const QString mesh = json.value(QStringLiteral("mesh")).toString();
  const QString object = json.value(QStringLiteral("object")).toString();
  const QString path = mesh.isEmpty() ? object : mesh;
  if (path.isEmpty()) return true;
  const QString full = QDir(base_dir).absoluteFilePath(path);
  if (!QFileInfo::exists(full)) {
    *error = tr("%1: missing (pose reference)").arg(full);
    return false;
  }
  controller_->SetInitialFrame(json.value(QStringLiteral("frame")).toInt(0));
  return Open({full}, std::nullopt, error);
}

QString PoseWorkspace::Status() const {
  const pose::ReferenceSet* reference = controller_->Reference();
  if (controller_->Busy() && !reference) return tr("Pose: loading the reference...");
  if (!reference) return tr("Pose: open a OnePose object folder or a mesh (File menu), or drop one here");
  QString text = tr("Pose: %1, %2 reference views, %3 keypoints")
                     .arg(QString::fromStdString(reference->name))
                     .arg(reference->views.size())
                     .arg(reference->KeypointCount());
  if (controller_->HasQuery()) text += tr(" · query %1").arg(controller_->Query().name);
  if (controller_->Busy()) text += tr(" · computing");
  return text;
}

void PoseWorkspace::SetRows(const QStringList& ids, const QStringList& titles) {
  for (Row* row : rows_) row->widget->deleteLater();
  qDeleteAll(rows_);
  rows_.clear();
  row_ids_ = ids;
  auto* grid = static_cast<QGridLayout*>(rows_container_->layout());
  const int columns = ids.size() >= 3 ? 2 : 1;
  for (int i = 0; i < ids.size(); ++i) {
    auto* row = new Row;
    row->id = ids[i];
    row->color = RowColor(i);
    row->widget = new QWidget(rows_container_);
    auto* box = new QVBoxLayout(row->widget);
    box->setContentsMargins(2, 2, 2, 2);
    row->title = new QLabel(QStringLiteral("<b style='color:%1'>&#9632;</b> <b>%2</b>")
                                .arg(row->color.name(), titles.value(i, ids[i]).toHtmlEscaped()));
    row->status = new QLabel;
    row->view = new ImageView;
    row->view->setMinimumSize(240, 240);
    row->match = new QLabel;
    row->match->setVisible(false);
    box->addWidget(row->title);
    box->addWidget(row->status);
    box->addWidget(row->view, 1);
    box->addWidget(row->match);
    connect(row->view, &ImageView::pointClicked, this, &PoseWorkspace::ShowMatchesAt);
    grid->addWidget(row->widget, i / columns, i % columns);
    rows_.push_back(row);
  }
  ShowQuery();
}

PoseWorkspace::Row* PoseWorkspace::FindRow(const QString& id) const {
  for (Row* row : rows_) {
    if (row->id == id) return row;
  }
  return nullptr;
}

QString PoseWorkspace::RowStatus(const QString& id) const {
  const Row* row = FindRow(id);
  return row ? row->status->text() : QString();
}

QString PoseWorkspace::RowMatchText(const QString& id) const {
  const Row* row = FindRow(id);
  return row ? row->match->toolTip() : QString();
}

ImageView* PoseWorkspace::RowView(const QString& id) const {
  const Row* row = FindRow(id);
  return row ? row->view : nullptr;
}

void PoseWorkspace::ShowQuery() {
  const PoseQuery& query = controller_->Query();
  const int frames = int(controller_->Frames().size());
  if (!controller_->HasQuery()) {
    info_->setText(controller_->Reference() ? tr("No query: open a query image") : QString());
  } else if (controller_->Frame() >= 0) {
    info_->setText(tr("Test frame %1 of %2 (%3) · ground truth in green, estimates in yellow · "
                      "Left/Right: previous/next frame")
                       .arg(controller_->Frame() + 1)
                       .arg(frames)
                       .arg(query.name));
  } else {
    info_->setText(tr("Query %1 (no ground truth)").arg(query.name));
  }
  for (Row* row : rows_) {
    if (controller_->Result(row->id)) {
      ShowResult(row->id);
    } else {
      row->view->SetImage(query.image);
    }
  }
  UpdateScene();
  emit statusChanged();
}

void PoseWorkspace::ShowResult(const QString& id) {
  Row* row = FindRow(id);
  const PoseRowResult* result = controller_->Result(id);
  if (!row || !result) return;
  if (row->view->Image().size() == result->overlay.size())
    row->view->SetBaseImage(result->overlay);
  else
    row->view->SetImage(result->overlay);
  row->status->setText(result->summary);
  UpdateScene();
}

void PoseWorkspace::ShowMatchesAt(QPointF pixel) {
  const pose::ReferenceSet* reference = controller_->Reference();
  if (!reference) return;
  constexpr double kRadius = 12.0;  // query pixels
  for (Row* row : rows_) {
    const PoseRowResult* result = controller_->Result(row->id);
    const pose::PoseMatch* best = nullptr;
    double best_d = kRadius;
    if (result) {
      for (const pose::PoseMatch& m : result->estimate.matches) {
        const double d = std::hypot(m.query.x - pixel.x(), m.query.y - pixel.y());
        if (d <= best_d) {
          best_d = d;
          best = &m;
        }
      }
    }
    row->match->setVisible(true);
    if (!best || best->view < 0 || best->view >= int(reference->views.size())) {
      row->match->setText(
          tr("No match within %1 px of (%2, %3)").arg(kRadius).arg(pixel.x(), 0, 'f', 0).arg(pixel.y(), 0, 'f', 0));
      continue;
    }
    const pose::ReferenceView& view = reference->views[size_t(best->view)];
    QImage image(QString::fromStdString(view.image));
    const cv::Point2d kp = best->keypoint >= 0 && best->keypoint < int(view.keypoints.size())
                               ? view.keypoints[size_t(best->keypoint)]
                               : cv::Point2d(-1, -1);
    if (!image.isNull()) {
      image = image.convertToFormat(QImage::Format_RGB888);
      QPainter painter(&image);
      painter.setRenderHint(QPainter::Antialiasing);
      painter.setPen(QPen(row->color, 3.0));
      painter.drawEllipse(QPointF(kp.x, kp.y), 10.0, 10.0);
      painter.end();
      row->match->setPixmap(QPixmap::fromImage(image.scaled(160, 160, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    }
    row->match->setToolTip(tr("Query (%1, %2) matched reference view %3 at (%4, %5), similarity %6, %7")
                               .arg(best->query.x, 0, 'f', 0)
                               .arg(best->query.y, 0, 'f', 0)
                               .arg(QString::fromStdString(view.name))
                               .arg(kp.x, 0, 'f', 1)
                               .arg(kp.y, 0, 'f', 1)
                               .arg(best->score, 0, 'f', 3)
                               .arg(best->inlier ? tr("inlier") : tr("outlier")));
    if (image.isNull()) row->match->setText(row->match->toolTip());
  }
}

void PoseWorkspace::UpdateScene() {
  const pose::ReferenceSet* reference = controller_->Reference();
  if (!reference) {
    scene_->SetPoints({}, {});
    scene_->SetBox({});
    scene_->SetCameras({});
    return;
  }
  std::vector<cv::Point3d> points;
  std::vector<QColor> colors;
  for (const pose::ReferenceView& view : reference->views) {
    for (const cv::Point3d& p : view.points) {
      points.push_back(p);
      colors.push_back(QColor(150, 170, 200));
    }
  }
  scene_->SetPoints(points, colors);
  scene_->SetBox(reference->BoundingBox());
  QVector<PoseScene::Camera> cameras;
  for (const pose::ReferenceView& view : reference->views) {
    if (view.cam_from_object) cameras.push_back({*view.cam_from_object, QColor(120, 120, 120), QString(), false});
  }
  const PoseQuery& query = controller_->Query();
  if (query.truth) cameras.push_back({*query.truth, ToQColor(cv::Scalar(0, 200, 0)), tr("truth"), true});
  for (int i = 0; i < int(rows_.size()); ++i) {
    const PoseRowResult* result = controller_->Result(rows_[size_t(i)]->id);
    if (result && result->estimate.solved)
      cameras.push_back({result->estimate.cam_from_object, rows_[size_t(i)]->color, rows_[size_t(i)]->id, true});
  }
  scene_->SetCameras(cameras);
}

}  // namespace corrlens::ui
