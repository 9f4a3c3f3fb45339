#include "core/download/http_download.h"

#include <curl/curl.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/download/sha256.h"
#include "core/util/error.h"

namespace corrlens::download {
namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

// "W/\"abc\"" -> "abc".
std::string CleanEtag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

std::string HostOf(const std::string& url) {
  size_t begin = url.find("://");
  begin = begin == std::string::npos ? 0 : begin + 3;
  const size_t end = url.find_first_of("/?#", begin);
  std::string host = url.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  if (const size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  return Lower(host);
}

uint64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = stdfs::file_size(path, ec);
  return ec ? 0 : static_cast<uint64_t>(size);
}

// Removes an empty regular file (never a device or a folder).
void RemoveIfEmpty(const std::string& path) {
  std::error_code ec;
  if (stdfs::is_regular_file(stdfs::symlink_status(path, ec)) && stdfs::file_size(path, ec) == 0)
    stdfs::remove(path, ec);
}

// State shared with the libcurl callbacks of one request.
struct Transfer {
  CURL* curl = nullptr;
  const CancelToken* cancel = nullptr;
  FILE* file = nullptr;                        // body goes here when the status is 200/206
  int write_errno = 0;                         // errno of a failed write
  bool no_space = false;                       // the free space check failed
  std::string partial;                         // for the free space check
  std::string error_body;                      // start of a non-2xx body
  std::map<std::string, std::string> headers;  // of the last response
  uint64_t offset = 0;                         // bytes already in the partial file
  uint64_t written = 0;                        // bytes written by this request
  bool space_checked = false;
  Clock::time_point start = Clock::now();
  Clock::time_point last_report;
  std::function<void(const TransferStats&)> report;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) t->headers.clear();  // a new response (after a redirect)
  const size_t colon = line.find(':');
  if (colon != std::string::npos) t->headers[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (!t->file || (status != 200 && status != 206)) {  // an error page: keep its start for the message
    if (t->error_body.size() < 300) t->error_body.append(data, std::min<size_t>(bytes, 300));
    return bytes;
  }
  if (std::fwrite(data, 1, bytes, t->file) != bytes) {
    t->write_errno = errno;
    return 0;  // CURLE_WRITE_ERROR
  }
  t->written += bytes;
  return bytes;
}

int OnProgress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancel && t->cancel->IsCancelled()) return 1;
  if (!t->space_checked && total > 0 && !t->partial.empty()) {  // refuse early when the disk cannot hold it
    t->space_checked = true;
    struct statvfs fs {};
    const std::string dir = stdfs::path(t->partial).parent_path().string();
    if (statvfs(dir.c_str(), &fs) == 0 &&
        static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize < static_cast<uint64_t>(total - now)) {
      t->no_space = true;
      return 1;
    }
  }
  const Clock::time_point clock = Clock::now();
  if (!t->report || clock - t->last_report < std::chrono::milliseconds(100)) return 0;
  t->last_report = clock;
  TransferStats stats;
  stats.done = t->offset + static_cast<uint64_t>(now);
  stats.total = total > 0 ? t->offset + static_cast<uint64_t>(total) : 0;
  const double seconds = std::chrono::duration<double>(clock - t->start).count();
  if (seconds > 0.2) stats.bytes_per_second = static_cast<double>(now) / seconds;
  if (stats.total > 0 && stats.bytes_per_second > 0)
    stats.eta_seconds = static_cast<double>(stats.total - stats.done) / stats.bytes_per_second;
  t->report(stats);
  return 0;
}

// The outcome of one request.
struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string curl_message;
  std::string effective_url;
};

// Checks size and SHA-256 of the finished partial file and renames it into
// place; a file that fails a check is removed and nothing is placed.
DownloadResult VerifyAndPlace(const DownloadRequest& request, const std::string& partial, DownloadResult result,
                              Progress& progress, const CancelToken& cancel) {
  const std::string name = stdfs::path(request.destination).filename().string();
  std::error_code ec;
  result.bytes = FileSize(partial);
  if (request.expected_size > 0 && result.bytes != request.expected_size) {
    stdfs::remove(partial, ec);
    throw Error("size mismatch: got " + std::to_string(result.bytes) + " bytes, expected " +
                    std::to_string(request.expected_size),
                {request.url}, "the server sent a different file; the partial file was removed");
  }
  progress.Report(1.0, name + ": verifying SHA-256");
  result.sha256 = Sha256OfFile(partial, &cancel);
  if (!request.expected_sha256.empty()) {
    if (Lower(request.expected_sha256) != result.sha256) {
      stdfs::remove(partial, ec);
      throw Error("SHA-256 mismatch: expected " + Lower(request.expected_sha256) + ", got " + result.sha256,
                  {request.url},
                  "corrupted or replaced on the server or a proxy; the partial file was removed, nothing was placed");
    }
    result.verified = true;
  }
  stdfs::rename(partial, request.destination, ec);
  if (ec) throw Error("cannot move the download into place: " + ec.message(), {request.destination});
  progress.Report(1.0, name + ": done");
  return result;
}

