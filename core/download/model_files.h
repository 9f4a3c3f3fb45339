// The files CorrLens downloads for a catalog entry, their state on disk
// (available / downloadable / partial), fetching the missing ones into the
// torch-hub or Hugging Face cache, and removing exactly those files again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/download/http_download.h"
#include "core/model/model_catalog.h"

namespace corrlens::download {

// One file of an entry: where discovery found it, or what a download writes.
struct ModelFile {
  std::string role;            // "backbone" or "adapter"
  model::WeightSource source;  // the source CorrLens downloads (the catalog's preferred one)
  std::string url;             // with HF_ENDPOINT / CORRLENS_DINOV2_URL applied
  std::string found_path;      // any location discovery searches; "" = missing
  std::string found_location;  // "torch-hub cache", "huggingface cache", ...
  std::string partial_path;    // an unfinished download of it; "" = none
  uint64_t partial_bytes = 0;
  uint64_t size = 0;  // on disk when found, else as learnt from the server; 0 = unknown
};

enum class ModelState { kAvailable, kDownloadable, kPartial };
// "available", "downloadable", "partial".
const char* StateName(ModelState state);

struct ModelFilesStatus {
  model::CatalogEntry entry;
  std::vector<ModelFile> files;  // backbone first
  ModelState state = ModelState::kDownloadable;
  uint64_t missing_bytes = 0;      // known size of the missing files
  bool missing_size_known = true;  // every missing file's size is known
  uint64_t disk_bytes = 0;         // of the files found
};

struct ModelFilesOptions {
  model::DiscoveryOptions discovery;  // where files are looked for; downloads go to its caches
  NetworkOptions network;
  bool adapter_only = false;      // only the adapter of a "+3dcorr" entry
  std::string revision = "main";  // Hugging Face revision (branch, tag or commit)
  std::string records_dir;        // sizes and SHA-256 of downloads; "" = <cache>/downloads

  bool Check() const;
  static ModelFilesOptions FromEnvironment();
};

// The entry's files and their state; reads only the disk.
ModelFilesStatus InspectModelFiles(const model::CatalogEntry& entry, const ModelFilesOptions& options);

// Downloads every missing file (resuming partial ones) into its cache; one
// result per downloaded file. Throws corrlens::Error or Cancelled.
std::vector<DownloadResult> FetchModelFiles(const model::CatalogEntry& entry, const ModelFilesOptions& options,
                                            Downloader& downloader, Progress& progress, const CancelToken& cancel);

// Asks the server for the size of each missing file whose size is unknown
// (HEAD requests) and records it, so states show "downloadable 88.0 MB".
void LearnMissingSizes(const model::CatalogEntry& entry, const ModelFilesOptions& options, Downloader& downloader,
                       const CancelToken& cancel);

// Removes what FetchModelFiles writes for the entry (the torch-hub file, the
// Hugging Face snapshot entries and their unshared blobs, partial files and
// records), nothing else. Returns the removed paths.
std::vector<std::string> RemoveModelFiles(const model::CatalogEntry& entry, const ModelFilesOptions& options);

}  // namespace corrlens::download
