// HTTP(S) downloads on libcurl: progress with bytes, rate and ETA, cancel,
// resume of `<final>.incomplete` with HTTP Range, limited redirects, bounded
// retries with back-off, SHA-256 verified when the server publishes it, and
// an atomic rename into place only when the file is complete and verified.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/util/progress.h"

namespace corrlens::download {

// Network settings; FromEnvironment() reads HF_ENDPOINT, HF_TOKEN,
// HF_HUB_OFFLINE, CORRLENS_DINOV2_URL and the proxy variables.
struct NetworkOptions {
  std::string hf_endpoint = "https://huggingface.co";                     // Hugging Face (HF_ENDPOINT)
  std::string dinov2_base_url = "https://dl.fbaipublicfiles.com/dinov2";  // official DINOv2 files
  std::string hf_token;          // sent as Bearer only to hf_endpoint's host (HF_TOKEN)
  bool offline = false;          // refuse every network access (HF_HUB_OFFLINE=1)
  std::string http_proxy;        // proxy for http:// URLs (http_proxy / HTTP_PROXY)
  std::string https_proxy;       // proxy for https:// URLs (https_proxy / HTTPS_PROXY)
  std::string no_proxy;          // hosts reached directly (no_proxy / NO_PROXY)
  long connect_timeout_s = 30;   // TCP + TLS connect
  long low_speed_time_s = 60;    // abort a transfer slower than low_speed_bytes/s for this long
  long low_speed_bytes = 1024;   // see low_speed_time_s
  int max_redirects = 10;        // redirects followed per request
  int max_attempts = 5;          // tries per file (network errors, 5xx, 429)
  double first_backoff_s = 1.0;  // wait after the first failed try; doubled each time
  double max_backoff_s = 30.0;   // cap of the wait
  std::string user_agent = "corrlens/0.1";

  bool Check() const;
  static NetworkOptions FromEnvironment();
};

// Bytes so far of one file, for progress lines.
struct TransferStats {
  uint64_t done = 0;            // bytes on disk, including a resumed part
  uint64_t total = 0;           // 0 when the server did not say
  double bytes_per_second = 0;  // average of this transfer
  double eta_seconds = -1;      // -1 when unknown
};

// "12.3 MB of 88.0 MB, 5.1 MB/s, 14 s left".
std::string FormatTransfer(const TransferStats& stats);
// "88.0 MB", "1.2 GB", "512 B".
std::string FormatBytes(uint64_t bytes);

// One file to download.
struct DownloadRequest {
  std::string url;
  std::string destination;                                // final path, written only when complete and verified
  std::string partial;                                    // partial file; "" = destination + ".incomplete"
  std::string expected_sha256;                            // "" when the server publishes none
  uint64_t expected_size = 0;                             // 0 = unknown
  std::function<void(const TransferStats&)> on_transfer;  // optional, called on the downloading thread

  bool Check() const;
  std::string PartialPath() const { return partial.empty() ? destination + ".incomplete" : partial; }
};

struct DownloadResult {
  std::string path;       // the destination
  std::string sha256;     // of the file, always computed
  bool verified = false;  // sha256 matched a published hash
  uint64_t bytes = 0;
  bool resumed = false;  // continued a partial file
  int attempts = 0;
  std::string final_url;  // after redirects
};

// What a server says about a URL without sending the body (redirects to
// other hosts are not followed: their Location is reported).
struct RemoteFileInfo {
  long status = 0;                             // of the last response
  std::string url;                             // the URL answered (after relative redirects)
  std::string location;                        // redirect target, "" when none
  std::string etag;                            // X-Linked-Etag, else ETag, without quotes or W/
  std::string repo_commit;                     // X-Repo-Commit (Hugging Face)
  uint64_t size = 0;                           // X-Linked-Size, else Content-Length; 0 = unknown
  std::map<std::string, std::string> headers;  // lowercase names
};

class Downloader {
 public:
  virtual ~Downloader() = default;
  // HEAD request; throws corrlens::Error for network errors and 4xx/5xx.
  virtual RemoteFileInfo Head(const std::string& url, const CancelToken& cancel) = 0;
  // Downloads one file (see the file comment). Throws corrlens::Error with a
  // one-line reason, or Cancelled (the partial file stays for a resume).
  virtual DownloadResult Fetch(const DownloadRequest& request, Progress& progress, const CancelToken& cancel) = 0;

  static std::unique_ptr<Downloader> Create(const NetworkOptions& options);
};

}  // namespace corrlens::download