class CurlDownloader : public Downloader {
 public:
  explicit CurlDownloader(NetworkOptions options) : options_(std::move(options)) {
    if (!options_.Check())
      throw Error("invalid network options", {"", std::nullopt, "network"}, "timeouts and attempts must be positive");
    GlobalInit();
  }

  RemoteFileInfo Head(const std::string& url, const CancelToken& cancel) override;
  DownloadResult Fetch(const DownloadRequest& request, Progress& progress, const CancelToken& cancel) override;

 private:
  void RefuseWhenOffline(const std::string& url) const {
    if (options_.offline)
      throw Error("offline mode: not downloading (HF_HUB_OFFLINE is set)", {url},
                  "unset HF_HUB_OFFLINE to download, or copy the file into the cache by hand");
  }
  Reply Perform(const std::string& url, bool head, bool follow, Transfer& transfer) const;
  [[noreturn]] void ThrowFor(const Reply& reply, const Transfer& transfer, const std::string& url,
                             const std::string& file, int attempts) const;
  static bool Retryable(const Reply& reply);
  void Backoff(int attempt, const CancelToken& cancel) const;

  NetworkOptions options_;
};

Reply CurlDownloader::Perform(const std::string& url, bool head, bool follow, Transfer& t) const {
  CURL* curl = curl_easy_init();
  if (!curl) throw Error("cannot start a network request", {url}, "libcurl failed to initialise");
  t.curl = curl;
  char error_text[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = curl_slist_append(nullptr, "Accept-Encoding: identity");
  const std::string hf_host = HostOf(options_.hf_endpoint);
  if (!options_.hf_token.empty() && HostOf(url) == hf_host)
    headers = curl_slist_append(headers, ("Authorization: Bearer " + options_.hf_token).c_str());
  const bool https = Lower(url).rfind("https://", 0) == 0;
  const std::string& proxy = https ? options_.https_proxy : options_.http_proxy;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes);
  curl_easy_setopt(curl, CURLOPT_PROXY, proxy.c_str());  // "" = direct; the environment was read into options
  if (!options_.no_proxy.empty()) curl_easy_setopt(curl, CURLOPT_NOPROXY, options_.no_proxy.c_str());
  curl_easy_setopt(curl, CURLOPT_NOBODY, head ? 1L : 0L);
  if (t.offset > 0) curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t.offset));
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  Reply reply;
  reply.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  char* effective = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
  reply.effective_url = effective ? effective : url;
  reply.curl_message = error_text[0] ? error_text : curl_easy_strerror(reply.code);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  t.curl = nullptr;
  return reply;
}

