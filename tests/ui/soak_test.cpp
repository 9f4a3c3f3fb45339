// GUI soak test (issue 16): a main window with every workspace of this build
// (the dense SIFT backends give it the Benchmark and, where built, Finetune
// tabs), the graf1/graf3 pair and opencv-doc's vtest.avi open, is driven by
// CORRLENS_SOAK_EVENTS random steps (default 10000) from a seeded RNG
// (CORRLENS_SOAK_SEED, default 16): clicks, double-clicks, drags and wheel
// turns on random visible widgets, keys and shortcuts, tab switches, files of
// tests/fuzz/corpus and tests/data dropped on the window (MainWindow::OpenFiles,
// the path of drops and File > Open Recent; the File menu's dialogs end in the
// same workspace Open()), jobs started and cancelled.
// Dialogs and popups the steps open are closed as soon as they show.
//
// The application's notify() times every event delivered on the GUI thread:
// the time from entry to return minus the time the thread slept inside it
// (a nested event loop waiting). It checks: no crash, no qFatal, no critical
// message, and no event that a step dispatches after the initial loads takes
// longer than the limits below. The worst events of all kinds (also timers,
// paints and job results) are reported with qInfo, by event type and
// receiver class.
#include <QAbstractButton>
#include <QAbstractEventDispatcher>
#include <QAbstractScrollArea>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QMap>
#include <QMenu>
#include <QMenuBar>
#include <QMetaEnum>
#include <QMimeData>
#include <QMutex>
#include <QPointer>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QToolButton>
#include <QWheelEvent>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iterator>
#include <memory>
#include <random>
#include <vector>

#include "tests/common/sample_data.h"
#include "tests/ui/benchmark_test_support.h"
#include "ui/benchmark_runner.h"
#include "ui/benchmark_workspace.h"
#include "ui/video_document.h"
#include "ui/video_workspace.h"
#ifdef CORRLENS_HAVE_FINETUNE_WORKSPACE
#include "ui/finetune_workspace.h"
#endif
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/pair_document.h"
#include "ui/pair_workspace.h"
#include "ui/session_model.h"
#include "ui/workspace.h"

using namespace corrlens;
using namespace corrlens::ui;

namespace {

// The goal of issue 16: no event over 100 ms on the GUI thread. Events over
// it are listed in the report, whoever dispatched them.
constexpr double kReportMs = 100.0;
// What the test asserts for the events its steps dispatch after the initial
// loads (events that showed a dialog excepted): interactions (clicks, drags,
// wheel, keys, tab switches) and file opens (the pair's images are decoded off
// the GUI thread; a session's models and a video still open on it;
// docs/reliability.md lists the measured figures). Limits with room for a
// loaded machine; CORRLENS_SOAK_LIMIT_MS and CORRLENS_SOAK_OPEN_LIMIT_MS
// override them (e.g. 100 for the goal), and sanitizer builds take 4 times.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kSlowBuild = 4.0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr double kSlowBuild = 4.0;
#else
constexpr double kSlowBuild = 1.0;
#endif
#else
constexpr double kSlowBuild = 1.0;
#endif
constexpr double kInteractionLimitMs = 250.0;
constexpr double kOpenLimitMs = 500.0;

int EnvInt(const char* name, int fallback) {
  bool ok = false;
  const int value = qEnvironmentVariableIntValue(name, &ok);
  return ok ? value : fallback;
}

QString EventName(QEvent::Type type) {
  const char* key = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
  return key ? QString::fromLatin1(key) : QString::number(int(type));
}

// Qt messages: fatal ones are reported before the default handling aborts;
// critical ones and warnings are counted (the first few texts kept).
QtMessageHandler g_previous_handler = nullptr;
std::atomic<int> g_criticals{0};
std::atomic<int> g_warnings{0};
QMutex g_messages_lock;        // messages come from worker threads too
QStringList g_first_messages;  // guarded by g_messages_lock

void SoakMessageHandler(QtMsgType type, const QMessageLogContext& context, const QString& message) {
  // The offscreen platform's "This plugin does not support raise()" and the
  // like are no finding of the application.
  if ((type == QtCriticalMsg || type == QtWarningMsg) && !message.startsWith("This plugin does not support")) {
    (type == QtCriticalMsg ? g_criticals : g_warnings)++;
    QMutexLocker lock(&g_messages_lock);
    if (g_first_messages.size() < 20) g_first_messages << message.left(200);
  }
  if (type == QtFatalMsg) std::fprintf(stderr, "soak: fatal message: %s\n", qPrintable(message));
  if (g_previous_handler) g_previous_handler(type, context, message);
}

// The worst of one kind of event (type + receiver class).
struct KindStats {
  qint64 count = 0;
  qint64 worst_ns = 0;
  qint64 over_limit = 0;
  QString worst_receiver;  // class and object name of the worst one
};

// One event over kReportMs.
struct Offender {
  double ms = 0;
  QString kind;      // event type -> receiver class
  QString receiver;  // the receiver: class, name, text, workspace
  QString step;      // the step that was running or had run last
  bool driven = false;
  bool dialog = false;
};

// Names a receiver for the report: class, object name, a button's text or
// action, and the workspace it is in.
QString Describe(QObject* object) {
  QString text = QString::fromLatin1(object->metaObject()->className());
  if (!object->objectName().isEmpty()) text += " '" + object->objectName() + "'";
  if (auto* button = qobject_cast<QAbstractButton*>(object)) {
    QString label = button->text();
    auto* tool = qobject_cast<QToolButton*>(button);
    if (tool && tool->defaultAction()) label = tool->defaultAction()->text();
    if (label.isEmpty()) label = button->toolTip();
    text += " \"" + label.left(60) + "\"";
  }
  for (QObject* parent = object->parent(); parent; parent = parent->parent()) {
    if (auto* workspace = qobject_cast<Workspace*>(parent)) {
      text += " in " + workspace->Title();
      break;
    }
  }
  return text;
}

// QApplication whose notify() times the events of the GUI thread.
class SoakApplication : public QApplication {
 public:
  SoakApplication(int& argc, char** argv) : QApplication(argc, argv) { clock_.start(); }

