// A hiredis reply as plain text, for test assertions (arrays one element per
// line). Test-support only; the daemon copies replies in store/.
#pragma once

#include <hiredis/hiredis.h>

#include <string>

namespace caseroute::testing {

inline std::string reply_text(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_ARRAY: {
      std::string out;
      for (std::size_t i = 0; i < r->elements; ++i) {
        if (i) out += '\n';
        out += reply_text(r->element[i]);
      }
      return out;
    }
    default:
      return "(nil)";
  }
}

}  // namespace caseroute::testing
