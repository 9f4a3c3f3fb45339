// NetworkOptions from the environment and the progress text of transfers.
#include <fmt/format.h>

#include <cstdlib>

#include "core/download/http_download.h"

namespace corrlens::download {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

// The lowercase variable wins, as in curl and Python's requests.
std::string EnvEither(const char* lower, const char* upper) {
  const std::string value = Env(lower);
  return value.empty() ? Env(upper) : value;
}

bool IsTrue(std::string value) {
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value == "1" || value == "true" || value == "yes" || value == "on";
}

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

bool NetworkOptions::Check() const {
  return !hf_endpoint.empty() && !dinov2_base_url.empty() && connect_timeout_s > 0 && low_speed_time_s > 0 &&
         low_speed_bytes >= 0 && max_redirects >= 0 && max_attempts >= 1 && first_backoff_s >= 0 &&
         max_backoff_s >= first_backoff_s;
}

NetworkOptions NetworkOptions::FromEnvironment() {
  NetworkOptions options;
  if (!Env("HF_ENDPOINT").empty()) options.hf_endpoint = WithoutTrailingSlash(Env("HF_ENDPOINT"));
  if (!Env("CORRLENS_DINOV2_URL").empty()) options.dinov2_base_url = WithoutTrailingSlash(Env("CORRLENS_DINOV2_URL"));
  options.hf_token = Env("HF_TOKEN");
  options.offline = IsTrue(Env("HF_HUB_OFFLINE"));
  const std::string all = EnvEither("all_proxy", "ALL_PROXY");
  options.http_proxy = EnvEither("http_proxy", "HTTP_PROXY");
  options.https_proxy = EnvEither("https_proxy", "HTTPS_PROXY");
  if (options.http_proxy.empty()) options.http_proxy = all;
  if (options.https_proxy.empty()) options.https_proxy = all;
  options.no_proxy = EnvEither("no_proxy", "NO_PROXY");
  return options;
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes < 1000) return fmt::format("{} B", bytes);
  if (bytes < 1000 * 1000) return fmt::format("{:.1f} kB", bytes / 1e3);
  if (bytes < uint64_t{1000} * 1000 * 1000) return fmt::format("{:.1f} MB", bytes / 1e6);
  return fmt::format("{:.2f} GB", bytes / 1e9);
}

std::string FormatTransfer(const TransferStats& stats) {
  std::string text = FormatBytes(stats.done);
  if (stats.total > 0) text += " of " + FormatBytes(stats.total);
  if (stats.bytes_per_second > 0) text += ", " + FormatBytes(static_cast<uint64_t>(stats.bytes_per_second)) + "/s";
  if (stats.eta_seconds >= 0) {
    const auto eta = static_cast<long>(stats.eta_seconds + 0.5);
    text += eta >= 120 ? fmt::format(", {} min {} s left", eta / 60, eta % 60) : fmt::format(", {} s left", eta);
  }
  return text;
}

bool DownloadRequest::Check() const { return !url.empty() && !destination.empty(); }

}  // namespace corrlens::download