  // Starts timing (after the dispatcher exists) and resets the figures.
  void StartRecording() {
    if (!dispatcher_hooked_) {
      QAbstractEventDispatcher* dispatcher = QAbstractEventDispatcher::instance(thread());
      QObject::connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, this, [this] { block_start_ = Now(); });
      QObject::connect(dispatcher, &QAbstractEventDispatcher::awake, this, [this] {
        if (block_start_ < 0) return;
        if (!stack_.empty()) stack_.back().idle += Now() - block_start_;
        block_start_ = -1;
      });
      dispatcher_hooked_ = true;
    }
    kinds_.clear();
    driven_kinds_.clear();
    offenders_.clear();
    events_ = driven_events_ = open_events_ = 0;
    worst_ns_ = driven_worst_ns_ = open_worst_ns_ = 0;
    recording_ = true;
  }
  void StopRecording() { recording_ = false; }
  // Events entered while this is set were dispatched by a step.
  void SetDriven(bool driven) { driven_ = driven; }
  // What the current (or last) step does, for the report.
  void SetStep(const QString& step) { step_ = step; }
  void SetMainWindow(QWidget* window) { main_window_ = window; }

  qint64 Events() const { return events_; }
  qint64 DrivenEvents() const { return driven_events_; }
  double WorstMs() const { return worst_ns_ / 1e6; }
  double DrivenWorstMs() const { return driven_worst_ns_ / 1e6; }
  // The steps' file opens (drops on the window), apart from the interactions.
  qint64 OpenEvents() const { return open_events_; }
  double OpenWorstMs() const { return open_worst_ns_ / 1e6; }
  int DialogsClosed() const { return dialogs_closed_; }
  QStringList DialogClasses() const { return dialog_classes_; }
  const QMap<QString, KindStats>& Kinds() const { return kinds_; }
  const QMap<QString, KindStats>& DrivenKinds() const { return driven_kinds_; }
  // Events over kReportMs (the first 100), and how many there were.
  const QList<Offender>& Offenders() const { return offenders_; }
  int OffenderCount() const { return offender_count_; }

  bool notify(QObject* receiver, QEvent* event) override {
    if (event->type() == QEvent::Show && receiver->isWidgetType()) CloseIfDialog(static_cast<QWidget*>(receiver));
    if (!recording_ || QThread::currentThread() != thread()) return QApplication::notify(receiver, event);
    const bool top = stack_.empty();
    const QEvent::Type type = event->type();
    const char* receiver_class = receiver->metaObject()->className();  // static text: safe if `receiver` dies
    const QPointer<QObject> alive(top ? receiver : nullptr);
    const bool driven = driven_;
    stack_.push_back({Now(), 0, false});
    const bool result = QApplication::notify(receiver, event);
    const Frame frame = stack_.back();
    stack_.pop_back();
    if (!stack_.empty()) {
      stack_.back().idle += frame.idle;  // sleeping inside a nested loop is no work of the outer event either
      stack_.back().dialog |= frame.dialog;
    } else {
      Record(type, receiver_class, alive, driven, frame.dialog, Now() - frame.start - frame.idle);
    }
    return result;
  }

