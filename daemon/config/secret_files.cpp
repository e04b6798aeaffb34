// load_config: the file-reading half of the loader. Reads the config file and
// the secret files it names, refusing weak ones (open to group or others, a
// short HMAC secret, a key of the wrong size); never logs or echoes a secret,
// only file names.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

#include "config/loader.hpp"
#include "config/messages.hpp"
#include "config/parsed.hpp"

namespace caseroute::config {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t max_config_bytes = 16 * 1024 * 1024;
constexpr std::uintmax_t max_secret_bytes = 64 * 1024;
// A platform's HMAC-SHA256 secret: at least the hash's own size.
constexpr std::size_t min_hmac_secret_bytes = 32;

// The whole file, or nullopt with the reason in `why`.
std::optional<std::string> read_file(const fs::path& path, std::uintmax_t max_bytes, std::string& why) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    why = ec ? ec.message() : (fs::exists(path, ec) ? "not a regular file" : "no such file");
    return std::nullopt;
  }
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    why = ec.message();
    return std::nullopt;
  }
  if (size > max_bytes) {
    why = "larger than " + std::to_string(max_bytes) + " bytes";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    why = "read error";
    return std::nullopt;
  }
  return std::move(content).str();
}

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.pop_back();
  }
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Like ssh with a private key: a secret others on the host can read (or
// replace) is refused, with what to do about it. One exception, as
// PostgreSQL makes for its keys: a root-owned file that a non-root daemon
// reads through its group (Kubernetes mounts secrets root:fsGroup 0440).
std::optional<std::string> too_open(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;  // read_file reports it
  const mode_t mode = st.st_mode & 07777;
  const bool through_group = st.st_uid == 0 && ::geteuid() != 0 && (mode & 0037) == 0;
  if ((mode & 0077) == 0 || through_group) return std::nullopt;
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
  return path.string() + " is accessible by group or others (mode " + octal +
         "); a secret must be readable by the daemon's user only: chmod 600 " + path.string();
}

bool all_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return hex_value(c) >= 0; });
}

// 64 hex characters -> 32 bytes; nullopt otherwise.
std::optional<std::string> decode_key_hex(std::string_view text) {
  if (text.size() != 64) return std::nullopt;
  std::string key(32, '\0');
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key[i] = static_cast<char>(hi * 16 + lo);
  }
  return key;
}

// Like ssh with a private key: a password file others can read is refused.
// Empty when the mode is fine (or the file is missing: read_file says so).
std::string readable_by_others(const fs::path& path) {
  std::error_code ec;
  const auto perms = fs::status(path, ec).permissions();
  if (ec || !fs::exists(path, ec)) return {};
  const auto loose = fs::perms::group_all | fs::perms::others_all;
  if ((perms & loose) == fs::perms::none) return {};
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(perms & fs::perms::mask));
  return std::string("is accessible by group or others (mode ") + mode + "); run chmod 600 on it";
}

void add_error(load_result& r, detail::position at, std::string message) {
  r.errors.push_back({at.line, at.column, std::move(message)});
}

}  // namespace

load_result load_config(const fs::path& file) {
  std::string why;
  const std::optional<std::string> text = read_file(file, max_config_bytes, why);
  if (!text) {
    load_result r;
    r.errors.push_back({0, 0, "cannot read the config file: " + why});
    return r;
  }
  detail::parsed p = detail::parse(*text);
  load_result& r = p.result;
  const fs::path base = file.parent_path();
  const auto resolve = [&](const std::string& name) {
    const fs::path path(name);
    return path.is_absolute() ? path : base / path;
  };

  for (std::size_t i = 0; i < p.partial.platforms.size(); ++i) {
    platform& pf = p.partial.platforms[i];
    if (pf.secret_file.empty()) continue;  // already reported as missing
    const detail::position at = p.platform_secret_files[i];
    const std::string key = "platforms[" + std::to_string(i) + "].secret_file";
    const fs::path path = resolve(pf.secret_file);
    const std::optional<std::string> secret = read_file(path, max_secret_bytes, why);
    if (!secret) {
      add_error(r, at, key + ": cannot read " + path.string() + ": " + why);
    } else if (auto open = too_open(path)) {
      add_error(r, at, key + ": " + *open);
    } else if ((pf.secret = trim_right(*secret)).empty()) {
      add_error(r, at, key + ": " + path.string() + " is empty");
    } else if (pf.secret.size() < min_hmac_secret_bytes) {
      add_error(r, at,
                key + ": " + path.string() + " holds " + std::to_string(pf.secret.size()) +
                    " bytes; an HMAC secret needs at least " + std::to_string(min_hmac_secret_bytes) +
                    " (e.g. openssl rand -hex 32)");
    }
  }

  redis_settings& redis = p.partial.redis;
  if (!redis.password_file.empty()) {
    const detail::position at = p.redis_password_file;
    const fs::path path = resolve(redis.password_file);
    if (const std::string loose = readable_by_others(path); !loose.empty()) {
      add_error(r, at, "redis.password_file: " + path.string() + " " + loose);
    } else if (const std::optional<std::string> content = read_file(path, max_secret_bytes, why); !content) {
      add_error(r, at, "redis.password_file: cannot read " + path.string() + ": " + why);
    } else if ((redis.password = trim_right(*content)).empty()) {
      add_error(r, at, "redis.password_file: " + path.string() + " is empty");
    }
  }

  privacy_settings& privacy = p.partial.privacy;
  // One data key file: 64 hex characters, or exactly 32 raw bytes (not 32
  // hex characters: that is a 128-bit key written as text).
  const auto read_key = [&](const std::string& name, detail::position at, const std::string& what) {
    const fs::path path = resolve(name);
    const std::optional<std::string> content = read_file(path, max_secret_bytes, why);
    std::optional<std::string> key;
    if (!content) {
      add_error(r, at, what + ": cannot read " + path.string() + ": " + why);
    } else if (auto open = too_open(path)) {
      add_error(r, at, what + ": " + *open);
    } else if (content->size() == 32 && !all_hex(*content)) {
      key = *content;  // exactly 32 raw bytes
    } else if (!(key = decode_key_hex(trim_right(*content)))) {
      add_error(r, at,
                what + ": " + path.string() +
                    " must hold 64 hex characters or exactly 32 raw bytes "
                    "(e.g. openssl rand -hex 32)");
    }
    return key;
  };
  if (!privacy.encryption_key_file.empty()) {
    if (auto key = read_key(privacy.encryption_key_file, p.encryption_key_file, "privacy.encryption_key_file"))
      privacy.encryption_key = std::move(*key);
  }
  privacy.previous_encryption_keys.clear();
  for (std::size_t i = 0; i < privacy.previous_encryption_key_files.size(); ++i) {
    const detail::position at =
        i < p.previous_encryption_key_files.size() ? p.previous_encryption_key_files[i] : detail::position{};
    const std::string what = "privacy.previous_encryption_key_files[" + std::to_string(i) + "]";
    if (auto key = read_key(privacy.previous_encryption_key_files[i], at, what))
      privacy.previous_encryption_keys.push_back(std::move(*key));
  }

  detail::sort_problems(r);
  r.cfg.reset();
  if (r.errors.empty()) r.cfg = std::move(p.partial);
  return std::move(r);
}

std::string format_problems(const fs::path& file, const load_result& r) {
  return format_problems(file, r, language::en);
}

}  // namespace caseroute::config