bool CurlDownloader::Retryable(const Reply& reply) {
  switch (reply.code) {
    case CURLE_OK: return reply.status >= 500 || reply.status == 429 || reply.status == 408;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

void CurlDownloader::Backoff(int attempt, const CancelToken& cancel) const {
  const double wait = std::min(options_.max_backoff_s, options_.first_backoff_s * double(1 << std::min(attempt, 16)));
  const Clock::time_point until =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
  while (Clock::now() < until) {
    cancel.ThrowIfCancelled();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void CurlDownloader::ThrowFor(const Reply& reply, const Transfer& t, const std::string& url, const std::string& file,
                              int attempts) const {
  const std::string tries = attempts > 1 ? " (after " + std::to_string(attempts) + " tries)" : "";
  if (t.no_space)
    throw Error("disk full: not enough free space for the download", {file}, "free some space and fetch again");
  if (reply.code == CURLE_WRITE_ERROR) {
    const bool full = t.write_errno == ENOSPC || t.write_errno == EDQUOT;
    throw Error(
        full ? "disk full while writing the download"
             : "cannot write the download: " + std::string(std::strerror(t.write_errno)),
        {file},
        full ? "free some space; the partial file is kept and the download resumes" : "check the folder's permissions");
  }
  if (reply.code == CURLE_COULDNT_RESOLVE_HOST)
    throw Error("cannot resolve host '" + HostOf(url) + "' (DNS failure)", {url},
                "no network or a wrong address; set HTTPS_PROXY behind a proxy, HF_HUB_OFFLINE=1 to stay offline");
  if (reply.code == CURLE_COULDNT_RESOLVE_PROXY)
    throw Error("cannot resolve the proxy host (DNS failure)", {url}, "check HTTPS_PROXY / HTTP_PROXY");
  if (reply.code == CURLE_TOO_MANY_REDIRECTS)
    throw Error("too many redirects (more than " + std::to_string(options_.max_redirects) + ")", {url},
                "a redirect loop on the server or proxy");
  if (reply.code != CURLE_OK) throw Error(reply.curl_message + tries, {url}, "network error; try again later");
  const std::string code = "HTTP " + std::to_string(reply.status);
  switch (reply.status) {
    case 401:
      throw Error(code + " Unauthorized", {url},
                  options_.hf_token.empty() ? "the file needs a login: set HF_TOKEN to a Hugging Face access token"
                                            : "HF_TOKEN was refused: check the token");
    case 403: throw Error(code + " Forbidden", {url}, "gated or private: accept the model's terms and set HF_TOKEN");
    case 404:
      throw Error(code + " Not Found", {url},
                  "no such file at this address: check the model name, HF_ENDPOINT and CORRLENS_DINOV2_URL");
    default:
      throw Error(code + (reply.status >= 500 ? " server error" : " refused") + tries, {url},
                  Trim(t.error_body.substr(0, 120)).empty() ? "the server refused the request"
                                                            : "server said: " + Trim(t.error_body.substr(0, 120)));
  }
}

RemoteFileInfo CurlDownloader::Head(const std::string& url, const CancelToken& cancel) {
  RefuseWhenOffline(url);
  RemoteFileInfo info;
  info.url = url;
  for (int redirects = 0, attempt = 1;; ++attempt) {
    Transfer t;
    t.cancel = &cancel;
    const Reply reply = Perform(info.url, /*head=*/true, /*follow=*/false, t);
    if (reply.code == CURLE_ABORTED_BY_CALLBACK) throw Cancelled();
    if (Retryable(reply) && attempt < options_.max_attempts) {
      Backoff(attempt - 1, cancel);
      continue;
    }
    info.status = reply.status;
    info.headers = t.headers;
    const auto header = [&](const char* name) { return t.headers.count(name) ? t.headers.at(name) : std::string(); };
    if (reply.code == CURLE_OK && reply.status >= 300 && reply.status < 400 && !header("location").empty()) {
      info.location = header("location");
      if (info.location.rfind("/", 0) == 0 && redirects++ < options_.max_redirects) {  // same host: follow
        info.url = info.url.substr(0, info.url.find('/', info.url.find("://") + 3)) + info.location;
        info.location.clear();
        continue;
      }
    } else if (reply.code != CURLE_OK || reply.status >= 400) {
      ThrowFor(reply, t, info.url, "", attempt);
    }
    info.repo_commit = header("x-repo-commit");
    info.etag = CleanEtag(header("x-linked-etag").empty() ? header("etag") : header("x-linked-etag"));
    const std::string size = header("x-linked-size").empty() ? header("content-length") : header("x-linked-size");
    info.size = size.empty() ? 0 : std::strtoull(size.c_str(), nullptr, 10);
    return info;
  }
}

DownloadResult CurlDownloader::Fetch(const DownloadRequest& request, Progress& progress, const CancelToken& cancel) {
  if (!request.Check())
    throw Error("a download needs a URL and a destination", {request.destination, std::nullopt, "download"});
  RefuseWhenOffline(request.url);
  const std::string partial = request.PartialPath();
  std::error_code ec;
  stdfs::create_directories(stdfs::path(partial).parent_path(), ec);
  stdfs::create_directories(stdfs::path(request.destination).parent_path(), ec);
  const std::string name = stdfs::path(request.destination).filename().string();
  DownloadResult result;
  result.path = request.destination;
  for (int attempt = 1;; ++attempt) {
    Transfer t;
    t.cancel = &cancel;
    t.partial = partial;
    t.offset = FileSize(partial);
    if (request.expected_size > 0 && t.offset > request.expected_size) {  // not this file: start over
      stdfs::remove(partial, ec);
      t.offset = 0;
    }
    if (request.expected_size > 0 && t.offset == request.expected_size) break;  // already complete
    result.resumed = result.resumed || t.offset > 0;
    t.report = [&](const TransferStats& stats) {
      if (request.on_transfer) request.on_transfer(stats);
      progress.Report(stats.total ? double(stats.done) / double(stats.total) : 0.0,
                      name + ": " + FormatTransfer(stats));
    };
    t.file = std::fopen(partial.c_str(), t.offset > 0 ? "ab" : "wb");
    if (!t.file) throw Error("cannot create the download file: " + std::string(std::strerror(errno)), {partial});
    Reply reply = Perform(request.url, /*head=*/false, /*follow=*/true, t);
    if (std::fclose(t.file) != 0 && reply.code == CURLE_OK) {  // buffered bytes could not be written
      t.write_errno = errno;
      reply.code = CURLE_WRITE_ERROR;
    }
    result.attempts = attempt;
    result.final_url = reply.effective_url;
    if (reply.code == CURLE_ABORTED_BY_CALLBACK && cancel.IsCancelled()) {
      RemoveIfEmpty(partial);
      throw Cancelled();  // a non-empty partial file stays for a resume
    }
    if (reply.code == CURLE_OK && (reply.status == 200 || reply.status == 206)) break;
    if (reply.code == CURLE_RANGE_ERROR || (reply.code == CURLE_OK && reply.status == 416)) {
      stdfs::remove(partial, ec);  // the server cannot continue this partial file: start over
      if (attempt < options_.max_attempts) continue;
    }
    if (!Retryable(reply) || attempt >= options_.max_attempts) {
      RemoveIfEmpty(partial);  // an error page left nothing worth resuming
      ThrowFor(reply, t, request.url, partial, attempt);
    }
    Backoff(attempt - 1, cancel);
  }
  return VerifyAndPlace(request, partial, result, progress, cancel);
}

}  // namespace

std::unique_ptr<Downloader> Downloader::Create(const NetworkOptions& options) {
  return std::make_unique<CurlDownloader>(options);
}

}  // namespace corrlens::download