 private:
  struct Frame {
    qint64 start;
    qint64 idle;
    bool dialog;  // a dialog or popup showed while it was handled
  };

  qint64 Now() const { return clock_.nsecsElapsed(); }

  // A dialog, message box or popup menu closes as soon as it shows (a step
  // never waits on one); its nested event loop then returns.
  void CloseIfDialog(QWidget* widget) {
    if (!widget->isWindow() || widget == main_window_) return;
    const Qt::WindowType kind = widget->windowType();
    const bool dialog = qobject_cast<QDialog*>(widget) || widget->isModal();
    const bool popup = kind == Qt::Popup;
    if (!dialog && !popup) return;
    ++dialogs_closed_;
    if (!stack_.empty()) stack_.back().dialog = true;
    const QString name = QString::fromLatin1(widget->metaObject()->className());
    if (!dialog_classes_.contains(name)) dialog_classes_ << name;
    QMetaObject::invokeMethod(
        widget,
        [widget] {
          if (auto* d = qobject_cast<QDialog*>(widget)) {
            d->reject();
          } else {
            widget->close();
          }
        },
        Qt::QueuedConnection);
  }

  // Events that showed a dialog or popup are kept apart ("[dialog] ..."):
  // building a dialog is no step of the soak (the steps open files without
  // one), and they are reported, not limited.
  void Record(QEvent::Type type, const char* receiver_class, const QPointer<QObject>& receiver_object, bool driven,
              bool dialog, qint64 ns) {
    ++events_;
    worst_ns_ = std::max(worst_ns_, ns);
    const QString kind = (dialog ? "[dialog] " : "") + EventName(type) + " -> " + QString::fromLatin1(receiver_class);
    const bool slow = ns > kReportMs * 1e6;
    const QString receiver = !receiver_object
                                 ? QString::fromLatin1(receiver_class) + " (deleted)"
                                 : (slow ? Describe(receiver_object) : QString::fromLatin1(receiver_class));
    if (slow) {
      ++offender_count_;
      if (offenders_.size() < 100) offenders_.append({ns / 1e6, kind, receiver, step_, driven, dialog});
    }
    auto add = [&](QMap<QString, KindStats>& map, double limit_ms) {
      KindStats& stats = map[kind];
      ++stats.count;
      if (ns > stats.worst_ns) {
        stats.worst_ns = ns;
        stats.worst_receiver = receiver;
      }
      if (ns > limit_ms * 1e6) ++stats.over_limit;
    };
    add(kinds_, kReportMs);
    if (driven && !dialog) {
      if (type == QEvent::Drop) {
        ++open_events_;
        open_worst_ns_ = std::max(open_worst_ns_, ns);
      } else {
        ++driven_events_;
        driven_worst_ns_ = std::max(driven_worst_ns_, ns);
      }
      add(driven_kinds_, kReportMs);
    }
  }

  QElapsedTimer clock_;
  std::vector<Frame> stack_;
  qint64 block_start_ = -1;
  bool dispatcher_hooked_ = false;
  bool recording_ = false;
  bool driven_ = false;
  QWidget* main_window_ = nullptr;
  qint64 events_ = 0;
  qint64 driven_events_ = 0;
  qint64 worst_ns_ = 0;
  qint64 driven_worst_ns_ = 0;
  qint64 open_events_ = 0;
  qint64 open_worst_ns_ = 0;
  int dialogs_closed_ = 0;
  QStringList dialog_classes_;
  QMap<QString, KindStats> kinds_;
  QMap<QString, KindStats> driven_kinds_;
  QString step_;
  QList<Offender> offenders_;
  int offender_count_ = 0;
};

SoakApplication* App() { return static_cast<SoakApplication*>(QCoreApplication::instance()); }

// A suffix for a fuzz corpus image by its magic bytes (the Pair workspace
// takes images by suffix).
QString ImageSuffix(const QByteArray& head) {
  if (head.startsWith("\x89PNG")) return "png";
  if (head.startsWith("\xff\xd8")) return "jpg";
  if (head.startsWith("BM")) return "bmp";
  if (head.startsWith("GIF")) return "gif";
  if (head.startsWith("RIFF")) return "webp";
  return "png";
}

