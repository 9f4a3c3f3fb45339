#include "app/cli/backend_args.h"

#include "core/corr/feature_service.h"
#include "plugins/registry/builtin_backends.h"
#include "plugins/torchscript/torchscript_plugin.h"

namespace corrlens::cli {

ExtractOptions BackendArgs::Extract() const {
  ExtractOptions extract;
  extract.resolution = resolution;
  return extract;
}

void AddBackendOptions(CLI::App* app, BackendArgs* args, bool model_required) {
  CLI::Option* model = app->add_option("--model", args->models, "Backend name (repeatable); see `corrlens-cli models`");
  if (model_required) model->required();
  app->add_option("--device", args->device, "Torch device: cpu, cuda, cuda:N");
  app->add_option("--weights", args->weights, "ViT backbone weight file (overrides discovery)");
  app->add_option("--adapter", args->adapter, "3DCorrEnhance adapter .ckpt for +3dcorr models");
  app->add_option("--models-dir", args->model_dirs, "Extra folder with weight files (repeatable)");
  app->add_option("--resolution", args->resolution, "Long side of the model input (reference: 640)");
  app->add_flag("--no-cache", args->no_cache, "Do not read or write the feature cache");
}

std::shared_ptr<FeatureService> OpenFeatureService(const BackendArgs& args) {
  FeatureServiceOptions options;
  options.backend.device = args.device;
  options.backend.model_dirs = args.model_dirs;
  options.backend.weights_path = args.weights;
  options.backend.adapter_path = args.adapter;
  options.use_cache = !args.no_cache;
  RegisterTorchScriptModels(BuiltinBackends(), args.model_dirs);  // manifests in --models-dir
  auto service = std::make_shared<FeatureService>(BuiltinBackends(), options);
  for (const std::string& model : args.models) service->Info(model);
  return service;
}

}  // namespace corrlens::cli
