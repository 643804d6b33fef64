#include "log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace creditshare::log {

namespace {
std::mutex mu;

void AppendValue(std::string& out, std::string_view v) {
  if (!v.empty() && v.find_first_of(" \"=\n") == std::string_view::npos) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c == '\n' ? ' ' : c);
  }
  out.push_back('"');
}

void Write(std::string_view level, std::string_view event, const std::vector<Field>& fields) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  std::string line = std::string("ts=") + ts + " level=";
  line.append(level).append(" event=");
  AppendValue(line, event);
  for (const auto& [k, v] : fields) {
    line.push_back(' ');
    line.append(k).push_back('=');
    AppendValue(line, v);
  }
  line.push_back('\n');
  std::lock_guard lock(mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}
}  // namespace

void Info(std::string_view event, const std::vector<Field>& fields) { Write("info", event, fields); }
void Warn(std::string_view event, const std::vector<Field>& fields) { Write("warn", event, fields); }
void Error(std::string_view event, const std::vector<Field>& fields) { Write("error", event, fields); }

}  // namespace creditshare::log