// The files the steps open: the fuzz corpus (images and sessions under the
// suffixes the workspaces take; pickles, tensors and arrays as they are and,
// some, renamed as sessions, images and videos), tests/data, and the real
// pair and video.
QStringList SoakFiles(const QTemporaryDir& dir) {
  QStringList files;
  const QDir corpus(corrlens::test::SourcePath("/tests/fuzz/corpus"));
  int renamed = 0;
  for (const QString& kind : corpus.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
    const QDir folder(corpus.filePath(kind));
    int index = 0;
    for (const QString& name : folder.entryList(QDir::Files, QDir::Name)) {
      const QString path = folder.filePath(name);
      QFile file(path);
      if (!file.open(QIODevice::ReadOnly)) continue;
      const QByteArray head = file.read(16);
      QString copy;
      if (kind == "image") {
        copy = QString("image_%1.%2").arg(index).arg(ImageSuffix(head));
      } else if (kind == "session") {
        copy = QString("session_%1.json").arg(index);
      } else if (index % 8 == 0) {  // a few of every other kind under a suffix that gets them parsed
        static const char* kSuffixes[] = {"json", "png", "avi", "jpg"};
        copy = QString("%1_%2.%3").arg(kind).arg(index).arg(kSuffixes[renamed++ % 4]);
      }
      if (!copy.isEmpty() && QFile::copy(path, dir.filePath(copy))) files << dir.filePath(copy);
      if (index % 4 == 0) files << path;  // and as it is (no suffix: refused by every workspace)
      ++index;
    }
  }
  const QDir data(corrlens::test::TestDataPath(""));
  for (const QString& sub : data.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    const QDir folder(data.filePath(sub));
    for (const QString& name : folder.entryList(QDir::Files)) files << folder.filePath(name);
  }
  return files;
}

// The main window of the test with the classical backends.
struct Fixture {
  QTemporaryDir dir;
  test::ClassicalProvider provider;
  std::unique_ptr<MainWindow> window;
  Fixture() {
    provider.with_test_models = false;  // dense_sift and dense_rootsift
    MainWindowServices services{&provider, {}, dir.filePath("runs.sqlite")};
    services.benchmark.tasks = {"homography"};
    services.benchmark.preset = "quick";
    window = std::make_unique<MainWindow>(WindowState{}, services);
  }
  QTabWidget* Tabs() const { return static_cast<QTabWidget*>(window->centralWidget()); }
};

// The random steps.
class Driver {
 public:
  Driver(MainWindow* window, QTabWidget* tabs, QStringList files, QString pair_source, QString pair_target,
         QString video, quint32 seed)
      : window_(window),
        tabs_(tabs),
        files_(std::move(files)),
        pair_source_(std::move(pair_source)),
        pair_target_(std::move(pair_target)),
        video_(std::move(video)),
        rng_(seed) {}

  // One random step; its name is counted in Steps() and described to the
  // application (for the report of slow events).
  void Step(int index) {
    index_ = index;
    static const int kWeights[] = {30, 5, 10, 10, 20, 8, 7, 5, 5};
    std::discrete_distribution<int> pick(std::begin(kWeights), std::end(kWeights));
    switch (pick(rng_)) {
      case 0: Click(); break;
      case 1: DoubleClick(); break;
      case 2: Drag(); break;
      case 3: Wheel(); break;
      case 4: Key(); break;
      case 5: SwitchTab(); break;
      case 6: OpenFile(); break;
      case 7: StartJob(); break;
      default: CancelJobs(); break;
    }
  }
  const QMap<QString, int>& Steps() const { return steps_; }

 private:
  void Note(const QString& what, QWidget* widget = nullptr, QPoint at = {}) {
    QString text = QString("step %1: %2").arg(index_).arg(what);
    if (widget) text += QString(" on %1 at (%2, %3)").arg(Describe(widget)).arg(at.x()).arg(at.y());
    App()->SetStep(text);
  }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  // A random visible widget of the window (menus excluded: a step never
  // quits through File > Quit).
  QWidget* RandomWidget() {
    QList<QWidget*> candidates;
    for (QWidget* w : window_->findChildren<QWidget*>()) {
      if (!w->isVisible() || w->width() < 2 || w->height() < 2 || w->window() != window_) continue;
      if (qobject_cast<QMenuBar*>(w) || qobject_cast<QMenu*>(w)) continue;
      candidates << w;
    }
    if (candidates.isEmpty()) return window_;
    return candidates[Uniform(0, int(candidates.size()) - 1)];
  }
  QPoint RandomPoint(QWidget* w) { return QPoint(Uniform(0, w->width() - 1), Uniform(0, w->height() - 1)); }
  // The widget that gets the mouse: a scroll area's viewport.
  static QWidget* MouseTarget(QWidget* w) {
    if (auto* area = qobject_cast<QAbstractScrollArea*>(w)) return area->viewport();
    return w;
  }
  Qt::KeyboardModifiers RandomModifiers() {
    if (!Chance(0.15)) return Qt::NoModifier;
    static const Qt::KeyboardModifier kMods[] = {Qt::ShiftModifier, Qt::ControlModifier, Qt::AltModifier};
    return kMods[Uniform(0, 2)];
  }

  void Click() {
    QWidget* w = MouseTarget(RandomWidget());
    const int b = Uniform(0, 9);
    const Qt::MouseButton button = b < 8 ? Qt::LeftButton : (b == 8 ? Qt::RightButton : Qt::MiddleButton);
    const Qt::KeyboardModifiers modifiers = RandomModifiers();
    const QPoint at = RandomPoint(w);
    QPointer<QWidget> guard(w);
    steps_[button == Qt::LeftButton ? "click" : "other click"]++;
    Note(button == Qt::LeftButton ? "click" : "other click", w, at);
    QTest::mousePress(w, button, modifiers, at);
    if (guard) QTest::mouseRelease(w, button, modifiers, at);
  }
  void DoubleClick() {
    QWidget* w = MouseTarget(RandomWidget());
    const QPoint at = RandomPoint(w);
    steps_["double click"]++;
    Note("double click", w, at);
    QTest::mouseDClick(w, Qt::LeftButton, {}, at);
  }
  void Drag() {
    QWidget* w = MouseTarget(RandomWidget());
    QPointer<QWidget> guard(w);
    const Qt::MouseButton button = Chance(0.8) ? Qt::LeftButton : Qt::RightButton;
    const QPoint from = RandomPoint(w);
    steps_["drag"]++;
    Note("drag", w, from);
    QTest::mousePress(w, button, {}, from);
    for (int i = 0; i < 4 && guard && guard->isVisible(); ++i) QTest::mouseMove(w, RandomPoint(w));
    if (guard && guard->isVisible()) QTest::mouseRelease(w, button, {}, RandomPoint(w));
  }
  void Wheel() {
    QWidget* w = MouseTarget(RandomWidget());
    const QPoint at = RandomPoint(w);
    const int delta = (Chance(0.5) ? 1 : -1) * 120 * Uniform(1, 3);
    const bool horizontal = Chance(0.1);
    QWheelEvent event(at, w->mapToGlobal(at), QPoint(), horizontal ? QPoint(delta, 0) : QPoint(0, delta), Qt::NoButton,
                      RandomModifiers(), Qt::NoScrollPhase, false);
    steps_["wheel"]++;
    Note("wheel", w, at);
    QApplication::sendEvent(w, &event);
  }
  void Key() {
    // Navigation and editing keys, and the shortcuts that open no file
    // dialog: workspace toggles (H, P, M, C, F), play/pause (Space), frame
    // steps (arrows), cancel (Escape), clear points (Ctrl+Backspace), run
    // the benchmark (Ctrl+R), refresh models (F5).
    static const QPair<Qt::Key, Qt::KeyboardModifiers> kKeys[] = {
        {Qt::Key_Left, {}},
        {Qt::Key_Right, {}},
        {Qt::Key_Up, {}},
        {Qt::Key_Down, {}},
        {Qt::Key_Space, {}},
        {Qt::Key_Delete, {}},
        {Qt::Key_Escape, {}},
        {Qt::Key_Backspace, {}},
        {Qt::Key_Home, {}},
        {Qt::Key_End, {}},
        {Qt::Key_PageUp, {}},
        {Qt::Key_PageDown, {}},
        {Qt::Key_Tab, {}},
        {Qt::Key_Return, {}},
        {Qt::Key_Plus, {}},
        {Qt::Key_Minus, {}},
        {Qt::Key_H, {}},
        {Qt::Key_P, {}},
        {Qt::Key_M, {}},
        {Qt::Key_C, {}},
        {Qt::Key_F, {}},
        {Qt::Key_5, {}},
        {Qt::Key_F5, {}},
        {Qt::Key_R, Qt::ControlModifier},
        {Qt::Key_Z, Qt::ControlModifier},
        {Qt::Key_A, Qt::ControlModifier},
        {Qt::Key_Backspace, Qt::ControlModifier},
        {Qt::Key_Tab, Qt::ControlModifier},
        {Qt::Key_Left, Qt::ShiftModifier},
        {Qt::Key_Right, Qt::ShiftModifier},
    };
    const auto& [key, modifiers] = kKeys[Uniform(0, int(std::size(kKeys)) - 1)];
    QWidget* target = QApplication::focusWidget();
    if (!target || target->window() != window_) target = window_;
    steps_["key"]++;
    Note("key " + QKeySequence(key | modifiers).toString(), target);
    QTest::keyClick(target, key, modifiers);
  }
  void SwitchTab() {
    QTabBar* bar = tabs_->tabBar();
    const int index = Uniform(0, tabs_->count() - 1);
    steps_["tab switch"]++;
    Note("tab " + tabs_->tabText(index));
    QTest::mouseClick(bar, Qt::LeftButton, {}, bar->tabRect(index).center());
  }
  // Drops a file on the window (MainWindow::OpenFiles, as File > Open and
  // the recent files do); now and then the real pair or video again.
  void OpenFile() {
    QStringList files;
    const int what = Uniform(0, 19);
    if (what == 0) {
      files = {pair_source_, pair_target_};
    } else if (what == 1 && !video_.isEmpty()) {
      files = {video_};
    } else if (what == 2) {
      files = {files_[Uniform(0, int(files_.size()) - 1)], files_[Uniform(0, int(files_.size()) - 1)]};
    } else {
      files = {files_[Uniform(0, int(files_.size()) - 1)]};
    }
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString& f : files) urls << QUrl::fromLocalFile(f);
    mime.setUrls(urls);
    const QPoint at = RandomPoint(window_);
    steps_["open file"]++;
    QStringList names;
    for (const QString& f : files) {  // source tree files relative to it, others (copies, opencv-doc) by name
      const QString relative = QDir(corrlens::test::SourcePath("")).relativeFilePath(f);
      names << (relative.startsWith("..") ? QFileInfo(f).fileName() : relative);
    }
    Note("open " + names.join(" + "));
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(window_, &enter);
    QDropEvent drop(at, Qt::CopyAction, &mime, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(window_, &drop);
  }
  // Starts work: a click on an image of the shown workspace (a point whose
  // features are computed, or a query point tracked), or the benchmark's run.
  void StartJob() {
    steps_["start job"]++;
    Note("start job in " + tabs_->tabText(tabs_->currentIndex()));
    if (window_->Benchmark() && tabs_->currentWidget() == window_->Benchmark()) {
      QTest::keyClick(window_, Qt::Key_R, Qt::ControlModifier);
      return;
    }
    QList<QAbstractScrollArea*> views;
    for (auto* area : tabs_->currentWidget()->findChildren<QAbstractScrollArea*>()) {
      if (area->isVisible() && area->viewport()->width() > 10 && area->viewport()->height() > 10) views << area;
    }
    if (views.isEmpty()) return;
    QWidget* viewport = views[Uniform(0, int(views.size()) - 1)]->viewport();
    const QPoint at = RandomPoint(viewport);
    QPointer<QWidget> guard(viewport);
    QTest::mousePress(viewport, Qt::LeftButton, {}, at);
    if (guard) QTest::mouseRelease(viewport, Qt::LeftButton, {}, at);
  }
  // Cancels: Escape (Edit > Cancel Computations) or the benchmark's Cancel.
  void CancelJobs() {
    steps_["cancel jobs"]++;
    Note("cancel jobs");
    QTest::keyClick(window_, Qt::Key_Escape);
    if (window_->Benchmark() && window_->Benchmark()->Runner()->IsRunning()) window_->Benchmark()->Runner()->Cancel();
  }

  MainWindow* window_;
  QTabWidget* tabs_;
  QStringList files_;
  QString pair_source_;
  QString pair_target_;
  QString video_;
  std::mt19937 rng_;
  QMap<QString, int> steps_;
  int index_ = 0;
};

void ReportKinds(const char* title, const QMap<QString, KindStats>& kinds, double limit_ms, int top) {
  QList<QPair<QString, KindStats>> sorted;
  for (auto it = kinds.cbegin(); it != kinds.cend(); ++it) sorted.append({it.key(), it.value()});
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second.worst_ns > b.second.worst_ns; });
  qInfo("%s (worst first; over %.0f ms counted):", title, limit_ms);
  for (int i = 0; i < std::min<int>(top, sorted.size()); ++i) {
    const KindStats& s = sorted[i].second;
    qInfo("  %-55s worst %8.1f ms  events %7lld  over %lld  (worst at %s)", qPrintable(sorted[i].first),
          s.worst_ns / 1e6, s.count, s.over_limit, qPrintable(s.worst_receiver));
  }
}

}  // namespace

class SoakTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { g_previous_handler = qInstallMessageHandler(SoakMessageHandler); }
  void cleanupTestCase() { qInstallMessageHandler(g_previous_handler); }

  void randomEventsAcrossAllWorkspaces() {
    CORRLENS_REQUIRE_OPENCV_DATA("graf1.png");
    CORRLENS_REQUIRE_OPENCV_DATA("vtest.avi");
    const int events = EnvInt("CORRLENS_SOAK_EVENTS", 10000);
    const quint32 seed = quint32(EnvInt("CORRLENS_SOAK_SEED", 16));
    QTemporaryDir files_dir;
    const QStringList files = SoakFiles(files_dir);
    QVERIFY(files.size() > 100);

    QMap<QString, int> jobs;  // started, finished, failed, cancelled; outlives the window and its last signals
    Fixture f;
    App()->SetMainWindow(f.window.get());
    f.window->resize(1400, 900);
    f.window->show();
    QVERIFY(QTest::qWaitForWindowExposed(f.window.get()));
    QStringList ids;
    for (const Workspace* w : f.window->Workspaces()) ids << w->Id();
    qInfo("workspaces: %s", qPrintable(ids.join(", ")));
    QVERIFY(ids.contains("benchmark"));
#ifdef CORRLENS_HAVE_FINETUNE_WORKSPACE
    QVERIFY(ids.contains("finetune"));
#endif
    // The initial loads (not timed): the pair with a model ticked, the video.
    const QString source = test::OpenCvDataQ("graf1.png");
    const QString target = test::OpenCvDataQ("graf3.png");
    const QString video = test::OpenCvDataQ("vtest.avi");
    f.window->Session()->SetModels({"dense_sift"});
    QVERIFY(f.window->OpenPair(source, target));
    QVERIFY(f.window->OpenFiles({video}));
    QVERIFY(QTest::qWaitFor([&] { return !f.window->Pair()->Document()->IsLoading(); }, 20000));
    QTest::qWait(200);

    // A safety net beside the close-on-show: a dialog or popup still up is closed.
    QTimer closer;
    connect(&closer, &QTimer::timeout, this, [] {
      if (QWidget* popup = QApplication::activePopupWidget()) popup->close();
      if (auto* modal = qobject_cast<QDialog*>(QApplication::activeModalWidget())) modal->reject();
    });
    closer.start(100);

    JobRunner* runner = f.window->Jobs();
    connect(runner, &JobRunner::jobStarted, this, [&] { jobs["started"]++; });
    connect(runner, &JobRunner::jobFinished, this, [&] { jobs["finished"]++; });
    connect(runner, &JobRunner::jobFailed, this, [&] { jobs["failed"]++; });
    connect(runner, &JobRunner::jobCancelled, this, [&] { jobs["cancelled"]++; });
    connect(f.window->Benchmark()->Runner(), &BenchmarkRunner::started, this, [&] { jobs["benchmark runs"]++; });
#ifdef CORRLENS_HAVE_FINETUNE_WORKSPACE
    for (Workspace* w : f.window->Workspaces()) {
      if (auto* finetune = qobject_cast<FinetuneWorkspace*>(w)) {
        connect(finetune, &FinetuneWorkspace::runEnded, this, [&jobs, finetune](bool finished) {
          jobs[finished ? "finetune runs finished" : "finetune runs ended early"]++;
          qInfo("soak: a finetune run ended (%s)", qPrintable(finetune->Status()));
        });
      }
    }
#endif

    Driver driver(f.window.get(), f.Tabs(), files, source, target, video, seed);
    QElapsedTimer wall;
    wall.start();
    App()->StartRecording();
    for (int i = 0; i < events; ++i) {
      App()->SetDriven(true);
      driver.Step(i);
      App()->SetDriven(false);
      QCoreApplication::processEvents();  // what the step posted, job results, timers due
      QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
      if (!f.window->isVisible()) {  // a step must never close the window; show it again and go on
        qWarning("soak: the window was closed at step %d", i);
        f.window->show();
      }
    }
    // Opens still in flight finish first (a video that opens starts its
    // feature jobs); then the jobs a step left running are cancelled; their
    // ends are timed too.
    QVERIFY(QTest::qWaitFor(
        [&] {
          for (Workspace* w : f.window->Workspaces()) {
            if (auto* video = qobject_cast<VideoWorkspace*>(w); video && video->Document()->IsLoading()) return false;
          }
          return !f.window->Pair()->Document()->IsLoading();
        },
        20000));
    f.window->Jobs()->CancelAll();
    if (f.window->Benchmark()->Runner()->IsRunning()) f.window->Benchmark()->Runner()->Cancel();
    QVERIFY(QTest::qWaitFor(
        [&] { return f.window->Jobs()->ActiveJobs() == 0 && !f.window->Benchmark()->Runner()->IsRunning(); }, 60000));
    QTest::qWait(100);
    App()->StopRecording();
    closer.stop();
    const double seconds = wall.elapsed() / 1000.0;

    // The report.
    QStringList steps;
    for (auto it = driver.Steps().cbegin(); it != driver.Steps().cend(); ++it)
      steps << QString("%1 %2").arg(it.key()).arg(it.value());
    qInfo("soak: %d steps (seed %u) in %.1f s: %s", events, seed, seconds, qPrintable(steps.join(", ")));
    const double interaction_limit = EnvInt("CORRLENS_SOAK_LIMIT_MS", int(kInteractionLimitMs)) * kSlowBuild;
    const double open_limit = EnvInt("CORRLENS_SOAK_OPEN_LIMIT_MS", int(kOpenLimitMs)) * kSlowBuild;
    qInfo("soak: %lld events on the GUI thread, worst %.1f ms (all kinds, dialogs included)", App()->Events(),
          App()->WorstMs());
    qInfo(
        "soak: the steps' interactions: %lld events, worst %.1f ms (limit %.0f ms); their file opens: %lld, worst "
        "%.1f ms (limit %.0f ms)",
        App()->DrivenEvents(), App()->DrivenWorstMs(), interaction_limit, App()->OpenEvents(), App()->OpenWorstMs(),
        open_limit);
    QStringList job_counts;
    for (auto it = jobs.cbegin(); it != jobs.cend(); ++it) job_counts << QString("%1 %2").arg(it.key()).arg(it.value());
    qInfo("soak: jobs: %s", qPrintable(job_counts.join(", ")));
    qInfo("soak: %d dialogs/popups closed (%s); %d critical messages, %d warnings", App()->DialogsClosed(),
          qPrintable(App()->DialogClasses().join(", ")), g_criticals.load(), g_warnings.load());
    for (const QString& m : g_first_messages) qInfo("  message: %s", qPrintable(m));
    ReportKinds("soak: events dispatched by the steps", App()->DrivenKinds(), kReportMs, 12);
    ReportKinds("soak: all events", App()->Kinds(), kReportMs, 12);
    qInfo("soak: %d events over %.0f ms (the first %d):", App()->OffenderCount(), kReportMs,
          int(App()->Offenders().size()));
    for (const Offender& o : App()->Offenders()) {
      qInfo("  %7.1f ms %s%s on %s; %s", o.ms, o.driven ? "" : "(not a step's) ", qPrintable(o.kind),
            qPrintable(o.receiver), qPrintable(o.step));
    }

    QCOMPARE(g_criticals.load(), 0);
    QVERIFY(App()->Events() > events);
    QVERIFY2(App()->DrivenWorstMs() <= interaction_limit,
             qPrintable(QString("an interaction took %1 ms on the GUI thread (limit %2 ms)")
                            .arg(App()->DrivenWorstMs(), 0, 'f', 1)
                            .arg(interaction_limit)));
    QVERIFY2(App()->OpenWorstMs() <= open_limit,
             qPrintable(QString("a file open took %1 ms on the GUI thread (limit %2 ms)")
                            .arg(App()->OpenWorstMs(), 0, 'f', 1)
                            .arg(open_limit)));
  }
};

int main(int argc, char** argv) {
  SoakApplication app(argc, argv);
  app.setAttribute(Qt::AA_Use96Dpi, true);
  SoakTest test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}

#include "soak_test.moc"
